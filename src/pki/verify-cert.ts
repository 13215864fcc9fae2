/** A certificate read once for path validation: the raw pieces signatures need, and its extensions. */
import { MtlsError, badInput } from '../errors.js';
import { children, content, decodeOid, decodeTime, integerHex, readTlv, slice, type Tlv } from './der.js';
import { canonicalName, nameDerToText, readNameAttributes } from './name-text.js';
import { readExtensionList } from './raw-extension.js';
import {
  bitStringMask,
  readBasicConstraints,
  readExtendedKeyUsage,
  readKeyUsage,
  unsignedInt,
} from './extension-values.js';

export interface GeneralNames {
  dns: string[];
  ip: Buffer[];
  email: string[];
  uri: string[];
  dirNames: string[];
}

/** A cRLDistributionPoints entry: names as generalNameKey() strings; relative names kept as RDN DER to resolve later. */
export interface DistributionPoint {
  fullNames?: string[];
  /** nameRelativeToCRLIssuer, re-tagged as a SET (the RDN DER). */
  relativeRdn?: Buffer;
  /** ReasonFlags as a mask (bit 1 keyCompromise ... bit 8 aACompromise); undefined = all reasons. */
  reasons?: number;
  /** cRLIssuer directoryNames as Name DER (to resolve a relative name against), and every cRLIssuer name as a key. */
  crlIssuerDns: Buffer[];
  crlIssuerKeys: string[];
}

export interface NameConstraintSet {
  permitted: GeneralNames;
  excluded: GeneralNames;
}

export interface CertInfo {
  der: Buffer;
  source: string;
  tbs: Buffer;
  signatureOid: string;
  signatureParams?: Buffer;
  signature: Buffer;
  spki: Buffer;
  serialHex: string;
  subjectDer: Buffer;
  issuerDer: Buffer;
  subject: string;
  issuer: string;
  subjectKey: string;
  issuerKey: string;
  notBefore: Date;
  notAfter: Date;
  version: number;
  ski?: string;
  aki?: string;
  isCa: boolean;
  hasBasicConstraints: boolean;
  pathLength?: number;
  keyUsage?: number;
  extKeyUsage?: string[];
  san?: GeneralNames;
  /** The subjectAltName extnValue as it is (issuerAltName = issuer:copy copies it). */
  subjectAltNameDer?: Buffer;
  emailInSubject: string[];
  commonNames: string[];
  nameConstraints?: NameConstraintSet;
  /** certificatePolicies OIDs; undefined when the extension is absent. */
  policies?: string[];
  crlDistributionPoints?: DistributionPoint[];
  /** freshestCRL present: delta CRLs are part of this certificate's revocation status (RFC 5280 6.3.3 c). */
  hasFreshestCrl: boolean;
  policyMappings?: [issuerDomain: string, subjectDomain: string][];
  requireExplicitPolicy?: number;
  inhibitPolicyMapping?: number;
  inhibitAnyPolicy?: number;
  criticalExtensions: string[];
}

/** One GeneralName as a comparable string: directoryNames canonical (RFC 5280 7.1), the others byte for byte. */
export function generalNameKey(buf: Buffer, gn: Tlv): string {
  if (gn.tag === 0xa4) return `dn:${canonicalName(slice(buf, readTlv(buf, gn.start)))}`;
  return `${gn.tag.toString(16)}:${content(buf, gn).toString('latin1')}`;
}

/** DistributionPointName's two forms ([0] fullName, [1] nameRelativeToCRLIssuer) into `into`. */
export function readDistributionPointName(
  buf: Buffer,
  dpName: Tlv,
  into: { fullNames?: string[]; relativeRdn?: Buffer },
): void {
  const choice = readTlv(buf, dpName.start, dpName.end);
  if (choice.tag === 0xa0) into.fullNames = children(buf, choice).map((gn) => generalNameKey(buf, gn));
  if (choice.tag === 0xa1) {
    const rdn = Buffer.from(slice(buf, choice));
    rdn[0] = 0x31; // [1] IMPLICIT SET → SET
    into.relativeRdn = rdn;
  }
}

function parseDistributionPoints(value: Buffer): DistributionPoint[] {
  return children(value, readTlv(value, 0)).map((dp) => {
    const point: DistributionPoint = { crlIssuerDns: [], crlIssuerKeys: [] };
    for (const part of children(value, dp)) {
      if (part.tag === 0xa0) readDistributionPointName(value, part, point);
      if (part.tag === 0x81) point.reasons = bitStringMask(content(value, part));
      if (part.tag === 0xa2) {
        for (const gn of children(value, part)) {
          point.crlIssuerKeys.push(generalNameKey(value, gn));
          if (gn.tag === 0xa4) point.crlIssuerDns.push(Buffer.from(slice(value, readTlv(value, gn.start))));
        }
      }
    }
    return point;
  });
}

const emptyNames = (): GeneralNames => ({ dns: [], ip: [], email: [], uri: [], dirNames: [] });

export function readGeneralNames(buf: Buffer, list: Tlv[], into = emptyNames()): GeneralNames {
  for (const gn of list) {
    const value = content(buf, gn);
    switch (gn.tag) {
      case 0x81:
        into.email.push(value.toString('latin1'));
        break;
      case 0x82:
        into.dns.push(value.toString('latin1'));
        break;
      case 0x86:
        into.uri.push(value.toString('latin1'));
        break;
      case 0x87:
        into.ip.push(Buffer.from(value));
        break;
      case 0xa4:
        into.dirNames.push(canonicalName(slice(buf, readTlv(buf, gn.start))));
        break;
      default:
        break;
    }
  }
  return into;
}

function parseNameConstraints(value: Buffer): NameConstraintSet {
  const seq = readTlv(value, 0);
  const result: NameConstraintSet = { permitted: emptyNames(), excluded: emptyNames() };
  for (const part of children(value, seq)) {
    const target = part.tag === 0xa0 ? result.permitted : result.excluded;
    readGeneralNames(
      value,
      children(value, part).map((subtree) => children(value, subtree)[0]!),
      target,
    );
  }
  return result;
}

/** Reads a certificate for validation; anything unreadable (not a certificate, broken DER or extension) is BAD_INPUT. */
export function readCertificate(der: Buffer, source: string): CertInfo {
  try {
    return readCertificateUnchecked(der, source);
  } catch (err) {
    if (err instanceof MtlsError) throw err;
    throw badInput(
      `${source} holds something that is not a readable X.509 certificate (${(err as Error).message}); give a PEM or DER certificate.`,
    );
  }
}

function readCertificateUnchecked(der: Buffer, source: string): CertInfo {
  const top = readTlv(der, 0);
  if (top.tag !== 0x30 || top.end !== der.length) throw new Error('not a single DER SEQUENCE');
  const [tbsTlv, algTlv, sigTlv] = children(der, top);
  if (!tbsTlv || !algTlv || !sigTlv || sigTlv.tag !== 0x03) throw new Error('not a certificate');
  const fields = children(der, tbsTlv);
  const offset = fields[0]!.tag === 0xa0 ? 1 : 0;
  if (fields.length < offset + 6) throw new Error('a TBSCertificate with fields missing');
  const version = offset ? content(der, readTlv(der, fields[0]!.start))[0]! + 1 : 1;
  const algParts = children(der, algTlv);
  // The key is used later (signatures, DSA parameter inheritance): its outline must hold now (found by the fuzzer).
  const spkiTlv = fields[offset + 5]!;
  const spkiParts = spkiTlv.tag === 0x30 ? children(der, spkiTlv) : [];
  if (spkiParts.length !== 2 || spkiParts[0]!.tag !== 0x30 || spkiParts[1]!.tag !== 0x03)
    throw new Error('a malformed subjectPublicKeyInfo');
  if (children(der, spkiParts[0]!)[0]?.tag !== 0x06) throw new Error('a key algorithm without an OID');
  const subjectDer = Buffer.from(slice(der, fields[offset + 4]!));
  const issuerDer = Buffer.from(slice(der, fields[offset + 2]!));
  const info: CertInfo = {
    der,
    source,
    tbs: Buffer.from(slice(der, tbsTlv)),
    signatureOid: decodeOid(content(der, algParts[0]!)),
    signatureParams: algParts[1] ? Buffer.from(slice(der, algParts[1])) : undefined,
    signature: Buffer.from(content(der, sigTlv).subarray(1)),
    spki: Buffer.from(slice(der, fields[offset + 5]!)),
    serialHex: integerHex(content(der, fields[offset]!)),
    issuerDer,
    subjectDer,
    subject: nameDerToText(subjectDer) || '(empty subject)',
    issuer: nameDerToText(issuerDer),
    subjectKey: canonicalName(subjectDer),
    issuerKey: canonicalName(issuerDer),
    notBefore: decodeTime(der, children(der, fields[offset + 3]!)[0]!),
    notAfter: decodeTime(der, children(der, fields[offset + 3]!)[1]!),
    version,
    isCa: false,
    hasBasicConstraints: false,
    emailInSubject: [],
    commonNames: [],
    criticalExtensions: [],
    hasFreshestCrl: false,
  };
  for (const { type, value } of readNameAttributes(subjectDer)) {
    if (type === 'emailAddress') info.emailInSubject.push(value);
    if (type === 'CN') info.commonNames.push(value);
  }
  const extensions = fields.find((f) => f.tag === 0xa3);
  for (const ext of extensions ? readExtensionList(der, readTlv(der, extensions.start, extensions.end)) : []) {
    if (ext.critical) info.criticalExtensions.push(ext.type);
    const value = Buffer.from(ext.value);
    switch (ext.type) {
      case '2.5.29.19': {
        const bc = readBasicConstraints(ext);
        info.hasBasicConstraints = true;
        info.isCa = bc.ca;
        info.pathLength = bc.pathLength;
        break;
      }
      case '2.5.29.15':
        info.keyUsage = readKeyUsage(ext);
        break;
      case '2.5.29.37':
        info.extKeyUsage = readExtendedKeyUsage(ext);
        break;
      case '2.5.29.17':
        info.san = readGeneralNames(value, children(value, readTlv(value, 0)));
        info.subjectAltNameDer = value;
        break;
      case '2.5.29.14':
        info.ski = content(value, readTlv(value, 0)).toString('hex');
        break;
      case '2.5.29.35': {
        const keyId = children(value, readTlv(value, 0)).find((t) => t.tag === 0x80);
        if (keyId) info.aki = content(value, keyId).toString('hex');
        break;
      }
      case '2.5.29.30':
        info.nameConstraints = parseNameConstraints(value);
        break;
      case '2.5.29.32':
        info.policies = children(value, readTlv(value, 0)).map((pi) =>
          decodeOid(content(value, children(value, pi)[0]!)),
        );
        break;
      case '2.5.29.33':
        info.policyMappings = children(value, readTlv(value, 0)).map((m) => {
          const [from, to] = children(value, m);
          return [decodeOid(content(value, from!)), decodeOid(content(value, to!))];
        });
        break;
      case '2.5.29.36':
        for (const part of children(value, readTlv(value, 0))) {
          const n = unsignedInt(content(value, part));
          if (part.tag === 0x80) info.requireExplicitPolicy = n;
          if (part.tag === 0x81) info.inhibitPolicyMapping = n;
        }
        break;
      case '2.5.29.46':
        info.hasFreshestCrl = true;
        break;
      case '2.5.29.31':
        info.crlDistributionPoints = parseDistributionPoints(value);
        break;
      case '2.5.29.54':
        info.inhibitAnyPolicy = unsignedInt(content(value, readTlv(value, 0)));
        break;
      default:
        break;
    }
  }
  return info;
}
