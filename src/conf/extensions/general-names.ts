/**
 * GeneralName values as OpenSSL's conf writes them (DNS:, IP:, email:, URI:, RID:, dirName:) and their
 * DER, shared by subjectAltName, issuerAltName, crlDistributionPoints, authorityInfoAccess and nameConstraints.
 */
import { derExplicit, derImplicit, derOid, derTlv } from '../../pki/der.js';
import { buildName } from '../../pki/name.js';
import { ipAddressBytes, ipSubnetBytes } from '../../pki/ip-address.js';
import { isMtlsError } from '../../errors.js';
import { subjectFromValuesSection } from './dn-section.js';
import { caseHint, type ListItem } from './list.js';

export type GeneralNameKind = 'DNS' | 'IP' | 'email' | 'URI' | 'RID' | 'dirName';

const TAG: Record<GeneralNameKind, number> = { email: 1, DNS: 2, dirName: 4, URI: 6, IP: 7, RID: 8 };
const KINDS = Object.keys(TAG) as GeneralNameKind[];
const TYPE_LIST = 'DNS:, IP:, email:, URI:, RID: or dirName:';

/** ossl_v3_name_cmp: `DNS` and `DNS.anything` are both DNS (numbered keys in a @section). */
export function generalNameKind(name: string): GeneralNameKind | undefined {
  const head = name.split('.')[0]!;
  return KINDS.find((k) => k === head);
}

/** One item to GeneralName DER; `inConstraint` reads IP as address/mask, as name constraints need. */
export function encodeGeneralName(item: ListItem, inConstraint = false): Buffer {
  const { ctx } = item;
  const kind = generalNameKind(item.name);
  if (!kind) {
    if (item.name.startsWith('@')) {
      throw ctx.error(
        `${item.name} must be the whole value (e.g. subjectAltName = ${item.name}); move the other names into that section.`,
      );
    }
    const head = item.name.split('.')[0]!;
    if (head === 'otherName') throw ctx.error(`otherName entries are not supported by mtlskit; use ${TYPE_LIST}.`);
    throw ctx.error(`'${item.name}' is not a name type; use ${TYPE_LIST}${caseHint(head, KINDS)}.`);
  }
  const value = item.value;
  if (value === undefined || value === '') throw ctx.error(`${item.name} has no value; write it as ${kind}:value.`);
  switch (kind) {
    case 'IP': {
      const bytes = inConstraint ? ipSubnetBytes(value) : ipAddressBytes(value);
      if (!bytes)
        throw ctx.error(
          `IP:${value} is not ${inConstraint ? 'an address/mask such as 10.0.0.0/255.0.0.0' : 'an IPv4 or IPv6 address'}.`,
        );
      return derTlv(0x80 | TAG.IP, bytes);
    }
    case 'RID':
      if (!/^\d+(\.\d+)+$/.test(value)) throw ctx.error(`RID:${value} is not a dotted OID such as 1.2.3.4.`);
      return derImplicit(TAG.RID, derOid(value));
    case 'dirName':
      return derExplicit(TAG.dirName, directoryName(value, item));
    case 'email':
      if (!inConstraint && (value === 'copy' || value === 'move')) {
        throw ctx.error(
          `email:${value} is not supported by mtlskit; write the address itself, e.g. email:ops@example.com.`,
        );
      }
      return derTlv(0x80 | TAG.email, ia5Bytes(value, item));
    default:
      return derTlv(0x80 | TAG[kind], ia5Bytes(value, item));
  }
}

/** DNS names, URIs and addresses are IA5String (ASCII); an IDN must be written in its xn-- form. */
function ia5Bytes(value: string, item: ListItem): Buffer {
  if (!/^[\x00-\x7f]*$/.test(value)) {
    throw item.ctx.error(
      `${item.name}:${value} has non-ASCII characters; write international names in their ASCII (xn--, percent-encoded) form.`,
    );
  }
  return Buffer.from(value, 'latin1');
}

function directoryName(sectionName: string, item: ListItem): Buffer {
  const section = item.ctx.conf.section(sectionName);
  if (!section)
    throw item.ctx.error(
      `dirName:${sectionName} names a section that does not exist; add [ ${sectionName} ] with the DN.`,
    );
  try {
    return buildName(subjectFromValuesSection(section));
  } catch (err) {
    if (isMtlsError(err))
      throw item.ctx.error(`dirName:${sectionName}: ${err.message.replace(/^./, (c) => c.toLowerCase())}`);
    throw err;
  }
}

export function encodeGeneralNames(items: ListItem[], inConstraint = false): Buffer[] {
  return items.map((item) => encodeGeneralName(item, inConstraint));
}
