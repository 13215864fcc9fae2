/**
 * Learns whether a server asks for a client certificate, and which CAs it says it accepts, by playing
 * the first half of a TLS 1.2 handshake: in TLS 1.2 the CertificateRequest travels in clear text, so
 * its certificate_authorities list can be read (TLS 1.3 encrypts it and Node's TLS does not expose it).
 * The connection is dropped after ServerHelloDone; no keys are exchanged.
 */
import { connect } from 'node:net';
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import { x509 } from '../pki/x509-runtime.js';
import { nameToText } from '../pki/name.js';

export interface CertificateRequestInfo {
  /** 'tls1.2' when the server answered a TLS 1.2 hello; 'unavailable' when it would not (e.g. TLS 1.3 only). */
  visibility: 'tls1.2' | 'unavailable';
  requested?: boolean;
  /** Distinguished names from certificate_authorities, as text and DER. */
  acceptedCas: { name: string; der: Buffer }[];
  note?: string;
}

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const withLen16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);

function extension(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), withLen16(body)]);
}

export function clientHello(host: string): Buffer {
  const suites = [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
  const exts: Buffer[] = [];
  if (!isIP(host)) {
    const name = Buffer.from(host, 'ascii');
    exts.push(extension(0x0000, withLen16(Buffer.concat([Buffer.from([0]), withLen16(name)]))));
  }
  exts.push(extension(0x000a, withLen16(Buffer.concat([0x001d, 0x0017, 0x0018, 0x0019].map(u16)))));
  exts.push(extension(0x000b, Buffer.from([1, 0])));
  exts.push(extension(0x000d, withLen16(Buffer.concat([0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201].map(u16)))));
  exts.push(extension(0x0017, Buffer.alloc(0)));
  exts.push(extension(0xff01, Buffer.from([0])));
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    randomBytes(32),
    Buffer.from([0]),
    withLen16(Buffer.concat(suites.map(u16))),
    Buffer.from([1, 0]),
    withLen16(Buffer.concat(exts)),
  ]);
  const handshake = Buffer.concat([Buffer.from([1]), u24(body.length), body]);
  return Buffer.concat([Buffer.from([0x16, 3, 1]), u16(handshake.length), handshake]);
}

/** Parses handshake messages out of the records received so far; returns what it learned, or undefined to read on. */
function interpret(records: Buffer): CertificateRequestInfo | undefined {
  let handshake = Buffer.alloc(0);
  for (let p = 0; p + 5 <= records.length; ) {
    const type = records[p]!;
    const len = records.readUInt16BE(p + 3);
    if (p + 5 + len > records.length) break;
    const body = records.subarray(p + 5, p + 5 + len);
    if (type === 0x15) return { visibility: 'unavailable', acceptedCas: [], note: `the server refused a TLS 1.2 handshake (alert ${body[1]})` };
    if (type === 0x16) handshake = Buffer.concat([handshake, body]);
    p += 5 + len;
  }
  let requested = false;
  let acceptedCas: CertificateRequestInfo['acceptedCas'] = [];
  for (let p = 0; p + 4 <= handshake.length; ) {
    const type = handshake[p]!;
    const len = handshake.readUIntBE(p + 1, 3);
    if (p + 4 + len > handshake.length) return undefined;
    const msg = handshake.subarray(p + 4, p + 4 + len);
    if (type === 2 && msg[0] === 3 && msg[1] !== 3) return { visibility: 'unavailable', acceptedCas: [], note: 'the server chose an old TLS version' };
    if (type === 13) {
      requested = true;
      acceptedCas = parseCertificateRequest(msg);
    }
    if (type === 14) return { visibility: 'tls1.2', requested, acceptedCas };
    p += 4 + len;
  }
  return undefined;
}

function parseCertificateRequest(msg: Buffer): CertificateRequestInfo['acceptedCas'] {
  let p = 1 + msg[0]!; // certificate_types
  p += 2 + msg.readUInt16BE(p); // supported_signature_algorithms
  const end = p + 2 + msg.readUInt16BE(p);
  p += 2;
  const cas: CertificateRequestInfo['acceptedCas'] = [];
  while (p + 2 <= end) {
    const len = msg.readUInt16BE(p);
    const der = Buffer.from(msg.subarray(p + 2, p + 2 + len));
    let name: string;
    try {
      name = nameToText(new x509.Name(new Uint8Array(der)));
    } catch {
      name = '(unreadable name)';
    }
    cas.push({ name, der });
    p += 2 + len;
  }
  return cas;
}

export function readCertificateRequest(host: string, port: number, timeoutMs = 5000): Promise<CertificateRequestInfo> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let settled = false;
    const socket = connect({ host, port });
    const finish = (info: CertificateRequestInfo) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(info);
    };
    const timer = setTimeout(() => finish({ visibility: 'unavailable', acceptedCas: [], note: 'the server did not finish a TLS 1.2 hello in time' }), timeoutMs);
    socket.on('connect', () => socket.write(clientHello(host)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const info = interpret(received);
      if (info) finish(info);
    });
    socket.on('error', (err) => finish({ visibility: 'unavailable', acceptedCas: [], note: `connection failed (${err.message})` }));
    socket.on('close', () => finish({ visibility: 'unavailable', acceptedCas: [], note: 'the server closed the connection during the TLS 1.2 hello' }));
  });
}
