/** The raw pieces of a certificate's DER that signing, CRLs and validation need, read without a full parse. */
import { children, content, decodeOid, decodeTime, readTlv, slice } from './der.js';

export interface CertificateFields {
  tbs: Buffer;
  serial: Buffer;
  issuerDer: Buffer;
  subjectDer: Buffer;
  spkiDer: Buffer;
  /** The subjectKeyIdentifier extension's key id, when present. */
  subjectKeyId?: Buffer;
}

export function certificateFields(der: Buffer): CertificateFields {
  const cert = readTlv(der, 0);
  const tbs = children(der, cert)[0]!;
  const fields = children(der, tbs);
  const i = fields[0]!.tag === 0xa0 ? 1 : 0;
  let subjectKeyId: Buffer | undefined;
  const extWrapper = fields.find((f) => f.tag === 0xa3);
  if (extWrapper) {
    for (const ext of children(der, children(der, extWrapper)[0]!)) {
      const parts = children(der, ext);
      if (decodeOid(content(der, parts[0]!)) === '2.5.29.14') {
        subjectKeyId = Buffer.from(content(der, readTlv(der, parts[parts.length - 1]!.start)));
      }
    }
  }
  return {
    tbs: Buffer.from(slice(der, tbs)),
    serial: Buffer.from(content(der, fields[i]!)),
    issuerDer: Buffer.from(slice(der, fields[i + 2]!)),
    subjectDer: Buffer.from(slice(der, fields[i + 4]!)),
    spkiDer: Buffer.from(slice(der, fields[i + 5]!)),
    subjectKeyId,
  };
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

export interface IssuerFields {
  notBefore: Date;
  notAfter: Date;
  /** basicConstraints cA (false when the extension is absent). */
  ca: boolean;
  /** keyUsage keyCertSign; undefined when the certificate has no keyUsage. */
  keyCertSign?: boolean;
}

/** What decides whether a certificate may act as an issuer (load-ca.ts issuerRefusal), read from DER; throws on anything unexpected. */
export function issuerFields(der: Buffer): IssuerFields {
  const fields = children(der, children(der, readTlv(der, 0))[0]!);
  const i = fields[0]!.tag === 0xa0 ? 1 : 0;
  const [notBefore, notAfter] = children(der, fields[i + 3]!);
  const result: IssuerFields = { notBefore: decodeTime(der, notBefore!), notAfter: decodeTime(der, notAfter!), ca: false };
  const extWrapper = fields.find((f) => f.tag === 0xa3);
  for (const ext of extWrapper ? children(der, children(der, extWrapper)[0]!) : []) {
    const parts = children(der, ext);
    const oid = decodeOid(content(der, parts[0]!));
    const value = content(der, parts[parts.length - 1]!);
    if (oid === '2.5.29.19') {
      const first = children(value, readTlv(value, 0))[0];
      result.ca = first?.tag === 0x01 && value[first.start] !== 0;
    } else if (oid === '2.5.29.15') {
      const bits = content(value, readTlv(value, 0));
      result.keyCertSign = bits.length > 1 && (bits[1]! & 0x04) !== 0; // bit 5, after the unused-bits octet
    }
  }
  return result;
}
