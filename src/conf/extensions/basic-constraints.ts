import { derBoolean, derSequence, derSmallInteger } from '../../pki/der.js';
import { caseHint, listItems } from './list.js';
import type { Translator } from './types.js';

/** X509V3_get_value_bool accepts exactly these spellings. */
const TRUE_WORDS = ['TRUE', 'true', 'Y', 'y', 'YES', 'yes'];
const FALSE_WORDS = ['FALSE', 'false', 'N', 'n', 'NO', 'no'];

export const basicConstraints: Translator = (value, ctx) => {
  let ca = false;
  let pathLength: number | undefined;
  for (const item of listItems(value, ctx)) {
    const arg = item.value ?? '';
    if (item.name === 'CA') {
      if (TRUE_WORDS.includes(arg)) ca = true;
      else if (FALSE_WORDS.includes(arg)) ca = false;
      else throw item.ctx.error(`basicConstraints CA:${arg} must be CA:true or CA:false.`);
    } else if (item.name === 'pathlen') {
      if (!/^\d+$/.test(arg))
        throw item.ctx.error(`basicConstraints pathlen:${arg} must be a whole number such as pathlen:0.`);
      pathLength = Number(arg);
    } else {
      throw item.ctx.error(
        `'${item.name}' is not part of basicConstraints; use CA:true or CA:false and pathlen:N${caseHint(item.name, ['CA', 'pathlen'])}.`,
      );
    }
  }
  if (pathLength !== undefined && !ca)
    throw ctx.error('basicConstraints pathlen only makes sense with CA:true; remove pathlen or set CA:true.');
  // cA DEFAULT FALSE is omitted in DER, so CA:false is an empty SEQUENCE.
  const parts = ca ? [derBoolean(true), ...(pathLength !== undefined ? [derSmallInteger(pathLength)] : [])] : [];
  return { oid: '2.5.29.19', value: derSequence(...parts) };
};
