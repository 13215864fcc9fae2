/**
 * An X.509 extension as mtlskit builds and reads it: type (OID), critical, value (extnValue contents)
 * and rawData (the whole Extension DER). Built straight from DER, without an ASN.1 library.
 */
import { derBoolean, derOctetString, derOid, derSequence } from './der.js';

export interface CertExtension {
  type: string;
  critical: boolean;
  value: ArrayBuffer;
  rawData: ArrayBuffer;
}

function arrayBufferOf(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function rawExtension(oid: string, critical: boolean, valueDer: Buffer): CertExtension {
  const rawData = derSequence(derOid(oid), ...(critical ? [derBoolean(true)] : []), derOctetString(valueDer));
  return { type: oid, critical, value: arrayBufferOf(valueDer), rawData: arrayBufferOf(rawData) };
}
