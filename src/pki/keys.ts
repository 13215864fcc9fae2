/**
 * Private keys: generate, read (PKCS#8, PKCS#1, SEC1; encrypted or not) and write (PKCS#8 PEM,
 * optionally encrypted with PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC, as `openssl pkey` reads).
 * Node's own crypto (OpenSSL inside the runtime, no child process) does the key work.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { MtlsError, badInput, usageError } from '../errors.js';
import { assertKeyCanSign } from './key-check.js';
import { children, content, decodeInteger, decodeOid, readTlv } from './der.js';
import { readPemBlocks } from './pem.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export type KeyType = 'rsa:2048' | 'rsa:3072' | 'rsa:4096' | 'ec:P-256' | 'ec:P-384' | 'ec:P-521';
export const KEY_TYPES: readonly KeyType[] = ['rsa:2048', 'rsa:3072', 'rsa:4096', 'ec:P-256', 'ec:P-384', 'ec:P-521'];
export const DEFAULT_KEY_TYPE: KeyType = 'rsa:2048';

const CURVE_ALIASES: Record<string, 'P-256' | 'P-384' | 'P-521'> = {
  'p-256': 'P-256',
  p256: 'P-256',
  prime256v1: 'P-256',
  secp256r1: 'P-256',
  'p-384': 'P-384',
  p384: 'P-384',
  secp384r1: 'P-384',
  'p-521': 'P-521',
  p521: 'P-521',
  secp521r1: 'P-521',
};

/** Accepts `rsa:2048`, `rsa`, `ec:P-256`, `ec:prime256v1`, `ecdsa`, `p-384`... */
export function parseKeyType(text: string): KeyType {
  const t = text.trim().toLowerCase();
  if (t === 'rsa') return 'rsa:2048';
  if (t === 'ec' || t === 'ecdsa') return 'ec:P-256';
  const rsa = /^rsa[:-]?(\d+)$/.exec(t);
  if (rsa) {
    const bits = `rsa:${rsa[1]}` as KeyType;
    if (KEY_TYPES.includes(bits)) return bits;
  }
  const ec = /^(?:ec|ecdsa)[:-]?(.+)$/.exec(t);
  const curve = CURVE_ALIASES[ec ? ec[1]! : t];
  if (curve) return `ec:${curve}`;
  throw usageError(`Unknown key type '${text}'; use one of ${KEY_TYPES.join(', ')}.`);
}

/** --key-type when given, else the conf's default_bits as RSA, else rsa:2048. */
export function chooseKeyType(keyTypeFlag: string | undefined, defaultBits: string | number | undefined): KeyType {
  if (keyTypeFlag) return parseKeyType(keyTypeFlag);
  return defaultBits ? parseKeyType(`rsa:${defaultBits}`) : DEFAULT_KEY_TYPE;
}

const prefetched = new Map<KeyType, Promise<KeyObject>>();

/**
 * Starts generating a key of this type now; the next generatePrivateKey(type) takes it. Key generation
 * runs on libuv's thread pool, so it overlaps with loading the certificate modules and reading the CA.
 */
export function prefetchPrivateKey(type: KeyType): void {
  if (prefetched.has(type)) return;
  const key = newPrivateKey(type);
  key.catch(() => undefined); // an unused prefetch must not become an unhandled rejection
  prefetched.set(type, key);
}

export function generatePrivateKey(type: KeyType): Promise<KeyObject> {
  const early = prefetched.get(type);
  if (early) {
    prefetched.delete(type);
    return early;
  }
  return newPrivateKey(type);
}

async function newPrivateKey(type: KeyType): Promise<KeyObject> {
  if (type.startsWith('rsa:')) {
    const modulusLength = Number(type.slice(4));
    const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength, publicExponent: 0x10001 });
    return privateKey;
  }
  const namedCurve = type.slice(3);
  const { privateKey } = await generateKeyPairAsync('ec', { namedCurve });
  return privateKey;
}

/** Writes PKCS#8 PEM; with a password, PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC). */
export function privateKeyToPem(key: KeyObject, password?: string): string {
  if (password !== undefined) {
    return key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password }) as string;
  }
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export function privateKeyToPkcs8Der(key: KeyObject): Buffer {
  return key.export({ type: 'pkcs8', format: 'der' }) as Buffer;
}

const spkiCache = new WeakMap<KeyObject, Buffer>();

/** SPKI DER of a key (cached: issuance needs it for the SKI, the CSR and the certificate). */
export function publicKeySpkiDer(key: KeyObject): Buffer {
  let spki = spkiCache.get(key);
  if (!spki) {
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    spki = pub.export({ type: 'spki', format: 'der' }) as Buffer;
    spkiCache.set(key, spki);
  }
  return spki;
}

/** A public key from a certificate's SPKI DER, which publicKeySpkiDer then returns as it is (no export). */
export function publicKeyFromSpki(spkiDer: Buffer): KeyObject {
  const key = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  spkiCache.set(key, spkiDer);
  return key;
}

const PEM_KEY_LABEL = /-----BEGIN ((?:ENCRYPTED |RSA |EC )?PRIVATE KEY)-----/;

export function isEncryptedKey(data: Buffer | string): boolean {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text) || /Proc-Type: 4,ENCRYPTED/.test(text);
}

/**
 * Reads a private key in any of the formats OpenSSL writes: PKCS#8 (plain or encrypted),
 * PKCS#1 "RSA PRIVATE KEY" and SEC1 "EC PRIVATE KEY" (including legacy PEM encryption), PEM or DER.
 * `describe` names the file in error messages. The key is checked to sign (see key-check.ts): a damaged key is
 * BAD_KEY (exit 4) here, where it enters, unless `checkSigns: false` (verify reports it as a problem instead).
 */
export function loadPrivateKey(
  data: Buffer | string,
  password: string | undefined,
  describe: string,
  opts: { checkSigns?: boolean } = {},
): KeyObject {
  const key = parsePrivateKey(data, password, describe);
  if (opts.checkSigns !== false) assertKeyCanSign(key, describe);
  return key;
}

/** A PKCS#8 DER key from a PKCS#12 bundle, checked like any key mtlskit reads. */
export function privateKeyFromPkcs8(der: Uint8Array, describe: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch {
    throw badInput(`The private key in ${describe} is not a readable PKCS#8 key; ask for a new bundle.`);
  }
  assertKeyCanSign(key, describe);
  return key;
}

/** More PBKDF2 or PKCS#12-PBE rounds than any tool writes (Java: 10,000; OpenSSL: 2,048; OWASP: 600,000). */
const MAX_KEY_ITERATIONS = 1_000_000;
const PBES2 = '1.2.840.113549.1.5.13';
const PBKDF2 = '1.2.840.113549.1.5.12';

/**
 * The work an EncryptedPrivateKeyInfo asks for before a password can be tried: OpenSSL runs whatever
 * iteration count (or scrypt cost) the file names, so a damaged or hostile file could keep it busy for hours.
 * Throws BAD_INPUT past the limit; anything that does not parse is left to OpenSSL, which refuses it.
 */
function checkDecryptionCost(der: Uint8Array, describe: string): void {
  let iterations: bigint | undefined;
  let scrypt = false;
  try {
    const top = readTlv(der, 0);
    const [alg] = children(der, top);
    const [oid, params] = children(der, alg!);
    const algOid = decodeOid(content(der, oid!));
    if (algOid === PBES2) {
      const [kdf] = children(der, params!);
      const [kdfOid, kdfParams] = children(der, kdf!);
      const kdfName = decodeOid(content(der, kdfOid!));
      if (kdfName === PBKDF2) iterations = decodeInteger(content(der, children(der, kdfParams!)[1]!));
      else scrypt = kdfName === '1.3.6.1.4.1.11591.4.11';
    } else if (params && params.tag === 0x30) {
      // PKCS#5 v1 and PKCS#12 PBEs: SEQUENCE { salt, iterations }.
      const [, iter] = children(der, params);
      if (iter && iter.tag === 0x02) iterations = decodeInteger(content(der, iter));
    }
  } catch {
    return;
  }
  if (scrypt || (iterations !== undefined && (iterations < 1n || iterations > BigInt(MAX_KEY_ITERATIONS)))) {
    throw badInput(
      `${describe} asks for ${scrypt ? 'scrypt key derivation' : `${iterations} PBKDF2 iterations`}, more work than any key tool writes (at most ${MAX_KEY_ITERATIONS.toLocaleString('en-US')} iterations); the file is damaged — re-export the key (openssl pkcs8 -topk8 -v2 aes256).`,
    );
  }
}

function parsePrivateKey(data: Buffer | string, password: string | undefined, describe: string): KeyObject {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  const encrypted = isEncryptedKey(text);
  if (password !== undefined) {
    // PKCS#8 encrypted keys only (legacy PEM encryption derives its key with one MD5 round).
    const pem = readPemBlocks(text).find((b) => b.label === 'ENCRYPTED PRIVATE KEY');
    if (pem) checkDecryptionCost(pem.der, describe);
    else if (!/-----BEGIN /.test(text))
      checkDecryptionCost(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, describe);
  }
  if (encrypted && password === undefined) {
    throw new MtlsError(
      'PASSWORD_REQUIRED',
      `${describe} is encrypted; give its password with --passin (pass:, env:, file: or stdin).`,
    );
  }
  try {
    if (PEM_KEY_LABEL.test(text)) {
      return createPrivateKey({ key: text, format: 'pem', passphrase: password });
    }
    if (/-----BEGIN /.test(text)) {
      throw badInput(
        `${describe} holds no private key (expected a PEM "PRIVATE KEY", "RSA PRIVATE KEY" or "EC PRIVATE KEY" block).`,
      );
    }
    const der = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
      try {
        return createPrivateKey({ key: der, format: 'der', type, passphrase: password });
      } catch {
        // try the next container format
      }
    }
    throw badInput(
      `${describe} is not a private key in PEM or DER (PKCS#8, PKCS#1 or SEC1); check that you gave the key file, not the certificate.`,
    );
  } catch (err) {
    if (err instanceof MtlsError) throw err;
    if (encrypted) {
      throw new MtlsError(
        'BAD_PASSWORD',
        `The password for ${describe} is wrong; check the --passin source and try again.`,
      );
    }
    throw badInput(
      `${describe} is not a readable private key (${(err as Error).message.replace(/^error:[0-9A-F]+:/, '')}); check that the file is a complete PEM or DER key.`,
    );
  }
}

export type KeyAlgorithmName = 'rsa' | 'ec' | 'ed25519' | 'rsa-pss';

export interface KeyDescription {
  algorithm: KeyAlgorithmName;
  /** RSA modulus bits, or the EC curve's field size. */
  bits: number;
  /** 'P-256' etc. for EC keys. */
  curve?: string;
  /** Human label: 'RSA 2048', 'EC P-256'. */
  label: string;
}

export function describeKey(key: KeyObject): KeyDescription {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss') {
    const bits = details.modulusLength ?? 0;
    return { algorithm: type, bits, label: `RSA ${bits}` };
  }
  if (type === 'ec') {
    const curve = curveName(details.namedCurve ?? '');
    const bits = curve === 'P-256' ? 256 : curve === 'P-384' ? 384 : curve === 'P-521' ? 521 : 0;
    return { algorithm: 'ec', bits, curve, label: `EC ${curve}` };
  }
  if (type === 'ed25519') return { algorithm: 'ed25519', bits: 256, label: 'Ed25519' };
  throw badInput(`Keys of type '${type}' are not supported; use RSA or ECDSA (P-256, P-384, P-521).`);
}

function curveName(nodeName: string): string {
  const n = nodeName.toLowerCase();
  return CURVE_ALIASES[n] ?? nodeName;
}

/** The hash OpenSSL would pair with this key: SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521. */
export function defaultHashFor(key: KeyObject): 'SHA-256' | 'SHA-384' | 'SHA-512' {
  const d = describeKey(key);
  if (d.curve === 'P-384') return 'SHA-384';
  if (d.curve === 'P-521') return 'SHA-512';
  return 'SHA-256';
}

/** True when the private key belongs to the given public key (compared as SPKI DER). */
export function keyMatchesPublicKey(privateKey: KeyObject, spkiDer: Uint8Array): boolean {
  return publicKeySpkiDer(privateKey).equals(Buffer.from(spkiDer));
}

/** A WebCrypto public key for a certificate's subject (the private key may be elsewhere, as with a CSR). */
export async function toCryptoPublicKey(key: KeyObject): Promise<CryptoKey> {
  const d = describeKey(key);
  const algorithm =
    d.algorithm === 'ec' ? { name: 'ECDSA', namedCurve: d.curve! } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  if (d.algorithm !== 'ec' && d.algorithm !== 'rsa')
    throw badInput(`${d.label} keys are not supported in certificates here; use an RSA or ECDSA key.`);
  return globalThis.crypto.subtle.importKey('spki', new Uint8Array(publicKeySpkiDer(key)), algorithm, true, ['verify']);
}

/** WebCrypto CryptoKeys for @peculiar/x509 signing (Node 20 has no KeyObject.toCryptoKey). */
export async function toCryptoKeyPair(
  key: KeyObject,
  hash?: 'SHA-256' | 'SHA-384' | 'SHA-512',
): Promise<{
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  algorithm: RsaHashedImportParams | EcKeyImportParams;
  signingAlgorithm: Algorithm;
}> {
  const d = describeKey(key);
  const h = hash ?? defaultHashFor(key);
  const subtle = globalThis.crypto.subtle;
  let algorithm: RsaHashedImportParams | EcKeyImportParams;
  let signingAlgorithm: Algorithm;
  if (d.algorithm === 'rsa') {
    algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: h };
    signingAlgorithm = algorithm;
  } else if (d.algorithm === 'ec') {
    algorithm = { name: 'ECDSA', namedCurve: d.curve! };
    signingAlgorithm = { name: 'ECDSA', hash: h } as EcdsaParams;
  } else {
    throw badInput(`${d.label} keys cannot sign certificates here; use an RSA or ECDSA key.`);
  }
  const privateKey = await subtle.importKey('pkcs8', new Uint8Array(privateKeyToPkcs8Der(key)), algorithm, true, [
    'sign',
  ]);
  const publicKey = await subtle.importKey('spki', new Uint8Array(publicKeySpkiDer(key)), algorithm, true, ['verify']);
  return { privateKey, publicKey, algorithm, signingAlgorithm };
}
