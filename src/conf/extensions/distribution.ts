import { derOid, derSequence, derTlv } from '../../pki/der.js';
import { splitList } from '../parse.js';
import { encodeGeneralName, encodeGeneralNames } from './general-names.js';
import type { Translator } from './types.js';

/** Each URI (or a section with fullname = ...) becomes its own DistributionPoint, as OpenSSL does. */
export const crlDistributionPoints: Translator = (value, ctx) => {
  const points: Buffer[] = [];
  for (const item of splitList(value)) {
    let names: Buffer[];
    if (item.startsWith('@')) {
      const section = ctx.conf.section(item.slice(1));
      if (!section) throw ctx.error(`${item} names a section that does not exist.`);
      names = [];
      for (const e of section) {
        if (e.key !== 'fullname') throw ctx.at(e).error(`'${e.key}' in a distribution point section is not supported; use fullname = URI:...`);
        names.push(...encodeGeneralNames(splitList(e.value), ctx.at(e)));
      }
    } else names = [encodeGeneralName(item, ctx)];
    // DistributionPoint { distributionPoint [0] { fullName [0] IMPLICIT GeneralNames } }
    points.push(derSequence(derTlv(0xa0, derTlv(0xa0, names))));
  }
  return { oid: '2.5.29.31', value: derSequence(...points) };
};

const ACCESS_METHODS: Record<string, string> = { OCSP: '1.3.6.1.5.5.7.48.1', caIssuers: '1.3.6.1.5.5.7.48.2' };

export const authorityInfoAccess: Translator = (value, ctx) => {
  const descriptions = splitList(value).map((item) => {
    const semi = item.indexOf(';');
    if (semi <= 0) throw ctx.error(`'${item}' is not METHOD;TYPE:value, e.g. OCSP;URI:http://ocsp.example.com.`);
    const method = item.slice(0, semi).trim();
    const oid = ACCESS_METHODS[method] ?? (/^\d+(\.\d+)+$/.test(method) ? method : undefined);
    if (!oid) throw ctx.error(`'${method}' is not an access method; use OCSP, caIssuers or a dotted OID.`);
    return derSequence(derOid(oid), encodeGeneralName(item.slice(semi + 1).trim(), ctx));
  });
  return { oid: '1.3.6.1.5.5.7.1.1', value: derSequence(...descriptions) };
};
