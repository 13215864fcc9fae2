/** A subject public key's algorithm and size, read straight from SubjectPublicKeyInfo DER (verify and issuance share it). */
import { children, content, decodeOid, readTlv } from './der.js';

export interface KeyForm {
  algorithm: 'rsa' | 'ec' | 'dsa' | 'ed25519' | 'ed448' | 'rsa-pss' | 'other';
  oid: string;
  bits?: number;
  curve?: string;
}

const EC_CURVES: Record<string, string> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
  '1.2.840.10045.3.1.1': 'P-192',
  '1.3.132.0.33': 'P-224',
  '1.3.132.0.10': 'secp256k1',
};
const KEY_ALGORITHMS: Record<string, KeyForm['algorithm']> = {
  '1.2.840.113549.1.1.1': 'rsa',
  '1.2.840.113549.1.1.10': 'rsa-pss',
  '1.2.840.10045.2.1': 'ec',
  '1.2.840.10040.4.1': 'dsa',
  '1.3.101.112': 'ed25519',
  '1.3.101.113': 'ed448',
};

/** The subject public key's algorithm and size, read from the SubjectPublicKeyInfo DER. */
export function readKeyForm(spki: Buffer): KeyForm {
  const [algTlv, bitsTlv] = children(spki, readTlv(spki, 0));
  const alg = children(spki, algTlv!);
  const oid = decodeOid(content(spki, alg[0]!));
  const algorithm = KEY_ALGORITHMS[oid] ?? 'other';
  const form: KeyForm = { algorithm, oid };
  if (algorithm === 'ec') {
    const params = alg[1];
    form.curve =
      params?.tag === 0x06
        ? (EC_CURVES[decodeOid(content(spki, params))] ?? decodeOid(content(spki, params)))
        : 'explicit';
    if (form.curve === 'P-256') form.bits = 256;
    if (form.curve === 'P-384') form.bits = 384;
    if (form.curve === 'P-521') form.bits = 521;
  }
  if (algorithm === 'rsa' || algorithm === 'rsa-pss') {
    // An RSAPublicKey that does not parse counts as 0 bits: refused as a weak key, not a crash.
    form.bits = 0;
    try {
      const key = content(spki, bitsTlv!).subarray(1);
      const modulus = content(key, children(key, readTlv(key, 0))[0]!);
      let start = 0;
      while (start < modulus.length && modulus[start] === 0) start++;
      const top = modulus[start] ?? 0;
      form.bits = Math.max(0, (modulus.length - start - 1) * 8 + (top === 0 ? 0 : 32 - Math.clz32(top)));
    } catch {
      form.bits = 0;
    }
  }
  if (algorithm === 'dsa' && alg[1]?.tag === 0x30) {
    const p = content(spki, children(spki, alg[1])[0]!);
    let start = 0;
    while (start < p.length && p[start] === 0) start++;
    form.bits = (p.length - start) * 8;
  }
  return form;
}
