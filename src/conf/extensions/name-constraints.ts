import { derSequence, derTlv } from '../../pki/der.js';
import { encodeGeneralName } from './general-names.js';
import { listItems } from './list.js';
import type { Translator } from './types.js';

/** Items are permitted;TYPE:value or excluded;TYPE:value; IP values are address/mask. */
export const nameConstraints: Translator = (value, ctx) => {
  const permitted: Buffer[] = [];
  const excluded: Buffer[] = [];
  for (const item of listItems(value, ctx)) {
    // v2i_NAME_CONSTRAINTS: "permitted" or "excluded", one separator character, then the name type.
    const m = /^(permitted|excluded).(.+)$/.exec(item.name);
    if (!m)
      throw item.ctx.error(`'${item.name}' must start with permitted; or excluded;, e.g. permitted;DNS:example.com.`);
    const subtree = derSequence(encodeGeneralName({ name: m[2]!, value: item.value, ctx: item.ctx }, true));
    (m[1] === 'permitted' ? permitted : excluded).push(subtree);
  }
  const parts: Buffer[] = [];
  if (permitted.length) parts.push(derTlv(0xa0, permitted));
  if (excluded.length) parts.push(derTlv(0xa1, excluded));
  return { oid: '2.5.29.30', value: derSequence(...parts) };
};
