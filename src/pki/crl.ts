/**
 * Certificate revocation lists (RFC 5280 section 5): created with hand-written DER so that 100,000
 * entries take well under a second, parsed with the same reader, signatures checked with node:crypto.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { MtlsError, badInput } from '../errors.js';
import {
  children,
  content,
  decodeInteger,
  decodeOid,
  decodeTime,
  derBitString,
  derEnumerated,
  derExplicit,
  derLengthSize,
  derOctetString,
  derOid,
  derSequence,
  derSmallInteger,
  derTime,
  derTimeSize,
  derTlv,
  writeDerTime,
  readTlv,
  readTlvInto,
  blankTlv,
  slice,
  writeDerLength,
  DerError,
  type Tlv,
} from './der.js';
import { readDerObjects } from './pem.js';
import { IntList } from './int-list.js';
import { publicKeySpkiDer } from './keys.js';
import { verifySignature } from './signature.js';
import { signerFor } from './signer.js';
import { subjectPublicKeyBits } from './key-identifier.js';
import { certificateFields } from './cert-fields.js';

export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'removeFromCRL'
  | 'privilegeWithdrawn'
  | 'aACompromise';

/** Index = the CRLReason code of RFC 5280 5.3.1. Code 7 is not assigned, so index 7 is undefined. */
export const REVOCATION_REASONS: readonly (RevocationReason | undefined)[] = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  undefined,
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
];

/** Reason words `openssl ca` writes into index.txt that are not RFC 5280 names, and what they mean in a CRL. */
const OPENSSL_REASON_ALIASES: Record<string, RevocationReason> = {
  keytime: 'keyCompromise', // -crl_compromise TIME
  cakeytime: 'cACompromise', // -crl_CA_compromise TIME
  holdinstruction: 'certificateHold', // -crl_hold OID
};

/**
 * The RFC 5280 reason for index.txt reason text, case-insensitively (OpenSSL writes "CACompromise");
 * only the first comma-separated word counts ("keyTime,20250101000000Z"). Undefined when unknown.
 */
export function revocationReasonFromText(text: string): RevocationReason | undefined {
  const word = text.split(',')[0]!.trim().toLowerCase();
  return REVOCATION_REASONS.find((r) => r !== undefined && r.toLowerCase() === word) ?? OPENSSL_REASON_ALIASES[word];
}

export interface RevokedEntry {
  /** Hex digits of the serial, either case, odd length allowed; leading zero octets are dropped. */
  serialHex: string;
  revokedAt: Date;
  /** A RevocationReason, or index.txt reason text; text revocationReasonFromText does not know is left out of the CRL. */
  reason?: RevocationReason | string;
}

/** Entries as parallel arrays (as index-file.ts RevocationList holds them): read without an object per entry. */
export interface RevokedColumns {
  serials: readonly string[];
  dates: readonly Date[];
  reasons: readonly (RevocationReason | string | undefined)[];
}

export interface CrlInput {
  issuerCertificateDer: Buffer;
  /** A private KeyObject, or a token key's public KeyObject with its Signer attached (signer.ts). */
  issuerKey: KeyObject;
  entries: Iterable<RevokedEntry> | RevokedColumns;
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
}

interface IssuerInfo {
  nameDer: Buffer;
  keyId: Buffer;
}

/**
 * The issuer's subject Name (byte for byte, so it matches the issuer field of the certificates it
 * signed) and key identifier (its SKI, else the SHA-1 of its key bits, as certificate.ts does).
 */
function issuerInfo(certDer: Buffer, key: KeyObject): IssuerInfo {
  let fields: ReturnType<typeof certificateFields>;
  try {
    fields = certificateFields(certDer);
  } catch (err) {
    throw badInput(
      `The CRL issuer certificate is not readable DER (${(err as Error).message}); check the CA certificate file.`,
    );
  }
  if (!publicKeySpkiDer(key).equals(fields.spkiDer)) {
    throw new MtlsError(
      'KEY_MISMATCH',
      'The CRL signing key does not belong to the issuer certificate; give the CA certificate and its own key.',
    );
  }
  return {
    nameDer: fields.subjectDer,
    keyId: fields.subjectKeyId ?? createHash('sha1').update(subjectPublicKeyBits(fields.spkiDer)).digest(),
  };
}

const REASON_OID = derOid('2.5.29.21');
/** Reason text → its encoded crlEntryExtensions (null: not a reason), so 100,000 entries share a few buffers. */
const reasonExtensionCache = new Map<string, Buffer | null>();

/**
 * crlEntryExtensions holding the reasonCode, as `openssl ca -gencrl` writes it: present whenever the
 * index names a reason, `unspecified` included (RFC 5280 only says SHOULD be absent), absent when it names none.
 */
function reasonExtension(reasonText: string): Buffer | undefined {
  let ext = reasonExtensionCache.get(reasonText);
  if (ext === undefined) {
    const reason = revocationReasonFromText(reasonText);
    ext =
      reason === undefined
        ? null
        : derSequence(derSequence(REASON_OID, derOctetString(derEnumerated(REVOCATION_REASONS.indexOf(reason)))));
    reasonExtensionCache.set(reasonText, ext);
  }
  return ext ?? undefined;
}

/** Start of the serial's significant hex digits: leading "00" octets dropped, one kept for zero itself. */
function significantHexStart(hex: string): number {
  let start = 0;
  while (start < hex.length - 2 && hex.charCodeAt(start) === 48 && hex.charCodeAt(start + 1) === 48) start += 2;
  return start;
}

/** True when the first hex digit is 8-f: a positive INTEGER then needs a leading 00 octet. */
function highBitSet(hex: string): boolean {
  const c = hex.charCodeAt(0) | 0x20; // lower-case letters
  return (c >= 56 && c <= 57) || (c >= 97 && c <= 102);
}

/**
 * revokedCertificates' contents, measured first and then written straight into the CRL's one buffer: a CRL
 * of 100,000 entries would otherwise make several small buffers per entry and spend its time collecting
 * garbage. Entry i's serial is hexes[i], its revocation time dates[dateOf[i]] and its crlEntryExtensions
 * exts[extOf[i]] (none when negative): entries revoked together share a Date and a reason, so the
 * per-entry columns are small integers rather than pointers.
 */
interface EntriesPlan {
  hexes: readonly string[];
  dates: Date[];
  dateOf: IntList;
  exts: Buffer[];
  extOf: IntList;
  /** Bytes of all the entries together. */
  length: number;
}

/** The entry's serial as the hex digits of a positive INTEGER: even length, leading zero octets dropped. */
function normalizedHex(serialHex: string): string {
  const hex = serialHex.length % 2 ? `0${serialHex}` : serialHex;
  const start = significantHexStart(hex);
  return start > 0 ? hex.slice(start) : hex;
}

/** Bytes of one entry's SEQUENCE contents. */
function entryBody(hex: string, timeSize: number, ext: Buffer | undefined): number {
  const serialLength = hex.length / 2 + (highBitSet(hex) ? 1 : 0);
  return 1 + derLengthSize(serialLength) + serialLength + timeSize + (ext?.length ?? 0);
}

function planEntries(entries: Iterable<RevokedEntry> | RevokedColumns): EntriesPlan {
  const columns = 'serials' in entries ? entries : undefined;
  // Columns of serials that need no normalizing (the usual case) are used as they are.
  let hexes: string[] | readonly string[] = columns?.serials ?? [];
  const plan: EntriesPlan = { hexes, dates: [], dateOf: new IntList(), exts: [], extOf: new IntList(), length: 0 };
  let date: Date | undefined;
  let timeSize = 0;
  let reason: string | undefined;
  let ext: Buffer | undefined;
  let extIndex = -1;
  let count = 0;
  const add = (serialHex: string, revokedAt: Date, entryReason: string | undefined) => {
    const hex = normalizedHex(serialHex);
    if (!columns) (hexes as string[]).push(hex);
    else if (hex !== serialHex) {
      if (hexes === columns.serials) hexes = columns.serials.slice();
      (hexes as string[])[count] = hex;
    }
    if (revokedAt !== date) {
      if (Number.isNaN(revokedAt.getTime()))
        throw badInput(`Serial ${serialHex} has an invalid revocation date; fix its line in index.txt.`);
      date = revokedAt;
      timeSize = derTimeSize(date);
      plan.dates.push(date);
    }
    if (entryReason !== reason) {
      reason = entryReason;
      ext = reason ? reasonExtension(reason) : undefined;
      extIndex = ext ? plan.exts.indexOf(ext) : -1;
      if (ext && extIndex < 0) extIndex = plan.exts.push(ext) - 1;
    }
    plan.dateOf.push(plan.dates.length - 1);
    plan.extOf.push(extIndex);
    const body = entryBody(hex, timeSize, ext);
    plan.length += 1 + derLengthSize(body) + body;
    count++;
  };
  if (columns) {
    const { serials, dates, reasons } = columns;
    for (let i = 0; i < serials.length; i++) add(serials[i]!, dates[i]!, reasons[i]);
  } else {
    for (const e of entries as Iterable<RevokedEntry>) add(e.serialHex, e.revokedAt, e.reason);
  }
  plan.hexes = hexes;
  return plan;
}

/** A hex digit's value, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/**
 * Writes an even number of hex digits as bytes at `p`, digit by digit rather than Buffer#write (a native call
 * per entry); returns the offset past them, or -1 at a non-hex digit.
 */
function writeHexDigits(out: Buffer, p: number, hex: string): number {
  for (let d = 0; d < hex.length; d += 2) {
    const high = hexDigit(hex.charCodeAt(d));
    const low = hexDigit(hex.charCodeAt(d + 1));
    if (high < 0 || low < 0) return -1;
    out[p++] = (high << 4) | low;
  }
  return p;
}

/** Writes the planned entries at `p`; returns the offset just past them. */
function writeEntries(out: Buffer, p: number, plan: EntriesPlan): number {
  const { hexes, dates, dateOf, exts, extOf } = plan;
  let date = -1;
  let timeSize = 0;
  let timeAt = -1; // where this date's encoding was last written
  for (let i = 0; i < hexes.length; i++) {
    const hex = hexes[i]!;
    if (dateOf.at(i) !== date) {
      date = dateOf.at(i);
      timeSize = derTimeSize(dates[date]!);
      timeAt = -1;
    }
    const ext = extOf.at(i) < 0 ? undefined : exts[extOf.at(i)];
    const pad = highBitSet(hex);
    out[p++] = 0x30;
    p = writeDerLength(out, p, entryBody(hex, timeSize, ext));
    out[p++] = 0x02;
    p = writeDerLength(out, p, hex.length / 2 + (pad ? 1 : 0));
    if (pad) out[p++] = 0;
    const next = hex.length === 0 ? -1 : writeHexDigits(out, p, hex);
    if (next < 0) throw badInput(`'${hex}' is not a hexadecimal serial number; fix its line in index.txt.`);
    p = next;
    if (timeAt >= 0) {
      // The same time as the entry before: copy its encoding.
      out.copyWithin(p, timeAt, timeAt + timeSize);
    } else {
      timeAt = p;
      writeDerTime(out, p, dates[date]!);
    }
    p += timeSize;
    if (ext) p += ext.copy(out, p);
  }
  return p;
}

/** The crlExtensions: authorityKeyIdentifier (keyIdentifier only) and cRLNumber, neither critical (RFC 5280 5.2). */
function crlExtensions(keyId: Buffer, crlNumber: bigint): Buffer {
  if (crlNumber < 0n || crlNumber >= 1n << 159n)
    throw badInput(`CRL number ${crlNumber} is out of range; RFC 5280 allows 0 to 2^159-1.`);
  return derExplicit(
    0,
    derSequence(
      derSequence(derOid('2.5.29.35'), derOctetString(derSequence(derTlv(0x80, keyId)))),
      derSequence(derOid('2.5.29.20'), derOctetString(derSmallInteger(crlNumber))),
    ),
  );
}

/** Room in front of the TBS for the CertificateList header: tag and a length of up to 4 octets. */
const OUTER_HEADER_ROOM = 6;

/** An upper bound on the signature BIT STRING: RSA's is the modulus size; ECDSA (P-521: 139 octets) and EdDSA fit in 256. */
function signatureRoom(key: KeyObject): number {
  return 16 + Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 2048) / 8);
}

/**
 * A signed v2 CRL in DER. Synchronous: encoding is linear in the entries and signing is one node:crypto call.
 * The whole CRL is written into one buffer (no copy of a megabytes-long entry list per enclosing SEQUENCE):
 * the TBS first, leaving room for the outer header in front of it, then the algorithm and the signature.
 */
export function createCrl(input: CrlInput): Buffer {
  const issuer = issuerInfo(input.issuerCertificateDer, input.issuerKey);
  const signer = signerFor(input.issuerKey);
  const algorithm = signer.algorithmIdentifier;
  const entries = planEntries(input.entries);
  const head = Buffer.concat([
    derSmallInteger(1) /* v2 */,
    algorithm,
    issuer.nameDer,
    derTime(input.thisUpdate),
    derTime(input.nextUpdate),
  ]);
  const extensions = crlExtensions(issuer.keyId, input.crlNumber);
  // RFC 5280 5.1.2.6: with no revoked certificates the list is absent, not empty.
  const list = entries.length > 0 ? 1 + derLengthSize(entries.length) + entries.length : 0;
  const tbsBody = head.length + list + extensions.length;
  const out = Buffer.allocUnsafe(
    OUTER_HEADER_ROOM + 1 + derLengthSize(tbsBody) + tbsBody + algorithm.length + signatureRoom(input.issuerKey),
  );
  let p = OUTER_HEADER_ROOM;
  out[p++] = 0x30;
  p = writeDerLength(out, p, tbsBody);
  p += head.copy(out, p);
  if (list > 0) {
    out[p++] = 0x30;
    p = writeDerLength(out, p, entries.length);
    p = writeEntries(out, p, entries);
  }
  p += extensions.copy(out, p);
  const tbs = out.subarray(OUTER_HEADER_ROOM, p);
  const signature = derBitString(signer.sign(tbs));
  if (p + algorithm.length + signature.length > out.length) return derSequence(tbs, algorithm, signature); // a key signatureRoom underestimates
  p += algorithm.copy(out, p);
  p += signature.copy(out, p);
  const body = p - OUTER_HEADER_ROOM;
  const start = OUTER_HEADER_ROOM - 1 - derLengthSize(body);
  out[start] = 0x30;
  writeDerLength(out, start + 1, body);
  return out.subarray(start, p);
}

// ---- parsing ----

export interface CrlEntry {
  revokedAt: Date;
  /** Absent when the entry has no reasonCode (or one RFC 5280 does not assign). */
  reason?: RevocationReason;
}

export interface ParsedCrl {
  der: Buffer;
  tbsDer: Buffer;
  issuerNameDer: Buffer;
  thisUpdate: Date;
  nextUpdate?: Date;
  crlNumber?: bigint;
  authorityKeyIdHex?: string;
  signatureAlgorithmOid: string;
  /** The outer AlgorithmIdentifier, parameters included (RSA-PSS needs them). */
  signatureAlgorithmDer: Buffer;
  signatureValue: Buffer;
  /** Serial (upper-case hex as OpenSSL prints it, no leading zero octets) → revocation; decoded on first use. */
  readonly entries: Map<string, CrlEntry>;
  /** One serial's revocation, found by comparing bytes (no decoding of the other entries). */
  lookup(serialHex: string): CrlEntry | undefined;
  revokedCount: number;
  /** Critical CRL or entry extensions mtlskit does not process (RFC 5280 says such a CRL must not be used). */
  unknownCriticalExtensions: string[];
  /** Form as RFC 5280 5.1-5.2 judges it: version field present, inner signature AlgorithmIdentifier, extensions. */
  form: { versioned: boolean; tbsSignatureAlgorithmDer: Buffer; hasExtensions: boolean; crlNumberCritical: boolean };
  /** The first serial listed twice, if any (a scan of the serials, made on request). */
  duplicateSerial(): string | undefined;
}

/**
 * Reads a CRL from PEM ("X509 CRL", the first block) or DER; anything malformed is BAD_INPUT naming `describe`.
 * DER is copied first unless `copy` is false: the result keeps views into it (a big CRL is megabytes),
 * so without a copy `data` must not change while the result is in use.
 */
export function parseCrl(data: Buffer, describe: string, { copy = true }: { copy?: boolean } = {}): ParsedCrl {
  const [der] = readDerObjects(data, ['X509 CRL'], describe, 'CRL', copy);
  return guarded(describe, () => parseCrlDer(der!, describe));
}

/** Runs a decoding step, turning reader failures into one BAD_INPUT sentence. */
function guarded<T>(describe: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (
      err instanceof DerError ||
      err instanceof RangeError ||
      err instanceof TypeError ||
      err instanceof SyntaxError
    ) {
      throw badInput(`${describe} is not a readable CRL (${err.message}); give a PEM or DER X.509 CRL.`);
    }
    throw err;
  }
}

function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`${what} missing or malformed`);
  return t;
}

const isTime = (t: Tlv | undefined): t is Tlv => t !== undefined && (t.tag === 0x17 || t.tag === 0x18);

function parseCrlDer(der: Buffer, describe: string): ParsedCrl {
  const top = expectTag(readTlv(der, 0), 0x30, 'CertificateList');
  if (top.end !== der.length) throw new DerError('data after the CRL');
  const [tbs, sigAlg, sigValue] = children(der, top);
  expectTag(tbs, 0x30, 'tbsCertList');
  expectTag(sigAlg, 0x30, 'signatureAlgorithm');
  expectTag(sigValue, 0x03, 'signatureValue');
  const fields = children(der, tbs!);
  let i = 0;
  const versioned = fields[0]?.tag === 0x02;
  if (fields[0]?.tag === 0x02) {
    if (decodeInteger(content(der, fields[0])) !== 1n) throw new DerError('unknown CRL version');
    i++;
  }
  const tbsSignatureAlgorithmDer = Buffer.from(slice(der, expectTag(fields[i++], 0x30, 'signature')));
  const issuerNameDer = Buffer.from(slice(der, expectTag(fields[i++], 0x30, 'issuer')));
  if (!isTime(fields[i])) throw new DerError('thisUpdate missing or malformed');
  const thisUpdate = decodeTime(der, fields[i++]!);
  const nextUpdate = isTime(fields[i]) ? decodeTime(der, fields[i++]!) : undefined;
  const unknownCritical: string[] = [];
  const bounds = fields[i]?.tag === 0x30 ? indexEntries(der, fields[i++]!, unknownCritical) : new IntList();
  const extensions = fields[i]?.tag === 0xa0 ? fields[i++] : undefined;
  if (i !== fields.length) throw new DerError('unexpected field in tbsCertList');

  let decoded: Map<string, CrlEntry> | undefined;
  const result: ParsedCrl = {
    der,
    tbsDer: slice(der, tbs!), // a view: a big CRL's TBS is megabytes
    issuerNameDer,
    thisUpdate,
    nextUpdate,
    signatureAlgorithmOid: decodeOid(
      content(der, expectTag(children(der, sigAlg!)[0], 0x06, 'signature algorithm OID')),
    ),
    signatureAlgorithmDer: Buffer.from(slice(der, sigAlg!)),
    signatureValue: Buffer.from(content(der, sigValue!).subarray(1)),
    get entries() {
      decoded ??= guarded(describe, () => decodeEntries(der, bounds));
      return decoded;
    },
    lookup: (serialHex) => guarded(describe, () => lookupEntry(der, bounds, serialHex)),
    revokedCount: Math.max(0, bounds.length - 1),
    unknownCriticalExtensions: unknownCritical,
    form: { versioned, tbsSignatureAlgorithmDer, hasExtensions: extensions !== undefined, crlNumberCritical: false },
    duplicateSerial: () => guarded(describe, () => firstDuplicateSerial(der, bounds)),
  };
  if (extensions) readCrlExtensions(der, expectTag(children(der, extensions)[0], 0x30, 'crlExtensions'), result);
  return result;
}

/** Tlv objects the entry scans below fill in turn (entry, serial, time, extensions, extension, part): none is made per entry. */
const entryAt = blankTlv();
const serialAt = blankTlv();
const timeAt = blankTlv();
const extsAt = blankTlv();
const extAt = blankTlv();
const partAt = blankTlv();

/**
 * One pass over revokedCertificates: checks every entry's framing (SEQUENCE { INTEGER, Time, ... }),
 * notes critical entry extensions it does not understand, and returns the entry offsets: entry i spans
 * bounds[i] to bounds[i + 1]. Plain numbers (an IntList) rather than 100,000 Tlv objects kept alive.
 */
function indexEntries(der: Buffer, list: Tlv, unknownCritical: string[]): IntList {
  const bounds = new IntList();
  for (let p = list.start; p < list.end;) {
    const entry = expectTag(readTlvInto(der, p, list.end, entryAt), 0x30, 'revoked certificate entry');
    const serial = expectTag(readTlvInto(der, entry.start, entry.end, serialAt), 0x02, 'userCertificate');
    const time = readTlvInto(der, serial.end, entry.end, timeAt);
    if (!isTime(time)) throw new DerError('revocationDate missing or malformed');
    if (time.end < entry.end)
      noteCriticalEntryExtensions(der, readTlvInto(der, time.end, entry.end, extsAt), unknownCritical);
    bounds.push(p);
    p = entry.end;
  }
  if (bounds.length > 0) bounds.push(list.end);
  return bounds;
}

/** Entry i's SEQUENCE and its serial INTEGER, read into the scratch Tlvs. */
function readEntryAt(der: Buffer, bounds: IntList, i: number): void {
  readTlvInto(der, bounds.at(i), bounds.at(i + 1), entryAt);
  readTlvInto(der, entryAt.start, entryAt.end, serialAt);
}

/** Entry i's serial INTEGER content without leading zero octets, as [start, end) offsets into `der`. */
function serialSpan(der: Buffer, bounds: IntList, i: number): [number, number] {
  readEntryAt(der, bounds, i);
  let start = serialAt.start;
  while (start < serialAt.end - 1 && der[start] === 0) start++;
  return [start, serialAt.end];
}

/**
 * The first serial listed twice. Serials are hashed in place (FNV-1a, no string per entry) and only entries
 * whose hashes meet are compared byte for byte: a 100,000-entry CRL costs a few milliseconds.
 */
function firstDuplicateSerial(der: Buffer, bounds: IntList): string | undefined {
  const firstWithHash = new Map<number, number>();
  const collided: [hash: number, index: number][] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [start, end] = serialSpan(der, bounds, i);
    let h = 0x811c9dc5;
    for (let p = start; p < end; p++) h = Math.imul(h ^ der[p]!, 0x01000193);
    const first = firstWithHash.get(h);
    if (first === undefined) {
      firstWithHash.set(h, i);
      continue;
    }
    for (const j of [first, ...collided.filter(([ch]) => ch === h).map(([, idx]) => idx)]) {
      const [s2, e2] = serialSpan(der, bounds, j);
      if (e2 - s2 === end - start && der.compare(der, start, end, s2, e2) === 0)
        return der.toString('hex', start, end).toUpperCase();
    }
    collided.push([h, i]);
  }
  return undefined;
}

function decodeEntries(der: Buffer, bounds: IntList): Map<string, CrlEntry> {
  const map = new Map<string, CrlEntry>();
  for (let i = 0; i + 1 < bounds.length; i++) {
    readEntryAt(der, bounds, i);
    map.set(serialKey(der, serialAt), readEntry(der, entryAt, serialAt));
  }
  return map;
}

/** The serial as integerHex would give it, read straight from `der` (no per-entry Buffer view). */
function serialKey(der: Buffer, serialTlv: Tlv): string {
  let start = serialTlv.start;
  while (start < serialTlv.end - 1 && der[start] === 0) start++;
  return der.toString('hex', start, serialTlv.end).toUpperCase();
}

function lookupEntry(der: Buffer, bounds: IntList, serialHex: string): CrlEntry | undefined {
  // Compared as integerHex does (leading zero octets dropped), so negative serials match too.
  const wanted = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
  let w = 0;
  while (w < wanted.length - 1 && wanted[w] === 0) w++;
  const wantedLength = wanted.length - w;
  for (let i = 0; i + 1 < bounds.length; i++) {
    readEntryAt(der, bounds, i);
    let start = serialAt.start;
    const end = serialAt.end;
    while (start < end - 1 && der[start] === 0) start++;
    if (end - start !== wantedLength || der[start] !== wanted[w]) continue;
    if (der.compare(wanted, w, wanted.length, start, end) === 0) return readEntry(der, entryAt, serialAt);
  }
  return undefined;
}

/** True when the OBJECT IDENTIFIER TLV `t` is id-ce-cRLReasons (2.5.29.21 = 55 1d 15), compared in place. */
const isReasonOid = (der: Buffer, t: Tlv): boolean =>
  t.tag === 0x06 && t.length === 3 && der[t.start] === 0x55 && der[t.start + 1] === 0x1d && der[t.start + 2] === 0x15;

function readEntry(der: Buffer, entry: Tlv, serialTlv: Tlv): CrlEntry {
  const timeTlv = readTlv(der, serialTlv.end, entry.end);
  const revokedAt = decodeTime(der, timeTlv);
  if (timeTlv.end === entry.end) return { revokedAt };
  let reason: RevocationReason | undefined;
  for (const ext of children(der, expectTag(readTlv(der, timeTlv.end, entry.end), 0x30, 'crlEntryExtensions'))) {
    const oid = readTlv(der, ext.start, ext.end);
    if (!isReasonOid(der, oid)) continue;
    let valueTlv = readTlv(der, oid.end, ext.end);
    if (valueTlv.tag === 0x01) valueTlv = readTlv(der, valueTlv.end, ext.end); // critical flag
    const code = expectTag(
      readTlv(der, expectTag(valueTlv, 0x04, 'extnValue').start, valueTlv.end),
      0x0a,
      'reasonCode',
    );
    // Codes 0-10 fit one octet; anything longer is no RFC 5280 reason.
    if (code.length === 1) reason = REVOCATION_REASONS[der[code.start]!];
  }
  return reason === undefined ? { revokedAt } : { revokedAt, reason };
}

/** Entry extensions this reader understands; others that are critical (e.g. certificateIssuer of indirect CRLs) are reported. */
const UNDERSTOOD_ENTRY_EXTENSIONS = new Set(['2.5.29.21', '2.5.29.24' /* invalidityDate */]);

/** Adds the OIDs of critical extensions in one entry's crlEntryExtensions that this reader does not understand. */
function noteCriticalEntryExtensions(der: Buffer, extensions: Tlv, unknownCritical: string[]): void {
  expectTag(extensions, 0x30, 'crlEntryExtensions');
  for (let q = extensions.start; q < extensions.end;) {
    const ext = readTlvInto(der, q, extensions.end, extAt);
    q = ext.end;
    // Extension ::= SEQUENCE { extnID, critical BOOLEAN, extnValue }: every part is read (framing), the OID kept.
    let parts = 0;
    let oidTag = 0;
    let oidStart = 0;
    let oidEnd = 0;
    let critical = false;
    for (let r = ext.start; r < ext.end; parts++) {
      const part = readTlvInto(der, r, ext.end, partAt);
      r = part.end;
      if (parts === 0) {
        oidTag = part.tag;
        oidStart = part.start;
        oidEnd = part.end;
      }
      if (parts === 1) critical = part.tag === 0x01 && der[part.start] !== 0;
    }
    if (parts !== 3 || !critical) continue;
    if (oidTag !== 0x06) throw new DerError('extension OID missing or malformed');
    const oid = decodeOid(der.subarray(oidStart, oidEnd));
    if (!UNDERSTOOD_ENTRY_EXTENSIONS.has(oid) && !unknownCritical.includes(oid)) unknownCritical.push(oid);
  }
}

const UNDERSTOOD_CRL_EXTENSIONS = new Set(['2.5.29.35', '2.5.29.20']);

function readCrlExtensions(der: Buffer, list: Tlv, result: ParsedCrl): void {
  for (const ext of children(der, list)) {
    const parts = children(der, ext);
    const oid = decodeOid(content(der, expectTag(parts[0], 0x06, 'extension OID')));
    const critical = parts.length === 3 && parts[1]!.tag === 0x01 && der[parts[1]!.start] !== 0;
    const valueDer = content(der, expectTag(parts[parts.length - 1], 0x04, 'extnValue'));
    if (oid === '2.5.29.20') {
      result.form.crlNumberCritical = critical;
      result.crlNumber = decodeInteger(content(valueDer, expectTag(readTlv(valueDer, 0), 0x02, 'cRLNumber')));
    } else if (oid === '2.5.29.35') {
      const keyId = children(valueDer, expectTag(readTlv(valueDer, 0), 0x30, 'authorityKeyIdentifier')).find(
        (t) => t.tag === 0x80,
      );
      if (keyId) result.authorityKeyIdHex = content(valueDer, keyId).toString('hex');
    } else if (critical && !UNDERSTOOD_CRL_EXTENSIONS.has(oid)) {
      result.unknownCriticalExtensions.push(oid);
    }
  }
}

// ---- signatures ----

const HASH_OIDS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const MGF1_OID = '1.2.840.113549.1.1.8';

/**
 * RSASSA-PSS-params (RFC 4055 3.1): hash, MGF1 hash and salt length, with their SHA-1/20 defaults.
 * Undefined when node:crypto cannot check it (an unknown hash, or an MGF1 hash other than the message hash).
 */
function pssParameters(algorithmDer: Buffer): { hash: string; saltLength: number } | undefined {
  const parts = children(algorithmDer, readTlv(algorithmDer, 0));
  let hash = 'sha1';
  let mgfHash = 'sha1';
  let saltLength = 20;
  const params = parts[1];
  if (params && params.tag === 0x30) {
    for (const field of children(algorithmDer, params)) {
      const inner = readTlv(algorithmDer, field.start, field.end);
      if (field.tag === 0xa0)
        hash = HASH_OIDS[decodeOid(content(algorithmDer, children(algorithmDer, inner)[0]!))] ?? '';
      else if (field.tag === 0xa1) {
        const [mgfOid, mgfParams] = children(algorithmDer, inner);
        if (decodeOid(content(algorithmDer, mgfOid!)) !== MGF1_OID || !mgfParams) return undefined;
        mgfHash = HASH_OIDS[decodeOid(content(algorithmDer, children(algorithmDer, mgfParams)[0]!))] ?? '';
      } else if (field.tag === 0xa2) saltLength = Number(decodeInteger(content(algorithmDer, inner)));
    }
  }
  return hash && hash === mgfHash ? { hash, saltLength } : undefined;
}

/**
 * True when the issuer's key signed this CRL: RSA PKCS#1 v1.5 and ECDSA with SHA-1/224/256/384/512, and
 * RSA-PSS. The algorithm inside the signed part must equal the outer one (RFC 5280 5.1.1.2).
 */
export function verifyCrlSignature(crl: ParsedCrl, issuerPublicKeySpkiDer: Buffer): boolean {
  try {
    const tbs = readTlv(crl.tbsDer, 0);
    const fields = children(crl.tbsDer, tbs);
    const inner = fields[0]?.tag === 0x02 ? fields[1] : fields[0];
    if (!inner || !slice(crl.tbsDer, inner).equals(crl.signatureAlgorithmDer)) return false;
    if (crl.signatureAlgorithmOid === '1.2.840.113549.1.1.10') {
      const pss = pssParameters(crl.signatureAlgorithmDer);
      return (
        pss !== undefined &&
        verifySignature(crl.signatureAlgorithmOid, crl.tbsDer, crl.signatureValue, issuerPublicKeySpkiDer, pss)
      );
    }
    return verifySignature(crl.signatureAlgorithmOid, crl.tbsDer, crl.signatureValue, issuerPublicKeySpkiDer);
  } catch (err) {
    if (err instanceof DerError) return false;
    throw err;
  }
}
