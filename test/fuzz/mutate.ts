/**
 * A small deterministic mutation engine: a seeded PRNG and mutators for binary (DER, BER, PKCS#12) and text
 * (PEM armour, conf, CSV/JSON, index.txt, password sources) inputs. Same seed, same cases.
 */

/** mulberry32: tiny, fast, good enough to pick mutations reproducibly. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x88, 0xfe, 0xff, 0x30, 0x31, 0xa0];
/** Tags whose next byte is a length worth corrupting. */
const DER_TAGS = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1e, 0x30, 0x31]);

export type Mutator = (input: Buffer, rng: Rng, donors: readonly Buffer[]) => Buffer;

const flipBits: Mutator = (b, rng) => {
  if (b.length === 0) return b;
  const out = Buffer.from(b);
  for (let n = 1 + rng.int(4); n > 0; n--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
  return out;
};

const setByte: Mutator = (b, rng) => {
  if (b.length === 0) return Buffer.from([rng.pick(INTERESTING_BYTES)]);
  const out = Buffer.from(b);
  out[rng.int(out.length)] = rng.chance(0.7) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
  return out;
};

const truncate: Mutator = (b, rng) => b.subarray(0, rng.int(b.length + 1));

const deleteChunk: Mutator = (b, rng) => {
  if (b.length < 2) return b;
  const at = rng.int(b.length);
  const len = 1 + rng.int(Math.min(64, b.length - at));
  return Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
};

const duplicateChunk: Mutator = (b, rng) => {
  if (b.length === 0) return b;
  const at = rng.int(b.length);
  const len = 1 + rng.int(Math.min(256, b.length - at));
  const chunk = b.subarray(at, at + len);
  const times = rng.chance(0.1) ? 50 : 1 + rng.int(3);
  return Buffer.concat([b.subarray(0, at), ...Array<Buffer>(times).fill(chunk), b.subarray(at)]);
};

/** A chunk of another input of the same kind spliced in (replacing or inserting). */
const splice: Mutator = (b, rng, donors) => {
  const donor = donors.length > 0 ? rng.pick(donors) : b;
  if (donor.length === 0) return b;
  const from = rng.int(donor.length);
  const chunk = donor.subarray(from, from + 1 + rng.int(Math.min(512, donor.length - from)));
  const at = rng.int(b.length + 1);
  const replace = rng.chance(0.5) ? rng.int(Math.min(chunk.length, b.length - at) + 1) : 0;
  return Buffer.concat([b.subarray(0, at), chunk, b.subarray(at + replace)]);
};

/** Finds a plausible tag and rewrites its length: off by one, zero, indefinite, long forms that lie. */
const corruptDerLength: Mutator = (b, rng) => {
  const candidates: number[] = [];
  for (let i = 0; i + 1 < b.length; i++) if (DER_TAGS.has(b[i]!) || (b[i]! & 0xe0) === 0xa0) candidates.push(i);
  if (candidates.length === 0) return flipBits(b, rng, []);
  const at = rng.pick(candidates) + 1;
  const old = b[at]!;
  const replacement: number[] = rng.pick([
    [0x00],
    [0x80],
    [0x7f],
    [0x81, 0xff],
    [0x82, 0xff, 0xff],
    [0x84, 0xff, 0xff, 0xff, 0xff],
    [0x84, 0x7f, 0xff, 0xff, 0xff],
    [0x88, 0, 0, 0, 1, 0, 0, 0, 0],
    [0x89],
    [0x8f],
    [0x81, 0x00],
    [0x82, 0x00, 0x05],
    [(old + 1) & 0xff],
    [(old - 1) & 0xff],
  ]);
  const oldSize = old & 0x80 ? 1 + (old & 0x7f) : 1;
  const end = Math.min(b.length, at + (rng.chance(0.5) ? oldSize : 1));
  return Buffer.concat([b.subarray(0, at), Buffer.from(replacement), b.subarray(end)]);
};

export const BINARY_MUTATORS: Mutator[] = [
  flipBits,
  setByte,
  truncate,
  deleteChunk,
  duplicateChunk,
  splice,
  corruptDerLength,
  corruptDerLength,
  corruptDerLength,
];

// ---- text ----

const TEXT_TOKENS = [
  '"',
  "'",
  '\\',
  '$',
  '${',
  '}',
  '::',
  '$ENV::HOME',
  '${x::y}',
  '@',
  '[',
  ']',
  '[ x ]',
  '=',
  '#',
  ',',
  ';',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '\0',
  '\uFEFF',
  '\u00e9',
  '\ud83d\ude00',
  '-----',
  '-----BEGIN CERTIFICATE-----',
  '-----END CERTIFICATE-----',
  '.include',
  '.pragma dollarid:true',
  '999999999999999999999',
  '-1',
  'NaN',
  '0x',
  '/',
  '//',
  '..',
  '{',
  '[]',
  'null',
  '{}',
  '[{}]',
  ':',
  'pass:',
  'env:',
  'file:',
  'fd:',
];

const insertToken: Mutator = (b, rng) => {
  const s = b.toString('latin1');
  const at = rng.int(s.length + 1);
  const token = Buffer.from(rng.pick(TEXT_TOKENS), 'utf8').toString('latin1');
  return Buffer.from(s.slice(0, at) + token + s.slice(at), 'latin1');
};

function lines(b: Buffer): string[] {
  return b.toString('latin1').split('\n');
}

const deleteLine: Mutator = (b, rng) => {
  const l = lines(b);
  l.splice(rng.int(l.length), 1);
  return Buffer.from(l.join('\n'), 'latin1');
};

const duplicateLine: Mutator = (b, rng) => {
  const l = lines(b);
  const i = rng.int(l.length);
  l.splice(i, 0, ...Array<string>(rng.chance(0.1) ? 200 : 1).fill(l[i]!));
  return Buffer.from(l.join('\n'), 'latin1');
};

const swapLines: Mutator = (b, rng) => {
  const l = lines(b);
  const i = rng.int(l.length);
  const j = rng.int(l.length);
  [l[i], l[j]] = [l[j]!, l[i]!];
  return Buffer.from(l.join('\n'), 'latin1');
};

const longLine: Mutator = (b, rng) => {
  const l = lines(b);
  l.splice(rng.int(l.length + 1), 0, rng.pick(['A', '=', '\\', '$x', ',', '"']).repeat(10_000 + rng.int(50_000)));
  return Buffer.from(l.join('\n'), 'latin1');
};

export const TEXT_MUTATORS: Mutator[] = [
  insertToken,
  insertToken,
  insertToken,
  deleteLine,
  duplicateLine,
  swapLines,
  longLine,
  truncate,
  deleteChunk,
  splice,
  flipBits,
];

// ---- PEM armour: damage the armour itself, or re-armour a mutated body ----

const PEM_BLOCK = /-----BEGIN ([^-\n]*)-----\r?\n([\s\S]*?)-----END \1-----\r?\n?/g;

const armourDamage: Mutator = (b, rng) => {
  let s = b.toString('latin1');
  switch (rng.int(9)) {
    case 0:
      s = s.replace(/-----END [^-\n]*-----\s*$/, ''); // no END line
      break;
    case 1:
      s = s.replace('-----BEGIN ', '----BEGIN '); // a dash short
      break;
    case 2:
      s = s.replace(/-----END ([^-\n]*)-----/, (_m, l: string) => `-----END ${l}X-----`); // labels differ
      break;
    case 3:
      s = s.replace(/\n/g, '\r\n'); // CRLF
      break;
    case 4: {
      const i = s.indexOf('\n', s.indexOf('-----BEGIN') + 1) + 1 + rng.int(40);
      s = s.slice(0, i) + rng.pick(['*', '=', ' ', '\t', '====', '-', '%', '\0', '\u00e9']) + s.slice(i);
      break;
    }
    case 5:
      s = s.replace(/-----BEGIN ([^-\n]*)-----/, (_m, l: string) => `-----BEGIN ${l}-----\nProc-Type: 4,ENCRYPTED\n`);
      break;
    case 6:
      s = `${s}${s}`; // two blocks
      break;
    case 7:
      s = s.replace(/-----BEGIN [^-\n]*-----/, () => `-----BEGIN ${rng.pick(LABELS)}-----`);
      break;
    default:
      s = s.replace(/([A-Za-z0-9+/]{20})\n/, '$1'); // re-wrap
  }
  return Buffer.from(s, 'latin1');
};

const LABELS = [
  'CERTIFICATE',
  'X509 CRL',
  'CERTIFICATE REQUEST',
  'PRIVATE KEY',
  'ENCRYPTED PRIVATE KEY',
  'RSA PRIVATE KEY',
  'EC PRIVATE KEY',
  'PUBLIC KEY',
  'PKCS7',
  'FOO',
  '',
];

/** Mutates the DER inside each PEM block (so mutations reach the DER parser) and re-armours it. */
function mutatePemBodies(b: Buffer, rng: Rng, donors: readonly Buffer[]): Buffer {
  const s = b.toString('latin1');
  let touched = false;
  const out = s.replace(PEM_BLOCK, (whole, label: string, body: string) => {
    if (touched && rng.chance(0.5)) return whole;
    touched = true;
    const headers = /^((?:[A-Za-z-]+:.*\r?\n)+\r?\n)/.exec(body)?.[1] ?? '';
    const der = Buffer.from(body.slice(headers.length).replace(/\s/g, ''), 'base64');
    const mutated = mutateBinary(
      der,
      rng,
      donors.map(pemToDer).filter((d) => d.length > 0),
      1,
    );
    const b64 =
      mutated
        .toString('base64')
        .match(/.{1,64}/g)
        ?.join('\n') ?? '';
    return `-----BEGIN ${label}-----\n${headers}${b64}\n-----END ${label}-----\n`;
  });
  return Buffer.from(out, 'latin1');
}

function pemToDer(b: Buffer): Buffer {
  const m = /-----BEGIN [^-\n]*-----\r?\n([\s\S]*?)-----END/.exec(b.toString('latin1'));
  return m
    ? Buffer.from(m[1]!.replace(/^(?:[A-Za-z-]+:.*\r?\n)+\r?\n/, '').replace(/\s/g, ''), 'base64')
    : Buffer.alloc(0);
}

export function mutateBinary(input: Buffer, rng: Rng, donors: readonly Buffer[], rounds = 1 + rng.int(3)): Buffer {
  let b = input;
  for (let i = 0; i < rounds; i++) b = rng.pick(BINARY_MUTATORS)(b, rng, donors);
  return b;
}

export function mutateText(input: Buffer, rng: Rng, donors: readonly Buffer[], rounds = 1 + rng.int(3)): Buffer {
  let b = input;
  for (let i = 0; i < rounds; i++) b = rng.pick(TEXT_MUTATORS)(b, rng, donors);
  return b;
}

/** PEM input: mostly the DER inside (re-armoured), sometimes the armour, sometimes the text itself. */
export function mutatePem(input: Buffer, rng: Rng, donors: readonly Buffer[]): Buffer {
  const r = rng.next();
  if (r < 0.6) return mutatePemBodies(input, rng, donors);
  if (r < 0.85) return armourDamage(input, rng, donors);
  return mutateText(input, rng, donors);
}

/** Binary input, or PEM when it looks like PEM. */
export function mutateAny(input: Buffer, rng: Rng, donors: readonly Buffer[]): Buffer {
  return input.includes('-----BEGIN ') ? mutatePem(input, rng, donors) : mutateBinary(input, rng, donors);
}
