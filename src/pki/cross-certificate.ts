/**
 * Cross-certificates for a CA key rollover (RFC 4210 4.4 "OldWithNew" / "NewWithOld"): one CA's subject,
 * public key and extensions, signed by another CA key. Its subjectKeyIdentifier stays the subject's own
 * (the leaves below point at it), its authorityKeyIdentifier names the key that signed it.
 */
import { createPublicKey } from 'node:crypto';
import { children, readTlv } from './der.js';
import { authorityKeyIdentifierExtension, signCertificateDer, subjectKeyIdentifierExtension } from './certificate.js';
import { readExtensionList, type CertExtension } from './raw-extension.js';
import type { CertInfo } from './verify-cert.js';
import type { KeyObject } from 'node:crypto';

const SKI = '2.5.29.14';
const AKI = '2.5.29.35';

/** The extensions of a certificate as they are encoded (empty for a v1 certificate). */
export function certificateExtensions(der: Buffer): CertExtension[] {
  const tbs = children(der, readTlv(der, 0))[0]!;
  const wrapper = children(der, tbs).find((f) => f.tag === 0xa3);
  return wrapper ? readExtensionList(der, children(der, wrapper)[0]!) : [];
}

export interface CrossCertificateRequest {
  /** The CA whose name, key and extensions the cross-certificate carries. */
  subject: CertInfo;
  /** The CA certificate and key that sign it. */
  issuer: { certificate: CertInfo; key: KeyObject };
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
}

export function crossCertificateDer(req: CrossCertificateRequest): Buffer {
  const subjectKey = createPublicKey({ key: req.subject.spki, format: 'der', type: 'spki' });
  const own = certificateExtensions(req.subject.der).filter((e) => e.type !== AKI);
  const extensions = own.some((e) => e.type === SKI) ? own : [...own, subjectKeyIdentifierExtension(subjectKey)];
  extensions.push(authorityKeyIdentifierExtension(req.issuer, subjectKey));
  return signCertificateDer(
    {
      subject: req.subject.subjectDer,
      subjectKey,
      serialHex: req.serialHex,
      notBefore: req.notBefore,
      notAfter: req.notAfter,
      extensions,
    },
    req.issuer,
  );
}
