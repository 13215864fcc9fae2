import { describe, it, expect } from 'vitest';
import forge from 'node-forge';
import { bmpPassword, pkcs12Kdf } from '../../src/pki/pkcs12-crypto.js';

/** RFC 7292 appendix B key derivation, checked against node-forge's independent implementation. */
describe('PKCS#12 key derivation', () => {
  const cases: [string, number, number, number][] = [
    ['secret', 1, 24, 2048],
    ['secret', 2, 8, 2048],
    ['secret', 3, 20, 1],
    ['', 1, 24, 1000],
    ['pässwörd-with-unicode', 3, 20, 2048],
  ];
  for (const [password, id, length, iterations] of cases) {
    it(`id ${id}, ${length} bytes, ${iterations} iterations, password '${password}'`, () => {
      const salt = Buffer.from('0123456789abcdef', 'hex');
      const ours = pkcs12Kdf('sha1', bmpPassword(password), salt, iterations, id, length);
      const theirs = forge.pkcs12.generateKey(
        password,
        forge.util.createBuffer(salt.toString('binary')),
        id,
        iterations,
        length,
        forge.md.sha1.create(),
      );
      expect(ours.toString('hex')).toBe(Buffer.from(theirs.getBytes(), 'binary').toString('hex'));
    });
  }
});
