/**
 * Revocation checking with CRLs, RFC 5280 6.3: for every certificate of the path (not the trust anchor),
 * a complete CRL in scope for it (issuer, issuingDistributionPoint, reasons), signed by a key allowed to sign
 * CRLs whose own certificate validates to the same trust anchor, current at the validation time, with no
 * critical extension we do not process; then delta CRLs on top. Indirect CRLs (certificateIssuer entries)
 * are followed when the certificate's cRLDistributionPoints names the CRL issuer.
 */
import { badInput } from '../errors.js';
import { parseCrl, REVOCATION_REASONS, type ParsedCrl } from './crl.js';
import {
  children,
  content,
  decodeOid,
  decodeTime,
  derSequence,
  integerHex,
  readTlv,
  readTlvInto,
  blankTlv,
  slice,
  type Tlv,
} from './der.js';
import { generalNameKey, readDistributionPointName, type CertInfo, type DistributionPoint } from './verify-cert.js';
import { bitStringMask } from './extension-values.js';
import { canonicalName, nameDerToText } from './name-text.js';
import { verifyWithAlgorithm } from './verify-signature.js';

/** ReasonFlags bits 1 (keyCompromise) to 8 (aACompromise): what a set of CRLs must cover together. */
export const ALL_REASONS = 0x1fe;
const REMOVE_FROM_CRL = 8;
const KU_CRL_SIGN = 64;
/** CRL extensions processed here: AKI, CRL number, IDP, delta CRL indicator, freshest CRL, AIA. */
const UNDERSTOOD_CRL_EXTENSIONS = new Set([
  '2.5.29.35',
  '2.5.29.20',
  '2.5.29.28',
  '2.5.29.27',
  '2.5.29.46',
  '1.3.6.1.5.5.7.1.1',
]);
/** Entry extensions: reason, hold instruction, invalidity date, certificate issuer. */
const UNDERSTOOD_ENTRY_EXTENSIONS = new Set(['2.5.29.21', '2.5.29.23', '2.5.29.24', '2.5.29.29']);

export interface IssuingDistributionPoint {
  fullNames?: string[];
  relativeRdn?: Buffer;
  onlyUser: boolean;
  onlyCa: boolean;
  onlyAttribute: boolean;
  reasons?: number;
  indirect: boolean;
}

export interface CrlInfo {
  crl: ParsedCrl;
  source: string;
  /** Canonical issuer name (as CertInfo.subjectKey). */
  issuerKey: string;
  issuer: string;
  idp?: IssuingDistributionPoint;
  /** BaseCRLNumber: set on delta CRLs only. */
  deltaBase?: bigint;
  signatureParams?: Buffer;
  hasFreshestCrl: boolean;
  unknownCritical: string[];
  /** The first critical entry extension we do not process (null: none); such a CRL must not be used at all (RFC 5280 5.3). Found on first use. */
  unknownEntryCritical?: string | null;
  revokedList?: Tlv;
}

interface Entry {
  revokedAt: Date;
  reason?: number;
}

/**
 * Parses a CRL and the parts of it revocation checking needs beyond crl.ts (IDP, delta indicator); unreadable is BAD_INPUT.
 * `der` is not copied: the CrlInfo lives only as long as the verification that was handed it.
 */
export function readCrlInfo(der: Buffer, source: string): CrlInfo {
  const crl = parseCrl(der, source, { copy: false });
  try {
    return crlInfo(crl, source);
  } catch (err) {
    throw badInput(`${source} is not a readable CRL (${(err as Error).message}); give a PEM or DER X.509 CRL.`);
  }
}

function crlInfo(crl: ParsedCrl, source: string): CrlInfo {
  const info: CrlInfo = {
    crl,
    source,
    issuerKey: canonicalName(crl.issuerNameDer),
    issuer: nameDerToText(crl.issuerNameDer),
    unknownCritical: [],
    hasFreshestCrl: false,
  };
  const alg = children(crl.signatureAlgorithmDer, readTlv(crl.signatureAlgorithmDer, 0));
  if (alg[1]) info.signatureParams = Buffer.from(slice(crl.signatureAlgorithmDer, alg[1]));
  const tbs = crl.tbsDer;
  for (const field of children(tbs, readTlv(tbs, 0))) {
    if (field.tag === 0x30 && field.length > 0 && readTlv(tbs, field.start).tag === 0x30) {
      // revokedCertificates (the signature AlgorithmIdentifier and the issuer Name do not start with a SEQUENCE).
      info.revokedList = field;
    }
    if (field.tag === 0xa0) readCrlExtensions(tbs, children(tbs, field)[0]!, info);
  }
  return info;
}

function readCrlExtensions(buf: Buffer, list: Tlv, info: CrlInfo): void {
  for (const ext of children(buf, list)) {
    const parts = children(buf, ext);
    const oid = decodeOid(content(buf, parts[0]!));
    const critical = parts.length === 3 && content(buf, parts[1]!)[0] !== 0;
    const value = content(buf, parts[parts.length - 1]!);
    if (oid === '2.5.29.28') info.idp = readIdp(value);
    if (oid === '2.5.29.46') info.hasFreshestCrl = true;
    if (oid === '2.5.29.27') info.deltaBase = BigInt('0x' + (integerHex(content(value, readTlv(value, 0))) || '0'));
    if (critical && !UNDERSTOOD_CRL_EXTENSIONS.has(oid)) info.unknownCritical.push(oid);
  }
}

function readIdp(value: Buffer): IssuingDistributionPoint {
  const idp: IssuingDistributionPoint = { onlyUser: false, onlyCa: false, onlyAttribute: false, indirect: false };
  for (const part of children(value, readTlv(value, 0))) {
    const on = content(value, part)[0] !== 0;
    if (part.tag === 0xa0) readDistributionPointName(value, part, idp);
    if (part.tag === 0x81) idp.onlyUser = on;
    if (part.tag === 0x82) idp.onlyCa = on;
    if (part.tag === 0x83) idp.reasons = bitStringMask(content(value, part));
    if (part.tag === 0x84) idp.indirect = on;
    if (part.tag === 0x85) idp.onlyAttribute = on;
  }
  return idp;
}

/**
 * The first critical entry extension we do not know, walking the entries once without building lists
 * (a CRL can hold 100,000 entries; most carry only a non-critical reason code). Null when there is none.
 */
function unknownEntryCritical(info: CrlInfo): string | null {
  if (info.unknownEntryCritical !== undefined) return info.unknownEntryCritical;
  const buf = info.crl.tbsDer;
  const list = info.revokedList;
  info.unknownEntryCritical = null;
  // Tlvs filled in turn: nothing is allocated per entry.
  const [entry, serial, time, exts, ext, oid, next] = [
    blankTlv(),
    blankTlv(),
    blankTlv(),
    blankTlv(),
    blankTlv(),
    blankTlv(),
    blankTlv(),
  ];
  for (let p = list?.start ?? 0; list && p < list.end;) {
    readTlvInto(buf, p, list.end, entry);
    p = entry.end;
    readTlvInto(buf, entry.start, entry.end, serial);
    readTlvInto(buf, serial.end, entry.end, time);
    if (time.end >= entry.end) continue;
    readTlvInto(buf, time.end, entry.end, exts);
    for (let q = exts.start; q < exts.end;) {
      readTlvInto(buf, q, exts.end, ext);
      q = ext.end;
      readTlvInto(buf, ext.start, ext.end, oid);
      readTlvInto(buf, oid.end, ext.end, next);
      if (next.tag !== 0x01 || buf[next.start] === 0) continue;
      const name = decodeOid(content(buf, oid));
      if (!UNDERSTOOD_ENTRY_EXTENSIONS.has(name)) return (info.unknownEntryCritical = name);
    }
  }
  return null;
}

/** The entry for `cert` in an indirect CRL: entries belong to the CRL issuer until a certificateIssuer extension says otherwise. */
function indirectEntry(info: CrlInfo, cert: CertInfo): Entry | undefined {
  const buf = info.crl.tbsDer;
  if (!info.revokedList) return undefined;
  let issuer = `dn:${info.issuerKey}`;
  const wanted = `dn:${cert.issuerKey}`;
  for (const entry of children(buf, info.revokedList)) {
    const parts = children(buf, entry);
    let reason: number | undefined;
    for (const ext of parts[2] ? children(buf, parts[2]) : []) {
      const e = children(buf, ext);
      const oid = decodeOid(content(buf, e[0]!));
      const value = content(buf, e[e.length - 1]!);
      if (oid === '2.5.29.29')
        issuer =
          children(value, readTlv(value, 0))
            .map((gn) => generalNameKey(value, gn))
            .find((k) => k.startsWith('dn:')) ?? issuer;
      if (oid === '2.5.29.21') reason = content(value, readTlv(value, 0))[0];
    }
    if (issuer === wanted && integerHex(content(buf, parts[0]!)) === cert.serialHex)
      return { revokedAt: decodeTime(buf, parts[1]!), reason };
  }
  return undefined;
}

/** Entries are read lazily (big CRLs), so a broken entry shows up here: still BAD_INPUT, naming the CRL. */
function readingEntries<T>(info: CrlInfo, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw badInput(
      `${info.source} has an unreadable revoked-certificate entry (${(err as Error).message}); give a well-formed X.509 CRL.`,
    );
  }
}

function entryFor(info: CrlInfo, cert: CertInfo): Entry | undefined {
  return readingEntries(info, () => {
    if (info.idp?.indirect) return indirectEntry(info, cert);
    const e = info.crl.lookup(cert.serialHex);
    if (!e) return undefined;
    return { revokedAt: e.revokedAt, reason: e.reason ? REVOCATION_REASONS.indexOf(e.reason) : undefined };
  });
}

/** A Name with one more RDN: how nameRelativeToCRLIssuer becomes a full name. */
function nameWithRdn(nameDer: Buffer, rdn: Buffer): string {
  const rdns = content(nameDer, readTlv(nameDer, 0));
  return `dn:${canonicalName(derSequence(rdns, rdn))}`;
}

function dpNames(dp: DistributionPoint, cert: CertInfo): string[] | undefined {
  if (dp.fullNames) return dp.fullNames;
  if (dp.relativeRdn) return [nameWithRdn(dp.crlIssuerDns[0] ?? cert.issuerDer, dp.relativeRdn)];
  return undefined;
}

type Scope = { reasons: number } | { outOfScope: string };

/** RFC 5280 6.3.3 (b) and (d): is this CRL about this certificate, and for which reasons? */
function scopeOf(info: CrlInfo, cert: CertInfo): Scope {
  const idp = info.idp;
  const points = cert.crlDistributionPoints ?? [];
  const direct = info.issuerKey === cert.issuerKey;
  const ownKey = `dn:${info.issuerKey}`;
  if (idp?.onlyUser && cert.isCa) return { outOfScope: 'lists only end-entity certificates (onlyContainsUserCerts)' };
  if (idp?.onlyCa && !cert.isCa) return { outOfScope: 'lists only CA certificates (onlyContainsCACerts)' };
  if (idp?.onlyAttribute) return { outOfScope: 'lists only attribute certificates' };
  // A distribution point naming a cRLIssuer is served by an indirect CRL from it; any other by the certificate's issuer.
  const served = (dp: DistributionPoint) =>
    dp.crlIssuerKeys.length > 0 ? idp?.indirect === true && dp.crlIssuerKeys.includes(ownKey) : direct;
  const idpNames =
    idp?.fullNames ?? (idp?.relativeRdn ? [nameWithRdn(info.crl.issuerNameDer, idp.relativeRdn)] : undefined);
  let point: DistributionPoint | undefined;
  if (idpNames) {
    const named = points.filter((dp) => (dpNames(dp, cert) ?? dp.crlIssuerKeys).some((n) => idpNames.includes(n)));
    if (named.length === 0)
      return { outOfScope: "covers a distribution point the certificate's cRLDistributionPoints does not name" };
    point = named.find(served);
    if (!point) return { outOfScope: 'is not from the CRL issuer the certificate names for that distribution point' };
  } else if (points.length > 0) {
    point = points.find(served);
    if (!point && !direct) return { outOfScope: 'is from another issuer' };
  } else if (!direct) {
    return { outOfScope: 'is from another issuer' };
  }
  const reasons = (idp?.reasons ?? ALL_REASONS) & (point?.reasons ?? ALL_REASONS) & ALL_REASONS;
  if (reasons === 0) return { outOfScope: 'covers none of the revocation reasons the certificate asks for' };
  return { reasons };
}

export interface RevocationContext {
  at: Date;
  crls: CrlInfo[];
  /** Certificates (path, intermediates given, trust anchors) with this canonical subject name. */
  certsNamed(nameKey: string): CertInfo[];
  /** True when this certificate may vouch for a CRL: an issuer in the validated path, or one whose own path validates to the same anchor. */
  signerTrusted(signer: CertInfo): boolean;
  /** Apply RFC 5280 5.1-5.2's rules for conforming CRL issuers (the strict profile), not only 6.3's processing. */
  strict?: boolean;
}

/** Why a CRL breaks RFC 5280 5.1-5.2 (or CABF's one-entry-per-serial), for the strict profile; undefined when it does not. */
function malformedCrl(info: CrlInfo): string | undefined {
  const crl = info.crl;
  if (crl.form.hasExtensions && !crl.form.versioned)
    return 'carries extensions but is a version 1 CRL (RFC 5280 5.1.2.1 requires version 2)';
  if (!crl.form.tbsSignatureAlgorithmDer.equals(crl.signatureAlgorithmDer))
    return 'names one signature algorithm inside the signed part and another outside it (RFC 5280 5.1.1.2)';
  if (readTlv(crl.issuerNameDer, 0).length === 0) return 'has an empty issuer name (RFC 5280 5.1.2.3)';
  if (crl.crlNumber === undefined) return 'has no cRLNumber, which RFC 5280 5.2.3 requires';
  if (crl.form.crlNumberCritical) return 'marks cRLNumber critical; RFC 5280 5.2.3 requires it non-critical';
  if (crl.crlNumber < 0n || crl.crlNumber >= 1n << 159n) return 'has a cRLNumber outside 0 to 2^159-1 (RFC 5280 5.2.3)';
  const twice = crl.duplicateSerial();
  if (twice) return `lists the serial ${twice} twice`;
  return undefined;
}

type Add = (code: string, cert: CertInfo, message: string) => void;
type Verdict = { ok: true; reasons: number; entry?: Entry } | { ok: false; code: string; message: string };

const label = (c: CertInfo) => `${c.source} ('${c.subject}')`;
const day = (d: Date) => d.toISOString().replace('.000Z', 'Z');

/** Finds who signed the CRL among certificates of its issuer's name; a problem when nobody trustworthy did. */
function checkSigner(
  info: CrlInfo,
  issuer: CertInfo | undefined,
  ctx: RevocationContext,
): { code: string; message: string } | undefined {
  const aki = info.crl.authorityKeyIdHex;
  const named = ctx.certsNamed(info.issuerKey);
  const candidates = [
    ...(issuer && issuer.subjectKey === info.issuerKey ? [issuer] : []),
    ...named.sort((a, b) => Number(b.ski === aki) - Number(a.ski === aki)),
  ];
  let refused: { code: string; message: string } | undefined;
  for (const signer of candidates.filter((c, i) => candidates.findIndex((o) => o.der.equals(c.der)) === i)) {
    if (
      !verifyWithAlgorithm(
        info.crl.signatureAlgorithmOid,
        info.signatureParams,
        info.crl.tbsDer,
        info.crl.signatureValue,
        signer.spki,
      )
    )
      continue;
    if (signer.keyUsage !== undefined && (signer.keyUsage & KU_CRL_SIGN) === 0) {
      refused ??= {
        code: 'CRL_WRONG_ISSUER',
        message: `${info.source} is signed by ${label(signer)}, whose keyUsage does not allow signing CRLs (no cRLSign); re-issue that CA with cRLSign, or sign the CRL with a key that has it.`,
      };
      continue;
    }
    if (!ctx.signerTrusted(signer)) {
      refused ??= {
        code: 'CRL_WRONG_ISSUER',
        message: `${info.source} is signed by ${label(signer)}, whose own certificate does not validate to the same trusted CA (revoked, expired or unchained); get the CRL from the CA that issued the certificate.`,
      };
      continue;
    }
    return undefined;
  }
  return (
    refused ?? {
      code: 'CRL_BAD_SIGNATURE',
      message: `${info.source} claims to come from '${info.issuer}' but no certificate of that CA given verifies its signature; get the CRL from the CA itself, and pass a separate CRL-signing certificate with --untrusted if it uses one.`,
    }
  );
}

/** Whether a CRL (complete or delta) can be relied on at all: extensions, signature, time. */
function usable(
  info: CrlInfo,
  issuer: CertInfo | undefined,
  ctx: RevocationContext,
): { code: string; message: string } | undefined {
  const critical = info.unknownCritical[0] ?? readingEntries(info, () => unknownEntryCritical(info));
  if (critical)
    return {
      code: 'CRL_UNKNOWN_CRITICAL_EXTENSION',
      message: `${info.source} has a critical extension (${critical}) that verifiers do not understand, so it cannot be used; re-issue the CRL without it.`,
    };
  const malformed = ctx.strict ? malformedCrl(info) : undefined;
  if (malformed)
    return {
      code: 'CRL_MALFORMED',
      message: `${info.source} ${malformed}, so it cannot be relied on; re-issue the CRL ('mtlskit crl gen' for an mtlskit CA).`,
    };
  const signer = checkSigner(info, issuer, ctx);
  if (signer) return signer;
  if (info.crl.thisUpdate > ctx.at)
    return {
      code: 'CRL_NOT_YET_VALID',
      message: `${info.source} is not valid until ${day(info.crl.thisUpdate)} (its thisUpdate); check the clocks, or use the CRL that was current then.`,
    };
  if (info.crl.nextUpdate && info.crl.nextUpdate < ctx.at) {
    return {
      code: 'CRL_EXPIRED',
      message: `${info.source} expired on ${day(info.crl.nextUpdate)} (its nextUpdate); get a fresh CRL from '${info.issuer}' ('mtlskit crl gen' for an mtlskit CA).`,
    };
  }
  return undefined;
}

function judge(info: CrlInfo, cert: CertInfo, issuer: CertInfo | undefined, ctx: RevocationContext): Verdict {
  const scope = scopeOf(info, cert);
  if ('outOfScope' in scope)
    return {
      ok: false,
      code: 'CRL_MISSING',
      message: `${info.source} ${scope.outOfScope}, so it says nothing about ${label(cert)}; pass the CRL that covers it with --crl.`,
    };
  const problem = usable(info, issuer, ctx);
  if (problem) return { ok: false, ...problem };
  return { ok: true, reasons: scope.reasons, entry: entryFor(info, cert) };
}

/**
 * Delta CRLs (RFC 5280 5.2.4, 6.3.3 c, i): one built on this complete CRL's number or an earlier one updates its
 * answer. A revocation in any delta given that verifies counts (stale or not, safer than ignoring it); removeFromCRL
 * only from a current one, and only when the certificate or the complete CRL points to deltas (freshestCRL), as
 * RFC 5280 6.3.3 (c) and openssl -use_deltas do.
 */
function applyDeltas(
  complete: CrlInfo,
  cert: CertInfo,
  issuer: CertInfo | undefined,
  entry: Entry | undefined,
  ctx: RevocationContext,
): Entry | undefined {
  let status = entry;
  for (const delta of ctx.crls) {
    if (delta.deltaBase === undefined || delta.issuerKey !== complete.issuerKey) continue;
    if (complete.crl.crlNumber === undefined || complete.crl.crlNumber < delta.deltaBase) continue;
    if ('outOfScope' in scopeOf(delta, cert)) continue;
    const problem = usable(delta, issuer, ctx);
    if (problem && problem.code !== 'CRL_EXPIRED') continue;
    const listed = entryFor(delta, cert);
    if (!listed) continue;
    if (listed.reason === REMOVE_FROM_CRL) {
      if (!problem && (complete.hasFreshestCrl || cert.hasFreshestCrl)) status = undefined;
    } else status = listed;
  }
  return status;
}

function revokedMessage(cert: CertInfo, entry: Entry, source: string): string {
  const name = entry.reason !== undefined ? REVOCATION_REASONS[entry.reason] : undefined;
  const reason = name ? ` (${name})` : '';
  const hold =
    entry.reason === 6
      ? 'it is on hold; ask the CA to release it or issue a new certificate'
      : 'issue a new certificate';
  return `${label(cert)} was revoked on ${day(entry.revokedAt)}${reason} according to ${source}; ${hold}.`;
}

/** One certificate's revocation status, from every CRL that names its issuer (or names it through an indirect CRL). */
function checkOne(cert: CertInfo, issuer: CertInfo | undefined, ctx: RevocationContext, add: Add): void {
  const complete = ctx.crls.filter((c) => c.deltaBase === undefined);
  const verdicts = complete
    .filter((c) => c.issuerKey === cert.issuerKey || c.idp?.indirect)
    .map((info) => ({ info, verdict: judge(info, cert, issuer, ctx) }))
    .filter((v) => v.verdict.ok || v.info.issuerKey === cert.issuerKey);
  let covered = 0;
  for (const { info, verdict } of verdicts) {
    if (!verdict.ok) continue;
    covered |= verdict.reasons;
    const entry = applyDeltas(info, cert, issuer, verdict.entry, ctx);
    if (entry) {
      add('REVOKED', cert, revokedMessage(cert, entry, info.source));
      return;
    }
  }
  if (covered === ALL_REASONS) return;
  if (covered !== 0) {
    add(
      'CRL_MISSING',
      cert,
      `The CRLs given cover only some revocation reasons for ${label(cert)} (onlySomeReasons); pass the other CRLs of '${cert.issuer}' with --crl.`,
    );
    return;
  }
  const refusals = verdicts.filter((v) => !v.verdict.ok);
  if (refusals.length > 0) {
    for (const { verdict } of refusals) if (!verdict.ok) add(verdict.code, cert, verdict.message);
    return;
  }
  const deltaOnly = ctx.crls.some((c) => c.deltaBase !== undefined && c.issuerKey === cert.issuerKey);
  const given = ctx.crls.map((c) => `${c.source} from '${c.issuer}'`).join(', ');
  add(
    'CRL_MISSING',
    cert,
    deltaOnly
      ? `Only a delta CRL from '${cert.issuer}' was given, so the revocation of ${label(cert)} cannot be checked; pass that CA's complete CRL with --crl too.`
      : `None of the CRLs given (${given}) comes from '${cert.issuer}', the issuer of ${label(cert)}, so its revocation cannot be checked; pass that CA's CRL with --crl as well.`,
  );
}

/**
 * Every certificate below the trust anchor needs a usable CRL from its issuer (as `openssl verify -crl_check_all`):
 * when CRLs are given, an unchecked intermediate would be a silent gap. `all` is the path plus its anchor.
 */
export function checkRevocation(path: CertInfo[], all: CertInfo[], ctx: RevocationContext, add: Add): void {
  path.forEach((cert, i) => {
    const issuer = all[i + 1];
    if (issuer) checkOne(cert, issuer, ctx, add);
  });
}
