/**
 * Signing and verifying TBS structures with node:crypto (the fastest path): the AlgorithmIdentifier
 * mtlskit writes for a key, and the algorithms it accepts when checking others' signatures.
 */
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { signerFor, type Signer } from './signer.js';

/** What verification knows: signature OID → hash and key family. */
export const SIGNATURE_ALGORITHMS: Record<
  string,
  { hash: string; family: 'rsa' | 'ec' | 'rsa-pss' | 'dsa' | 'eddsa'; name: string }
> = {
  '1.2.840.113549.1.1.4': { hash: 'md5', family: 'rsa', name: 'md5WithRSAEncryption' },
  '1.2.840.113549.1.1.5': { hash: 'sha1', family: 'rsa', name: 'sha1WithRSAEncryption' },
  '1.2.840.113549.1.1.14': { hash: 'sha224', family: 'rsa', name: 'sha224WithRSAEncryption' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', family: 'rsa', name: 'sha256WithRSAEncryption' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', family: 'rsa', name: 'sha384WithRSAEncryption' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', family: 'rsa', name: 'sha512WithRSAEncryption' },
  '1.2.840.113549.1.1.10': { hash: 'sha256', family: 'rsa-pss', name: 'RSASSA-PSS' },
  '1.2.840.10045.4.1': { hash: 'sha1', family: 'ec', name: 'ecdsa-with-SHA1' },
  '1.2.840.10040.4.3': { hash: 'sha1', family: 'dsa', name: 'dsa-with-SHA1' },
  '2.16.840.1.101.3.4.3.2': { hash: 'sha256', family: 'dsa', name: 'dsa-with-SHA256' },
  '1.2.840.10045.4.3.1': { hash: 'sha224', family: 'ec', name: 'ecdsa-with-SHA224' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', family: 'ec', name: 'ecdsa-with-SHA256' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', family: 'ec', name: 'ecdsa-with-SHA384' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', family: 'ec', name: 'ecdsa-with-SHA512' },
  // EdDSA hashes inside the algorithm: no separate digest.
  '1.3.101.112': { hash: '', family: 'eddsa', name: 'ED25519' },
  '1.3.101.113': { hash: '', family: 'eddsa', name: 'ED448' },
};

export type SignatureScheme = Pick<Signer, 'algorithmIdentifier' | 'sign'>;

/** How a key signs: its Signer (signer.ts), node:crypto for a private key or the token it is attached to. */
export function signatureSchemeFor(key: KeyObject): SignatureScheme {
  return signerFor(key);
}

/**
 * Checks `signature` over `tbs` with the SPKI. For RSA-PSS the hash and salt come from `pss`
 * (parsed from the AlgorithmIdentifier parameters by the caller; SHA-256/32 when absent).
 */
export function verifySignature(
  oid: string,
  tbs: Buffer,
  signature: Buffer,
  spkiDer: Buffer,
  pss?: { hash: string; saltLength: number },
): boolean {
  const alg = SIGNATURE_ALGORITHMS[oid];
  if (!alg) return false;
  try {
    const key = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
    if (alg.family === 'rsa-pss') {
      const p = pss ?? { hash: 'sha256', saltLength: 32 };
      return verify(
        p.hash,
        tbs,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength },
        signature,
      );
    }
    if (alg.family === 'ec' || alg.family === 'dsa')
      return verify(alg.hash, tbs, { key, dsaEncoding: 'der' }, signature);
    if (alg.family === 'eddsa') return verify(null, tbs, key, signature);
    return verify(alg.hash, tbs, key, signature);
  } catch {
    return false;
  }
}
