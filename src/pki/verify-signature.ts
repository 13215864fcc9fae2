/** Signature details for path validation: RSA-PSS parameters, and DSA parameters inherited down a path (RFC 5280 6.1.4 k-l). */
import { children, content, decodeOid, derSequence, readTlv, slice } from './der.js';
import { verifySignature } from './signature.js';
import type { CertInfo } from './verify-cert.js';

const RSA_PSS = '1.2.840.113549.1.1.10';

const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** RSASSA-PSS-params: [0] hashAlgorithm, [2] saltLength (defaults SHA-1 and 20, RFC 4055). */
export function rsaPssParams(params: Buffer): { hash: string; saltLength: number } {
  let hash = 'sha1';
  let saltLength = 20;
  const top = readTlv(params, 0);
  if (top.tag !== 0x30) return { hash, saltLength };
  for (const part of children(params, top)) {
    const inner = readTlv(params, part.start);
    if (part.tag === 0xa0) hash = HASHES[decodeOid(content(params, children(params, inner)[0]!))] ?? hash;
    if (part.tag === 0xa2) saltLength = Number(BigInt('0x' + content(params, inner).toString('hex')));
  }
  return { hash, saltLength };
}

/** Checks a signature made with the algorithm `oid` and its AlgorithmIdentifier parameters (RSA-PSS reads its hash and salt there). */
export function verifyWithAlgorithm(
  oid: string,
  params: Buffer | undefined,
  tbs: Buffer,
  signature: Buffer,
  spki: Buffer,
): boolean {
  return verifySignature(oid, tbs, signature, spki, oid === RSA_PSS && params ? rsaPssParams(params) : undefined);
}

/** The certificate's signature verifies with this issuer key. */
export function certificateSignedBy(cert: CertInfo, issuerSpki: Buffer): boolean {
  return verifyWithAlgorithm(cert.signatureOid, cert.signatureParams, cert.tbs, cert.signature, issuerSpki);
}

const DSA_OID = '1.2.840.10040.4.1';

/** SPKI's algorithm OID and its parameters (undefined when absent). */
function spkiAlgorithm(spki: Buffer): { oid: string; params?: Buffer } {
  const alg = children(spki, children(spki, readTlv(spki, 0))[0]!);
  const oid = decodeOid(content(spki, alg[0]!));
  return { oid, params: alg[1] && alg[1].tag !== 0x05 ? Buffer.from(slice(spki, alg[1])) : undefined };
}

/**
 * A DSA key whose SPKI omits the domain parameters takes them from the key above it in the path
 * (the working_public_key_parameters of RFC 5280 6.1.4 (l)); other keys are returned as they are.
 */
export function withInheritedDsaParams(spki: Buffer, parentSpki: Buffer | undefined): Buffer {
  if (!parentSpki) return spki;
  const own = spkiAlgorithm(spki);
  if (own.oid !== DSA_OID || own.params) return spki;
  const parent = spkiAlgorithm(parentSpki);
  if (parent.oid !== DSA_OID || !parent.params) return spki;
  const parts = children(spki, readTlv(spki, 0));
  const oid = children(spki, parts[0]!)[0]!;
  return derSequence(derSequence(slice(spki, oid), parent.params), slice(spki, parts[1]!));
}
