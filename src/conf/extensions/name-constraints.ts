import { derSequence, derTlv } from '../../pki/der.js';
import { splitList } from '../parse.js';
import { encodeGeneralName } from './general-names.js';
import type { Translator } from './types.js';

export const nameConstraints: Translator = (value, ctx) => {
  const permitted: Buffer[] = [];
  const excluded: Buffer[] = [];
  for (const item of splitList(value)) {
    const m = /^(permitted|excluded);(.*)$/i.exec(item);
    if (!m) throw ctx.error(`'${item}' must start with permitted; or excluded;, e.g. permitted;DNS:example.com.`);
    const subtree = derSequence(encodeGeneralName(m[2]!.trim(), ctx, true));
    (m[1]!.toLowerCase() === 'permitted' ? permitted : excluded).push(subtree);
  }
  const parts: Buffer[] = [];
  if (permitted.length) parts.push(derTlv(0xa0, permitted));
  if (excluded.length) parts.push(derTlv(0xa1, excluded));
  return { oid: '2.5.29.30', value: derSequence(...parts) };
};
