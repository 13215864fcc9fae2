/**
 * The CA's certificate database, in OpenSSL's `index.txt` format so that `openssl ca` can read it:
 * one line per certificate, tab separated: status (V valid, R revoked, E expired), expiry,
 * revocation date[,reason], serial (upper-case hex), file name (mtlskit keeps the NAME here), subject.
 */
import { badInput } from '../errors.js';

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
  if ((text.length !== 13 && !long) || text.charCodeAt(text.length - 1) !== 90 /* Z */) throw new Error(`bad time '${text}'`);
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

export function parseIndexText(text: string, describe: string): IndexEntry[] {
  const entries: IndexEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0) continue;
    const f = line.split('\t');
    try {
      if (f.length < 6 || !['V', 'R', 'E'].includes(f[0]!)) throw new Error('expected 6 tab-separated fields');
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
      entries.push(entry);
    } catch (err) {
      throw badInput(`${describe}:${i + 1}: the CA index line is damaged (${(err as Error).message}); restore it from a backup or fix the line by hand.`);
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
 * by the lines revoked together. Iterating makes each entry's object as it goes, so a 100,000-line index does
 * not keep 100,000 objects alive (the garbage collector would copy every one of them, several times).
 */
export class RevocationList implements Iterable<Revocation> {
  readonly serials: string[] = [];
  readonly dates: Date[] = [];
  readonly reasons: (string | undefined)[] = [];

  get length(): number {
    return this.serials.length;
  }

  *[Symbol.iterator](): Iterator<Revocation> {
    for (let i = 0; i < this.serials.length; i++) yield { serialHex: this.serials[i]!, revokedAt: this.dates[i]!, reason: this.reasons[i] };
  }
}

/** True when bytes [a, a + length) and [b, b + length) of `buf` are equal. */
function sameBytes(buf: Buffer, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

/**
 * Only the revoked entries, for a CRL: reads the first four fields of `R` lines from the bytes and skips
 * the rest, so a 100,000-line index costs one pass and no decoding of the whole file. Fields are decoded
 * as UTF-8 one by one (the delimiters are ASCII, so this is what decoding the whole text would give).
 * Lines revoked together share their time and reason: a repeat of the previous line's bytes reuses its Date and string.
 */
export function readRevocations(data: Buffer | string, describe: string): RevocationList {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const out = new RevocationList();
  const tabs = [0, 0, 0, 0];
  let line = 0;
  let whenAt = -1; // where the previous time text starts, and its length
  let whenLength = 0;
  let when: Date | undefined;
  let reasonAt = -1;
  let reasonLength = 0;
  let reason = '';
  for (let pos = 0; pos < buf.length; ) {
    let end = buf.indexOf(10, pos);
    if (end < 0) end = buf.length;
    line++;
    if (buf[pos] === 82 /* R */) {
      let found = 0;
      for (let p = pos; p < end && found < 4; p++) if (buf[p] === 9) tabs[found++] = p;
      const t2 = tabs[1]!;
      const t3 = tabs[2]!;
      const t4 = tabs[3]!;
      if (found < 4 || tabs[0] !== pos + 1) {
        throw badInput(`${describe}:${line}: the CA index line is damaged (expected 6 tab-separated fields); restore it from a backup or fix the line by hand.`);
      }
      let comma = t2 + 1;
      while (comma < t3 && buf[comma] !== 44 /* , */) comma++;
      if (when === undefined || comma - t2 - 1 !== whenLength || !sameBytes(buf, whenAt, t2 + 1, whenLength)) {
        whenAt = t2 + 1;
        whenLength = comma - t2 - 1;
        try {
          when = parseIndexTime(buf.toString('utf8', t2 + 1, comma));
        } catch (err) {
          throw badInput(`${describe}:${line}: the CA index line is damaged (${(err as Error).message}); restore it from a backup or fix the line by hand.`);
        }
      }
      if (comma < t3 && (reasonAt < 0 || t3 - comma - 1 !== reasonLength || !sameBytes(buf, reasonAt, comma + 1, reasonLength))) {
        reasonAt = comma + 1;
        reasonLength = t3 - comma - 1;
        reason = buf.toString('utf8', comma + 1, t3);
      }
      out.serials.push(buf.toString('utf8', t3 + 1, t4).toUpperCase());
      out.dates.push(when);
      out.reasons.push(comma < t3 ? reason : undefined);
    }
    pos = end + 1;
  }
  return out;
}
