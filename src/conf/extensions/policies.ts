import { derIa5String, derOid, derSequence } from '../../pki/der.js';
import { caseHint, parseList } from './list.js';
import type { TranslateContext, Translator } from './types.js';

const CPS = '1.3.6.1.5.5.7.2.1';
const ANY_POLICY = '2.5.29.32.0';
const isOid = (s: string) => /^\d+(\.\d+)+$/.test(s);

function policyOid(text: string, ctx: TranslateContext): string {
  if (text === 'anyPolicy' || text === 'X509v3 Any Policy') return ANY_POLICY;
  if (!isOid(text)) throw ctx.error(`'${text}' is not a policy OID; give dotted OIDs, anyPolicy or @section.`);
  return text;
}

/** Policy OIDs, or @section with policyIdentifier and CPS.N URIs (userNotice is not supported). */
export const certificatePolicies: Translator = (value, ctx) => {
  const policies: Buffer[] = [];
  // r2i_certpol reads a plain list, where @section is an item naming one policy.
  for (const item of parseList(value, ctx)) {
    if (item.value !== undefined)
      throw ctx.error(`'${item.name}:${item.value}' is not a policy; give dotted OIDs or @section.`);
    if (item.name === 'ia5org') {
      ctx.warnings.push(
        `${ctx.entry.file}:${ctx.entry.line}: ia5org only affects userNotice texts, which mtlskit does not write; ignored.`,
      );
    } else if (item.name.startsWith('@')) {
      policies.push(policyFromSection(item.name.slice(1).trim(), ctx));
    } else {
      policies.push(derSequence(derOid(policyOid(item.name, ctx))));
    }
  }
  return { oid: '2.5.29.32', value: derSequence(...policies) };
};

function policyFromSection(name: string, ctx: TranslateContext): Buffer {
  const section = ctx.conf.section(name);
  if (!section)
    throw ctx.error(`@${name} names a section that does not exist; add [ ${name} ] with policyIdentifier = OID.`);
  let id: string | undefined;
  const qualifiers: Buffer[] = [];
  for (const e of section) {
    const at = ctx.at(e);
    if (e.key === 'policyIdentifier') id = policyOid(e.value, at);
    else if (/^CPS(\..*)?$/.test(e.key)) qualifiers.push(derSequence(derOid(CPS), derIa5String(e.value)));
    else if (/^userNotice(\..*)?$/.test(e.key))
      throw at.error('userNotice qualifiers are not supported by mtlskit; use CPS.1 = URI instead.');
    else
      throw at.error(
        `'${e.key}' in a policy section is not supported; use policyIdentifier and CPS.N${caseHint(e.key, ['policyIdentifier', 'CPS'])}.`,
      );
  }
  if (!id) throw ctx.error(`[ ${name} ] has no policyIdentifier; add policyIdentifier = OID.`);
  return derSequence(derOid(id), ...(qualifiers.length ? [derSequence(...qualifiers)] : []));
}

/** A Netscape comment: IA5String text, as OpenSSL writes it. */
export const nsComment: Translator = (value, ctx) => {
  if (!/^[\x00-\x7f]*$/.test(value)) throw ctx.error('nsComment must be ASCII text; remove the other characters.');
  return { oid: '2.16.840.1.113730.1.13', value: derIa5String(value) };
};
