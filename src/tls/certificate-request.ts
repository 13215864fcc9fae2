/**
 * Reads the server's CertificateRequest out of the bytes of our own handshake: whether the server asked
 * for a client certificate, and which CA names it says it accepts. Node's TLS API exposes neither.
 *
 * TLS 1.2 sends the CertificateRequest in clear text. TLS 1.3 encrypts it with the server handshake
 * traffic secret, which Node hands to us through the 'keylog' event (it is our own connection), so we
 * derive the record key (RFC 8446 section 7) and decrypt the server's handshake flight ourselves.
 */
import { createDecipheriv, createHmac } from 'node:crypto';
import { nameDerToText } from '../pki/name-text.js';

export interface CertificateRequestInfo {
  /** Which handshake the answer comes from; 'unavailable' when the bytes could not be read. */
  visibility: 'tls1.2' | 'tls1.3' | 'unavailable';
  /** Whether the server asked for a client certificate (undefined when unavailable). */
  requested?: boolean;
  /** Distinguished names from certificate_authorities, as text and DER. */
  acceptedCas: { name: string; der: Buffer }[];
  note?: string;
}

interface TlsRecord {
  type: number;
  header: Buffer;
  body: Buffer;
}

interface HandshakeMessage {
  type: number;
  body: Buffer;
}

const RECORD_CCS = 0x14;
const RECORD_ALERT = 0x15;
const RECORD_HANDSHAKE = 0x16;
const RECORD_APPLICATION = 0x17;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE_REQUEST = 13;
const HS_SERVER_HELLO_DONE = 14;
const HS_FINISHED = 20;
const EXT_SUPPORTED_VERSIONS = 0x002b;
const EXT_CERTIFICATE_AUTHORITIES = 0x002f;
/** ServerHello.random of a HelloRetryRequest (RFC 8446 section 4.1.3). */
const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

/** The TLS 1.3 cipher suites Node's client offers (the CCM suites are off by default): AEAD, key length, hash. */
const TLS13_SUITES: Record<
  number,
  {
    cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
    keyLength: number;
    tagLength: number;
    hash: 'sha256' | 'sha384';
  }
> = {
  0x1301: { cipher: 'aes-128-gcm', keyLength: 16, tagLength: 16, hash: 'sha256' },
  0x1302: { cipher: 'aes-256-gcm', keyLength: 32, tagLength: 16, hash: 'sha384' },
  0x1303: { cipher: 'chacha20-poly1305', keyLength: 32, tagLength: 16, hash: 'sha256' },
};

const unavailable = (note: string): CertificateRequestInfo => ({ visibility: 'unavailable', acceptedCas: [], note });

function readRecords(data: Buffer): TlsRecord[] {
  const records: TlsRecord[] = [];
  for (let p = 0; p + 5 <= data.length;) {
    const len = data.readUInt16BE(p + 3);
    if (p + 5 + len > data.length) break;
    records.push({ type: data[p]!, header: data.subarray(p, p + 5), body: data.subarray(p + 5, p + 5 + len) });
    p += 5 + len;
  }
  return records;
}

/** Splits a handshake byte stream into messages; a trailing partial message is left out. */
function readMessages(stream: Buffer): HandshakeMessage[] {
  const messages: HandshakeMessage[] = [];
  for (let p = 0; p + 4 <= stream.length;) {
    const len = stream.readUIntBE(p + 1, 3);
    if (p + 4 + len > stream.length) break;
    messages.push({ type: stream[p]!, body: stream.subarray(p + 4, p + 4 + len) });
    p += 4 + len;
  }
  return messages;
}

/** Extensions as type → body, from a u16-length-prefixed block at `p`. */
function readExtensions(buf: Buffer, p: number): Map<number, Buffer> {
  const map = new Map<number, Buffer>();
  const end = Math.min(buf.length, p + 2 + buf.readUInt16BE(p));
  for (p += 2; p + 4 <= end;) {
    const len = buf.readUInt16BE(p + 2);
    map.set(buf.readUInt16BE(p), buf.subarray(p + 4, p + 4 + len));
    p += 4 + len;
  }
  return map;
}

interface ServerHelloFacts {
  tls13: boolean;
  cipherSuite: number;
}

function readServerHello(body: Buffer): ServerHelloFacts & { retry: boolean } {
  const retry = body.subarray(2, 34).equals(HRR_RANDOM);
  let p = 34;
  p += 1 + body[p]!; // legacy_session_id
  const cipherSuite = body.readUInt16BE(p);
  p += 3; // cipher suite + legacy compression
  const extensions = p + 2 <= body.length ? readExtensions(body, p) : new Map<number, Buffer>();
  const selected = extensions.get(EXT_SUPPORTED_VERSIONS);
  return { retry, cipherSuite, tls13: selected !== undefined && selected.readUInt16BE(0) === 0x0304 };
}

/** DistinguishedName list: u16 total length, then u16-length-prefixed DER names. */
function readCaNames(buf: Buffer, p: number): CertificateRequestInfo['acceptedCas'] {
  const end = Math.min(buf.length, p + 2 + buf.readUInt16BE(p));
  const cas: CertificateRequestInfo['acceptedCas'] = [];
  for (p += 2; p + 2 <= end;) {
    const len = buf.readUInt16BE(p);
    const der = Buffer.from(buf.subarray(p + 2, p + 2 + len));
    let name: string;
    try {
      name = nameDerToText(der);
    } catch {
      name = '(unreadable name)';
    }
    cas.push({ name, der });
    p += 2 + len;
  }
  return cas;
}

/** TLS 1.2: certificate_types<1..>, supported_signature_algorithms<2..>, certificate_authorities<0..>. */
export function parseTls12CertificateRequest(body: Buffer): CertificateRequestInfo['acceptedCas'] {
  let p = 1 + body[0]!;
  p += 2 + body.readUInt16BE(p);
  return readCaNames(body, p);
}

/** TLS 1.3: certificate_request_context<0..255>, extensions; the names are in certificate_authorities. */
export function parseTls13CertificateRequest(body: Buffer): CertificateRequestInfo['acceptedCas'] {
  const extensions = readExtensions(body, 1 + body[0]!);
  const authorities = extensions.get(EXT_CERTIFICATE_AUTHORITIES);
  return authorities ? readCaNames(authorities, 0) : [];
}

/** HKDF-Expand-Label (RFC 8446 section 7.1) with an empty context. */
function expandLabel(hash: string, secret: Buffer, label: string, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, fullLabel.length]),
    fullLabel,
    Buffer.from([0]),
  ]);
  let okm = Buffer.alloc(0);
  let previous = Buffer.alloc(0);
  for (let i = 1; okm.length < length; i++) {
    previous = createHmac(hash, secret)
      .update(previous)
      .update(info)
      .update(Buffer.from([i]))
      .digest();
    okm = Buffer.concat([okm, previous]);
  }
  return okm.subarray(0, length);
}

/** Decrypts one TLSCiphertext record; returns the inner content type and content. */
function decryptRecord(
  record: TlsRecord,
  suite: (typeof TLS13_SUITES)[number],
  key: Buffer,
  iv: Buffer,
  seq: number,
): { type: number; content: Buffer } {
  const nonce = Buffer.from(iv);
  // The per-record nonce is the IV XOR the 64-bit sequence number, right-aligned.
  for (let i = 0, s = seq; i < 8 && s > 0; i++, s = Math.floor(s / 256)) nonce[11 - i] = nonce[11 - i]! ^ (s & 0xff);
  const ciphertext = record.body.subarray(0, record.body.length - suite.tagLength);
  const tag = record.body.subarray(record.body.length - suite.tagLength);
  const decipher = createDecipheriv(suite.cipher as 'aes-128-gcm', key, nonce, { authTagLength: suite.tagLength });
  decipher.setAAD(record.header);
  decipher.setAuthTag(tag);
  const inner = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  let end = inner.length;
  while (end > 0 && inner[end - 1] === 0) end--; // zero padding after the real content type
  return { type: inner[end - 1]!, content: inner.subarray(0, end - 1) };
}

function secretFromKeylog(keylog: string[]): Buffer | undefined {
  for (const line of keylog) {
    const [label, , secret] = line.trim().split(' ');
    if (label === 'SERVER_HANDSHAKE_TRAFFIC_SECRET' && secret) return Buffer.from(secret, 'hex');
  }
  return undefined;
}

function observeTls13(encrypted: TlsRecord[], suiteId: number, keylog: string[]): CertificateRequestInfo {
  const suite = TLS13_SUITES[suiteId];
  if (!suite)
    return unavailable(`the server chose TLS 1.3 cipher suite 0x${suiteId.toString(16)}, which probe cannot decrypt`);
  const secret = secretFromKeylog(keylog);
  if (!secret) return unavailable('the TLS 1.3 handshake secret was not available');
  const key = expandLabel(suite.hash, secret, 'key', suite.keyLength);
  const iv = expandLabel(suite.hash, secret, 'iv', 12);
  let stream = Buffer.alloc(0);
  for (const [seq, record] of encrypted.entries()) {
    let inner: { type: number; content: Buffer };
    try {
      inner = decryptRecord(record, suite, key, iv, seq);
    } catch {
      return unavailable("the server's encrypted TLS 1.3 handshake could not be decrypted");
    }
    if (inner.type !== RECORD_HANDSHAKE) break;
    stream = Buffer.concat([stream, inner.content]);
    const messages = readMessages(stream);
    if (messages.some((m) => m.type === HS_FINISHED)) {
      const request = messages.find((m) => m.type === HS_CERTIFICATE_REQUEST);
      return {
        visibility: 'tls1.3',
        requested: request !== undefined,
        acceptedCas: request ? parseTls13CertificateRequest(request.body) : [],
      };
    }
  }
  return unavailable("the server's TLS 1.3 handshake did not arrive complete");
}

/**
 * What the server's handshake said about client certificates.
 * `serverBytes`: everything received from the server, from the start; `keylog`: Node's keylog lines.
 */
export function observeCertificateRequest(serverBytes: Buffer, keylog: string[]): CertificateRequestInfo {
  const records = readRecords(serverBytes);
  // Clear handshake records come first; ChangeCipherSpec or application data ends them.
  const firstProtected = records.findIndex((r) => r.type === RECORD_CCS || r.type === RECORD_APPLICATION);
  const clear = firstProtected < 0 ? records : records.slice(0, firstProtected);
  const messages = readMessages(Buffer.concat(clear.filter((r) => r.type === RECORD_HANDSHAKE).map((r) => r.body)));
  let hello: ServerHelloFacts | undefined;
  for (const m of messages.filter((msg) => msg.type === HS_SERVER_HELLO)) {
    const facts = readServerHello(m.body);
    if (!facts.retry) hello = facts;
  }
  if (!hello) {
    const alert = clear.find((r) => r.type === RECORD_ALERT);
    return unavailable(
      alert
        ? `the server ended the handshake with alert ${alert.body[1]} before its hello`
        : 'the server sent no complete hello',
    );
  }
  if (hello.tls13)
    return observeTls13(
      records.filter((r) => r.type === RECORD_APPLICATION),
      hello.cipherSuite,
      keylog,
    );
  if (!messages.some((m) => m.type === HS_SERVER_HELLO_DONE))
    return unavailable("the server's TLS 1.2 hello did not arrive complete");
  const request = messages.find((m) => m.type === HS_CERTIFICATE_REQUEST);
  return {
    visibility: 'tls1.2',
    requested: request !== undefined,
    acceptedCas: request ? parseTls12CertificateRequest(request.body) : [],
  };
}
