/**
 * BER to DER-shaped TLVs for PKCS#12 reading. macOS Keychain, some Java and Windows tools write
 * bundles with indefinite lengths and OCTET STRINGs split into constructed chunks; the reader in
 * der.ts takes definite lengths only. Primitive contents are copied untouched (the MAC covers the
 * AuthenticatedSafe octets as written, and certificates must come out byte for byte), so nested
 * encodings inside OCTET STRINGs are normalised separately, when their turn comes.
 */
import { DerError, derTlv } from './der.js';

const MAX_DEPTH = 64;
const OCTET_STRING = 0x04;
const CONSTRUCTED_OCTET_STRING = 0x24;

/** The input itself when it is already definite-length with no chunked OCTET STRINGs. */
export function berToDer(buf: Buffer): Buffer {
  if (!needsNormalising(buf)) return buf;
  const { der, end } = normalise(buf, 0, buf.length, 0);
  return end === buf.length ? der : Buffer.concat([der, buf.subarray(end)]);
}

/** Cheap scan: any indefinite length or constructed OCTET STRING along the constructed tree? */
function needsNormalising(buf: Buffer): boolean {
  try {
    return scan(buf, 0, buf.length, 0) === undefined;
  } catch {
    return true; // let normalise() report the real problem
  }
}

/** The end offset of the TLV at `offset` when it is DER-shaped throughout, undefined when not. */
function scan(buf: Buffer, offset: number, limit: number, depth: number): number | undefined {
  const h = header(buf, offset, limit);
  if (h.length === undefined || h.tag === CONSTRUCTED_OCTET_STRING) return undefined;
  const end = h.start + h.length;
  if (h.tag & 0x20) {
    if (depth > MAX_DEPTH) throw new DerError('nested too deeply');
    for (let p = h.start; p < end;) {
      const next = scan(buf, p, end, depth + 1);
      if (next === undefined) return undefined;
      p = next;
    }
  }
  return end;
}

interface Header {
  tag: number;
  start: number;
  /** undefined: indefinite length, ended by 00 00. */
  length: number | undefined;
}

function header(buf: Buffer, offset: number, limit: number): Header {
  if (offset + 2 > limit) throw new DerError('truncated');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  const first = buf[offset + 1]!;
  let p = offset + 2;
  if (first === 0x80) {
    if (!(tag & 0x20)) throw new DerError('indefinite length on a primitive value');
    return { tag, start: p, length: undefined };
  }
  let length = first;
  if (first > 0x80) {
    const count = first & 0x7f;
    if (count > 4 || p + count > limit) throw new DerError('bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[p++]!;
  }
  if (p + length > limit) throw new DerError('truncated');
  return { tag, start: p, length };
}

function normalise(buf: Buffer, offset: number, limit: number, depth: number): { der: Buffer; end: number } {
  if (depth > MAX_DEPTH) throw new DerError('nested too deeply');
  const h = header(buf, offset, limit);
  if (!(h.tag & 0x20)) {
    const end = h.start + h.length!;
    return { der: buf.subarray(offset, end), end };
  }
  const parts: Buffer[] = [];
  const stop = h.length === undefined ? limit : h.start + h.length;
  let p = h.start;
  for (;;) {
    if (h.length === undefined) {
      if (p + 2 > limit) throw new DerError('missing end-of-contents');
      if (buf[p] === 0 && buf[p + 1] === 0) {
        p += 2;
        break;
      }
    } else if (p >= stop) break;
    const child = normalise(buf, p, stop, depth + 1);
    parts.push(child.der);
    p = child.end;
  }
  if (h.tag === CONSTRUCTED_OCTET_STRING) {
    // Chunks are OCTET STRINGs themselves (possibly chunked again, already flattened above).
    const chunks = parts.map((part) => {
      if (part[0] !== OCTET_STRING) throw new DerError('bad OCTET STRING chunk');
      return contentOf(part);
    });
    return { der: derTlv(OCTET_STRING, chunks), end: p };
  }
  return { der: derTlv(h.tag, parts), end: p };
}

/** Content bytes of a definite-length TLV produced above. */
function contentOf(tlv: Buffer): Buffer {
  const first = tlv[1]!;
  const headerLength = first < 0x80 ? 2 : 2 + (first & 0x7f);
  return tlv.subarray(headerLength);
}
