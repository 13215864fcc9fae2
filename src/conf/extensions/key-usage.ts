import { derNamedBits } from '../../pki/der.js';
import { bareName, caseHint, listItems } from './list.js';
import type { Translator } from './types.js';

/** OpenSSL's key_usage_type_table: short names and the long names it also accepts. */
export const KEY_USAGE_BITS: Record<string, number> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  contentCommitment: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
  'Digital Signature': 0,
  'Non Repudiation': 1,
  'Key Encipherment': 2,
  'Data Encipherment': 3,
  'Key Agreement': 4,
  'Certificate Sign': 5,
  'CRL Sign': 6,
  'Encipher Only': 7,
  'Decipher Only': 8,
};

const SHORT_NAMES = Object.keys(KEY_USAGE_BITS).filter((k) => !k.includes(' '));

export const keyUsage: Translator = (value, ctx) => {
  const bits = listItems(value, ctx).map((item) => {
    const name = bareName(item, 'keyUsage');
    const bit = Object.hasOwn(KEY_USAGE_BITS, name) ? KEY_USAGE_BITS[name] : undefined;
    if (bit === undefined)
      throw item.ctx.error(`'${name}' is not a keyUsage; use ${SHORT_NAMES.join(', ')}${caseHint(name, SHORT_NAMES)}.`);
    return bit;
  });
  return { oid: '2.5.29.15', value: derNamedBits(bits) };
};
