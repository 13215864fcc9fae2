/**
 * PKCS#11 URIs (RFC 7512): `pkcs11:token=mtlskit;object=ca-key;id=%01%02?module-path=/usr/lib/x.so&pin-source=file:pin.txt`.
 * Path attributes are separated by ';', query attributes by '&'; values are percent-decoded (id as bytes).
 */
import { usageError } from '../errors.js';

export interface Pkcs11Uri {
  /** The URI as given. */
  text: string;
  token?: string;
  manufacturer?: string;
  serial?: string;
  model?: string;
  /** CKA_LABEL of the key objects. */
  object?: string;
  /** CKA_ID of the key objects (raw bytes). */
  id?: Buffer;
  /** 'private', 'public', 'cert', 'secret-key' or 'data'. */
  type?: string;
  slotId?: number;
  slotDescription?: string;
  slotManufacturer?: string;
  libraryManufacturer?: string;
  libraryDescription?: string;
  libraryVersion?: string;
  /** Query: where the PIN is (a file path or file: URI). */
  pinSource?: string;
  /** Query: the PIN itself (RFC 7512 allows it; a recorded URI never keeps it). */
  pinValue?: string;
  modulePath?: string;
  moduleName?: string;
}

const PATH_ATTRIBUTES: Record<string, keyof Pkcs11Uri> = {
  token: 'token',
  manufacturer: 'manufacturer',
  serial: 'serial',
  model: 'model',
  object: 'object',
  type: 'type',
  'slot-description': 'slotDescription',
  'slot-manufacturer': 'slotManufacturer',
  'library-manufacturer': 'libraryManufacturer',
  'library-description': 'libraryDescription',
  'library-version': 'libraryVersion',
};
const QUERY_ATTRIBUTES: Record<string, keyof Pkcs11Uri> = {
  'pin-source': 'pinSource',
  'pin-value': 'pinValue',
  'module-path': 'modulePath',
  'module-name': 'moduleName',
};
const OBJECT_TYPES = ['private', 'public', 'cert', 'secret-key', 'data'];

function percentDecode(text: string, uri: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex))
        throw usageError(`'${uri}' has a broken percent escape '%${hex}'; write each byte as %XX with two hex digits.`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes);
}

export function parsePkcs11Uri(text: string): Pkcs11Uri {
  if (!/^pkcs11:/i.test(text))
    throw usageError(`'${text}' is not a PKCS#11 URI; write it like pkcs11:token=mtlskit;object=ca-key (RFC 7512).`);
  const rest = text.slice('pkcs11:'.length);
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);
  const uri: Pkcs11Uri = { text };
  const set = (attr: string, raw: string, table: Record<string, keyof Pkcs11Uri>, where: string) => {
    const name = attr.toLowerCase();
    if (name.startsWith('x-')) return; // vendor-specific attributes are allowed and ignored
    if (name === 'id') {
      uri.id = percentDecode(raw, text);
      return;
    }
    if (name === 'slot-id' && table === PATH_ATTRIBUTES) {
      if (!/^\d+$/.test(raw)) throw usageError(`slot-id in '${text}' must be a decimal number, not '${raw}'.`);
      uri.slotId = Number(raw);
      return;
    }
    const key = table[name];
    if (!key)
      throw usageError(
        `'${attr}' is not a PKCS#11 URI ${where} attribute mtlskit knows; use ${[...Object.keys(table), ...(table === PATH_ATTRIBUTES ? ['id', 'slot-id'] : [])].join(', ')}.`,
      );
    if (uri[key] !== undefined) throw usageError(`'${attr}' appears twice in '${text}'; give it once.`);
    (uri as unknown as Record<string, string>)[key] = percentDecode(raw, text).toString('utf8');
  };
  for (const part of path.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw usageError(`'${part}' in '${text}' is not an attribute; write name=value, e.g. object=ca-key.`);
    set(part.slice(0, eq), part.slice(eq + 1), PATH_ATTRIBUTES, 'path');
  }
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw usageError(`'${part}' in '${text}' is not a query attribute; write name=value.`);
    set(part.slice(0, eq), part.slice(eq + 1), QUERY_ATTRIBUTES, 'query');
  }
  if (uri.type !== undefined && !OBJECT_TYPES.includes(uri.type))
    throw usageError(`type=${uri.type} in '${text}' is not an object type; use ${OBJECT_TYPES.join(', ')}.`);
  return uri;
}

/** Percent-encodes an attribute value: RFC 7512's unreserved characters stay, everything else becomes %XX. */
export function percentEncode(value: Uint8Array | string, all = false): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += !all && /[A-Za-z0-9\-._~:[\]@!$'()*+,=&]/.test(c) ? c : `%${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The URI to record in mtlskit.json: token, object and id, without the PIN or the module. */
export function formatPkcs11Uri(uri: Pick<Pkcs11Uri, 'token' | 'object' | 'id' | 'serial' | 'slotId'>): string {
  const parts: string[] = [];
  if (uri.token !== undefined) parts.push(`token=${percentEncode(uri.token)}`);
  if (uri.serial !== undefined) parts.push(`serial=${percentEncode(uri.serial)}`);
  if (uri.slotId !== undefined) parts.push(`slot-id=${uri.slotId}`);
  if (uri.object !== undefined) parts.push(`object=${percentEncode(uri.object)}`);
  if (uri.id !== undefined) parts.push(`id=${percentEncode(uri.id, true)}`);
  return `pkcs11:${parts.join(';')}`;
}
