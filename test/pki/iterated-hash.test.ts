import { describe, it, expect } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { hashDigestRepeatedly } from '../../src/pki/iterated-hash.js';

/** The reference: node:crypto (OpenSSL) hashing the digest again, one call per round. */
function reference(hash: string, first: Buffer, rounds: number): Buffer {
  let a = first;
  for (let r = 0; r < rounds; r++) a = createHash(hash).update(a).digest();
  return a;
}

describe('hashDigestRepeatedly (the PKCS#12 KDF inner loop)', () => {
  for (const hash of ['sha1', 'sha256', 'sha384', 'sha512', 'sha224'])
    it(`${hash}: equals node:crypto hashing the digest again, for 0 to 2,049 rounds`, () => {
      for (const rounds of [0, 1, 2, 3, 64, 2049]) {
        const first = createHash(hash).update(randomBytes(17)).digest();
        expect(hashDigestRepeatedly(hash, first, rounds).toString('hex')).toBe(
          reference(hash, first, rounds).toString('hex'),
        );
      }
    });
});
