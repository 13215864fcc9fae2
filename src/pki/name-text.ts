/**
 * Distinguished names read straight from DER, for messages and comparisons, without loading the X.509
 * library (verify, export and show stay light). Attribute types get OpenSSL's short names; a value that is
 * not a string is shown as `#` and the hex of its DER, as RFC 4514 does.
 */
import { children, content, decodeOid, readTlv, slice } from './der.js';

export interface NameAttribute {
  /** Short name (CN, O, ..., E) or the dotted OID. */
  type: string;
  value: string;
}

// OpenSSL's short names (what `openssl x509 -subject` prints), so names read the same in both tools.
const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.17': 'postalCode',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

function decodeString(tag: number, bytes: Buffer): string | undefined {
  switch (tag) {
    case 0x0c:
      return bytes.toString('utf8'); // UTF8String
    case 0x13: // PrintableString
    case 0x14: // TeletexString
    case 0x16:
      return bytes.toString('latin1'); // IA5String
    case 0x1e:
      return Buffer.from(bytes).swap16().toString('utf16le'); // BMPString
    case 0x1c: {
      // UniversalString (UCS-4)
      let text = '';
      for (let i = 0; i + 3 < bytes.length; i += 4) text += String.fromCodePoint(bytes.readUInt32BE(i));
      return text;
    }
    default:
      return undefined;
  }
}

/** The RDNs of a Name in certificate order; attributes of one RDN grouped by type, as x509's Name.toJSON(). */
export function readNameRdns(der: Uint8Array): Map<string, string[]>[] {
  const name = readTlv(der, 0);
  if (name.tag !== 0x30) throw new Error('a name is not a SEQUENCE');
  return children(der, name).map((rdn) => {
    if (rdn.tag !== 0x31) throw new Error('a relative distinguished name is not a SET');
    const byType = new Map<string, string[]>();
    for (const atv of children(der, rdn)) {
      const [typeTlv, valueTlv] = children(der, atv);
      if (!typeTlv || !valueTlv) throw new Error('an attribute without a value in a name');
      const oid = decodeOid(content(der, typeTlv));
      const type = SHORT_NAMES[oid] ?? oid;
      const value = decodeString(valueTlv.tag, content(der, valueTlv)) ?? `#${slice(der, valueTlv).toString('hex')}`;
      const list = byType.get(type);
      if (list) list.push(value);
      else byType.set(type, [value]);
    }
    return byType;
  });
}

/** Every attribute in order, one entry per value. */
export function readNameAttributes(der: Uint8Array): NameAttribute[] {
  return readNameRdns(der).flatMap((rdn) =>
    [...rdn].flatMap(([type, values]) => values.map((value) => ({ type, value }))),
  );
}

/** Human form used in messages: O=Acme, CN=client (in certificate order, like `openssl x509 -subject`). */
export function nameDerToText(der: Uint8Array): string {
  return readNameAttributes(der)
    .map((a) => `${a.type}=${a.value}`)
    .join(', ');
}

/** OpenSSL's one-line form, as in index.txt: /O=Acme/CN=client */
export function nameDerToSlashForm(der: Uint8Array): string {
  return readNameAttributes(der)
    .map((a) => `/${a.type}=${a.value.replace(/\//g, '\\/')}`)
    .join('');
}

/** Case-insensitive, whitespace-folded form of a DN (RFC 5280 7.1), for comparing issuer and subject names. */
export function canonicalName(der: Uint8Array): string {
  return readNameRdns(der)
    .map((rdn) =>
      [...rdn]
        .map(([type, values]) =>
          values.map((v) => `${type.toLowerCase()}=${v.trim().replace(/\s+/g, ' ').toLowerCase()}`).join('+'),
        )
        .sort()
        .join('+'),
    )
    .join('/');
}

/** nameDerToText for a Name object of the X.509 library (show and probe read certificates with it). */
export function nameObjectToText(name: { toArrayBuffer(): ArrayBuffer }): string {
  return nameDerToText(new Uint8Array(name.toArrayBuffer()));
}
