/**
 * A quick look through index.txt for `status`: which certificates are valid and expire soon, read from the
 * bytes' columns without decoding the file or building anything per line. Expiry times are compared as bytes
 * (YYYYMMDDHHMMSSZ orders like the time it names), so a 100,000-line index costs a pass of native byte
 * searches, and text and Dates are made only for the lines reported.
 */
import { formatIndexTime, parseIndexTime } from './index-file.js';

export interface ScannedCertificate {
  name: string;
  serialHex: string;
  subject: string;
  notAfter: Date;
}

export interface IndexScan {
  /** Valid (V) records, the latest of their name, expiring in (from, until]. */
  expiring: ScannedCertificate[];
  /** V records not expired at `now` (older records of a renewed name included). */
  valid: number;
  revoked: number;
}

const TAB = 9;
const NEWLINE = 10;

/** An index time as the 15 bytes of YYYYMMDDHHMMSSZ. */
function fullTimeBytes(date: Date): Buffer {
  const text = formatIndexTime(date);
  return Buffer.from(text.length === 13 ? (text < '5' ? '20' : '19') + text : text, 'latin1');
}

/**
 * Compares the index time in buf[at, at + length) with a 15-byte time: negative, zero or positive. A 13-byte
 * YYMMDDHHMMSSZ gets its century (20 below YY=50, else 19) as RFC 5280 reads it.
 */
function compareTime(buf: Buffer, at: number, length: number, than: Buffer): number {
  let i = 0;
  if (length === 13) {
    const century = buf[at]! < 53 /* '5' */ ? 50 /* '2' */ : 49; /* '1' */
    if (century !== than[0]) return century - than[0]!;
    const nine = century === 50 ? 48 /* '0' */ : 57; /* '9' */
    if (nine !== than[1]) return nine - than[1]!;
    i = 2;
  } else if (length !== 15) return -1; // damaged: never reported
  for (let j = 0; i < 15; i++, j++) {
    const d = buf[at + j]! - than[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

interface Candidate {
  start: number;
  end: number;
  t2: number;
}

/**
 * Lines whose status is V, whose expiry is in (from, until], and which are the last line of their NAME (a renewed
 * certificate's older record is not reported); `now` decides what counts as valid.
 */
export function scanIndex(buf: Buffer, now: Date, from: Date, until: Date): IndexScan {
  const nowBytes = fullTimeBytes(now);
  const fromBytes = fullTimeBytes(from);
  const untilBytes = fullTimeBytes(until);
  const candidates: Candidate[] = [];
  let valid = 0;
  let revoked = 0;
  for (let start = 0; start < buf.length;) {
    let end = buf.indexOf(NEWLINE, start);
    if (end < 0) end = buf.length;
    const status = buf[start];
    if (status === 82 /* R */) revoked++;
    else if (status === 86 /* V */ && buf[start + 1] === TAB) {
      const t2 = buf.indexOf(TAB, start + 2);
      if (t2 > 0 && t2 < end) {
        const length = t2 - start - 2;
        if (compareTime(buf, start + 2, length, nowBytes) > 0) valid++;
        if (compareTime(buf, start + 2, length, fromBytes) > 0 && compareTime(buf, start + 2, length, untilBytes) <= 0)
          candidates.push({ start, end, t2 });
      }
    }
    start = end + 1;
  }
  const later = laterRecordOfName(buf, candidates);
  const expiring: ScannedCertificate[] = [];
  for (const c of candidates) {
    const fields = buf.toString('utf8', c.start, c.end).replace(/\r$/, '').split('\t');
    if (fields.length < 6) continue;
    const name = fields[4]!;
    if (later(c, name)) continue;
    let notAfter: Date;
    try {
      notAfter = parseIndexTime(fields[1]!);
    } catch {
      continue;
    }
    expiring.push({
      name: name === 'unknown' ? '' : name,
      serialHex: fields[3]!.toUpperCase(),
      subject: fields.slice(5).join('\t'),
      notAfter,
    });
  }
  return { expiring, valid, revoked };
}

/**
 * Whether a later line records the same NAME (then the candidate was renewed). For a few candidates the bytes
 * after each are searched for "\tNAME\t" in the name column; for many, the names of all lines are read once.
 */
function laterRecordOfName(buf: Buffer, candidates: Candidate[]): (c: Candidate, name: string) => boolean {
  const named = (name: string) => name !== '' && name !== 'unknown';
  if (candidates.length <= 64) {
    return (c, name) => {
      if (!named(name)) return false;
      const needle = Buffer.from(`\t${name}\t`, 'utf8');
      for (let at = buf.indexOf(needle, c.end); at >= 0; at = buf.indexOf(needle, at + 1)) {
        const lineStart = buf.lastIndexOf(NEWLINE, at) + 1;
        let tabs = 0;
        for (let p = lineStart; p <= at; p++) if (buf[p] === TAB) tabs++;
        if (tabs === 4) return true; // the tab before the name is the line's fourth
      }
      return false;
    };
  }
  const lastStart = new Map<string, number>();
  for (let start = 0; start < buf.length;) {
    let end = buf.indexOf(NEWLINE, start);
    if (end < 0) end = buf.length;
    let p = start;
    for (let tabs = 0; tabs < 4 && p >= 0 && p < end; tabs++) p = buf.indexOf(TAB, p) + 1;
    const nameEnd = p > 0 ? buf.indexOf(TAB, p) : -1;
    if (p > 0 && nameEnd > p && nameEnd < end) lastStart.set(buf.toString('utf8', p, nameEnd), start);
    start = end + 1;
  }
  return (c, name) => named(name) && lastStart.get(name) !== c.start;
}
