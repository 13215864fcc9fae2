/**
 * H^n(x) for the PKCS#12 key derivation (RFC 7292 B.2), which hashes its own digest again `n` times. Every round
 * after the first hashes exactly one digest, which fits one block with fixed padding: for SHA-1 and SHA-256
 * that compression runs here in a tight loop over 32-bit words, about ten times faster than one node:crypto call
 * per round (600,000 rounds, as NSS writes its MAC, take well under a second instead of several).
 */
import { createHash } from 'node:crypto';

const K256 = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const H256 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const H1 = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));

/** SHA-256 of a 32-byte message held in `m[0..7]`, written back into `m[0..7]`; `w` is scratch. */
function sha256Of32(m: Int32Array, w: Int32Array): void {
  for (let i = 0; i < 8; i++) w[i] = m[i]!;
  w[8] = 0x80000000;
  for (let i = 9; i < 15; i++) w[i] = 0;
  w[15] = 256;
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15]!;
    const b = w[i - 2]!;
    const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
    const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = H256[0]!,
    b = H256[1]!,
    c = H256[2]!,
    d = H256[3]!;
  let e = H256[4]!,
    f = H256[5]!,
    g = H256[6]!,
    h = H256[7]!;
  for (let i = 0; i < 64; i++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i]! + w[i]!) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  m[0] = (H256[0]! + a) | 0;
  m[1] = (H256[1]! + b) | 0;
  m[2] = (H256[2]! + c) | 0;
  m[3] = (H256[3]! + d) | 0;
  m[4] = (H256[4]! + e) | 0;
  m[5] = (H256[5]! + f) | 0;
  m[6] = (H256[6]! + g) | 0;
  m[7] = (H256[7]! + h) | 0;
}

/** SHA-1 of a 20-byte message held in `m[0..4]`, written back into `m[0..4]`; `w` is scratch. */
function sha1Of20(m: Int32Array, w: Int32Array): void {
  for (let i = 0; i < 5; i++) w[i] = m[i]!;
  w[5] = 0x80000000;
  for (let i = 6; i < 15; i++) w[i] = 0;
  w[15] = 160;
  for (let i = 16; i < 80; i++) w[i] = rotl(w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!, 1);
  let a = H1[0]!,
    b = H1[1]!,
    c = H1[2]!,
    d = H1[3]!,
    e = H1[4]!;
  for (let i = 0; i < 80; i++) {
    let f: number;
    let k: number;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    const t = (rotl(a, 5) + f + e + k + w[i]!) | 0;
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = t;
  }
  m[0] = (H1[0]! + a) | 0;
  m[1] = (H1[1]! + b) | 0;
  m[2] = (H1[2]! + c) | 0;
  m[3] = (H1[3]! + d) | 0;
  m[4] = (H1[4]! + e) | 0;
}

/** `rounds` more hashes of a digest (big-endian words in and out), with one fixed-size compression each. */
function iterateWords(digest: Buffer, rounds: number, words: number, compress: typeof sha1Of20): Buffer {
  const m = new Int32Array(words);
  for (let i = 0; i < words; i++) m[i] = digest.readInt32BE(i * 4);
  const w = new Int32Array(80);
  for (let r = 0; r < rounds; r++) compress(m, w);
  const out = Buffer.alloc(words * 4);
  for (let i = 0; i < words; i++) out.writeInt32BE(m[i]!, i * 4);
  return out;
}

/** H^rounds applied to `first` (a digest of `hash` already), i.e. `rounds` further hashes of the digest. */
export function hashDigestRepeatedly(hash: string, first: Buffer, rounds: number): Buffer {
  if (rounds <= 0) return first;
  if (hash === 'sha256' && first.length === 32) return iterateWords(first, rounds, 8, sha256Of32);
  if (hash === 'sha1' && first.length === 20) return iterateWords(first, rounds, 5, sha1Of20);
  let a = first;
  for (let r = 0; r < rounds; r++) a = createHash(hash).update(a).digest();
  return a;
}
