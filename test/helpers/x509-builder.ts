/**
 * A small certificate writer for tests that need certificates no CA should issue: any version, serial, names,
 * validity encoding, extensions (duplicated, malformed, critical or not), keys (RSA of any size, P-192, DSA,
 * Ed25519, explicit curve parameters) and signature algorithms. Built on mtlskit's DER writer and node:crypto.
 */
import { createPublicKey, generateKeyPair, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import {
  derBitString,
  derBoolean,
  derExplicit,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derTlv,
} from '../../src/pki/der.js';
import { buildName } from '../../src/pki/name.js';

export interface TestKey {
  privateKey: KeyObject;
  spki: Buffer;
}

export type KeySpec = 'p256' | 'p384' | 'p192' | 'ed25519' | `rsa${number}` | 'dsa';

const keyCache = new Map<string, TestKey>();

/** A key pair; `cacheAs` reuses one across cases (RSA and DSA generation is slow). */
export function makeKey(spec: KeySpec = 'p256', cacheAs?: string): TestKey {
  const cacheKey = cacheAs ? `${spec}:${cacheAs}` : undefined;
  const cached = cacheKey ? keyCache.get(cacheKey) : undefined;
  if (cached) return cached;
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  if (spec === 'p256' || spec === 'p384' || spec === 'p192')
    pair = generateKeyPairSync('ec', {
      namedCurve: { p256: 'prime256v1', p384: 'secp384r1', p192: 'prime192v1' }[spec],
    });
  else if (spec === 'ed25519') pair = generateKeyPairSync('ed25519');
  else if (spec === 'dsa') pair = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
  else pair = generateKeyPairSync('rsa', { modulusLength: Number(spec.slice(3)) });
  const key = { privateKey: pair.privateKey, spki: pair.publicKey.export({ type: 'spki', format: 'der' }) };
  if (cacheKey) keyCache.set(cacheKey, key);
  return key;
}

const generateAsync = promisify(generateKeyPair) as (
  type: string,
  options: Record<string, unknown>,
) => Promise<{ privateKey: KeyObject; publicKey: KeyObject }>;

/**
 * Generates slow keys (RSA, DSA) off the main thread ahead of makeKey(spec, cacheAs), so a test file does not
 * block its worker (vitest reports a blocked worker as an error).
 */
export async function prepareKeys(specs: [KeySpec, string][]): Promise<void> {
  await Promise.all(
    specs.map(async ([spec, cacheAs]) => {
      const cacheKey = `${spec}:${cacheAs}`;
      if (keyCache.has(cacheKey)) return;
      const pair =
        spec === 'dsa'
          ? await generateAsync('dsa', { modulusLength: 2048, divisorLength: 256 })
          : spec.startsWith('rsa')
            ? await generateAsync('rsa', { modulusLength: Number(spec.slice(3)) })
            : undefined;
      if (!pair) return;
      keyCache.set(cacheKey, {
        privateKey: pair.privateKey,
        spki: pair.publicKey.export({ type: 'spki', format: 'der' }),
      });
    }),
  );
}

export const ALG = {
  ecdsaSha256: derSequence(derOid('1.2.840.10045.4.3.2')),
  ecdsaSha384: derSequence(derOid('1.2.840.10045.4.3.3')),
  ecdsaSha1: derSequence(derOid('1.2.840.10045.4.1')),
  rsaSha256: derSequence(derOid('1.2.840.113549.1.1.11'), derNull()),
  rsaSha1: derSequence(derOid('1.2.840.113549.1.1.5'), derNull()),
  dsaSha256: derSequence(derOid('2.16.840.1.101.3.4.3.2')),
  ed25519: derSequence(derOid('1.3.101.112')),
};

function algorithmFor(key: KeyObject, sha1: boolean): { der: Buffer; hash: string | null } {
  const type = key.asymmetricKeyType;
  if (type === 'ec') return sha1 ? { der: ALG.ecdsaSha1, hash: 'sha1' } : { der: ALG.ecdsaSha256, hash: 'sha256' };
  if (type === 'rsa') return sha1 ? { der: ALG.rsaSha1, hash: 'sha1' } : { der: ALG.rsaSha256, hash: 'sha256' };
  if (type === 'dsa') return { der: ALG.dsaSha256, hash: 'sha256' };
  return { der: ALG.ed25519, hash: null };
}

export interface Ext {
  oid: string;
  critical?: boolean;
  /** extnValue contents (the DER inside the OCTET STRING). */
  value: Buffer;
}

export const ext = (oid: string, value: Buffer, critical = false): Ext => ({ oid, value, critical });

export function extensionDer(e: Ext): Buffer {
  return derSequence(derOid(e.oid), ...(e.critical ? [derBoolean(true)] : []), derOctetString(e.value));
}

/** A Name from `CN=a,O=b` text (empty string: the empty Name). */
export function name(text: string): Buffer {
  if (text === '') return derSequence();
  return buildName(
    text.split(',').map((part) => {
      const [type, ...rest] = part.split('=');
      return { type: type!.trim(), value: rest.join('=') };
    }),
  );
}

function timeDer(date: Date, forceTag?: 0x17 | 0x18): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const utc = forceTag ? forceTag === 0x17 : date.getUTCFullYear() < 2050;
  return derTlv(utc ? 0x17 : 0x18, Buffer.from(`${utc ? iso.slice(2) : iso}Z`, 'latin1'));
}

export interface CertSpec {
  subject: Buffer;
  issuer: Buffer;
  key: TestKey;
  signer: TestKey;
  serial?: Buffer | bigint;
  /** 1, 2 or 3 (default 3). */
  version?: number;
  notBefore?: Date;
  notAfter?: Date;
  notAfterTag?: 0x17 | 0x18;
  extensions?: Ext[];
  /** Sign with SHA-1. */
  sha1?: boolean;
  /** Put this AlgorithmIdentifier in the TBS instead of the real one. */
  tbsAlgorithm?: Buffer;
  /** Replace the SubjectPublicKeyInfo (explicit-parameter keys made by openssl). */
  spki?: Buffer;
}

export const DAY = 86_400_000;

/** A signed certificate's DER. */
export function buildCert(spec: CertSpec): Buffer {
  const alg = algorithmFor(spec.signer.privateKey, spec.sha1 === true);
  const version = spec.version ?? 3;
  const serial = spec.serial ?? BigInt(`0x7${Math.floor(Math.random() * 1e15).toString(16)}`);
  const tbs = derSequence(
    ...(version === 1 ? [] : [derExplicit(0, derInteger(version - 1))]),
    typeof serial === 'bigint' ? derInteger(serial) : derTlv(0x02, serial),
    spec.tbsAlgorithm ?? alg.der,
    spec.issuer,
    derSequence(
      timeDer(spec.notBefore ?? new Date(Date.now() - DAY)),
      timeDer(spec.notAfter ?? new Date(Date.now() + 365 * DAY), spec.notAfterTag),
    ),
    spec.subject,
    spec.spki ?? spec.key.spki,
    ...(spec.extensions && spec.extensions.length > 0
      ? [derExplicit(3, derSequence(...spec.extensions.map(extensionDer)))]
      : []),
  );
  const signature = sign(alg.hash, tbs, { key: spec.signer.privateKey, dsaEncoding: 'der' });
  return derSequence(tbs, alg.der, derBitString(signature));
}

export const pem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;

export const publicKeyOf = (k: TestKey) => createPublicKey(k.privateKey);
