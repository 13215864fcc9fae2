/** IP addresses as X.509 stores them (iPAddress: 4 or 16 bytes; in name constraints, address + mask). */
import { isIP } from 'node:net';

export function ipAddressBytes(text: string): Buffer | undefined {
  const family = isIP(text);
  if (family === 4) return Buffer.from(text.split('.').map(Number));
  if (family === 6) return ipv6Bytes(text);
  return undefined;
}

/** `10.0.0.0/255.0.0.0` or `10.0.0.0/8` → 8 bytes (16 + 16 for IPv6). */
export function ipSubnetBytes(text: string): Buffer | undefined {
  const [addr, mask] = text.split('/');
  if (!addr || !mask) return undefined;
  const a = ipAddressBytes(addr);
  if (!a) return undefined;
  const m = /^\d+$/.test(mask) ? prefixMask(Number(mask), a.length) : ipAddressBytes(mask);
  if (!m || m.length !== a.length) return undefined;
  return Buffer.concat([a, m]);
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
