/**
 * The CA's certificate database, in OpenSSL's `index.txt` format so that `openssl ca` can read it:
 * one line per certificate, tab separated: status (V valid, R revoked, E expired), expiry,
 * revocation date[,reason], serial (upper-case hex), file name (mtlskit keeps the NAME here), subject.
 */
import { badInput } from '../errors.js';
import { IntList } from '../pki/int-list.js';

export type IndexStatus = 'V' | 'R' | 'E';

export interface IndexEntry {
  status: IndexStatus;
  notAfter: Date;
  revokedAt?: Date;
  reason?: string;
  /** Upper-case hex, even length, as OpenSSL writes it. */
  serialHex: string;
  name: string;
  /** OpenSSL one-line form: /O=Acme/CN=client */
  subject: string;
}

/** YYMMDDHHMMSSZ before 2050, YYYYMMDDHHMMSSZ from 2050 (RFC 5280 time rules, as OpenSSL writes). */
export function formatIndexTime(date: Date): string {
  const iso = date.toISOString(); // 2026-11-24T15:08:26.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  return (year < 2050 ? digits.slice(2) : digits) + 'Z';
}

const timeCache = new Map<string, Date>();

/** Parses YYMMDDHHMMSSZ / YYYYMMDDHHMMSSZ; a 100,000-line index repeats dates, so results are cached. */
export function parseIndexTime(text: string): Date {
  const cached = timeCache.get(text);
  if (cached) return cached;
  const long = text.length === 15;
  if ((text.length !== 13 && !long) || text.charCodeAt(text.length - 1) !== 90 /* Z */)
    throw new Error(`bad time '${text}'`);
  const num = (at: number, len: number) => {
    let v = 0;
    for (let i = at; i < at + len; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) throw new Error(`bad time '${text}'`);
      v = v * 10 + c;
    }
    return v;
  };
  let year = long ? num(0, 4) : num(0, 2);
  if (!long) year += year < 50 ? 2000 : 1900;
  const o = long ? 4 : 2;
  const date = new Date(Date.UTC(year, num(o, 2) - 1, num(o + 2, 2), num(o + 4, 2), num(o + 6, 2), num(o + 8, 2)));
  if (timeCache.size < 10_000) timeCache.set(text, date);
  return date;
}

export function formatIndexLine(e: IndexEntry): string {
  let revoked = '';
  if (e.status === 'R' && e.revokedAt) {
    revoked = formatIndexTime(e.revokedAt) + (e.reason ? `,${e.reason}` : '');
  }
  return [e.status, formatIndexTime(e.notAfter), revoked, e.serialHex, e.name || 'unknown', e.subject].join('\t');
}

/** One index line (without its line break); throws an Error saying what is wrong with it. */
export function parseIndexLine(line: string): IndexEntry {
  const f = line.split('\t');
  if (f.length < 6 || !['V', 'R', 'E'].includes(f[0]!)) throw new Error('expected 6 tab-separated fields');
  if (!/^[0-9A-Fa-f]+$/.test(f[3]!)) throw new Error(`bad serial '${f[3]}'`);
  const entry: IndexEntry = {
    status: f[0] as IndexStatus,
    notAfter: parseIndexTime(f[1]!),
    serialHex: f[3]!.toUpperCase(),
    name: f[4] === 'unknown' ? '' : f[4]!,
    subject: f.slice(5).join('\t'),
  };
  if (f[2]) {
    const [when, reason] = f[2].split(',');
    entry.revokedAt = parseIndexTime(when!);
    if (reason) entry.reason = reason;
  }
  return entry;
}

export function parseIndexText(text: string, describe: string): IndexEntry[] {
  const entries: IndexEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0) continue;
    try {
      entries.push(parseIndexLine(line));
    } catch (err) {
      throw badInput(
        `${describe}:${i + 1}: the CA index line is damaged (${(err as Error).message}); restore it from a backup or fix the line by hand.`,
      );
    }
  }
  return entries;
}

export interface Revocation {
  serialHex: string;
  revokedAt: Date;
  reason?: string;
}

/**
 * The revoked entries of an index, column by column: a serial string each, and Dates and reason strings shared
 * by the lines revoked together. createCrl takes the columns as they are; iterating makes each entry's object
 * as it goes. Either way a 100,000-line index does not keep 100,000 objects alive (the garbage collector
 * would copy every one of them, several times).
 */
export class RevocationList implements Iterable<Revocation> {
  constructor(
    readonly serials: string[] = [],
    readonly dates: Date[] = [],
    readonly reasons: (string | undefined)[] = [],
  ) {}

  get length(): number {
    return this.serials.length;
  }

  *[Symbol.iterator](): Iterator<Revocation> {
    for (let i = 0; i < this.serials.length; i++)
      yield { serialHex: this.serials[i]!, revokedAt: this.dates[i]!, reason: this.reasons[i] };
  }
}

/** table[indexes[i]] for every i (undefined where negative), in an array filled at once rather than pushed entry by entry. */
function expand<T>(table: T[], indexes: IntList): (T | undefined)[] {
  const out = new Array<T | undefined>(indexes.length);
  for (let i = 0; i < indexes.length; i++) out[i] = indexes.at(i) < 0 ? undefined : table[indexes.at(i)];
  return out;
}

// The byte loops below are small functions of their own: V8 then optimizes them with full type feedback after a few
// calls, where one big loop would be compiled on the spot (OSR) during its first lines, deoptimize on the next
// branch it had not seen yet, and run the rest of a 100,000-line index unoptimized.

/** The offset of the first `byte` in [from, to), or `to`. */
function indexOfByte(buf: Buffer, byte: number, from: number, to: number): number {
  let p = from;
  while (p < to && buf[p] !== byte) p++;
  return p;
}

/** Copies bytes [start, end) of `from` to `to` at `p` (a few bytes: no native call); returns the offset past them. */
function copyBytes(from: Buffer, start: number, end: number, to: Buffer, p: number): number {
  for (let q = start; q < end; q++) to[p++] = from[q]!;
  return p;
}

/** True when bytes [a, a + length) and [b, b + length) of `buf` are equal. */
function sameBytes(buf: Buffer, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

/**
 * The serial fields at `at` (start, end pairs), decoded and upper-cased in one go: joined with line
 * breaks, decoded, upper-cased and split, rather than three calls for each of 100,000 serials.
 */
function serialTexts(buf: Buffer, at: IntList): string[] {
  if (at.length === 0) return [];
  let size = at.length / 2 - 1;
  for (let i = 0; i < at.length; i += 2) size += at.at(i + 1) - at.at(i);
  const joined = Buffer.allocUnsafe(size);
  let p = copyBytes(buf, at.at(0), at.at(1), joined, 0);
  for (let i = 2; i < at.length; i += 2) {
    joined[p] = 10;
    p = copyBytes(buf, at.at(i), at.at(i + 1), joined, p + 1);
  }
  return joined.toString('utf8').toUpperCase().split('\n');
}

/**
 * Only the revoked entries, for a CRL: reads the first four fields of `R` lines from the bytes and skips
 * the rest, so a 100,000-line index costs one pass and no decoding of the whole file. Fields are decoded
 * as UTF-8 on their own (the delimiters are ASCII, so this is what decoding the whole text would give).
 */
export function readRevocations(data: Buffer | string, describe: string): RevocationList {
  const reader = new RevocationReader(typeof data === 'string' ? Buffer.from(data, 'utf8') : data, describe);
  for (let pos = 0; pos < reader.buf.length;) pos = reader.line(pos);
  return new RevocationList(
    serialTexts(reader.buf, reader.serialAt),
    expand(reader.whens, reader.whenOf) as Date[],
    expand(reader.reasons, reader.reasonOf),
  );
}

/**
 * readRevocations one line at a time: a method V8 optimizes after a few calls (a loop holding all of it would
 * wait for a long on-stack compile, running much of a big index unoptimized meanwhile). Lines revoked together
 * share their time and reason: a repeat of the previous line's bytes reuses its Date and string. Per line only
 * integers are stored (Int32Array columns), which costs the garbage collector nothing.
 */
class RevocationReader {
  readonly serialAt = new IntList();
  readonly whens: Date[] = [];
  readonly whenOf = new IntList();
  readonly reasons: string[] = [];
  readonly reasonOf = new IntList();
  private lineNumber = 0;
  private whenAt = -1; // where the previous time text starts, and its length
  private whenLength = 0;
  private reasonAt = -1;
  private reasonLength = 0;

  constructor(
    readonly buf: Buffer,
    private readonly describe: string,
  ) {}

  /** Reads the line at `pos`; returns where the next one starts. */
  line(pos: number): number {
    const buf = this.buf;
    const end = indexOfByte(buf, 10, pos, buf.length);
    this.lineNumber++;
    if (buf[pos] !== 82 /* R */) return end + 1;
    const t1 = indexOfByte(buf, 9, pos, end);
    const t2 = indexOfByte(buf, 9, t1 + 1, end);
    const t3 = indexOfByte(buf, 9, t2 + 1, end);
    const t4 = indexOfByte(buf, 9, t3 + 1, end);
    if (t1 !== pos + 1 || t4 >= end) this.damaged('expected 6 tab-separated fields');
    const comma = indexOfByte(buf, 44 /* , */, t2 + 1, t3);
    if (
      this.whens.length === 0 ||
      comma - t2 - 1 !== this.whenLength ||
      !sameBytes(buf, this.whenAt, t2 + 1, this.whenLength)
    ) {
      this.whenAt = t2 + 1;
      this.whenLength = comma - t2 - 1;
      try {
        this.whens.push(parseIndexTime(buf.toString('utf8', t2 + 1, comma)));
      } catch (err) {
        this.damaged((err as Error).message);
      }
    }
    if (
      comma < t3 &&
      (this.reasonAt < 0 ||
        t3 - comma - 1 !== this.reasonLength ||
        !sameBytes(buf, this.reasonAt, comma + 1, this.reasonLength))
    ) {
      this.reasonAt = comma + 1;
      this.reasonLength = t3 - comma - 1;
      this.reasons.push(buf.toString('utf8', comma + 1, t3));
    }
    this.serialAt.push(t3 + 1);
    this.serialAt.push(t4);
    this.whenOf.push(this.whens.length - 1);
    this.reasonOf.push(comma < t3 ? this.reasons.length - 1 : -1);
    return end + 1;
  }

  private damaged(why: string): never {
    throw badInput(
      `${this.describe}:${this.lineNumber}: the CA index line is damaged (${why}); restore it from a backup or fix the line by hand.`,
    );
  }
}
