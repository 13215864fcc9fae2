/** IP addresses as X.509 stores them (iPAddress: 4 or 16 bytes; in name constraints, address + mask). */

const IPV4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => IPV4_PART.test(p));
}

function isIpv6(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (half: string): string[] | undefined => (half === '' ? [] : half.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const all = [...left!, ...right!];
  let count = all.length;
  // A dotted IPv4 address may end the text, standing for the last two groups.
  const tail = halves.length === 2 ? right! : left!;
  const last = tail[tail.length - 1];
  if (last !== undefined && last.includes('.') && isIpv4(last)) {
    all.pop();
    count += 1;
  }
  if (!all.every((g) => IPV6_GROUP.test(g))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/**
 * 4 or 6 for an IPv4 or IPv6 address, else 0 — node:net's isIP without zone IDs. Written out because
 * node:net's first isIP call compiles a very large regular expression (several ms per command).
 */
export function isIP(text: string): 0 | 4 | 6 {
  if (isIpv4(text)) return 4;
  if (text.includes(':') && isIpv6(text)) return 6;
  return 0;
}

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
    v4tail = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const parse = (s: string | undefined) =>
    s
      ? s
          .split(':')
          .filter((p) => p !== '')
          .map((h) => parseInt(h, 16))
      : [];
  const l = parse(left);
  const r = parse(right);
  const groups = right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill(0), ...r];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  if (v4tail.length === 4) v4tail.forEach((b, i) => (out[12 + i] = b));
  return out;
}
