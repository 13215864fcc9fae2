/**
 * Certificates-only PKCS#7 (RFC 2315 / RFC 5652 SignedData with no signers), the ".p7b" Windows, Java
 * keytool and `openssl crl2pkcs7 -nocrl` exchange chains in. Written as OpenSSL writes it: version 1, no
 * digest algorithms, an empty `data` content, the certificates in the order given, no signer infos.
 */
import { badInput } from '../errors.js';
import {
  children,
  content,
  decodeOid,
  derExplicit,
  derOid,
  derSequence,
  derSet,
  derSmallInteger,
  derTlv,
  readTlv,
  slice,
} from './der.js';
import { berToDer } from './pkcs12-ber.js';
import { derToPem, readDerObjects } from './pem.js';

const SIGNED_DATA = '1.2.840.113549.1.7.2';
const DATA = '1.2.840.113549.1.7.1';

export function encodeCertsOnlyPkcs7(certificates: Buffer[]): Buffer {
  const signedData = derSequence(
    derSmallInteger(1),
    derSet(),
    derSequence(derOid(DATA)),
    derTlv(0xa0, certificates),
    derSet(),
  );
  return derSequence(derOid(SIGNED_DATA), derExplicit(0, signedData));
}

export function pkcs7ToPem(der: Buffer): string {
  return derToPem(der, 'PKCS7');
}

/** The certificates of a PKCS#7 SignedData (PEM "PKCS7"/"CERTIFICATE CHAIN" or DER, BER accepted), in file order. */
export function decodePkcs7Certificates(data: Buffer, describe: string): Buffer[] {
  const [raw] = readDerObjects(data, ['PKCS7', 'PKCS #7 SIGNED DATA', 'CERTIFICATE CHAIN'], describe, 'PKCS#7 (.p7b)');
  try {
    const der = berToDer(raw!);
    const top = readTlv(der, 0);
    const [oid, wrapped] = children(der, top);
    if (!oid || oid.tag !== 0x06 || decodeOid(content(der, oid)) !== SIGNED_DATA || !wrapped)
      throw new Error('not SignedData');
    const signedData = readTlv(der, wrapped.start, wrapped.end);
    const certSet = children(der, signedData).find((t) => t.tag === 0xa0);
    if (!certSet) return [];
    return children(der, certSet)
      .filter((t) => t.tag === 0x30)
      .map((t) => Buffer.from(slice(der, t)));
  } catch {
    throw badInput(`${describe} is not a PKCS#7 SignedData (.p7b/.p7c) file; give a certificate chain in PKCS#7.`);
  }
}
