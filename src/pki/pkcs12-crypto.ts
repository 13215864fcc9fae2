/**
 * The password-based pieces of PKCS#12: the RFC 7292 appendix B key derivation (for legacy PBE and
 * the MAC key), PBES2/PBKDF2 (RFC 8018), and the ciphers, all from node:crypto except RC2, which
 * Node's OpenSSL 3 lacks and is read through node-forge (loaded only when a bundle uses it).
 */
import { hashDigestRepeatedly } from './iterated-hash.js';
import { createCipheriv, createDecipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { children, content, decodeInteger, decodeOid, readTlv, type Tlv } from './der.js';
import { derNull, derOctetString, derOid, derSequence, derSmallInteger } from './der.js';

export const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSHA1: '1.2.840.113549.2.7',
  hmacWithSHA256: '1.2.840.113549.2.9',
  hmacWithSHA384: '1.2.840.113549.2.10',
  hmacWithSHA512: '1.2.840.113549.2.11',
  aes128cbc: '2.16.840.1.101.3.4.1.2',
  aes192cbc: '2.16.840.1.101.3.4.1.22',
  aes256cbc: '2.16.840.1.101.3.4.1.42',
  desEde3Cbc: '1.2.840.113549.3.7',
  pbeSha3Des: '1.2.840.113549.1.12.1.3',
  pbeSha2Des: '1.2.840.113549.1.12.1.4',
  pbeShaRc2_128: '1.2.840.113549.1.12.1.5',
  pbeShaRc2_40: '1.2.840.113549.1.12.1.6',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

const HMAC_PRF: Record<string, string> = {
  [OID.hmacWithSHA1]: 'sha1',
  [OID.hmacWithSHA256]: 'sha256',
  [OID.hmacWithSHA384]: 'sha384',
  [OID.hmacWithSHA512]: 'sha512',
};
const AES: Record<string, { cipher: string; keyLength: number; name: string }> = {
  [OID.aes128cbc]: { cipher: 'aes-128-cbc', keyLength: 16, name: 'AES-128-CBC' },
  [OID.aes192cbc]: { cipher: 'aes-192-cbc', keyLength: 24, name: 'AES-192-CBC' },
  [OID.aes256cbc]: { cipher: 'aes-256-cbc', keyLength: 32, name: 'AES-256-CBC' },
  [OID.desEde3Cbc]: { cipher: 'des-ede3-cbc', keyLength: 24, name: 'DES-EDE3-CBC' },
};
export const DIGESTS: Record<string, { hash: string; length: number; name: string }> = {
  [OID.sha1]: { hash: 'sha1', length: 20, name: 'SHA-1' },
  [OID.sha256]: { hash: 'sha256', length: 32, name: 'SHA-256' },
  [OID.sha384]: { hash: 'sha384', length: 48, name: 'SHA-384' },
  [OID.sha512]: { hash: 'sha512', length: 64, name: 'SHA-512' },
};

/** The password as PKCS#12 wants it for its own KDF: BMPString (UTF-16BE) with a trailing NUL pair. */
export function bmpPassword(password: string): Buffer {
  if (password === '') return Buffer.alloc(2);
  return Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)]);
}

const MAX_PKCS12_KDF_ITERATIONS = 1_000_000;

/** RFC 7292 B.2: ID 1 = key, 2 = IV, 3 = MAC key. */
export function pkcs12Kdf(
  hash: string,
  password: Buffer,
  salt: Buffer,
  iterations: number,
  id: number,
  length: number,
): Buffer {
  // The rounds after the first run in JavaScript (iterated-hash.ts: SHA-1/SHA-256 about a million a second).
  // Writers use 2,000 (Windows), 2,048 (OpenSSL), 10,000 (Java) and 600,000 (NSS's MAC); a count past this
  // bound would only make a damaged or hostile bundle take long.
  if (iterations > MAX_PKCS12_KDF_ITERATIONS)
    throw new UnsupportedAlgorithmError(`a PKCS#12 key derivation with ${iterations} iterations`);
  const u = createHash(hash).digest().length;
  const v = hash === 'sha384' || hash === 'sha512' ? 128 : 64;
  const repeatTo = (data: Buffer) => {
    if (data.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(data.length / v));
    for (let i = 0; i < out.length; i++) out[i] = data[i % data.length]!;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([repeatTo(salt), repeatTo(password)]);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    const A = hashDigestRepeatedly(hash, createHash(hash).update(D).update(I).digest(), iterations - 1);
    blocks.push(A);
    const B = Buffer.alloc(v);
    for (let i = 0; i < v; i++) B[i] = A[i % u]!;
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, length);
}

export interface Encryption {
  algorithmIdentifier: Buffer;
  ciphertext: Buffer;
}

/** PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC, as `openssl pkcs12 -export` writes in OpenSSL 3. */
export function encryptPbes2(plaintext: Buffer, password: string, iterations: number): Encryption {
  const salt = randomBytes(8);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const kdf = derSequence(
    derOid(OID.pbkdf2),
    derSequence(derOctetString(salt), derSmallInteger(iterations), derSequence(derOid(OID.hmacWithSHA256), derNull())),
  );
  const scheme = derSequence(derOid(OID.aes256cbc), derOctetString(iv));
  return { algorithmIdentifier: derSequence(derOid(OID.pbes2), derSequence(kdf, scheme)), ciphertext };
}

/** pbeWithSHAAnd3-KeyTripleDES-CBC, the legacy algorithm every old importer reads. */
export function encryptLegacy3Des(plaintext: Buffer, password: string, iterations: number): Encryption {
  const salt = randomBytes(8);
  const pw = bmpPassword(password);
  const key = pkcs12Kdf('sha1', pw, salt, iterations, 1, 24);
  const iv = pkcs12Kdf('sha1', pw, salt, iterations, 2, 8);
  const cipher = createCipheriv('des-ede3-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    algorithmIdentifier: derSequence(
      derOid(OID.pbeSha3Des),
      derSequence(derOctetString(salt), derSmallInteger(iterations)),
    ),
    ciphertext,
  };
}

export class WrongPasswordError extends Error {}
export class UnsupportedAlgorithmError extends Error {}

/** Refuse absurd counts from a file rather than spin for minutes on them (Java writes 10,000). */
const MAX_ITERATIONS = 1_000_000;

/** An iteration count or key length INTEGER, checked to be sane. */
export function iterationCount(bytes: Uint8Array): number {
  const n = decodeInteger(bytes);
  if (n < 1n || n > BigInt(MAX_ITERATIONS)) throw new UnsupportedAlgorithmError(`an iteration count of ${n}`);
  return Number(n);
}

function intValue(buf: Buffer, t: Tlv): number {
  return iterationCount(content(buf, t));
}

/**
 * The password in both encodings a bundle may need: UTF-8 for PBES2 (as OpenSSL 3 does) and the
 * PKCS#12 BMPString for the legacy PBEs and the MAC. `bmp` is normally the password with a trailing
 * NUL; for an empty password some writers (Windows, OpenSSL given a NULL password) use no bytes at all,
 * and decodePfx switches to that form when the MAC says so.
 */
export interface Pkcs12Password {
  text: string;
  bmp: Buffer;
}

export function pkcs12Password(text: string): Pkcs12Password {
  return { text, bmp: bmpPassword(text) };
}

/** Decrypts with the AlgorithmIdentifier found in a bundle; returns the plaintext and a readable name. */
export async function decryptWith(
  algDer: Buffer,
  ciphertext: Buffer,
  password: Pkcs12Password,
): Promise<{ plaintext: Buffer; name: string; iterations: number }> {
  const alg = readTlv(algDer, 0);
  const [oidTlv, params] = children(algDer, alg);
  const oid = decodeOid(content(algDer, oidTlv!));
  if (oid === OID.pbes2) return decryptPbes2(algDer, params!, ciphertext, password);
  const legacy: Record<string, { keyLength: number; cipher: string; name: string }> = {
    [OID.pbeSha3Des]: { keyLength: 24, cipher: 'des-ede3-cbc', name: 'pbeWithSHA1And3-KeyTripleDES-CBC' },
    [OID.pbeSha2Des]: { keyLength: 16, cipher: 'des-ede-cbc', name: 'pbeWithSHA1And2-KeyTripleDES-CBC' },
    [OID.pbeShaRc2_40]: { keyLength: 5, cipher: 'rc2', name: 'pbeWithSHA1And40BitRC2-CBC' },
    [OID.pbeShaRc2_128]: { keyLength: 16, cipher: 'rc2', name: 'pbeWithSHA1And128BitRC2-CBC' },
  };
  const spec = legacy[oid];
  if (!spec) throw new UnsupportedAlgorithmError(`encryption algorithm ${oid}`);
  const [saltTlv, iterTlv] = children(algDer, params!);
  const salt = Buffer.from(content(algDer, saltTlv!));
  const iterations = intValue(algDer, iterTlv!);
  const decrypt = async (pw: Buffer) => {
    const key = pkcs12Kdf('sha1', pw, salt, iterations, 1, spec.keyLength);
    const iv = pkcs12Kdf('sha1', pw, salt, iterations, 2, 8);
    return spec.cipher === 'rc2' ? rc2Decrypt(key, iv, ciphertext) : nodeDecrypt(spec.cipher, key, iv, ciphertext);
  };
  try {
    return { plaintext: await decrypt(password.bmp), name: spec.name, iterations };
  } catch (err) {
    // Without a MAC to tell, an empty password may still be the zero-length (NULL) form.
    if (!(err instanceof WrongPasswordError) || password.text !== '' || password.bmp.length === 0) throw err;
    return { plaintext: await decrypt(Buffer.alloc(0)), name: spec.name, iterations };
  }
}

function nodeDecrypt(cipher: string, key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer {
  try {
    const d = createDecipheriv(cipher, key, iv);
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    // Bad padding after decryption almost always means a wrong password.
    throw new WrongPasswordError();
  }
}

async function rc2Decrypt(key: Buffer, iv: Buffer, ciphertext: Buffer): Promise<Buffer> {
  const { default: forge } = await import('node-forge');
  const decipher = forge.rc2.createDecryptionCipher(forge.util.createBuffer(key.toString('binary')), key.length * 8);
  decipher.start(forge.util.createBuffer(iv.toString('binary')));
  decipher.update(forge.util.createBuffer(ciphertext.toString('binary')));
  if (!decipher.finish()) throw new WrongPasswordError();
  return Buffer.from(decipher.output.getBytes(), 'binary');
}

function decryptPbes2(
  buf: Buffer,
  params: Tlv,
  ciphertext: Buffer,
  password: Pkcs12Password,
): { plaintext: Buffer; name: string; iterations: number } {
  const [kdf, scheme] = children(buf, params);
  const [kdfOid, kdfParams] = children(buf, kdf!);
  if (decodeOid(content(buf, kdfOid!)) !== OID.pbkdf2)
    throw new UnsupportedAlgorithmError('PBES2 key derivation other than PBKDF2');
  const kp = children(buf, kdfParams!);
  const salt = Buffer.from(content(buf, kp[0]!));
  const iterations = intValue(buf, kp[1]!);
  let prf = 'sha1';
  let keyLength: number | undefined;
  for (const t of kp.slice(2)) {
    if (t.tag === 0x02) keyLength = intValue(buf, t);
    else if (t.tag === 0x30) {
      const prfOid = decodeOid(content(buf, children(buf, t)[0]!));
      prf = HMAC_PRF[prfOid] ?? '';
      if (!prf) throw new UnsupportedAlgorithmError(`PBKDF2 PRF ${prfOid}`);
    }
  }
  const [encOid, ivTlv] = children(buf, scheme!);
  const enc = AES[decodeOid(content(buf, encOid!))];
  if (!enc) throw new UnsupportedAlgorithmError(`PBES2 cipher ${decodeOid(content(buf, encOid!))}`);
  // A key length other than the cipher's cannot decrypt, and a huge one would make PBKDF2 run for minutes.
  if (keyLength !== undefined && keyLength !== enc.keyLength)
    throw new UnsupportedAlgorithmError(`a PBKDF2 key length of ${keyLength} for ${enc.name}`);
  const key = pbkdf2Sync(Buffer.from(password.text, 'utf8'), salt, iterations, keyLength ?? enc.keyLength, prf);
  const plaintext = nodeDecrypt(enc.cipher, key, Buffer.from(content(buf, ivTlv!)), ciphertext);
  return { plaintext, name: `${enc.name} (PBES2, PBKDF2-HMAC-${prf.toUpperCase()})`, iterations };
}

/** The MAC key: the PKCS#12 KDF (ID 3) over the BMPString password, as OpenSSL 3 still does for HMAC-SHA256. */
export function macKey(hash: string, bmp: Buffer, salt: Buffer, iterations: number): Buffer {
  return pkcs12Kdf(hash, bmp, salt, iterations, 3, createHash(hash).digest().length);
}

export function hmac(hash: string, key: Buffer, data: Buffer): Buffer {
  return createHmac(hash, key).update(data).digest();
}
