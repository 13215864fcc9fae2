/** The raw pieces of a certificate's DER that signing, CRLs and validation need, read without a full parse. */
import { children, content, decodeOid, readTlv, slice } from './der.js';

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
  const i = fields[0]?.tag === 0xa0 ? 1 : 0;
  if (cert.tag !== 0x30 || tbs.tag !== 0x30 || fields.length < i + 6) throw new Error('not a certificate');
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
