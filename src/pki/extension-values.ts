/**
 * The values of the extensions whose meaning mtlskit decides (basicConstraints, keyUsage,
 * extendedKeyUsage, subjectAltName, crlDistributionPoints), encoded and read in DER.
 */
import {
  children,
  content,
  decodeOid,
  derBoolean,
  derNamedBits,
  derOid,
  derSequence,
  derSmallInteger,
  derTlv,
  readTlv,
  slice,
} from './der.js';
import { ipAddressBytes } from './ip-address.js';
import { nameDerToText } from './name-text.js';
import { rawExtension, type CertExtension } from './raw-extension.js';

/** keyUsage bits as a mask: bit n of the BIT STRING is 1 << n (digitalSignature = 1 ... decipherOnly = 256). */
export const KEY_USAGE = {
  digitalSignature: 1 << 0,
  nonRepudiation: 1 << 1,
  keyEncipherment: 1 << 2,
  dataEncipherment: 1 << 3,
  keyAgreement: 1 << 4,
  keyCertSign: 1 << 5,
  cRLSign: 1 << 6,
  encipherOnly: 1 << 7,
  decipherOnly: 1 << 8,
} as const;

export const EKU = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' } as const;

const bytesOf = (ext: CertExtension): Buffer => Buffer.from(ext.value);

/** A small INTEGER's content octets as a number (pathLenConstraint, SkipCerts). */
export function unsignedInt(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) n = n * 256 + b;
  return n;
}

/**
 * A named-bit BIT STRING's content (unused-bits octet first) as a mask with bit n = 1 << n, for bits 0 to 8:
 * keyUsage (digitalSignature = 1 ... decipherOnly = 256) and ReasonFlags (keyCompromise = 2 ... aACompromise = 256).
 */
export function bitStringMask(bits: Uint8Array): number {
  let mask = 0;
  for (let n = 0; n <= 8; n++) {
    const byte = bits[1 + (n >> 3)];
    if (byte !== undefined && byte & (0x80 >> (n & 7))) mask |= 1 << n;
  }
  return mask;
}

export function basicConstraintsExtension(
  ca: boolean,
  pathLength: number | undefined,
  critical: boolean,
): CertExtension {
  const parts = [
    ...(ca ? [derBoolean(true)] : []),
    ...(ca && pathLength !== undefined ? [derSmallInteger(pathLength)] : []),
  ];
  return rawExtension('2.5.29.19', critical, derSequence(...parts));
}

export function readBasicConstraints(ext: CertExtension): { ca: boolean; pathLength?: number } {
  const value = bytesOf(ext);
  const result: { ca: boolean; pathLength?: number } = { ca: false };
  for (const part of children(value, readTlv(value, 0))) {
    if (part.tag === 0x01) result.ca = content(value, part)[0] !== 0;
    if (part.tag === 0x02) result.pathLength = unsignedInt(content(value, part));
  }
  return result;
}

export function keyUsageExtension(mask: number, critical: boolean): CertExtension {
  const bits: number[] = [];
  for (let n = 0; n <= 8; n++) if (mask & (1 << n)) bits.push(n);
  return rawExtension('2.5.29.15', critical, derNamedBits(bits));
}

export function readKeyUsage(ext: CertExtension): number {
  const value = bytesOf(ext);
  return bitStringMask(content(value, readTlv(value, 0)));
}

export function extendedKeyUsageExtension(oids: string[], critical: boolean): CertExtension {
  return rawExtension('2.5.29.37', critical, derSequence(...oids.map(derOid)));
}

export function readExtendedKeyUsage(ext: CertExtension): string[] {
  const value = bytesOf(ext);
  return children(value, readTlv(value, 0)).map((t) => {
    if (t.tag !== 0x06) throw new Error('extendedKeyUsage holds something that is not an OID');
    return decodeOid(content(value, t));
  });
}

/** One distribution point with one URI, as `crlDistributionPoints = URI:...` writes it. */
export function crlDistributionPointsExtension(uri: string): CertExtension {
  const fullName = derTlv(0xa0, derTlv(0xa0, derTlv(0x86, Buffer.from(uri, 'latin1'))));
  return rawExtension('2.5.29.31', false, derSequence(derSequence(fullName)));
}

/** A GeneralName of a subjectAltName: its DER, and for the four everyday kinds a comparable value. */
export interface SanEntry {
  der: Buffer;
  kind?: 'dns' | 'ip' | 'email' | 'uri';
  /** Lower-case text for dns/email/uri; the address bytes in hex for ip. */
  key?: string;
}

const KIND_BY_TAG: Record<number, SanEntry['kind']> = { 0x81: 'email', 0x82: 'dns', 0x86: 'uri', 0x87: 'ip' };

export function readSubjectAltName(ext: CertExtension): SanEntry[] {
  const value = bytesOf(ext);
  return children(value, readTlv(value, 0)).map((gn) => {
    const kind = KIND_BY_TAG[gn.tag];
    const body = content(value, gn);
    return {
      der: Buffer.from(slice(value, gn)),
      kind,
      key: kind === 'ip' ? body.toString('hex') : kind ? body.toString('latin1').toLowerCase() : undefined,
    };
  });
}

export function sanEntry(kind: NonNullable<SanEntry['kind']>, text: string): SanEntry {
  if (kind === 'ip') {
    const bytes = ipAddressBytes(text);
    if (!bytes) throw new Error(`'${text}' is not an IP address`);
    return { der: derTlv(0x87, bytes), kind, key: bytes.toString('hex') };
  }
  const tag = { dns: 0x82, email: 0x81, uri: 0x86 }[kind];
  return { der: derTlv(tag, Buffer.from(text, 'latin1')), kind, key: text.toLowerCase() };
}

export function subjectAltNameExtension(entries: SanEntry[], critical: boolean): CertExtension {
  return rawExtension('2.5.29.17', critical, derSequence(...entries.map((e) => e.der)));
}

/** subjectAltName entries in OpenSSL's conf spelling: DNS:x, IP:y, email:z, URI:u, dirName:..., RID:... */
export function subjectAltNameStrings(ext: CertExtension | undefined): string[] {
  if (!ext) return [];
  const value = bytesOf(ext);
  return children(value, readTlv(value, 0)).map((gn) => {
    const body = content(value, gn);
    switch (gn.tag) {
      case 0x81:
        return `email:${body.toString('latin1')}`;
      case 0x82:
        return `DNS:${body.toString('latin1')}`;
      case 0x86:
        return `URI:${body.toString('latin1')}`;
      case 0x87:
        return `IP:${ipText(body)}`;
      case 0x88:
        return `RID:${decodeOid(body)}`;
      case 0xa4:
        return `dirName:${nameDerToText(slice(value, readTlv(value, gn.start)))}`;
      case 0xa0:
        return `othername:${decodeOid(content(value, readTlv(value, gn.start)))}`;
      default:
        return `[${gn.tag & 0x1f}]:${body.toString('hex')}`;
    }
  });
}

/** IPv4 dotted; IPv6 in the RFC 5952 short form (the longest run of two or more zero groups as ::). */
export function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return Buffer.from(bytes).toString('hex');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`;
}
