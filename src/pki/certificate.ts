/**
 * Signing certificates: builds the TBSCertificate from a subject, a public key, a validity window and
 * extensions, and signs it with the issuer's key (or the subject's own key for a self-signed root).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { x509 } from './x509-runtime.js';
import { publicKeySpkiDer } from './keys.js';
import { derBitString, derExplicit, derIntegerFromHex, derOctetString, derSequence, derSmallInteger, derTime, derTlv } from './der.js';
import { signatureSchemeFor } from './signature.js';
import { certificateFields, subjectPublicKeyBits } from './cert-fields.js';

export { subjectPublicKeyBits };
import { rawExtension } from './raw-extension.js';
import { PROFILE_OIDS } from './profiles.js';

type Extension = InstanceType<typeof x509.Extension>;
type Name = InstanceType<typeof x509.Name>;
type Certificate = InstanceType<typeof x509.X509Certificate>;

/** How far notBefore is set into the past, so peers whose clocks run a little slow accept new certificates. */
export const CLOCK_SKEW_BACKDATE_MS = 5 * 60_000;

export interface Issuer {
  /** Undefined for a self-signed certificate. */
  certificate?: Certificate;
  key: KeyObject;
}

export interface CertificateRequest {
  subject: Name;
  /** The subject's key: private (we made it) or public (from a CSR). */
  subjectKey: KeyObject;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
}

/** SHA-1 of the subjectPublicKey BIT STRING contents: RFC 5280 4.2.1.2 method 1, what OpenSSL's `hash` does. */
export function keyIdentifierFor(spkiDer: Uint8Array): Buffer {
  return createHash('sha1').update(subjectPublicKeyBits(spkiDer)).digest();
}

export function subjectKeyIdentifierExtension(subjectKey: KeyObject): Extension {
  const id = keyIdentifierFor(publicKeySpkiDer(subjectKey));
  return rawExtension('2.5.29.14', false, derOctetString(id));
}

/** AKI keyIdentifier: the issuer's SKI when it has one, else the hash of its key (as OpenSSL does). */
export function authorityKeyIdentifierExtension(issuer: Issuer, subjectKey: KeyObject): Extension {
  let keyId: string;
  const ski = issuer.certificate?.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) keyId = ski.keyId;
  else keyId = keyIdentifierFor(publicKeySpkiDer(issuer.certificate ? issuer.key : subjectKey)).toString('hex');
  return rawExtension('2.5.29.35', false, derSequence(derTlv(0x80, Buffer.from(keyId, 'hex'))));
}

/**
 * Builds and signs the TBSCertificate directly in DER with node:crypto: no key export/import per
 * certificate, which keeps batch issuance fast. Extensions are taken as encoded (rawData).
 */
export function signCertificateDer(req: CertificateRequest, issuer: Issuer): Buffer {
  const scheme = signatureSchemeFor(issuer.key);
  const subjectDer = Buffer.from(req.subject.toArrayBuffer());
  const issuerDer = issuer.certificate ? certificateFields(Buffer.from(issuer.certificate.rawData)).subjectDer : subjectDer;
  const tbs = derSequence(
    derExplicit(0, derSmallInteger(2)),
    derIntegerFromHex(req.serialHex),
    scheme.algorithmIdentifier,
    issuerDer,
    derSequence(derTime(req.notBefore), derTime(req.notAfter)),
    subjectDer,
    publicKeySpkiDer(req.subjectKey),
    ...(req.extensions.length > 0 ? [derExplicit(3, derSequence(...req.extensions.map((e) => Buffer.from(e.rawData))))] : []),
  );
  return derSequence(tbs, scheme.algorithmIdentifier, derBitString(scheme.sign(tbs)));
}

export async function signCertificate(req: CertificateRequest, issuer: Issuer): Promise<Certificate> {
  return new x509.X509Certificate(new Uint8Array(signCertificateDer(req, issuer)));
}

/** Replaces or adds extensions by OID, keeping the first list's order. */
export function mergeExtensions(base: Extension[], overrides: Extension[]): Extension[] {
  const byOid = new Map(overrides.map((e) => [e.type, e]));
  const merged = base.map((e) => byOid.get(e.type) ?? e);
  for (const e of overrides) if (!base.some((b) => b.type === e.type)) merged.push(e);
  return merged;
}

export function hasExtension(list: Extension[], oid: string): boolean {
  return list.some((e) => e.type === oid);
}

export { PROFILE_OIDS };
