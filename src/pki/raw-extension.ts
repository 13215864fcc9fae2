/**
 * An X.509 extension built from DER we already have, without @peculiar/x509's ASN.1 serializer
 * (which costs more than signing the certificate in a batch). It carries what mtlskit reads from
 * extensions: type, critical, value (extnValue contents) and rawData (the whole Extension).
 */
import { derBoolean, derOctetString, derOid, derSequence } from './der.js';
import type { x509 } from './x509-runtime.js';

type Extension = InstanceType<typeof x509.Extension>;

function arrayBufferOf(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function rawExtension(oid: string, critical: boolean, valueDer: Buffer): Extension {
  const rawData = derSequence(derOid(oid), ...(critical ? [derBoolean(true)] : []), derOctetString(valueDer));
  // Only these four members are used on extensions mtlskit builds (see signCertificateDer, planExtensions).
  return { type: oid, critical, value: arrayBufferOf(valueDer), rawData: arrayBufferOf(rawData) } as unknown as Extension;
}
