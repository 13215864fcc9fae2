/**
 * Distinguished names: from the conf's DN entries or a `/O=Acme/CN=x` subject to DER, with the
 * string types OpenSSL 3 uses by default (UTF8String; PrintableString for countryName;
 * IA5String for emailAddress and domainComponent), and back to text for people.
 */
import { x509 } from './x509-runtime.js';
import { badInput } from '../errors.js';

export interface DnEntry {
  /** Short name (CN, O, OU, C, ST, L, emailAddress, ...) or a dotted OID. */
  type: string;
  value: string;
}

const ATTRIBUTE_OIDS: Record<string, string> = {
  CN: '2.5.4.3', commonName: '2.5.4.3',
  SN: '2.5.4.4', surname: '2.5.4.4',
  serialNumber: '2.5.4.5',
  C: '2.5.4.6', countryName: '2.5.4.6',
  L: '2.5.4.7', localityName: '2.5.4.7',
  ST: '2.5.4.8', S: '2.5.4.8', stateOrProvinceName: '2.5.4.8',
  street: '2.5.4.9', streetAddress: '2.5.4.9',
  O: '2.5.4.10', organizationName: '2.5.4.10',
  OU: '2.5.4.11', organizationalUnitName: '2.5.4.11',
  title: '2.5.4.12',
  GN: '2.5.4.42', givenName: '2.5.4.42',
  initials: '2.5.4.43',
  dnQualifier: '2.5.4.46',
  pseudonym: '2.5.4.65',
  emailAddress: '1.2.840.113549.1.9.1', E: '1.2.840.113549.1.9.1',
  DC: '0.9.2342.19200300.100.1.25', domainComponent: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1', userId: '0.9.2342.19200300.100.1.1',
};

const IA5_TYPES = new Set(['1.2.840.113549.1.9.1', '0.9.2342.19200300.100.1.25']);
const PRINTABLE_TYPES = new Set(['2.5.4.6', '2.5.4.5', '2.5.4.46']);

export function attributeOid(type: string): string {
  if (/^\d+(\.\d+)+$/.test(type)) return type;
  const oid = ATTRIBUTE_OIDS[type] ?? ATTRIBUTE_OIDS[Object.keys(ATTRIBUTE_OIDS).find((k) => k.toLowerCase() === type.toLowerCase()) ?? ''];
  if (!oid) throw badInput(`'${type}' is not a known distinguished-name attribute; use CN, O, OU, C, ST, L, emailAddress or a dotted OID.`);
  return oid;
}

/** Builds the Name; an empty DN is refused because nobody can tell such a certificate apart. */
export function buildName(entries: DnEntry[]): InstanceType<typeof x509.Name> {
  if (entries.length === 0) throw badInput('The subject is empty; set at least O or CN in the conf or with --subject "/O=Org/CN=name".');
  const params = entries.map((e) => {
    const oid = attributeOid(e.type);
    if (oid === '2.5.4.6' && !/^[A-Za-z]{2}$/.test(e.value)) {
      throw badInput(`The country (C) must be a two-letter code such as US or BR, not '${e.value}'.`);
    }
    const kind = IA5_TYPES.has(oid) ? 'ia5String' : PRINTABLE_TYPES.has(oid) ? 'printableString' : 'utf8String';
    return { [oid]: [{ [kind]: e.value }] };
  });
  return new x509.Name(params);
}

/** peculiar's own short names (G, I, T) are not all OpenSSL's; mapping each OID to itself keys toJSON by OID instead. */
const BY_OID: Record<string, string> = Object.fromEntries(
  ['2.5.4.3', '2.5.4.4', '2.5.4.6', '2.5.4.7', '2.5.4.8', '2.5.4.10', '2.5.4.11', '2.5.4.12', '2.5.4.42', '2.5.4.43', '0.9.2342.19200300.100.1.25', '1.2.840.113549.1.9.1'].map((oid) => [oid, oid]),
);

/** A Name's attributes in order as DnEntry (types as dotted OIDs), e.g. to derive one name from another. */
export function nameToEntries(name: InstanceType<typeof x509.Name>): DnEntry[] {
  return new x509.Name(name.toArrayBuffer(), BY_OID)
    .toJSON()
    .flatMap((rdn) => Object.entries(rdn).flatMap(([type, values]) => values.map((value) => ({ type, value }))));
}

/** OpenSSL's one-line form, as in index.txt: /O=Acme/CN=client */
export function nameToSlashForm(name: InstanceType<typeof x509.Name>): string {
  return name
    .toJSON()
    .flatMap((rdn) => Object.entries(rdn).flatMap(([type, values]) => values.map((v) => `/${shortName(type)}=${v.replace(/\//g, '\\/')}`)))
    .join('');
}

/** Human form used in messages: O=Acme, CN=client (in certificate order, like `openssl x509 -subject`). */
export function nameToText(name: InstanceType<typeof x509.Name>): string {
  return name
    .toJSON()
    .flatMap((rdn) => Object.entries(rdn).flatMap(([type, values]) => values.map((v) => `${shortName(type)}=${v}`)))
    .join(', ');
}

function shortName(type: string): string {
  if (type === 'E') return 'emailAddress';
  return type;
}
