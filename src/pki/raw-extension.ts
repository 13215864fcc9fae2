/**
 * An X.509 extension as mtlskit builds and reads it: type (OID), critical, value (extnValue contents)
 * and rawData (the whole Extension DER). Built straight from DER, without an ASN.1 library.
 */
import {
  children,
  content,
  decodeOid,
  derBoolean,
  derOctetString,
  derOid,
  derSequence,
  slice,
  type Tlv,
} from './der.js';

export interface CertExtension {
  type: string;
  critical: boolean;
  value: ArrayBuffer;
  rawData: ArrayBuffer;
  /** Read from DER: the critical flag is present but not DER (TRUE other than 0xff, or FALSE written out). */
  criticalNotDer?: boolean;
}

function arrayBufferOf(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function rawExtension(oid: string, critical: boolean, valueDer: Buffer): CertExtension {
  const rawData = derSequence(derOid(oid), ...(critical ? [derBoolean(true)] : []), derOctetString(valueDer));
  return { type: oid, critical, value: arrayBufferOf(valueDer), rawData: arrayBufferOf(rawData) };
}

/** Extensions ::= SEQUENCE OF Extension { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }, strictly. */
export function readExtensionList(buf: Buffer, list: Tlv): CertExtension[] {
  if (list.tag !== 0x30) throw new Error('extensions are not a SEQUENCE');
  return children(buf, list).map((ext) => {
    const parts = children(buf, ext);
    const [oidTlv, second, third] = parts;
    const valueTlv = third ?? second;
    if (
      ext.tag !== 0x30 ||
      !oidTlv ||
      oidTlv.tag !== 0x06 ||
      !valueTlv ||
      valueTlv.tag !== 0x04 ||
      (third && second!.tag !== 0x01) ||
      parts.length > 3
    ) {
      throw new Error('a malformed extension');
    }
    const flag = third !== undefined ? content(buf, second!) : undefined;
    const critical = flag !== undefined && flag[0] !== 0;
    return {
      type: decodeOid(content(buf, oidTlv)),
      critical,
      criticalNotDer: flag !== undefined && !(flag.length === 1 && flag[0] === 0xff),
      value: arrayBufferOf(content(buf, valueTlv)),
      rawData: arrayBufferOf(slice(buf, ext)),
    };
  });
}
