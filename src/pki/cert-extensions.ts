/** A certificate's extensions as encoded, for re-issuing it with the same ones (renewal, adoption). */
import { children, content, integerHex, readTlv } from './der.js';
import { readExtensionList, type CertExtension } from './raw-extension.js';

/** Every extension of a certificate in its original encoding, in order (none for a v1 certificate). */
export function certificateExtensions(der: Buffer): CertExtension[] {
  const tbs = children(der, readTlv(der, 0))[0]!;
  const wrapper = children(der, tbs).find((f) => f.tag === 0xa3);
  return wrapper ? readExtensionList(der, readTlv(der, wrapper.start, wrapper.end)) : [];
}

/**
 * authorityKeyIdentifier's parts: the keyIdentifier, and authorityCertSerialNumber when the issuer is
 * named by name and serial number (what OpenSSL writes when the issuer has no subject key identifier).
 */
export function authorityKeyIdParts(ext: CertExtension): { keyId?: string; issuerSerialHex?: string } {
  const value = Buffer.from(ext.value);
  const parts: { keyId?: string; issuerSerialHex?: string } = {};
  for (const part of children(value, readTlv(value, 0))) {
    if (part.tag === 0x80) parts.keyId = content(value, part).toString('hex');
    if (part.tag === 0x82) parts.issuerSerialHex = integerHex(content(value, part));
  }
  return parts;
}
