/**
 * GeneralName values as OpenSSL's conf writes them (DNS:, IP:, email:, URI:, RID:, dirName:) and their
 * DER, shared by subjectAltName, issuerAltName, crlDistributionPoints, authorityInfoAccess and nameConstraints.
 */
import { isIP } from 'node:net';
import { derExplicit, derImplicit, derOid, derTlv } from '../../pki/der.js';
import { buildName } from '../../pki/name.js';
import { subjectFromValuesSection } from './dn-section.js';
import type { TranslateContext } from './types.js';

export type GeneralNameKind = 'DNS' | 'IP' | 'email' | 'URI' | 'RID' | 'dirName';

const TAG: Record<GeneralNameKind, number> = { email: 1, DNS: 2, dirName: 4, URI: 6, IP: 7, RID: 8 };

export function ipToBytes(text: string, withMask = false): Buffer | undefined {
  if (withMask) {
    const [addr, mask] = text.split('/');
    if (!addr || !mask) return undefined;
    const a = ipToBytes(addr);
    if (!a) return undefined;
    let m: Buffer | undefined;
    if (/^\d+$/.test(mask)) m = prefixMask(Number(mask), a.length);
    else m = ipToBytes(mask);
    if (!m || m.length !== a.length) return undefined;
    return Buffer.concat([a, m]);
  }
  const family = isIP(text);
  if (family === 4) return Buffer.from(text.split('.').map(Number));
  if (family === 6) return ipv6Bytes(text);
  return undefined;
}

function prefixMask(bits: number, length: number): Buffer | undefined {
  if (bits > length * 8) return undefined;
  const out = Buffer.alloc(length);
  for (let i = 0; i < bits; i++) out[Math.floor(i / 8)]! |= 0x80 >> (i % 8);
  return out;
}

function ipv6Bytes(text: string): Buffer {
  let head = text;
  let v4tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4tail = text.slice(lastColon + 1).split('.').map(Number);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const parse = (s: string | undefined) => (s ? s.split(':').filter((p) => p !== '').map((h) => parseInt(h, 16)) : []);
  const l = parse(left);
  const r = parse(right);
  const groups = right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill(0), ...r];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  if (v4tail.length === 4) v4tail.forEach((b, i) => (out[12 + i] = b));
  return out;
}

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
      const bytes = ipToBytes(value, inConstraint);
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
