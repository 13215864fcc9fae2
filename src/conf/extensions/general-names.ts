/**
 * GeneralName values as OpenSSL's conf writes them (DNS:, IP:, email:, URI:, RID:, dirName:) and their
 * DER, shared by subjectAltName, issuerAltName, crlDistributionPoints, authorityInfoAccess and nameConstraints.
 */
import { derExplicit, derImplicit, derOid, derTlv } from '../../pki/der.js';
import { buildName } from '../../pki/name.js';
import { ipAddressBytes, ipSubnetBytes } from '../../pki/ip-address.js';
import { subjectFromValuesSection } from './dn-section.js';
import type { TranslateContext } from './types.js';

export type GeneralNameKind = 'DNS' | 'IP' | 'email' | 'URI' | 'RID' | 'dirName';

const TAG: Record<GeneralNameKind, number> = { email: 1, DNS: 2, dirName: 4, URI: 6, IP: 7, RID: 8 };

/** One `TYPE:value` item to GeneralName DER; `inConstraint` reads IP as address/mask. */
export function encodeGeneralName(item: string, ctx: TranslateContext, inConstraint = false): Buffer {
  const colon = item.indexOf(':');
  if (colon <= 0) throw ctx.error(`'${item}' is not TYPE:value; use DNS:, IP:, email:, URI:, RID: or dirName:.`);
  const rawType = item.slice(0, colon).trim();
  const value = item.slice(colon + 1).trim();
  const kind = normaliseKind(rawType);
  if (!kind) {
    if (/^otherName$/i.test(rawType)) throw ctx.error(`otherName entries are not supported by mtlskit; use DNS:, IP:, email: or URI:.`);
    throw ctx.error(`'${rawType}' is not a name type; use DNS:, IP:, email:, URI:, RID: or dirName:.`);
  }
  if (value === '') throw ctx.error(`${rawType}: has an empty value.`);
  switch (kind) {
    case 'IP': {
      const bytes = inConstraint ? ipSubnetBytes(value) : ipAddressBytes(value);
      if (!bytes) throw ctx.error(`IP:${value} is not ${inConstraint ? 'an address/mask such as 10.0.0.0/255.0.0.0' : 'an IPv4 or IPv6 address'}.`);
      return derTlv(0x80 | TAG.IP, bytes);
    }
    case 'RID':
      if (!/^\d+(\.\d+)+$/.test(value)) throw ctx.error(`RID:${value} is not a dotted OID.`);
      return derImplicit(TAG.RID, derOid(value));
    case 'dirName': {
      const section = ctx.conf.section(value);
      if (!section) throw ctx.error(`dirName:${value} names a section that does not exist; add [ ${value} ] with the DN.`);
      const name = buildName(subjectFromValuesSection(section));
      return derExplicit(TAG.dirName, Buffer.from(name.toArrayBuffer()));
    }
    case 'email':
      if (value === 'copy' || value === 'move') throw ctx.error(`email:${value} is not supported; write the address itself, e.g. email:ops@example.com.`);
      return derTlv(0x80 | TAG.email, Buffer.from(value, 'latin1'));
    default:
      return derTlv(0x80 | TAG[kind], Buffer.from(value, 'latin1'));
  }
}

function normaliseKind(type: string): GeneralNameKind | undefined {
  const t = type.toLowerCase();
  if (t === 'dns') return 'DNS';
  if (t === 'ip') return 'IP';
  if (t === 'email') return 'email';
  if (t === 'uri') return 'URI';
  if (t === 'rid') return 'RID';
  if (t === 'dirname') return 'dirName';
  return undefined;
}

/** A list of names: `DNS:a, IP:b, @section`, where a section holds `DNS.1 = a` style entries. */
export function encodeGeneralNames(items: string[], ctx: TranslateContext): Buffer[] {
  const out: Buffer[] = [];
  for (const item of items) {
    if (item.startsWith('@')) {
      const name = item.slice(1);
      const section = ctx.conf.section(name);
      if (!section) throw ctx.error(`@${name} names a section that does not exist; add [ ${name} ] or fix the name.`);
      for (const e of section) {
        const type = e.key.replace(/\.[^.]*$/, '');
        out.push(encodeGeneralName(`${type}:${e.value}`, ctx.at(e)));
      }
    } else out.push(encodeGeneralName(item, ctx));
  }
  return out;
}
