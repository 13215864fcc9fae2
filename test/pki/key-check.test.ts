import { describe, it, expect } from 'vitest';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { assertKeyCanSign, keyDamage } from '../../src/pki/key-check.js';

/** The same key with one JWK field replaced (Node builds the key from the JWK without checking it). */
function withField(key: KeyObject, field: string, change: (b: Buffer) => Buffer): KeyObject {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  jwk[field] = change(Buffer.from(jwk[field]!, 'base64url')).toString('base64url');
  return createPrivateKey({ key: jwk, format: 'jwk' });
}
const flipMiddle = (b: Buffer) => {
  const c = Buffer.from(b);
  c[c.length >> 1]! ^= 0x01;
  return c;
};

describe('keyDamage', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
  const ed = generateKeyPairSync('ed25519').privateKey;

  it('finds nothing wrong with intact RSA, EC and Ed25519 keys', () => {
    expect(keyDamage(rsa)).toBeUndefined();
    expect(keyDamage(ec)).toBeUndefined();
    expect(keyDamage(ed)).toBeUndefined();
    expect(() => assertKeyCanSign(rsa, 'rsa.key')).not.toThrow();
  });

  it.each([
    ['p', /primes p and q do not multiply/],
    ['q', /primes p and q do not multiply/],
    ['d', /private exponent d does not invert/],
    ['dp', /CRT exponents/],
    ['dq', /CRT exponents/],
    ['qi', /CRT coefficient/],
  ])('names a flipped bit in RSA %s', (field, message) => {
    expect(keyDamage(withField(rsa, field, flipMiddle))).toMatch(message);
  });

  it('names an EC private scalar that does not give the public point, with code BAD_KEY (exit 4)', () => {
    const bad = withField(ec, 'd', flipMiddle);
    expect(keyDamage(bad)).toMatch(/private scalar does not give its public point/);
    expect(() => assertKeyCanSign(bad, 'ec.key')).toThrow(
      expect.objectContaining({ code: 'BAD_KEY', exitCode: 4, message: expect.stringContaining('ec.key') }),
    );
  });
});
