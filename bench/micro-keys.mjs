#!/usr/bin/env node
/**
 * Scratch micro-benchmark behind the batch suggestions: per-key cost of the node:crypto calls that a
 * 1,000-certificate P-256 batch makes on the main thread. Not part of `npm run bench`.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, sign } from 'node:crypto';
import { promisify } from 'node:util';

const N = 1000;
const gen = promisify(generateKeyPair);
const keys = Array.from({ length: N }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const time = (label, fn) => {
  const t = performance.now();
  for (let i = 0; i < N; i++) fn(keys[i], i);
  console.log(`${label.padEnd(62)} ${(((performance.now() - t) / N) * 1000).toFixed(1).padStart(6)} µs/key`);
};
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
time('createPublicKey(priv).export({spki, der})  [what publicKeySpkiDer does]', (k) =>
  createPublicKey(k).export({ type: 'spki', format: 'der' }),
);
time('priv.export({format: jwk}) -> SPKI DER built by hand', (k) => {
  const j = k.export({ format: 'jwk' });
  Buffer.concat([P256_SPKI_PREFIX, Buffer.from([4]), Buffer.from(j.x, 'base64url'), Buffer.from(j.y, 'base64url')]);
});
time('priv.export({pkcs8, pem})  [privateKeyToPem]', (k) => k.export({ type: 'pkcs8', format: 'pem' }));
time('priv.export({pkcs8, der})', (k) => k.export({ type: 'pkcs8', format: 'der' }));
time('priv.asymmetricKeyDetails  [signatureSchemeFor, per call]', (k) => k.asymmetricKeyDetails);
const data = Buffer.alloc(300, 1);
time('sign(sha256, 300 bytes, priv)', (k) => sign('sha256', data, k));
const ders = keys.map((k) => k.export({ type: 'pkcs8', format: 'der' }));
time('createPrivateKey({pkcs8 der})', (_k, i) => createPrivateKey({ key: ders[i], format: 'der', type: 'pkcs8' }));

// Whole key preparation, main thread + pool, as the batch does it today vs with encodings done in the keygen job.
let t = performance.now();
await Promise.all(
  Array.from({ length: N }, async () => {
    const { privateKey } = await gen('ec', { namedCurve: 'P-256' });
    createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    privateKey.export({ type: 'pkcs8', format: 'pem' });
  }),
);
console.log(
  `${'today: generateKeyPair + spki export + pkcs8 pem export (wall, 1,000 keys)'.padEnd(62)} ${(performance.now() - t).toFixed(0).padStart(6)} ms`,
);
t = performance.now();
await Promise.all(
  Array.from({ length: N }, async () => {
    const { privateKey } = await gen('ec', { namedCurve: 'P-256' });
    const j = privateKey.export({ format: 'jwk' });
    Buffer.concat([P256_SPKI_PREFIX, Buffer.from([4]), Buffer.from(j.x, 'base64url'), Buffer.from(j.y, 'base64url')]);
    privateKey.export({ type: 'pkcs8', format: 'pem' });
  }),
);
console.log(
  `${'jwk-built SPKI instead (wall, 1,000 keys)'.padEnd(62)} ${(performance.now() - t).toFixed(0).padStart(6)} ms`,
);
t = performance.now();
await Promise.all(
  Array.from({ length: N }, async () => {
    const { publicKey, privateKey } = await gen('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    });
    createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' });
    return publicKey;
  }),
);
console.log(
  `${'encodings in the keygen job + createPrivateKey(der) (wall)'.padEnd(62)} ${(performance.now() - t).toFixed(0).padStart(6)} ms`,
);
