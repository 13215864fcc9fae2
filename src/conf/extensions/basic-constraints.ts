import { derBoolean, derSequence, derSmallInteger } from '../../pki/der.js';
import { splitList } from '../parse.js';
import type { Translator } from './types.js';

export const basicConstraints: Translator = (value, ctx) => {
  let ca = false;
  let pathLength: number | undefined;
  for (const item of splitList(value)) {
    const [name, arg] = item.split(':').map((s) => s.trim());
    if (/^ca$/i.test(name!)) {
      if (/^true$/i.test(arg ?? '')) ca = true;
      else if (/^false$/i.test(arg ?? '')) ca = false;
      else throw ctx.error(`basicConstraints CA:${arg ?? ''} must be CA:true or CA:false.`);
    } else if (/^pathlen$/i.test(name!)) {
      if (!/^\d+$/.test(arg ?? '')) throw ctx.error(`basicConstraints pathlen:${arg ?? ''} must be a whole number.`);
      pathLength = Number(arg);
    } else throw ctx.error(`'${item}' is not part of basicConstraints; use CA:true|false and pathlen:N.`);
  }
  if (pathLength !== undefined && !ca) throw ctx.error('basicConstraints pathlen only makes sense with CA:true.');
  // cA DEFAULT FALSE is omitted in DER, so CA:false is an empty SEQUENCE.
  const parts = ca ? [derBoolean(true), ...(pathLength !== undefined ? [derSmallInteger(pathLength)] : [])] : [];
  return { oid: '2.5.29.19', value: derSequence(...parts) };
};
