/**
 * A minimal, fast DER toolkit: encoders that build from arrays of Buffers with one concat (100,000-entry
 * CRLs stay linear), and a reader for walking TLVs. Only what X.509, CRLs and PKCS#12 need.
 */

export function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function derTlv(tag: number, content: Buffer | Buffer[]): Buffer {
  const body = Array.isArray(content) ? Buffer.concat(content) : content;
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

export const derSequence = (...parts: Buffer[]): Buffer => derTlv(0x30, parts);
export const derSet = (...parts: Buffer[]): Buffer => derTlv(0x31, parts);
export const derNull = (): Buffer => Buffer.from([0x05, 0x00]);
export const derBoolean = (value: boolean): Buffer => Buffer.from([0x01, 0x01, value ? 0xff : 0x00]);
export const derOctetString = (bytes: Uint8Array): Buffer => derTlv(0x04, Buffer.from(bytes));
export const derIa5String = (text: string): Buffer => derTlv(0x16, Buffer.from(text, 'latin1'));
export const derUtf8String = (text: string): Buffer => derTlv(0x0c, Buffer.from(text, 'utf8'));
export const derBmpString = (text: string): Buffer => derTlv(0x1e, Buffer.from(text, 'utf16le').swap16());

/** [n] EXPLICIT: a constructed context tag around one encoded value. */
export const derExplicit = (tagNumber: number, inner: Buffer): Buffer => derTlv(0xa0 | tagNumber, inner);

/** [n] IMPLICIT over an encoded value: replaces its tag, keeping constructed-ness. */
export function derImplicit(tagNumber: number, encoded: Buffer): Buffer {
  const constructed = (encoded[0]! & 0x20) !== 0;
  const out = Buffer.from(encoded);
  out[0] = (constructed ? 0xa0 : 0x80) | tagNumber;
  return out;
}

/** INTEGER from unsigned big-endian bytes (a 00 octet is added when the top bit is set). */
export function derUnsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  let body = Buffer.from(bytes.subarray(start));
  if (body.length === 0) body = Buffer.from([0]);
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return derTlv(0x02, body);
}

export function derIntegerFromHex(hex: string): Buffer {
  const clean = hex.length % 2 ? `0${hex}` : hex;
  return derUnsignedInteger(Buffer.from(clean, 'hex'));
}

export function derSmallInteger(n: number | bigint): Buffer {
  let hex = BigInt(n).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return derIntegerFromHex(hex);
}

export function derEnumerated(n: number): Buffer {
  return derTlv(0x0a, derSmallInteger(n).subarray(2));
}

const oidCache = new Map<string, Buffer>();

export function derOid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split('.').map((a) => BigInt(a));
  if (arcs.length < 2) throw new Error(`bad OID ${dotted}`);
  const bytes: number[] = [];
  const pushArc = (arc: bigint) => {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    bytes.push(...chunk);
  };
  pushArc(arcs[0]! * 40n + arcs[1]!);
  for (const arc of arcs.slice(2)) pushArc(arc);
  const out = derTlv(0x06, Buffer.from(bytes));
  oidCache.set(dotted, out);
  return out;
}

/** BIT STRING with no unused bits (keys, signatures). */
export function derBitString(bytes: Uint8Array): Buffer {
  return derTlv(0x03, [Buffer.from([0]), Buffer.from(bytes)]);
}

/** A named-bit BIT STRING (keyUsage, reasons) from bit numbers, trailing zero bits removed as DER requires. */
export function derNamedBits(bits: number[]): Buffer {
  if (bits.length === 0) return Buffer.from([0x03, 0x01, 0x00]);
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[Math.floor(b / 8)]! |= 0x80 >> (b % 8);
  const unused = 7 - (highest % 8);
  return derTlv(0x03, [Buffer.from([unused]), bytes]);
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
export function derTime(date: Date): Buffer {
  const y = date.getUTCFullYear();
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return derTlv(0x17, Buffer.from(`${two(y % 100)}${rest}`, 'latin1'));
  return derTlv(0x18, Buffer.from(`${String(y).padStart(4, '0')}${rest}`, 'latin1'));
}

// ---- reading ----

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  offset: number;
  /** Offset of the first content byte. */
  start: number;
  /** Offset just past the content. */
  end: number;
}

export class DerError extends Error {}

export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let p = offset + 1;
  const first = buf[p++]!;
  let length: number;
  if (first < 0x80) length = first;
  else {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || p + count > limit) throw new DerError('bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[p++]!;
  }
  if (p + length > limit) throw new DerError('truncated');
  return { tag, offset, start: p, end: p + length };
}

/** The TLVs directly inside a constructed value. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.start; p < parent.end; ) {
    const t = readTlv(buf, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

export function slice(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + t.offset, t.end - t.offset);
}

export function content(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + t.start, t.end - t.start);
}

export function decodeOid(bytes: Uint8Array): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of bytes) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs.shift() ?? 0n;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs].join('.');
}

/** INTEGER content to upper-case hex without sign padding (serial numbers, as OpenSSL prints them). */
export function integerHex(bytes: Uint8Array): string {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.toString('hex', start).toUpperCase();
}

/** UTCTime or GeneralizedTime (whole seconds, Z), read digit by digit: CRLs carry one per entry. */
export function decodeTime(buf: Uint8Array, t: Tlv): Date {
  const len = t.end - t.start;
  const utc = t.tag === 0x17;
  if ((utc && len !== 13) || (!utc && len !== 15) || buf[t.end - 1] !== 0x5a) {
    throw new DerError(`bad time ${Buffer.from(buf.subarray(t.start, t.end)).toString('latin1')}`);
  }
  const num = (at: number, n: number) => {
    let v = 0;
    for (let i = t.start + at; i < t.start + at + n; i++) {
      const c = buf[i]! - 48;
      if (c < 0 || c > 9) throw new DerError('bad time digits');
      v = v * 10 + c;
    }
    return v;
  };
  let year = utc ? num(0, 2) : num(0, 4);
  if (utc) year += year < 50 ? 2000 : 1900;
  const o = utc ? 2 : 4;
  return new Date(Date.UTC(year, num(o, 2) - 1, num(o + 2, 2), num(o + 4, 2), num(o + 6, 2), num(o + 8, 2)));
}
