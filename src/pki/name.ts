/**
 * Distinguished names: from the conf's DN entries or a `/O=Acme/CN=x` subject to DER, with the
 * string types OpenSSL 3 uses by default (UTF8String; PrintableString for countryName;
 * IA5String for emailAddress and domainComponent), and back to text for people.
 */
import { x509 } from './x509-runtime.js';
import { badInput } from '../errors.js';
import { nameDerToSlashForm, nameDerToText } from './name-text.js';

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

/** OpenSSL's one-line form, as in index.txt: /O=Acme/CN=client */
export function nameToSlashForm(name: InstanceType<typeof x509.Name>): string {
  return nameDerToSlashForm(new Uint8Array(name.toArrayBuffer()));
}

/** Human form used in messages: O=Acme, CN=client (in certificate order, like `openssl x509 -subject`). */
export function nameToText(name: InstanceType<typeof x509.Name>): string {
  return nameDerToText(new Uint8Array(name.toArrayBuffer()));
}
