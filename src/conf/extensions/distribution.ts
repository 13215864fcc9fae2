import { derNamedBits, derOid, derSequence, derTlv } from '../../pki/der.js';
import { encodeGeneralName, encodeGeneralNames } from './general-names.js';
import { caseHint, listItems, ownValue, parseList, type ListItem } from './list.js';
import type { TranslateContext, Translator } from './types.js';

/**
 * As v2i_crld: each `URI:...` item is its own DistributionPoint (so `@section` with URI.1, URI.2 gives
 * one point per line), and a bare word names a section describing one point with fullname, reasons
 * and CRLissuer.
 */
export const crlDistributionPoints: Translator = (value, ctx) => {
  const points = listItems(value, ctx).map((item) =>
    item.value === undefined
      ? pointFromSection(item)
      : distributionPoint([encodeGeneralName(item)], undefined, undefined),
  );
  return { oid: '2.5.29.31', value: derSequence(...points) };
};

/** DistributionPoint { [0] { [0] fullName }, [1] reasons, [2] cRLIssuer }, in that order whatever the conf order. */
function distributionPoint(
  fullName: Buffer[] | undefined,
  reasons: Buffer | undefined,
  issuer: Buffer[] | undefined,
): Buffer {
  const parts: Buffer[] = [];
  if (fullName) parts.push(derTlv(0xa0, derTlv(0xa0, fullName)));
  if (reasons) parts.push(reasons);
  if (issuer) parts.push(derTlv(0xa2, issuer));
  return derSequence(...parts);
}

function pointFromSection(item: ListItem): Buffer {
  const section = item.ctx.conf.section(item.name);
  if (!section) {
    throw item.ctx.error(
      `'${item.name}' is neither TYPE:value (e.g. URI:http://pki.example.com/ca.crl) nor the name of a distribution point section.`,
    );
  }
  let fullName: Buffer[] | undefined;
  let reasons: Buffer | undefined;
  let issuer: Buffer[] | undefined;
  for (const e of section) {
    const at = item.ctx.at(e);
    if (e.key === 'fullname') fullName = encodeGeneralNames(listItems(e.value, at));
    else if (e.key === 'CRLissuer') issuer = encodeGeneralNames(listItems(e.value, at));
    else if (e.key === 'reasons') reasons = reasonFlags(e.value, at);
    else if (e.key === 'relativename')
      throw at.error('relativename is not supported by mtlskit; use fullname = URI:...');
    else
      throw at.error(
        `'${e.key}' is not part of a distribution point; use fullname, reasons or CRLissuer${caseHint(e.key, ['fullname', 'reasons', 'CRLissuer'])}.`,
      );
  }
  if (!fullName && !issuer)
    throw item.ctx.error(`[ ${item.name} ] has neither fullname nor CRLissuer; add fullname = URI:http://...`);
  return distributionPoint(fullName, reasons, issuer);
}

const REASON_BITS: Record<string, number> = {
  unused: 0,
  keyCompromise: 1,
  CACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 7,
  AACompromise: 8,
};

/** ReasonFlags as [1] IMPLICIT BIT STRING. */
function reasonFlags(value: string, ctx: TranslateContext): Buffer {
  const bits = parseList(value, ctx).map((item) => {
    const bit = item.value === undefined ? ownValue(REASON_BITS, item.name) : undefined;
    if (bit === undefined)
      throw ctx.error(
        `'${item.name}' is not a revocation reason; use ${Object.keys(REASON_BITS).join(', ')}${caseHint(item.name, Object.keys(REASON_BITS))}.`,
      );
    return bit;
  });
  const bitString = derNamedBits(bits);
  bitString[0] = 0x81;
  return bitString;
}

const ACCESS_METHODS: Record<string, string> = {
  OCSP: '1.3.6.1.5.5.7.48.1',
  caIssuers: '1.3.6.1.5.5.7.48.2',
  'CA Issuers': '1.3.6.1.5.5.7.48.2',
};

/** Items are METHOD;TYPE:value, e.g. OCSP;URI:http://ocsp.example.com. */
export const authorityInfoAccess: Translator = (value, ctx) => {
  const descriptions = listItems(value, ctx).map((item) => {
    const semi = item.name.indexOf(';');
    if (semi <= 0)
      throw item.ctx.error(`'${item.name}' is not METHOD;TYPE:value; write it like OCSP;URI:http://ocsp.example.com.`);
    const method = item.name.slice(0, semi).trim();
    const oid = ownValue(ACCESS_METHODS, method) ?? (/^\d+(\.\d+)+$/.test(method) ? method : undefined);
    if (!oid)
      throw item.ctx.error(
        `'${method}' is not an access method; use OCSP, caIssuers or a dotted OID${caseHint(method, ['OCSP', 'caIssuers'])}.`,
      );
    const location = encodeGeneralName({ name: item.name.slice(semi + 1).trim(), value: item.value, ctx: item.ctx });
    return derSequence(derOid(oid), location);
  });
  return { oid: '1.3.6.1.5.5.7.1.1', value: derSequence(...descriptions) };
};
