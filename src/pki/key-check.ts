/**
 * Is a private key whole? A key with a flipped bit still loads, and may even sign (OpenSSL quietly falls back
 * from CRT when the result does not verify), yet fails at the first TLS handshake or gives certificates that
 * never work. Checked where a key enters mtlskit:
 * - RSA: p·q = n, d mod (p−1) = dP, d mod (q−1) = dQ, e·d ≡ 1 mod (p−1) and mod (q−1), q·qInv ≡ 1 mod p
 *   (the pairwise checks of `openssl pkey -check`, without the primality tests, which a flipped bit in p or q
 *   already fails through p·q = n);
 * - every key: a signature it makes verifies with its public key (for EC and Ed25519 that is the pairwise
 *   check d·G = Q, in one sign and one verify).
 * About 1 ms for RSA-2048 and less for EC; each KeyObject is checked once per process.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { MtlsError } from '../errors.js';

const checked = new WeakMap<KeyObject, string | null>();
const PROBE = Buffer.from('mtlskit key check');

/** undefined when the key is whole; else a phrase saying what is wrong with it ("its primes do not ..."). */
export function keyDamage(key: KeyObject): string | undefined {
  let known = checked.get(key);
  if (known === undefined) {
    known = rsaDamage(key) ?? roundTripDamage(key) ?? null;
    checked.set(key, known);
  }
  return known ?? undefined;
}

/** Throws BAD_KEY (exit 4) when the key cannot make signatures that verify; `describe` names where it came from. */
export function assertKeyCanSign(key: KeyObject, describe: string): void {
  const damage = keyDamage(key);
  if (damage === undefined) return;
  throw new MtlsError(
    'BAD_KEY',
    `The private key in ${describe} is damaged (${damage}), so signatures made with it do not verify; use an intact copy of the key or make a new one.`,
    { damage },
  );
}

function big(b64url: string | undefined): bigint | undefined {
  if (!b64url) return undefined;
  const hex = Buffer.from(b64url, 'base64url').toString('hex');
  return hex === '' ? 0n : BigInt(`0x${hex}`);
}

function rsaDamage(key: KeyObject): string | undefined {
  if (key.asymmetricKeyType !== 'rsa') return undefined;
  let jwk: Record<string, unknown>;
  try {
    jwk = key.export({ format: 'jwk' }) as Record<string, unknown>;
  } catch {
    return undefined; // no JWK form (multi-prime): the round trip still checks it
  }
  const [n, e, d, p, q, dp, dq, qi] = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'].map((f) =>
    big(jwk[f] as string | undefined),
  );
  if (!n || !e || !d || !p || !q || p < 2n || q < 2n) return undefined; // a key without CRT parts: round trip
  if (p * q !== n) return 'its primes p and q do not multiply to its modulus';
  if ((e * d) % (p - 1n) !== 1n || (e * d) % (q - 1n) !== 1n)
    return 'its private exponent d does not invert its public exponent e';
  if ((dp !== undefined && dp !== d % (p - 1n)) || (dq !== undefined && dq !== d % (q - 1n)))
    return 'its CRT exponents do not fit d';
  if (qi !== undefined && (qi * q) % p !== 1n) return 'its CRT coefficient does not fit p and q';
  return undefined;
}

function roundTripDamage(key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  const hash = type === 'ed25519' || type === 'ed448' ? null : 'sha256';
  try {
    const signature = sign(hash, PROBE, key);
    if (verify(hash, PROBE, createPublicKey(key), signature)) return undefined;
    return type === 'ec'
      ? 'its private scalar does not give its public point'
      : 'a signature it makes does not verify with its public key';
  } catch (err) {
    return `it cannot sign: ${(err as Error).message.replace(/^error:[0-9A-F]+:/, '')}`;
  }
}
