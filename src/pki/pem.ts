/** PEM armour: encode DER with a label, and split a file into its PEM blocks (bundles allowed). */
import { badInput } from '../errors.js';
import { readTlv } from './der.js';

export interface PemBlock {
  label: string;
  der: Buffer;
}

export function derToPem(der: Uint8Array, label: string): string {
  return derToPemBytes(der, label).toString('latin1');
}

/**
 * derToPem as bytes, for writing to a file: a 100,000-entry CRL is 5 MB of PEM, which as a string of
 * 64-character lines would be built, joined and then encoded again on write.
 */
export function derToPemBytes(der: Uint8Array, label: string): Buffer {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const begin = `-----BEGIN ${label}-----\n`;
  const end = `-----END ${label}-----\n`;
  const lines = Math.max(1, Math.ceil(b64.length / 64)); // empty DER still gets its (empty) line
  const out = Buffer.allocUnsafe(begin.length + b64.length + lines + end.length);
  out.write(begin, 0, 'latin1');
  // The base64 goes in `lines` bytes later than its place without line breaks, then each line moves
  // forward to its place and gets its "\n" (a line never overwrites base64 not yet moved).
  const from = begin.length + lines;
  out.write(b64, from, 'latin1');
  let p = begin.length;
  for (let i = 0; i === 0 || i < b64.length; i += 64) {
    const n = Math.min(64, b64.length - i);
    out.copyWithin(p, from + i, from + i + n);
    p += n;
    out[p++] = 10;
  }
  out.write(end, p, 'latin1');
  return out;
}

const BEGIN = '-----BEGIN ';
const DASHES = '-----';

/** True for the characters a PEM label may hold here: A-Z, 0-9 and space. */
function isLabelChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 32;
}

/**
 * Every PEM block in the text, in order; headers such as Proc-Type are skipped. A block is
 * "-----BEGIN LABEL-----", a line break, and everything up to the first "-----END LABEL-----".
 * Found with indexOf rather than a lazy regular expression: a 100,000-entry CRL is 5 MB of PEM.
 */
export function readPemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (let at = text.indexOf(BEGIN); at >= 0; at = text.indexOf(BEGIN, at + 1)) {
    let p = at + BEGIN.length;
    while (p < text.length && isLabelChar(text.charCodeAt(p))) p++;
    const label = text.slice(at + BEGIN.length, p);
    if (label.length === 0 || !text.startsWith(DASHES, p)) continue;
    p += DASHES.length;
    if (text.charCodeAt(p) === 13) p++;
    if (text.charCodeAt(p) !== 10) continue;
    const end = text.indexOf(`-----END ${label}-----`, p + 1);
    if (end < 0) continue;
    blocks.push({ label, der: Buffer.from(pemBody(text, p + 1, end), 'base64') });
    at = end + label.length + 13; // past the END line
  }
  return blocks;
}

/** The base64 text between the BEGIN line and END: lines holding ':' are RFC 1421 headers, left out. */
function pemBody(text: string, start: number, end: number): string {
  const body = text.slice(start, end);
  // The base64 decoder skips line breaks itself; only header lines need taking out.
  if (!body.includes(':')) return body;
  return body
    .split(/\r?\n/)
    .filter((line) => line.length > 0 && !line.includes(':'))
    .join('');
}

export function looksLikePem(data: Uint8Array | string): boolean {
  const text = typeof data === 'string' ? data : Buffer.from(data.subarray(0, 4096)).toString('latin1');
  return text.includes('-----BEGIN ');
}

/**
 * DER objects with one of the given labels, from PEM (all matching blocks) or raw DER (one object).
 * `describe` names the file for the error when nothing usable is there. Raw DER is copied unless
 * `copy` is false (then it is a view of `data`, which must not change while the result is in use).
 */
/**
 * OpenSSL's TRUSTED CERTIFICATE is the certificate followed by its trust settings (X509_CERT_AUX, a SEQUENCE);
 * readers want the certificate. Anything else after it is left in place, for the reader to refuse.
 */
function withoutTrustSettings(der: Buffer): Buffer {
  try {
    const cert = readTlv(der, 0);
    const aux = cert.end < der.length ? readTlv(der, cert.end) : undefined;
    return aux && aux.tag === 0x30 && aux.end === der.length ? der.subarray(0, cert.end) : der;
  } catch {
    return der;
  }
}

export function readDerObjects(
  data: Uint8Array,
  labels: string[],
  describe: string,
  what: string,
  copy = true,
): Buffer[] {
  if (looksLikePem(data)) {
    const blocks = readPemBlocks(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1')).filter(
      (b) => labels.includes(b.label),
    );
    if (blocks.length === 0) {
      throw badInput(`${describe} has no PEM "${labels[0]}" block; give a ${what} file in PEM or DER.`);
    }
    return blocks.map((b) => (b.label === 'TRUSTED CERTIFICATE' ? withoutTrustSettings(b.der) : b.der));
  }
  if (data.length < 2 || data[0] !== 0x30) {
    throw badInput(`${describe} is neither PEM nor DER; give a ${what} file in PEM or DER.`);
  }
  return [copy ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength)];
}
