/**
 * Distinguished names: from the conf's DN entries or a `/O=Acme/CN=x` subject to DER, with the
 * string types OpenSSL 3 uses by default (UTF8String; PrintableString for countryName;
 * IA5String for emailAddress and domainComponent). name-text.ts reads them back for people.
 */
import { derOid, derSequence, derSet, derTlv } from './der.js';
import { badInput } from '../errors.js';

export interface DnEntry {
  /** Short name (CN, O, OU, C, ST, L, emailAddress, ...) or a dotted OID. */
  type: string;
  value: string;
}

const ATTRIBUTE_OIDS: Record<string, string> = {
  CN: '2.5.4.3',
  commonName: '2.5.4.3',
  SN: '2.5.4.4',
  surname: '2.5.4.4',
  serialNumber: '2.5.4.5',
  C: '2.5.4.6',
  countryName: '2.5.4.6',
  L: '2.5.4.7',
  localityName: '2.5.4.7',
  ST: '2.5.4.8',
  S: '2.5.4.8',
  stateOrProvinceName: '2.5.4.8',
  street: '2.5.4.9',
  streetAddress: '2.5.4.9',
  postalCode: '2.5.4.17',
  O: '2.5.4.10',
  organizationName: '2.5.4.10',
  OU: '2.5.4.11',
  organizationalUnitName: '2.5.4.11',
  title: '2.5.4.12',
  GN: '2.5.4.42',
  givenName: '2.5.4.42',
  initials: '2.5.4.43',
  dnQualifier: '2.5.4.46',
  pseudonym: '2.5.4.65',
  emailAddress: '1.2.840.113549.1.9.1',
  E: '1.2.840.113549.1.9.1',
  DC: '0.9.2342.19200300.100.1.25',
  domainComponent: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  userId: '0.9.2342.19200300.100.1.1',
};

const IA5_TYPES = new Set(['1.2.840.113549.1.9.1', '0.9.2342.19200300.100.1.25']);
const PRINTABLE_TYPES = new Set(['2.5.4.6', '2.5.4.5', '2.5.4.46']);

export function attributeOid(type: string): string {
  if (/^\d+(\.\d+)+$/.test(type)) return type;
  const oid =
    ATTRIBUTE_OIDS[type] ??
    ATTRIBUTE_OIDS[Object.keys(ATTRIBUTE_OIDS).find((k) => k.toLowerCase() === type.toLowerCase()) ?? ''];
  if (!oid)
    throw badInput(
      `'${type}' is not a known distinguished-name attribute; use CN, O, OU, C, ST, L, emailAddress or a dotted OID.`,
    );
  return oid;
}

/** Builds the Name's DER, one attribute per RDN; an empty DN is refused because nobody can tell such a certificate apart. */
export function buildName(entries: DnEntry[]): Buffer {
  if (entries.length === 0)
    throw badInput('The subject is empty; set at least O or CN in the conf or with --subject "/O=Org/CN=name".');
  const rdns = entries.map((e) => {
    const oid = attributeOid(e.type);
    if (oid === '2.5.4.6' && !/^[A-Za-z]{2}$/.test(e.value)) {
      throw badInput(`The country (C) must be a two-letter code such as US or BR, not '${e.value}'.`);
    }
    if (IA5_TYPES.has(oid) && !/^[\x20-\x7e]*$/.test(e.value)) {
      throw badInput(
        `${e.type} '${e.value}' must be plain ASCII (it is an IA5String); remove accents and other special characters.`,
      );
    }
    if (PRINTABLE_TYPES.has(oid) && !/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(e.value)) {
      throw badInput(
        `${e.type} '${e.value}' may hold only letters, digits, spaces and ' ( ) + , - . / : = ? (it is a PrintableString).`,
      );
    }
    const value = IA5_TYPES.has(oid)
      ? derTlv(0x16, Buffer.from(e.value, 'latin1'))
      : PRINTABLE_TYPES.has(oid)
        ? derTlv(0x13, Buffer.from(e.value, 'latin1'))
        : derTlv(0x0c, Buffer.from(e.value, 'utf8'));
    return derSet(derSequence(derOid(oid), value));
  });
  return derSequence(...rdns);
}
