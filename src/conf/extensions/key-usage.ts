import { derNamedBits } from '../../pki/der.js';
import { splitList } from '../parse.js';
import type { Translator } from './types.js';

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
};

export const keyUsage: Translator = (value, ctx) => {
  const bits = splitList(value).map((name) => {
    const bit = KEY_USAGE_BITS[name] ?? KEY_USAGE_BITS[Object.keys(KEY_USAGE_BITS).find((k) => k.toLowerCase() === name.toLowerCase()) ?? ''];
    if (bit === undefined) throw ctx.error(`'${name}' is not a keyUsage; use ${Object.keys(KEY_USAGE_BITS).join(', ')}.`);
    return bit;
  });
  if (bits.length === 0) throw ctx.error('keyUsage is empty; list at least one usage, e.g. digitalSignature.');
  return { oid: '2.5.29.15', value: derNamedBits(bits) };
};
