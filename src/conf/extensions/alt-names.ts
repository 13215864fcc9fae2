import { derSequence } from '../../pki/der.js';
import { splitList } from '../parse.js';
import { encodeGeneralNames } from './general-names.js';
import type { Translator } from './types.js';

export const subjectAltName: Translator = (value, ctx) => {
  const names = encodeGeneralNames(splitList(value), ctx);
  if (names.length === 0) throw ctx.error('subjectAltName is empty; give DNS:, IP:, email: or URI: names.');
  return { oid: '2.5.29.17', value: derSequence(...names) };
};

export const issuerAltName: Translator = (value, ctx) => {
  const items = splitList(value);
  if (items.includes('issuer:copy')) {
    if (items.length > 1) throw ctx.error('issuer:copy cannot be combined with other names here; use it alone.');
    const san = ctx.issuer?.certificate?.extensions.find((e) => e.type === '2.5.29.17');
    if (!san) return undefined;
    return { oid: '2.5.29.18', value: Buffer.from(san.value) };
  }
  return { oid: '2.5.29.18', value: derSequence(...encodeGeneralNames(items, ctx)) };
};
