import { derSequence } from '../../pki/der.js';
import { encodeGeneralNames } from './general-names.js';
import { listItems } from './list.js';
import type { Translator } from './types.js';

export const subjectAltName: Translator = (value, ctx) => {
  const names = encodeGeneralNames(listItems(value, ctx));
  return { oid: '2.5.29.17', value: derSequence(...names) };
};

/** issuer:copy takes the issuer's subjectAltName; a self-signed certificate or a CSR has none to copy. */
export const issuerAltName: Translator = (value, ctx) => {
  const items = listItems(value, ctx);
  const copy = items.findIndex((i) => i.name === 'issuer' && i.value === 'copy');
  if (copy >= 0) {
    if (items.length > 1) throw ctx.error('issuer:copy cannot be combined with other names here; use it alone.');
    const san = ctx.issuer?.certificate?.subjectAltNameDer;
    if (!san) {
      ctx.warnings.push(
        `${ctx.entry.file}:${ctx.entry.line}: issuerAltName = issuer:copy found no subjectAltName on the issuer, so it was left out.`,
      );
      return undefined;
    }
    return { oid: '2.5.29.18', value: Buffer.from(san) };
  }
  return { oid: '2.5.29.18', value: derSequence(...encodeGeneralNames(items)) };
};
