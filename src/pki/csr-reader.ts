/** PKCS#10 certificate signing requests (RFC 2986) read from DER, with their signature checked by node:crypto. */
import { children, content, decodeOid, readTlv, slice } from './der.js';
import { readExtensionList, type CertExtension } from './raw-extension.js';
import { verifyWithAlgorithm } from './verify-signature.js';

export interface CsrInfo {
  subjectDer: Buffer;
  spki: Buffer;
  /** The extensionRequest attribute's extensions (empty when there is none). */
  extensions: CertExtension[];
  /** The request is signed by the key it carries. */
  signatureValid: boolean;
}

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

/** CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }; throws on anything else. */
export function readCsrDer(der: Buffer): CsrInfo {
  const top = readTlv(der, 0);
  if (top.tag !== 0x30 || top.end !== der.length) throw new Error('not a single DER SEQUENCE');
  const [infoTlv, algTlv, sigTlv, extra] = children(der, top);
  if (!infoTlv || !algTlv || !sigTlv || extra || infoTlv.tag !== 0x30 || algTlv.tag !== 0x30 || sigTlv.tag !== 0x03)
    throw new Error('not a certification request');
  // CertificationRequestInfo ::= SEQUENCE { version INTEGER, subject Name, subjectPKInfo, attributes [0] IMPLICIT SET OF Attribute }
  const [version, subject, spki, attributes] = children(der, infoTlv);
  if (
    !version ||
    version.tag !== 0x02 ||
    !subject ||
    subject.tag !== 0x30 ||
    !spki ||
    spki.tag !== 0x30 ||
    !attributes ||
    attributes.tag !== 0xa0
  ) {
    throw new Error('a malformed certificationRequestInfo');
  }
  const extensions: CertExtension[] = [];
  for (const attribute of children(der, attributes)) {
    const [type, values] = children(der, attribute);
    if (!type || type.tag !== 0x06 || !values || values.tag !== 0x31) throw new Error('a malformed attribute');
    if (decodeOid(content(der, type)) !== EXTENSION_REQUEST) continue;
    for (const value of children(der, values)) extensions.push(...readExtensionList(der, value));
  }
  const [algOid, algParams] = children(der, algTlv);
  const signatureOid = decodeOid(content(der, algOid!));
  const spkiDer = Buffer.from(slice(der, spki));
  const signature = Buffer.from(content(der, sigTlv).subarray(1));
  return {
    subjectDer: Buffer.from(slice(der, subject)),
    spki: spkiDer,
    extensions,
    signatureValid: verifyWithAlgorithm(
      signatureOid,
      algParams && Buffer.from(slice(der, algParams)),
      Buffer.from(slice(der, infoTlv)),
      signature,
      spkiDer,
    ),
  };
}
