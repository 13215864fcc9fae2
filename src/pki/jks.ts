/**
 * Java KeyStore (JKS) files holding trusted certificates only, as `keytool -importcert` writes them:
 * magic 0xFEEDFEED, version 2, the entry count, then per entry tag 2 (trustedCertEntry), the alias
 * (Java modified UTF-8 with a 16-bit length), the creation time in milliseconds, the certificate type
 * "X.509" and the DER certificate; last, a SHA-1 over the password (UTF-16BE), the words
 * "Mighty Aphrodite" and everything before it, which is how keytool checks the store's integrity.
 */
import { createHash } from 'node:crypto';

const MAGIC = 0xfeedfeed;
const VERSION = 2;
const TRUSTED_CERT_TAG = 2;

export interface JksTrustedCertificate {
  alias: string;
  der: Buffer;
  /** Creation date keytool shows; defaults to now. */
  date?: Date;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Java's DataOutput.writeUTF: modified UTF-8 (NUL as C0 80, supplementary characters as surrogate pairs). */
function javaUtf(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x01 && c <= 0x7f) bytes.push(c);
    else if (c <= 0x7ff) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  if (bytes.length > 0xffff) throw new RangeError('JKS alias too long');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  return Buffer.concat([len, Buffer.from(bytes)]);
}

/** The keyed digest keytool checks: SHA-1(password as UTF-16BE, "Mighty Aphrodite", body). */
export function jksDigest(password: string, body: Buffer): Buffer {
  const pw = Buffer.from(password, 'utf16le').swap16();
  return createHash('sha1').update(pw).update(Buffer.from('Mighty Aphrodite', 'utf8')).update(body).digest();
}

export function encodeJksTruststore(entries: JksTrustedCertificate[], password: string): Buffer {
  const parts: Buffer[] = [u32(MAGIC), u32(VERSION), u32(entries.length)];
  for (const e of entries) {
    const time = Buffer.alloc(8);
    time.writeBigUInt64BE(BigInt((e.date ?? new Date()).getTime()));
    parts.push(u32(TRUSTED_CERT_TAG), javaUtf(e.alias), time, javaUtf('X.509'), u32(e.der.length), e.der);
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, jksDigest(password, body)]);
}

/** Reads a trusted-certificates-only JKS back (for tests and `show`); checks the digest when a password is given. */
export function decodeJksTruststore(data: Buffer, password?: string): JksTrustedCertificate[] {
  if (data.length < 32 || data.readUInt32BE(0) !== MAGIC) throw new Error('not a JKS file');
  const body = data.subarray(0, data.length - 20);
  if (password !== undefined && !jksDigest(password, body).equals(data.subarray(data.length - 20)))
    throw new Error('JKS integrity check failed (wrong password?)');
  let p = 8;
  const count = data.readUInt32BE(p);
  p += 4;
  const readUtf = () => {
    const n = data.readUInt16BE(p);
    const s = data.subarray(p + 2, p + 2 + n).toString('utf8');
    p += 2 + n;
    return s;
  };
  const out: JksTrustedCertificate[] = [];
  for (let i = 0; i < count; i++) {
    const tag = data.readUInt32BE(p);
    p += 4;
    if (tag !== TRUSTED_CERT_TAG) throw new Error('JKS entry is not a trusted certificate');
    const alias = readUtf();
    const date = new Date(Number(data.readBigUInt64BE(p)));
    p += 8;
    readUtf(); // certificate type
    const len = data.readUInt32BE(p);
    p += 4;
    out.push({ alias, date, der: Buffer.from(data.subarray(p, p + len)) });
    p += len;
  }
  return out;
}
