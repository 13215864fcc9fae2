/** A certificate read once for path validation: the raw pieces signatures need, and its extensions. */
import { MtlsError, badInput } from '../errors.js';
import { children, content, decodeOid, decodeTime, integerHex, readTlv, slice, type Tlv } from './der.js';
import { canonicalName, nameDerToText, readNameAttributes } from './name-text.js';
import { readExtensionList, type CertExtension } from './raw-extension.js';
import { readKeyForm, type KeyForm } from './key-form.js';

export type { KeyForm } from './key-form.js';
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
  /** What the structural rules (verify-lint.ts) need beyond path processing. */
  form: CertForm;
}

/** How a certificate is written: the raw facts RFC 5280 section 4 and the CA/Browser Forum profile judge. */
export interface CertForm {
  /** INTEGER content octets of the serial number. */
  serialBytes: Buffer;
  /** The signature AlgorithmIdentifier inside the TBS and the one outside it, as DER. */
  tbsSignatureAlg: Buffer;
  outerSignatureAlg: Buffer;
  /** Every extension OID in order (duplicates kept), and each one's criticality. */
  extensionOids: string[];
  critical: Map<string, boolean>;
  /** Extensions whose value does not parse as its syntax. */
  malformed: string[];
  /** Extensions with a BOOLEAN that is not DER (the critical flag, basicConstraints cA): TRUE other than 0xff, or
   * the default FALSE written out (X.690 11.1, 11.5). */
  nonDerBoolean: string[];
  subjectEmpty: boolean;
  issuerEmpty: boolean;
  /** DER tags of notBefore and notAfter (0x17 UTCTime, 0x18 GeneralizedTime). */
  notBeforeTag: number;
  notAfterTag: number;
  /** authorityKeyIdentifier fields present. */
  akiHasIssuer: boolean;
  akiHasSerial: boolean;
  akiPresent: boolean;
  /** subjectAltName entries that are malformed for their type (text for the message). */
  badSanNames: string[];
  /** GeneralName tags in subjectAltName other than DNS, IP, email, URI, directoryName. */
  otherSanTags: number[];
  sanEmpty: boolean;
  /** Name-constraint forms mtlskit cannot judge (otherName, x400Address, ediPartyName, registeredID), as tags. */
  ncOtherTags: number[];
  /** Name constraints that are malformed (wildcards, leading dots in DNS, non-CIDR masks, bad addresses). */
  badConstraints: string[];
  /** The public key: algorithm, RSA modulus bits, EC curve (OID, or 'explicit'). */
  key: KeyForm;
}

/** LDH labels, optionally a leading "*." (RFC 5280 4.2.1.6, RFC 1034 preferred name syntax). */
export function isDnsNameSyntax(name: string, wildcard: boolean): boolean {
  const body = wildcard && name.startsWith('*.') ? name.slice(2) : name;
  if (body.length === 0 || body.length > 253) return false;
  return body
    .split('.')
    .every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(label) || /^[a-z0-9]$/i.test(label));
}

const isEmailSyntax = (e: string) => /^[^@\s]+@[^@\s]+$/.test(e) && isDnsNameSyntax(e.slice(e.indexOf('@') + 1), false);

/** A name-constraint iPAddress is address + mask, the mask's one bits contiguous from the left. */
function isCidrMask(mask: Buffer): boolean {
  let seenZero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = (byte >> bit) & 1;
      if (one && seenZero) return false;
      if (!one) seenZero = true;
    }
  }
  return true;
}

function safeKeyForm(spki: Buffer): KeyForm {
  try {
    return readKeyForm(spki);
  } catch {
    return { algorithm: 'other', oid: 'unreadable' };
  }
}

const SAN_TAGS = new Set([0x81, 0x82, 0x86, 0x87, 0xa4]);

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

function parseNameConstraints(value: Buffer, form: CertForm): NameConstraintSet {
  const seq = readTlv(value, 0);
  if (seq.tag !== 0x30) throw new Error('nameConstraints is not a SEQUENCE');
  const result: NameConstraintSet = { permitted: emptyNames(), excluded: emptyNames() };
  for (const part of children(value, seq)) {
    if (part.tag !== 0xa0 && part.tag !== 0xa1) throw new Error('nameConstraints holds an unknown field');
    const target = part.tag === 0xa0 ? result.permitted : result.excluded;
    const bases = children(value, part).map((subtree) => {
      const fields = children(value, subtree);
      // minimum MUST be zero and maximum absent (RFC 5280 4.2.1.10).
      if (fields.length !== 1) form.badConstraints.push('a subtree with minimum or maximum');
      return fields[0]!;
    });
    for (const base of bases) {
      if (!SAN_TAGS.has(base.tag)) form.ncOtherTags.push(base.tag);
      const text = content(value, base).toString('latin1');
      if (
        base.tag === 0x82 &&
        (text.includes('*') || text.startsWith('.') || !isDnsNameSyntax(text.replace(/^\./, ''), false)) &&
        text !== ''
      )
        form.badConstraints.push(`DNS:${text}`);
      if (
        base.tag === 0x87 &&
        ((base.length !== 8 && base.length !== 32) || !isCidrMask(content(value, base).subarray(base.length / 2)))
      )
        form.badConstraints.push(`IP:${content(value, base).toString('hex')}`);
      if (base.tag === 0x81 && (text.split('@').length > 2 || text === '')) form.badConstraints.push(`email:${text}`);
    }
    readGeneralNames(value, bases, target);
  }
  return result;
}

/** Syntax of each subjectAltName entry (RFC 5280 4.2.1.6): DNS names in LDH form, 4- or 16-byte addresses, addr-spec emails. */
function checkSanSyntax(value: Buffer, list: Tlv[], form: CertForm): void {
  for (const gn of list) {
    const body = content(value, gn);
    const text = body.toString('latin1');
    if (!SAN_TAGS.has(gn.tag)) form.otherSanTags.push(gn.tag);
    if (gn.tag === 0x82 && (!isDnsNameSyntax(text, true) || /[^\x21-\x7e]/.test(text)))
      form.badSanNames.push(`DNS:${body.toString('utf8')}`);
    if (gn.tag === 0x87 && body.length !== 4 && body.length !== 16) form.badSanNames.push(`IP:${body.toString('hex')}`);
    if (gn.tag === 0x81 && !isEmailSyntax(text)) form.badSanNames.push(`email:${text}`);
    if (gn.tag === 0x86 && !/^[a-z][a-z0-9+.-]*:/i.test(text)) form.badSanNames.push(`URI:${text}`);
  }
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
  const [notBeforeTlv, notAfterTlv] = children(der, fields[offset + 3]!);
  const spki = Buffer.from(slice(der, fields[offset + 5]!));
  const form: CertForm = {
    serialBytes: Buffer.from(content(der, fields[offset]!)),
    tbsSignatureAlg: Buffer.from(slice(der, fields[offset + 1]!)),
    outerSignatureAlg: Buffer.from(slice(der, algTlv)),
    extensionOids: [],
    critical: new Map(),
    malformed: [],
    nonDerBoolean: [],
    subjectEmpty: readTlv(subjectDer, 0).length === 0,
    issuerEmpty: readTlv(issuerDer, 0).length === 0,
    notBeforeTag: notBeforeTlv!.tag,
    notAfterTag: notAfterTlv!.tag,
    akiHasIssuer: false,
    akiHasSerial: false,
    akiPresent: false,
    badSanNames: [],
    otherSanTags: [],
    sanEmpty: false,
    ncOtherTags: [],
    badConstraints: [],
    key: safeKeyForm(spki),
  };
  const info: CertInfo = {
    der,
    source,
    tbs: Buffer.from(slice(der, tbsTlv)),
    signatureOid: decodeOid(content(der, algParts[0]!)),
    signatureParams: algParts[1] ? Buffer.from(slice(der, algParts[1])) : undefined,
    // A signature BIT STRING with unused bits is not a whole RSA/ECDSA/EdDSA signature (RFC 5280 4.1.1.3): an empty
    // value, which no key verifies (OpenSSL refuses it the same way).
    signature: content(der, sigTlv)[0] === 0 ? Buffer.from(content(der, sigTlv).subarray(1)) : Buffer.alloc(0),
    spki,
    serialHex: integerHex(content(der, fields[offset]!)),
    issuerDer,
    subjectDer,
    subject: nameDerToText(subjectDer) || '(empty subject)',
    issuer: nameDerToText(issuerDer),
    subjectKey: canonicalName(subjectDer),
    issuerKey: canonicalName(issuerDer),
    notBefore: decodeTime(der, notBeforeTlv!),
    notAfter: decodeTime(der, notAfterTlv!),
    version,
    isCa: false,
    hasBasicConstraints: false,
    emailInSubject: [],
    commonNames: [],
    criticalExtensions: [],
    hasFreshestCrl: false,
    form,
  };
  for (const { type, value } of readNameAttributes(subjectDer)) {
    if (type === 'emailAddress') info.emailInSubject.push(value);
    if (type === 'CN') info.commonNames.push(value);
  }
  const extensions = fields.find((f) => f.tag === 0xa3);
  for (const ext of extensions ? readExtensionList(der, readTlv(der, extensions.start, extensions.end)) : []) {
    if (ext.criticalNotDer) form.nonDerBoolean.push(ext.type);
    if (ext.critical) info.criticalExtensions.push(ext.type);
    form.extensionOids.push(ext.type);
    form.critical.set(ext.type, ext.critical);
    try {
      readExtension(info, ext);
    } catch {
      form.malformed.push(ext.type);
    }
  }
  return info;
}

/** One extension's value into `info`; throws when the value does not parse as the extension's syntax. */
function readExtension(info: CertInfo, ext: CertExtension): void {
  const value = Buffer.from(ext.value);
  const form = info.form;
  const sequence = () => {
    const t = readTlv(value, 0);
    if (t.tag !== 0x30 || t.end !== value.length) throw new Error('not a SEQUENCE');
    return t;
  };
  switch (ext.type) {
    case '2.5.29.19': {
      const cA = children(value, sequence())[0];
      if (cA?.tag === 0x01 && !(cA.length === 1 && value[cA.end - 1] === 0xff)) form.nonDerBoolean.push(ext.type);
      const bc = readBasicConstraints(ext);
      info.hasBasicConstraints = true;
      info.isCa = bc.ca;
      info.pathLength = bc.pathLength;
      break;
    }
    case '2.5.29.15': {
      const t = readTlv(value, 0);
      if (t.tag !== 0x03 || t.end !== value.length || t.length < 1) throw new Error('not a BIT STRING');
      info.keyUsage = readKeyUsage(ext);
      break;
    }
    case '2.5.29.37': {
      const list = readExtendedKeyUsage(ext);
      sequence();
      if (list.length === 0) throw new Error('empty');
      info.extKeyUsage = list;
      break;
    }
    case '2.5.29.17': {
      const list = children(value, sequence());
      form.sanEmpty = list.length === 0;
      checkSanSyntax(value, list, form);
      info.san = readGeneralNames(value, list);
      info.subjectAltNameDer = value;
      break;
    }
    case '2.5.29.14': {
      const t = readTlv(value, 0);
      if (t.tag !== 0x04 || t.end !== value.length) throw new Error('not an OCTET STRING');
      info.ski = content(value, t).toString('hex');
      break;
    }
    case '2.5.29.35': {
      form.akiPresent = true;
      for (const part of children(value, sequence())) {
        if (part.tag === 0x80) info.aki = content(value, part).toString('hex');
        else if (part.tag === 0xa1) form.akiHasIssuer = true;
        else if (part.tag === 0x82) form.akiHasSerial = true;
        else throw new Error('unknown field');
      }
      break;
    }
    case '2.5.29.30':
      info.nameConstraints = parseNameConstraints(value, form);
      break;
    case '2.5.29.32':
      info.policies = children(value, sequence()).map((pi) => decodeOid(content(value, children(value, pi)[0]!)));
      break;
    case '2.5.29.33':
      info.policyMappings = children(value, sequence()).map((m) => {
        const [from, to] = children(value, m);
        return [decodeOid(content(value, from!)), decodeOid(content(value, to!))];
      });
      break;
    case '2.5.29.36':
      for (const part of children(value, sequence())) {
        const n = unsignedInt(content(value, part));
        if (part.tag === 0x80) info.requireExplicitPolicy = n;
        if (part.tag === 0x81) info.inhibitPolicyMapping = n;
      }
      break;
    case '2.5.29.46':
      sequence();
      info.hasFreshestCrl = true;
      break;
    case '2.5.29.31':
      sequence();
      info.crlDistributionPoints = parseDistributionPoints(value);
      break;
    case '2.5.29.54':
      info.inhibitAnyPolicy = unsignedInt(content(value, readTlv(value, 0)));
      break;
    case '1.3.6.1.5.5.7.1.1': {
      // AuthorityInfoAccessSyntax: SEQUENCE SIZE (1..MAX) OF AccessDescription { accessMethod OID, accessLocation GeneralName }.
      const list = children(value, sequence());
      if (list.length === 0) throw new Error('empty');
      for (const ad of list) {
        const [method, location] = children(value, ad);
        if (ad.tag !== 0x30 || method?.tag !== 0x06 || !location) throw new Error('bad AccessDescription');
      }
      break;
    }
    default:
      break;
  }
}
