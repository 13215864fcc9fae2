/**
 * Signing certificates: builds the TBSCertificate from a subject, a public key, a validity window and
 * extensions, and signs it with the issuer's key (or the subject's own key for a self-signed root).
 */
import type { KeyObject } from 'node:crypto';
import { keyIdentifierFor } from './key-identifier.js';
import { publicKeySpkiDer } from './keys.js';
import {
  derBitString,
  derExplicit,
  derIntegerFromHex,
  derOctetString,
  derSequence,
  derSmallInteger,
  derTime,
  derTlv,
} from './der.js';
import { signerFor } from './signer.js';
import { rawExtension, type CertExtension } from './raw-extension.js';
import type { CertInfo } from './verify-cert.js';
import { PROFILE_OIDS } from './profiles.js';

type Extension = CertExtension;

/** How far notBefore is set into the past, so peers whose clocks run a little slow accept new certificates. */
export const CLOCK_SKEW_BACKDATE_MS = 5 * 60_000;

export interface Issuer {
  /** The issuing CA's certificate, as read from DER; undefined for a self-signed certificate. */
  certificate?: CertInfo;
  /** The issuer's key: a private KeyObject, or a token key's public KeyObject with its Signer attached (signer.ts). */
  key: KeyObject;
}

export interface CertificateRequest {
  /** The subject Name's DER. */
  subject: Buffer;
  /** The subject's key: private (we made it) or public (from a CSR). */
  subjectKey: KeyObject;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
}

export function subjectKeyIdentifierExtension(subjectKey: KeyObject): Extension {
  const id = keyIdentifierFor(publicKeySpkiDer(subjectKey));
  return rawExtension('2.5.29.14', false, derOctetString(id));
}

/** AKI keyIdentifier: the issuer's SKI when it has one, else the hash of its key (as OpenSSL does). */
export function authorityKeyIdentifierExtension(issuer: Issuer, subjectKey: KeyObject): Extension {
  const ski = issuer.certificate?.ski;
  const keyId = ski
    ? Buffer.from(ski, 'hex')
    : keyIdentifierFor(publicKeySpkiDer(issuer.certificate ? issuer.key : subjectKey));
  return rawExtension('2.5.29.35', false, derSequence(derTlv(0x80, keyId)));
}

/**
 * Builds and signs the TBSCertificate directly in DER with the issuer's Signer (node:crypto for a key file,
 * the token for a PKCS#11 key): no key export/import per certificate, which keeps batch issuance fast. Extensions are taken as encoded (rawData).
 */
export function signCertificateDer(req: CertificateRequest, issuer: Issuer): Buffer {
  const signer = signerFor(issuer.key);
  const subjectDer = req.subject;
  const issuerDer = issuer.certificate ? issuer.certificate.subjectDer : subjectDer;
  const tbs = derSequence(
    derExplicit(0, derSmallInteger(2)),
    derIntegerFromHex(req.serialHex),
    signer.algorithmIdentifier,
    issuerDer,
    derSequence(derTime(req.notBefore), derTime(req.notAfter)),
    subjectDer,
    publicKeySpkiDer(req.subjectKey),
    ...(req.extensions.length > 0
      ? [derExplicit(3, derSequence(...req.extensions.map((e) => Buffer.from(e.rawData))))]
      : []),
  );
  return derSequence(tbs, signer.algorithmIdentifier, derBitString(signer.sign(tbs)));
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
