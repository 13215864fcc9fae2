/**
 * A quick look through index.txt for `status`: which certificates are valid and expire soon, read from the
 * text's columns without building an entry per line. Expiry times are compared as text (YYYYMMDDHHMMSSZ orders
 * like the time it names), so a 100,000-line index costs one pass and a Date only for the lines reported.
 */
import { formatIndexTime, parseIndexTime } from './index-file.js';

export interface ScannedCertificate {
  name: string;
  serialHex: string;
  subject: string;
  notAfter: Date;
}

export interface IndexScan {
  /** Valid (V) records, the latest of their name, expiring between `from` and `until`. */
  expiring: ScannedCertificate[];
  /** Latest valid records of their name, not expired at `now`. */
  valid: number;
  revoked: number;
  lines: number;
}

/** 15-digit form of an index time: YYMMDDHHMMSSZ (before 2050) gains its century. */
function fullTime(text: string): string {
  if (text.length !== 13) return text;
  return (text.charCodeAt(0) < 53 /* '5' */ ? '20' : '19') + text;
}

/**
 * Lines of `text` whose status is V, whose expiry is in (from, until], and which are the last line of their
 * NAME (a renewed certificate's older record is not reported). `now` decides what counts as valid.
 */
export function scanIndex(text: string, now: Date, from: Date, until: Date): IndexScan {
  const nowText = fullTime(formatIndexTime(now));
  const fromText = fullTime(formatIndexTime(from));
  const untilText = fullTime(formatIndexTime(until));
  const lastOfName = new Map<string, number>();
  const candidates: { line: number; start: number; end: number; tabs: number[] }[] = [];
  let valid = 0;
  let revoked = 0;
  let line = 0;
  for (let start = 0; start < text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const t1 = text.indexOf('\t', start);
      const t2 = text.indexOf('\t', t1 + 1);
      const t3 = text.indexOf('\t', t2 + 1);
      const t4 = text.indexOf('\t', t3 + 1);
      const t5 = text.indexOf('\t', t4 + 1);
      if (t1 > 0 && t5 > 0 && t5 < end) {
        const name = text.slice(t4 + 1, t5);
        if (name !== 'unknown' && name !== '') lastOfName.set(name, line);
        const status = text.charCodeAt(start);
        if (status === 82 /* R */) revoked++;
        else if (status === 86 /* V */) {
          const expiry = fullTime(text.slice(t1 + 1, t2));
          if (expiry > nowText) valid++;
          if (expiry > fromText && expiry <= untilText)
            candidates.push({ line, start, end, tabs: [t1, t2, t3, t4, t5] });
        }
      }
    }
    start = end + 1;
  }
  const expiring: ScannedCertificate[] = [];
  for (const c of candidates) {
    const [t1, t2, t3, t4, t5] = c.tabs as [number, number, number, number, number];
    const name = text.slice(t4 + 1, t5);
    const named = name !== 'unknown' && name !== '';
    if (named && lastOfName.get(name) !== c.line) continue;
    let notAfter: Date;
    try {
      notAfter = parseIndexTime(text.slice(t1 + 1, t2));
    } catch {
      continue;
    }
    expiring.push({
      name: named ? name : '',
      serialHex: text.slice(t3 + 1, t4).toUpperCase(),
      subject: text.slice(t5 + 1, c.end).replace(/\r$/, ''),
      notAfter,
    });
  }
  return { expiring, valid, revoked, lines: line };
}
