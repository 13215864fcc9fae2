/** Key identifiers (RFC 5280 4.2.1.2 method 1), read from SPKI DER without the X.509 library. */
import { createHash } from 'node:crypto';

/** SHA-1 of the subjectPublicKey BIT STRING contents: RFC 5280 4.2.1.2 method 1, what OpenSSL's `hash` does. */
export function keyIdentifierFor(spkiDer: Uint8Array): Buffer {
  return createHash('sha1').update(subjectPublicKeyBits(spkiDer)).digest();
}

function readLength(der: Uint8Array, offset: number): [length: number, next: number] {
  const first = der[offset]!;
  if (first < 0x80) return [first, offset + 1];
  const count = first & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + der[offset + 1 + i]!;
  return [length, offset + 1 + count];
}

/** SPKI = SEQUENCE { algorithm SEQUENCE, subjectPublicKey BIT STRING }. */
export function subjectPublicKeyBits(spkiDer: Uint8Array): Uint8Array {
  let [, p] = readLength(spkiDer, 1); // outer SEQUENCE
  const [algLen, algBody] = readLength(spkiDer, p + 1);
  p = algBody + algLen; // skip AlgorithmIdentifier
  const [bitsLen, bitsBody] = readLength(spkiDer, p + 1);
  return spkiDer.subarray(bitsBody + 1, bitsBody + bitsLen);
}
