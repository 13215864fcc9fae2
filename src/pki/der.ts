/**
 * A minimal, fast DER toolkit (no dependency): encoders that take their parts as Buffers and copy
 * them once into an exactly sized output (a 100,000-entry CRL stays linear), a reader for walking
 * TLVs, and the signature AlgorithmIdentifier + node:crypto signing for mtlskit's key types.
 */
import { sign, type KeyObject } from 'node:crypto';
import { badInput } from '../errors.js';
import { defaultHashFor, describeKey } from './keys.js';

// ---- lengths ----

/** Bytes a DER length field takes: 1 for the short form (< 128), else 1 + the length's octets. */
export function derLengthSize(length: number): number {
  if (length < 0x80) return 1;
  let size = 1;
  for (let n = length; n > 0; n = Math.floor(n / 256)) size++;
  return size;
}

/** Writes a DER length at `offset`; returns the offset just past it. */
export function writeDerLength(out: Uint8Array, offset: number, length: number): number {
  if (length < 0x80) {
    out[offset] = length;
    return offset + 1;
  }
  const octets = derLengthSize(length) - 1;
  out[offset] = 0x80 | octets;
  for (let i = octets, n = length; i >= 1; i--, n = Math.floor(n / 256)) out[offset + i] = n & 0xff;
  return offset + octets + 1;
}

export function derLength(length: number): Buffer {
  const out = Buffer.alloc(derLengthSize(length));
  writeDerLength(out, 0, length);
  return out;
}

// ---- encoders ----

/** One TLV around the concatenation of `content`, copied once into a buffer of the exact size. */
export function derTlv(tag: number, content: Uint8Array | Uint8Array[]): Buffer {
  const parts = Array.isArray(content) ? content : [content];
  let length = 0;
  for (const part of parts) length += part.length;
  const out = Buffer.allocUnsafe(1 + derLengthSize(length) + length);
  out[0] = tag;
  let p = writeDerLength(out, 1, length);
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

export const derSequence = (...parts: Uint8Array[]): Buffer => derTlv(0x30, parts);
export const derSet = (...parts: Uint8Array[]): Buffer => derTlv(0x31, parts);
export const derNull = (): Buffer => Buffer.from([0x05, 0x00]);
export const derBoolean = (value: boolean): Buffer => Buffer.from([0x01, 0x01, value ? 0xff : 0x00]);
export const derOctetString = (bytes: Uint8Array): Buffer => derTlv(0x04, bytes);
export const derIa5String = (text: string): Buffer => derTlv(0x16, Buffer.from(text, 'latin1'));
export const derUtf8String = (text: string): Buffer => derTlv(0x0c, Buffer.from(text, 'utf8'));
export const derBmpString = (text: string): Buffer => derTlv(0x1e, Buffer.from(text, 'utf16le').swap16());

/** [n] EXPLICIT: a constructed context tag around one encoded value. */
export const derExplicit = (tagNumber: number, inner: Uint8Array): Buffer => derTlv(0xa0 | tagNumber, inner);

/** [n] IMPLICIT over an encoded value: replaces its tag, keeping constructed-ness. */
export function derImplicit(tagNumber: number, encoded: Buffer): Buffer {
  const constructed = (encoded[0]! & 0x20) !== 0;
  const out = Buffer.from(encoded);
  out[0] = (constructed ? 0xa0 : 0x80) | tagNumber;
  return out;
}

/** INTEGER content for unsigned big-endian bytes: leading zero octets dropped, one 00 added when the top bit is set. */
function unsignedIntegerContent(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  if (bytes.length === 0) return new Uint8Array([0]);
  const body = bytes.subarray(start);
  if ((body[0]! & 0x80) === 0) return body;
  const padded = new Uint8Array(body.length + 1);
  padded.set(body, 1);
  return padded;
}

/** INTEGER content (minimal two's complement) for any bigint. */
function bigintContent(value: bigint): Uint8Array {
  if (value >= 0n) {
    const hex = value.toString(16);
    return unsignedIntegerContent(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
  }
  // Smallest octet count whose signed range holds the value, then value + 2^(8n) as unsigned bytes.
  let octets = 1;
  while (value < -(1n << BigInt(8 * octets - 1))) octets++;
  const hex = ((1n << BigInt(8 * octets)) + value).toString(16).padStart(octets * 2, '0');
  return Buffer.from(hex, 'hex');
}

/** INTEGER from unsigned big-endian bytes (serials, key parameters) or from a bigint (signed). */
export function derInteger(value: Uint8Array | bigint | number): Buffer {
  if (typeof value === 'number') value = BigInt(value);
  return derTlv(0x02, typeof value === 'bigint' ? bigintContent(value) : unsignedIntegerContent(value));
}

export const derUnsignedInteger = (bytes: Uint8Array): Buffer => derInteger(bytes);

/** INTEGER from unsigned hex digits (a serial number as OpenSSL prints it; odd length allowed). */
export function derIntegerFromHex(hex: string): Buffer {
  return derInteger(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
}

export const derSmallInteger = (n: number | bigint): Buffer => derInteger(BigInt(n));

export function derEnumerated(n: number | bigint): Buffer {
  return derTlv(0x0a, bigintContent(BigInt(n)));
}

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER from dotted text; cached, so callers must not modify the returned Buffer. */
export function derOid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  if (!/^[0-2](\.\d+)+$/.test(dotted)) throw new Error(`bad OID ${dotted}`);
  const arcs = dotted.split('.').map((a) => BigInt(a));
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
  return derTlv(0x03, [Buffer.from([0]), bytes]);
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

/** UTCTime for 1950 through 2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5 and 5.1.2.4). */
function usesUtcTime(year: number): boolean {
  return year >= 1950 && year < 2050;
}

/** Encoded size of derTime(date): 15 bytes as UTCTime, 17 as GeneralizedTime. */
export function derTimeSize(date: Date): number {
  return usesUtcTime(date.getUTCFullYear()) ? 15 : 17;
}

function putTwoDigits(out: Uint8Array, offset: number, n: number): number {
  out[offset] = 48 + Math.floor(n / 10);
  out[offset + 1] = 48 + (n % 10);
  return offset + 2;
}

/**
 * Writes derTime(date) at `offset` digit by digit (no strings: a CRL writes one per entry); returns
 * the offset just past it. Whole seconds with Z, the only forms RFC 5280 allows; milliseconds are dropped.
 */
export function writeDerTime(out: Uint8Array, offset: number, date: Date): number {
  const y = date.getUTCFullYear();
  if (!(y >= 0 && y <= 9999)) throw new RangeError(`cannot encode the date ${String(date)} as an X.509 time`);
  const utc = usesUtcTime(y);
  out[offset++] = utc ? 0x17 : 0x18;
  out[offset++] = utc ? 13 : 15;
  if (!utc) offset = putTwoDigits(out, offset, Math.floor(y / 100));
  offset = putTwoDigits(out, offset, y % 100);
  offset = putTwoDigits(out, offset, date.getUTCMonth() + 1);
  offset = putTwoDigits(out, offset, date.getUTCDate());
  offset = putTwoDigits(out, offset, date.getUTCHours());
  offset = putTwoDigits(out, offset, date.getUTCMinutes());
  offset = putTwoDigits(out, offset, date.getUTCSeconds());
  out[offset] = 0x5a; // Z
  return offset + 1;
}

/** UTCTime for 1950 through 2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5). */
export function derTime(date: Date): Buffer {
  const out = Buffer.allocUnsafe(derTimeSize(date));
  writeDerTime(out, 0, date);
  return out;
}

export const derUtcOrGeneralizedTime = derTime;

// ---- signature algorithms ----

export interface SignatureAlgorithm {
  /** The AlgorithmIdentifier DER to put in the TBS structure and next to the signature. */
  der: Buffer;
  oid: string;
  /** The node:crypto digest name for `sign`. */
  hash: 'sha256' | 'sha384' | 'sha512';
}

const RSA_OIDS = {
  sha256: '1.2.840.113549.1.1.11',
  sha384: '1.2.840.113549.1.1.12',
  sha512: '1.2.840.113549.1.1.13',
} as const;
const ECDSA_OIDS = {
  sha256: '1.2.840.10045.4.3.2',
  sha384: '1.2.840.10045.4.3.3',
  sha512: '1.2.840.10045.4.3.4',
} as const;
const algorithmCache = new WeakMap<KeyObject, SignatureAlgorithm>();

/**
 * The signature algorithm mtlskit uses with a key, the hash as keys.ts defaultHashFor picks it:
 * RSA → sha256WithRSAEncryption (parameters NULL, RFC 4055); P-256/P-384/P-521 → ecdsa-with-SHA256/384/512
 * (parameters absent, RFC 5758).
 */
export function algorithmIdentifierFor(key: KeyObject): SignatureAlgorithm {
  let alg = algorithmCache.get(key);
  if (alg) return alg;
  const d = describeKey(key);
  const hash = defaultHashFor(key).replace('-', '').toLowerCase() as SignatureAlgorithm['hash'];
  if (d.algorithm === 'rsa') alg = { oid: RSA_OIDS[hash], hash, der: derSequence(derOid(RSA_OIDS[hash]), derNull()) };
  else if (d.algorithm === 'ec' && (d.curve === 'P-256' || d.curve === 'P-384' || d.curve === 'P-521')) {
    alg = { oid: ECDSA_OIDS[hash], hash, der: derSequence(derOid(ECDSA_OIDS[hash])) };
  } else
    throw badInput(
      `${d.label} keys cannot sign certificates or CRLs here; use an RSA or ECDSA (P-256, P-384, P-521) key.`,
    );
  algorithmCache.set(key, alg);
  return alg;
}

/** Signs a TBS structure with the key's algorithm; ECDSA signatures come out as the DER Ecdsa-Sig-Value X.509 wants. */
export function signTbs(tbsDer: Uint8Array, key: KeyObject): Buffer {
  return sign(algorithmIdentifierFor(key).hash, tbsDer, { key, dsaEncoding: 'der' });
}

// ---- reading ----

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  offset: number;
  /** Tag and length bytes: start - offset. */
  headerLength: number;
  /** Content bytes: end - start. */
  length: number;
  /** Offset of the first content byte. */
  start: number;
  /** Offset just past the content. */
  end: number;
}

export class DerError extends Error {}

/** The TLV at `offset`, checked to fit before `limit`. Definite lengths only, as DER requires. */
export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  return readTlvInto(buf, offset, limit, blankTlv());
}

/** A Tlv to fill with readTlvInto. */
export const blankTlv = (): Tlv => ({ tag: 0, offset: 0, headerLength: 0, length: 0, start: 0, end: 0 });

/**
 * readTlv into an object the caller reuses (returned): for scans over 100,000 CRL entries, which would
 * otherwise make several short-lived Tlv objects per entry.
 */
export function readTlvInto(buf: Uint8Array, offset: number, limit: number, into: Tlv): Tlv {
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
  into.tag = tag;
  into.offset = offset;
  into.headerLength = p - offset;
  into.length = length;
  into.start = p;
  into.end = p + length;
  return into;
}

/** The TLVs directly inside a constructed value. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.start; p < parent.end;) {
    const t = readTlv(buf, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

/** Like children(), one at a time: for long lists that need not be held at once. */
export function* iterateChildren(buf: Uint8Array, parent: Tlv): Generator<Tlv> {
  for (let p = parent.start; p < parent.end;) {
    const t = readTlv(buf, p, parent.end);
    yield t;
    p = t.end;
  }
}

/** The whole TLV (tag, length and content) as a view into `buf`. */
export function slice(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + t.offset, t.end - t.offset);
}

/** The content bytes as a view into `buf`. */
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

/** INTEGER content as a signed bigint (two's complement). */
export function decodeInteger(bytes: Uint8Array): bigint {
  if (bytes.length === 0) throw new DerError('empty INTEGER');
  const value = BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`);
  return bytes[0]! & 0x80 ? value - (1n << BigInt(8 * bytes.length)) : value;
}

/** Two ASCII digits at `i`, or NaN when either is not a digit. */
function digits2(buf: Uint8Array, i: number): number {
  const a = buf[i]! - 48;
  const b = buf[i + 1]! - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

/**
 * UTCTime (YYMMDDHHMMSSZ, 50-99 → 19xx) or GeneralizedTime (YYYYMMDDHHMMSSZ), the RFC 5280 forms,
 * read digit by digit without strings: a CRL carries one per entry.
 */
export function decodeTime(buf: Uint8Array, t: Tlv): Date {
  const utc = t.tag === 0x17;
  if ((t.tag !== 0x17 && t.tag !== 0x18) || t.end - t.start !== (utc ? 13 : 15) || buf[t.end - 1] !== 0x5a) {
    throw new DerError(`bad time ${Buffer.from(buf.subarray(t.start, t.end)).toString('latin1')}`);
  }
  let year = digits2(buf, t.start);
  if (utc) year += year < 50 ? 2000 : 1900;
  else year = year * 100 + digits2(buf, t.start + 2);
  const o = t.start + (utc ? 2 : 4);
  const month = digits2(buf, o);
  const day = digits2(buf, o + 2);
  const hour = digits2(buf, o + 4);
  const minute = digits2(buf, o + 6);
  const second = digits2(buf, o + 8);
  // NaN (a non-digit) fails every comparison below.
  if (!(
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= 31 &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    year >= 0
  )) {
    throw new DerError(`bad time ${Buffer.from(buf.subarray(t.start, t.end)).toString('latin1')}`);
  }
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (year < 100) date.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
  return date;
}
