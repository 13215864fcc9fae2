/**
 * Certificate revocation lists (RFC 5280 section 5): created with hand-written DER so that 100,000
 * entries take well under a second, parsed with the same reader, signatures checked with node:crypto.
 */
import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { badInput } from '../errors.js';
import {
  children, content, decodeOid, decodeTime, derBitString, derEnumerated, derExplicit, derOctetString, derOid, derSequence,
  derSmallInteger, derTime, derTlv, integerHex, readTlv, slice, DerError, type Tlv,
} from './der.js';
import { readDerObjects } from './pem.js';
import { signatureSchemeFor, verifySignature } from './signature.js';
import { subjectPublicKeyBits } from './certificate.js';
import { certificateFields } from './cert-fields.js';

export type RevocationReason =
  | 'unspecified' | 'keyCompromise' | 'cACompromise' | 'affiliationChanged' | 'superseded'
  | 'cessationOfOperation' | 'certificateHold' | 'removeFromCRL' | 'privilegeWithdrawn' | 'aACompromise';

/** Index = the CRLReason code of RFC 5280 5.3.1; code 7 is not used. */
export const REVOCATION_REASONS: readonly (RevocationReason | undefined)[] = [
  'unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded',
  'cessationOfOperation', 'certificateHold', undefined, 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise',
];

export interface RevokedEntry {
  serialHex: string;
  revokedAt: Date;
  /** A RevocationReason name; other text (e.g. from a hand-edited index) is left out of the CRL. */
  reason?: string;
}

export interface CrlInput {
  issuerCertificateDer: Buffer;
  issuerKey: KeyObject;
  entries: Iterable<RevokedEntry>;
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
}

interface IssuerInfo {
  nameDer: Buffer;
  keyId: Buffer;
}

/** The issuer's subject Name (byte for byte) and key identifier (its SKI, else the SHA-1 of its key). */
function issuerInfo(certDer: Buffer): IssuerInfo {
  const fields = certificateFields(certDer);
  return { nameDer: fields.subjectDer, keyId: fields.subjectKeyId ?? createHash('sha1').update(subjectPublicKeyBits(fields.spkiDer)).digest() };
}

const REASON_OID = derOid('2.5.29.21');
const reasonExtensions: Partial<Record<string, Buffer>> = {};

/** crlEntryExtensions with the reason code, built once per reason; undefined for names RFC 5280 does not know. */
function reasonExtension(reason: string): Buffer | undefined {
  let ext = reasonExtensions[reason];
  if (!ext) {
    const code = REVOCATION_REASONS.indexOf(reason as RevocationReason);
    if (code < 0) return undefined;
    ext = reasonExtensions[reason] = derSequence(derSequence(REASON_OID, derOctetString(derEnumerated(code))));
  }
  return ext;
}

/** The serial's hex digits as a positive minimal INTEGER body: leading zeros dropped, 00 added for a high bit. */
function serialLayout(serialHex: string): { hex: string; pad: boolean; length: number } {
  let hex = serialHex.length % 2 ? `0${serialHex}` : serialHex;
  let start = 0;
  while (start < hex.length - 2 && hex.startsWith('00', start)) start += 2;
  if (start > 0) hex = hex.slice(start);
  if (!/^[0-9A-Fa-f]+$/.test(hex)) throw new Error(`bad serial ${serialHex}`);
  const pad = parseInt(hex[0]!, 16) >= 8;
  return { hex, pad, length: hex.length / 2 + (pad ? 1 : 0) };
}

/**
 * revokedCertificates, written straight into one buffer: a CRL of 100,000 entries would otherwise make
 * several small buffers per entry and spend its time collecting garbage.
 */
function encodeEntries(entries: Iterable<RevokedEntry>): Buffer {
  // Parallel arrays rather than an object per entry: fewer allocations, less garbage collection.
  const hexes: string[] = [];
  const pads: boolean[] = [];
  const serialLengths: number[] = [];
  const times: Buffer[] = [];
  const exts: (Buffer | undefined)[] = [];
  const bodies: number[] = [];
  const timeCache = new Map<number, Buffer>();
  let total = 0;
  for (const e of entries) {
    const serial = serialLayout(e.serialHex);
    let time = timeCache.get(e.revokedAt.getTime());
    if (!time) timeCache.set(e.revokedAt.getTime(), (time = derTime(e.revokedAt)));
    // RFC 5280 5.3.1: the reason code "unspecified" SHOULD be absent.
    const ext = e.reason && e.reason !== 'unspecified' ? reasonExtension(e.reason) : undefined;
    const body = 1 + lengthOfLength(serial.length) + serial.length + time.length + (ext?.length ?? 0);
    total += 1 + lengthOfLength(body) + body;
    hexes.push(serial.hex);
    pads.push(serial.pad);
    serialLengths.push(serial.length);
    times.push(time);
    exts.push(ext);
    bodies.push(body);
  }
  const out = Buffer.allocUnsafe(total);
  let p = 0;
  for (let i = 0; i < hexes.length; i++) {
    out[p++] = 0x30;
    p = writeLength(out, p, bodies[i]!);
    out[p++] = 0x02;
    p = writeLength(out, p, serialLengths[i]!);
    if (pads[i]) out[p++] = 0;
    p += out.write(hexes[i]!, p, 'hex');
    p += times[i]!.copy(out, p);
    const ext = exts[i];
    if (ext) p += ext.copy(out, p);
  }
  return out;
}

function lengthOfLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 4;
}

function writeLength(out: Buffer, p: number, n: number): number {
  if (n < 0x80) {
    out[p] = n;
    return p + 1;
  }
  const bytes = lengthOfLength(n) - 1;
  out[p++] = 0x80 | bytes;
  for (let i = bytes - 1; i >= 0; i--) out[p++] = (n >> (8 * i)) & 0xff;
  return p;
}

export function createCrl(input: CrlInput): Buffer {
  const issuer = issuerInfo(input.issuerCertificateDer);
  const scheme = signatureSchemeFor(input.issuerKey);
  const entries = encodeEntries(input.entries);
  const extensions = derExplicit(
    0,
    derSequence(
      derSequence(derOid('2.5.29.35'), derOctetString(derSequence(derTlv(0x80, issuer.keyId)))),
      derSequence(derOid('2.5.29.20'), derOctetString(derSmallInteger(input.crlNumber))),
    ),
  );
  const tbs = derSequence(
    derSmallInteger(1), // v2
    scheme.algorithmIdentifier,
    issuer.nameDer,
    derTime(input.thisUpdate),
    derTime(input.nextUpdate),
    ...(entries.length > 0 ? [derTlv(0x30, entries)] : []),
    extensions,
  );
  return derSequence(tbs, scheme.algorithmIdentifier, derBitString(scheme.sign(tbs)));
}

export interface CrlEntry {
  revokedAt: Date;
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
  signatureAlgorithmDer: Buffer;
  signatureValue: Buffer;
  /** Serial (upper-case hex, no leading zero octets) → revocation; decoded on first use. */
  readonly entries: Map<string, CrlEntry>;
  /** One serial's revocation, found by comparing bytes (no decoding of the other entries). */
  lookup(serialHex: string): CrlEntry | undefined;
  revokedCount: number;
  unknownCriticalExtensions: string[];
}

export function parseCrl(data: Buffer, describe: string): ParsedCrl {
  const [der] = readDerObjects(data, ['X509 CRL'], describe, 'CRL');
  try {
    return parseCrlDer(der!);
  } catch (err) {
    if (err instanceof DerError || err instanceof RangeError || err instanceof TypeError) {
      throw badInput(`${describe} is not a readable CRL (${err.message}); give a PEM or DER X.509 CRL.`);
    }
    throw err;
  }
}

function parseCrlDer(der: Buffer): ParsedCrl {
  const top = readTlv(der, 0);
  if (top.tag !== 0x30 || top.end !== der.length) throw new DerError('not a single DER SEQUENCE');
  const [tbs, sigAlg, sigValue] = children(der, top);
  if (!tbs || !sigAlg || !sigValue || sigValue.tag !== 0x03) throw new DerError('missing fields');
  const fields = children(der, tbs);
  let i = 0;
  if (fields[0]!.tag === 0x02) i++; // version
  i++; // signature AlgorithmIdentifier
  const issuerNameDer = Buffer.from(slice(der, fields[i++]!));
  const thisUpdate = decodeTime(der, fields[i++]!);
  let nextUpdate: Date | undefined;
  if (fields[i] && (fields[i]!.tag === 0x17 || fields[i]!.tag === 0x18)) nextUpdate = decodeTime(der, fields[i++]!);
  let list: Tlv[] = [];
  if (fields[i] && fields[i]!.tag === 0x30) list = children(der, fields[i++]!);
  let decoded: Map<string, CrlEntry> | undefined;
  const result: ParsedCrl = {
    der,
    tbsDer: Buffer.from(slice(der, tbs)),
    issuerNameDer,
    thisUpdate,
    nextUpdate,
    signatureAlgorithmOid: decodeOid(content(der, children(der, sigAlg)[0]!)),
    signatureAlgorithmDer: Buffer.from(slice(der, sigAlg)),
    signatureValue: Buffer.from(content(der, sigValue).subarray(1)),
    get entries() {
      if (!decoded) {
        decoded = new Map();
        for (const entry of list) {
          const serialTlv = readTlv(der, entry.start, entry.end);
          decoded.set(integerHex(content(der, serialTlv)), readEntry(der, entry, serialTlv));
        }
      }
      return decoded;
    },
    lookup(serialHex: string) {
      // Compared as integerHex does (leading zero octets dropped), so negative serials match too.
      const wanted = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
      for (const entry of list) {
        const serialTlv = readTlv(der, entry.start, entry.end);
        let start = serialTlv.start;
        while (start < serialTlv.end - 1 && der[start] === 0) start++;
        if (serialTlv.end - start === wanted.length && der.compare(wanted, 0, wanted.length, start, serialTlv.end) === 0) {
          return readEntry(der, entry, serialTlv);
        }
      }
      return undefined;
    },
    revokedCount: list.length,
    unknownCriticalExtensions: [],
  };
  if (fields[i] && fields[i]!.tag === 0xa0) readCrlExtensions(der, children(der, fields[i]!)[0]!, result);
  return result;
}

const REASON_OID_CONTENT = Buffer.from([0x55, 0x1d, 0x15]);

function readEntry(der: Buffer, entry: Tlv, serialTlv: Tlv): CrlEntry {
  const timeTlv = readTlv(der, serialTlv.end, entry.end);
  const revokedAt = decodeTime(der, timeTlv);
  let reason: RevocationReason | undefined;
  if (timeTlv.end < entry.end) {
    for (const ext of children(der, readTlv(der, timeTlv.end, entry.end))) {
      const e = children(der, ext);
      if (content(der, e[0]!).equals(REASON_OID_CONTENT)) {
        const value = readTlv(der, e[e.length - 1]!.start);
        reason = REVOCATION_REASONS[der[value.start]!];
      }
    }
  }
  return { revokedAt, reason };
}

const UNDERSTOOD_CRL_EXTENSIONS = new Set(['2.5.29.35', '2.5.29.20']);

function readCrlExtensions(der: Buffer, list: Tlv, result: ParsedCrl): void {
  for (const ext of children(der, list)) {
    const parts = children(der, ext);
    const oid = decodeOid(content(der, parts[0]!));
    const critical = parts.length === 3 && content(der, parts[1]!)[0] === 0xff;
    const valueDer = content(der, parts[parts.length - 1]!);
    if (oid === '2.5.29.20') {
      result.crlNumber = BigInt('0x' + (integerHex(content(valueDer, readTlv(valueDer, 0))) || '0'));
    } else if (oid === '2.5.29.35') {
      const seq = readTlv(valueDer, 0);
      const keyId = children(valueDer, seq).find((t) => t.tag === 0x80);
      if (keyId) result.authorityKeyIdHex = content(valueDer, keyId).toString('hex');
    } else if (critical && !UNDERSTOOD_CRL_EXTENSIONS.has(oid)) {
      result.unknownCriticalExtensions.push(oid);
    }
  }
}

export function verifyCrlSignature(crl: ParsedCrl, issuerPublicKeySpkiDer: Buffer): boolean {
  return verifySignature(crl.signatureAlgorithmOid, crl.tbsDer, crl.signatureValue, issuerPublicKeySpkiDer);
}
