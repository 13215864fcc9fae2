/**
 * A Signer signs TBS structures (certificates, CRLs, CSRs) for a key that may live in a file or in a
 * PKCS#11 token: the AlgorithmIdentifier it writes, sign(tbs) → signature bytes as X.509 wants them
 * (ECDSA as a DER Ecdsa-Sig-Value), and the public key. Certificate and CRL building ask signerFor(key)
 * and do not care which kind of key it is.
 *
 * A token key is represented in the rest of the code by its public KeyObject, with its Signer attached
 * (attachSigner): code that hands a CA's `key` to signCertificateDer or createCrl then signs through the
 * token without knowing it. A private KeyObject without an attached Signer gets a node:crypto one.
 */
import { constants, createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { badInput } from '../errors.js';
import { algorithmIdentifierFor, derExplicit, derInteger, derNull, derOid, derSequence } from './der.js';
import { describeKey, defaultHashFor, publicKeySpkiDer } from './keys.js';

export type SignerHash = 'sha256' | 'sha384' | 'sha512';

export interface Signer {
  /** The AlgorithmIdentifier DER written into the TBS structure and next to the signature. */
  readonly algorithmIdentifier: Buffer;
  /** The digest the signature is made over. */
  readonly hash: SignerHash;
  /** 'rsa' (PKCS#1 v1.5), 'rsa-pss' or 'ecdsa'. */
  readonly scheme: 'rsa' | 'rsa-pss' | 'ecdsa';
  /** The signer's public key (an RSA or EC KeyObject). */
  readonly publicKey: KeyObject;
  /** Where the private key is: a file path, or a PKCS#11 URI. */
  readonly describe: string;
  /** Signs the TBS bytes; the result goes into the BIT STRING as it is. */
  sign(tbs: Uint8Array): Buffer;
}

export interface SignerOptions {
  /** RSA-PSS (RFC 4055: hash, MGF1 with the same hash, salt as long as the hash) instead of PKCS#1 v1.5. */
  pss?: boolean;
}

const HASH_OIDS: Record<SignerHash, string> = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};
const HASH_LENGTH: Record<SignerHash, number> = { sha256: 32, sha384: 48, sha512: 64 };
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';

/** The hash mtlskit pairs with a key (SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521). */
export function signerHashFor(key: KeyObject): SignerHash {
  return defaultHashFor(key).replace('-', '').toLowerCase() as SignerHash;
}

/** RSASSA-PSS AlgorithmIdentifier with explicit parameters (RFC 4055 3.1), as OpenSSL writes them. */
export function pssAlgorithmIdentifier(hash: SignerHash): Buffer {
  const hashAlg = derSequence(derOid(HASH_OIDS[hash]), derNull());
  return derSequence(
    derOid(RSASSA_PSS),
    derSequence(
      derExplicit(0, hashAlg),
      derExplicit(1, derSequence(derOid(MGF1), hashAlg)),
      derExplicit(2, derInteger(BigInt(HASH_LENGTH[hash]))),
    ),
  );
}

export function pssSaltLength(hash: SignerHash): number {
  return HASH_LENGTH[hash];
}

/** The AlgorithmIdentifier for a key and scheme (the same for a file key and a token key). */
export function algorithmIdentifierForScheme(publicKey: KeyObject, pss: boolean): Buffer {
  const d = describeKey(publicKey);
  if (pss) {
    if (d.algorithm !== 'rsa')
      throw badInput(`RSA-PSS needs an RSA key, and this one is ${d.label}; remove the PSS setting or use an RSA key.`);
    return pssAlgorithmIdentifier(signerHashFor(publicKey));
  }
  return algorithmIdentifierFor(publicKey).der;
}

/** A Signer for a private KeyObject (a key file), signing with node:crypto. */
export function keySigner(key: KeyObject, options: SignerOptions = {}, describe = 'private key'): Signer {
  if (key.type !== 'private') throw badInput(`${describe} is a public key; signing needs the private key.`);
  const publicKey = createPublicKey(key);
  const hash = signerHashFor(key);
  const algorithmIdentifier = algorithmIdentifierForScheme(key, options.pss === true);
  if (options.pss) {
    const saltLength = HASH_LENGTH[hash];
    return {
      algorithmIdentifier,
      hash,
      scheme: 'rsa-pss',
      publicKey,
      describe,
      sign: (tbs) => sign(hash, tbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }),
    };
  }
  const scheme = describeKey(key).algorithm === 'ec' ? 'ecdsa' : 'rsa';
  return {
    algorithmIdentifier,
    hash,
    scheme,
    publicKey,
    describe,
    sign: (tbs) => sign(hash, tbs, { key, dsaEncoding: 'der' }),
  };
}

const attached = new WeakMap<KeyObject, Signer>();

/** Makes `key` (usually the public KeyObject of a token key) sign through `signer` wherever it is used. */
export function attachSigner(key: KeyObject, signer: Signer): void {
  attached.set(key, signer);
}

/** The Signer for a key: the one attached to it, else node:crypto over the private key. */
export function signerFor(key: KeyObject): Signer {
  let signer = attached.get(key);
  if (!signer) {
    if (key.type !== 'private')
      throw badInput('This key is only a public key here, so it cannot sign; give the private key or its token.');
    signer = keySigner(key);
    attached.set(key, signer);
  }
  return signer;
}

/** The digest of `data` with the signer's hash (for tokens that sign a precomputed hash, as CKM_ECDSA does). */
export function digest(hash: SignerHash, data: Uint8Array): Buffer {
  return createHash(hash).update(data).digest();
}

/** ECDSA's raw r||s (PKCS#11, WebCrypto) as the DER Ecdsa-Sig-Value X.509 wants. */
export function ecdsaRawToDer(raw: Uint8Array): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0) throw badInput('The token returned an ECDSA signature of odd length.');
  const half = raw.length / 2;
  return derSequence(derInteger(raw.subarray(0, half)), derInteger(raw.subarray(half)));
}

/** True when the signer's public key is the one in this SPKI (a token key against ca.crt). */
export function signerMatches(signer: Signer, spkiDer: Uint8Array): boolean {
  return publicKeySpkiDer(signer.publicKey).equals(Buffer.from(spkiDer));
}
