import { derIa5String, derOid, derSequence } from '../../pki/der.js';
import { splitList } from '../parse.js';
import type { Translator } from './types.js';

const CPS = '1.3.6.1.5.5.7.2.1';
const isOid = (s: string) => /^\d+(\.\d+)+$/.test(s);

/** Policy OIDs, or @section with policyIdentifier and CPS.N URIs (userNotice is not supported). */
export const certificatePolicies: Translator = (value, ctx) => {
  const policies: Buffer[] = [];
  for (const item of splitList(value)) {
    if (item === 'ia5org') {
      ctx.warnings.push(`${ctx.entry.file}:${ctx.entry.line}: ia5org only affects userNotice texts, which mtlskit does not write; ignored.`);
      continue;
    }
    if (item.startsWith('@')) {
      const section = ctx.conf.section(item.slice(1));
      if (!section) throw ctx.error(`${item} names a section that does not exist.`);
      let id: string | undefined;
      const qualifiers: Buffer[] = [];
      for (const e of section) {
        if (e.key === 'policyIdentifier') {
          if (!isOid(e.value)) throw ctx.at(e).error(`policyIdentifier = ${e.value} is not a dotted OID.`);
          id = e.value;
        } else if (/^CPS(\.\d+)?$/.test(e.key)) qualifiers.push(derSequence(derOid(CPS), derIa5String(e.value)));
        else throw ctx.at(e).error(`'${e.key}' in a policy section is not supported; use policyIdentifier and CPS.N.`);
      }
      if (!id) throw ctx.error(`${item} has no policyIdentifier.`);
      policies.push(derSequence(derOid(id), ...(qualifiers.length ? [derSequence(...qualifiers)] : [])));
    } else {
      if (!isOid(item)) throw ctx.error(`'${item}' is not a policy OID; give dotted OIDs or @section.`);
      policies.push(derSequence(derOid(item)));
    }
  }
  return { oid: '2.5.29.32', value: derSequence(...policies) };
};

export const nsComment: Translator = (value) => ({ oid: '2.16.840.1.113730.1.13', value: derIa5String(value) });
