/**
 * What a human needs to know about each kind of PKI file, as plain data (show prints it, --json emits it).
 * Never includes secret material: for keys only the type, size and whether they are encrypted.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { subjectAltNameStrings } from '../pki/extension-values.js';
import { sha256Fingerprint } from '../pki/fingerprint.js';
import { x509 } from '../pki/x509-runtime.js';
import { nameDerToText, nameObjectToText as nameToText } from '../pki/name-text.js';
import { describeKey } from '../pki/keys.js';
import { parseCrl } from '../pki/crl.js';
import { SIGNATURE_ALGORITHMS } from '../pki/signature.js';
import { children, content, decodeOid, readTlv } from '../pki/der.js';
import { EKU_OIDS } from '../conf/extensions/extended-key-usage.js';

const KEY_USAGE_NAMES: [number, string][] = [
  [1, 'digitalSignature'],
  [2, 'nonRepudiation'],
  [4, 'keyEncipherment'],
  [8, 'dataEncipherment'],
  [16, 'keyAgreement'],
  [32, 'keyCertSign'],
  [64, 'cRLSign'],
  [128, 'encipherOnly'],
  [256, 'decipherOnly'],
];
const EKU_NAMES = Object.fromEntries(Object.entries(EKU_OIDS).map(([name, oid]) => [oid, name]));

export function daysBetween(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / 86_400_000);
}

function publicKeyLabel(spki: ArrayBuffer): string {
  try {
    return describeKey(createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }) as KeyObject).label;
  } catch {
    return 'unknown key type';
  }
}

export interface CertificateView {
  type: 'certificate';
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  expired: boolean;
  role: 'CA' | 'leaf';
  pathLength?: number;
  selfSigned: boolean;
  key: string;
  signatureAlgorithm: string;
  subjectAltNames: string[];
  keyUsage: string[];
  extendedKeyUsage: string[];
  crlDistributionPoints: string[];
  fingerprintSha256: string;
}

export function describeCertificate(der: Uint8Array, now = new Date()): CertificateView {
  const cert = new x509.X509Certificate(new Uint8Array(der));
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const cdp = cert.getExtension(x509.CRLDistributionPointsExtension);
  return {
    type: 'certificate',
    subject: nameToText(cert.subjectName),
    issuer: nameToText(cert.issuerName),
    serial: cert.serialNumber.toUpperCase(),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    daysLeft: daysBetween(now, cert.notAfter),
    expired: cert.notAfter < now,
    role: bc?.ca ? 'CA' : 'leaf',
    pathLength: bc?.pathLength,
    selfSigned: Buffer.from(cert.subjectName.toArrayBuffer()).equals(Buffer.from(cert.issuerName.toArrayBuffer())),
    key: publicKeyLabel(cert.publicKey.rawData),
    signatureAlgorithm: signatureName(der),
    subjectAltNames: subjectAltNameStrings(cert.extensions.find((e) => e.type === '2.5.29.17')),
    keyUsage: ku ? KEY_USAGE_NAMES.filter(([bit]) => (ku.usages & bit) !== 0).map(([, n]) => n) : [],
    extendedKeyUsage: eku ? eku.usages.map((u) => EKU_NAMES[String(u)] ?? String(u)) : [],
    crlDistributionPoints: cdp
      ? cdp.distributionPoints.flatMap((dp) =>
          (dp.distributionPoint?.fullName ?? []).map((gn) => gn.uniformResourceIdentifier ?? '').filter((u) => u),
        )
      : [],
    fingerprintSha256: sha256Fingerprint(der),
  };
}

/** The outer signatureAlgorithm's name (second element of the certificate SEQUENCE). */
function signatureName(der: Uint8Array): string {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  const algorithm = children(buf, readTlv(buf, 0))[1]!;
  const oid = decodeOid(content(buf, children(buf, algorithm)[0]!));
  return SIGNATURE_ALGORITHMS[oid]?.name ?? oid;
}

export interface CsrView {
  type: 'csr';
  subject: string;
  key: string;
  signatureValid: boolean;
  subjectAltNames: string[];
  requestedExtensions: string[];
}

export async function describeCsr(der: Uint8Array): Promise<CsrView> {
  const csr = new x509.Pkcs10CertificateRequest(new Uint8Array(der));
  return {
    type: 'csr',
    subject: nameToText(csr.subjectName),
    key: publicKeyLabel(csr.publicKey.rawData),
    signatureValid: await csr.verify().catch(() => false),
    subjectAltNames: subjectAltNameStrings(csr.extensions.find((e) => e.type === '2.5.29.17')),
    requestedExtensions: csr.extensions.map((e) => {
      const value = requestedValue(e);
      return `${EXTENSION_NAMES[e.type] ?? e.type}${value ? `: ${value}` : ''}${e.critical ? ' (critical)' : ''}`;
    }),
  };
}

/** The value of a requested extension where it decides what the certificate may do (names are shown apart). */
function requestedValue(e: InstanceType<typeof x509.Extension>): string | undefined {
  if (e instanceof x509.BasicConstraintsExtension)
    return `CA:${e.ca ? 'TRUE' : 'FALSE'}${e.pathLength !== undefined ? `, pathlen:${e.pathLength}` : ''}`;
  if (e instanceof x509.KeyUsagesExtension)
    return KEY_USAGE_NAMES.filter(([bit]) => (e.usages & bit) !== 0)
      .map(([, n]) => n)
      .join(', ');
  if (e instanceof x509.ExtendedKeyUsageExtension)
    return e.usages.map((u) => EKU_NAMES[String(u)] ?? String(u)).join(', ');
  return undefined;
}

const EXTENSION_NAMES: Record<string, string> = {
  '2.5.29.19': 'basicConstraints',
  '2.5.29.15': 'keyUsage',
  '2.5.29.37': 'extendedKeyUsage',
  '2.5.29.17': 'subjectAltName',
  '2.5.29.14': 'subjectKeyIdentifier',
  '2.5.29.35': 'authorityKeyIdentifier',
  '2.5.29.31': 'crlDistributionPoints',
  '1.3.6.1.5.5.7.1.1': 'authorityInfoAccess',
  '2.5.29.30': 'nameConstraints',
  '2.5.29.32': 'certificatePolicies',
};

export interface CrlView {
  type: 'crl';
  issuer: string;
  crlNumber?: string;
  thisUpdate: string;
  nextUpdate?: string;
  daysLeft?: number;
  expired: boolean;
  revoked: { serial: string; revokedAt: string; reason?: string }[];
}

export function describeCrl(der: Buffer, describe: string, now = new Date()): CrlView {
  const crl = parseCrl(der, describe);
  return {
    type: 'crl',
    issuer: nameDerToText(crl.issuerNameDer),
    crlNumber: crl.crlNumber?.toString(),
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate?.toISOString(),
    daysLeft: crl.nextUpdate ? daysBetween(now, crl.nextUpdate) : undefined,
    expired: crl.nextUpdate !== undefined && crl.nextUpdate < now,
    revoked: [...crl.entries].map(([serial, e]) => ({
      serial,
      revokedAt: e.revokedAt.toISOString(),
      ...(e.reason ? { reason: e.reason } : {}),
    })),
  };
}

export interface KeyView {
  type: 'private key';
  format: string;
  encrypted: boolean;
  key?: string;
}

export interface PfxView {
  type: 'pfx';
  keyEncryption: string;
  certificateEncryption: string;
  mac: string;
  iterations: { key: number; certificates: number; mac: number };
  /** `export pfx --for` platforms whose importer reads this protection (README platform table). */
  importableBy: string[];
  notImportableBy: string[];
  /** Truststores only: how many certificate bags carry Java's trustedKeyUsage attribute (keytool: trustedCertEntry). */
  javaTrustedCertificates?: number;
  friendlyName?: string;
  key: string;
  certificates: CertificateView[];
}
