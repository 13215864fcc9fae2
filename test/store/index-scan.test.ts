import { describe, it, expect } from 'vitest';
import { formatIndexTime } from '../../src/store/index-file.js';
import { scanIndex } from '../../src/store/index-scan.js';

const DAY = 86_400_000;
const now = new Date('2026-12-01T12:00:00Z');
const at = (days: number) => formatIndexTime(new Date(now.getTime() + days * DAY));
const line = (status: string, expiry: string, serial: string, name: string, revoked = '') =>
  [status, expiry, revoked, serial, name, `/CN=${name}`].join('\t');
const scan = (lines: string[], warn = 30) =>
  scanIndex(
    Buffer.from(lines.join('\n') + '\n'),
    now,
    new Date(now.getTime() - warn * DAY),
    new Date(now.getTime() + warn * DAY),
  );

describe('scanIndex (status over index.txt bytes)', () => {
  it('reports valid records expiring within the window, and those expired within it, but not revoked or far ones', () => {
    const r = scan([
      line('V', at(10), '0A', 'soon'),
      line('V', at(40), '0B', 'later'),
      line('R', at(5), '0C', 'revoked', '261101000000Z,keyCompromise'),
      line('V', at(-3), '0D', 'justexpired'),
      line('V', at(-300), '0E', 'longgone'),
      line('E', at(2), '0F', 'markedexpired'),
    ]);
    expect(r.expiring.map((c) => c.name)).toEqual(['soon', 'justexpired']);
    expect(r.expiring[0]).toMatchObject({ serialHex: '0A', subject: '/CN=soon' });
    expect(r.expiring[0]!.notAfter.toISOString()).toBe(new Date(now.getTime() + 10 * DAY).toISOString());
    expect(r.valid).toBe(2);
    expect(r.revoked).toBe(1);
  });

  it('orders 13-digit (before 2050) and 15-digit (from 2050) times by the time they name', () => {
    const far = scanIndex(
      Buffer.from(
        [
          line('V', '491231235959Z', '01', 'a'),
          line('V', '20500101000000Z', '02', 'b'),
          line('V', '501231000000Z', '03', 'c'),
        ].join('\n'),
      ),
      new Date('2049-12-01T00:00:00Z'),
      new Date('2049-12-01T00:00:00Z'),
      new Date('2050-01-15T00:00:00Z'),
    );
    // 501231000000Z is 1950 (RFC 5280: YY >= 50 is 19YY): long expired, not in the window.
    expect(far.expiring.map((c) => c.name)).toEqual(['a', 'b']);
    expect(far.valid).toBe(2);
  });

  it('skips a record whose NAME has a later record (a renewal), with few and with many candidates', () => {
    const few = scan([
      line('V', at(5), '01', 'api'),
      line('V', at(5), '02', 'erp'),
      line('V', at(365), '03', 'api'),
      line('V', at(5), '04', 'unknown'),
    ]);
    expect(few.expiring.map((c) => c.serialHex)).toEqual(['02', '04']);
    expect(few.expiring[1]!.name).toBe('');
    // A name that only appears in another column (a serial, a subject) is no later record of it.
    const lookalike = scan([line('V', at(5), '01', 'AB'), ['V', at(365), '', 'AB', 'other', '/CN=AB'].join('\t')]);
    expect(lookalike.expiring.map((c) => c.name)).toEqual(['AB']);
    const many: string[] = [];
    for (let i = 0; i < 200; i++) many.push(line('V', at(3), (0x100 + i).toString(16), `n${i}`));
    many.push(line('V', at(365), 'FFFF', 'n7'));
    const r = scan(many);
    expect(r.expiring).toHaveLength(199);
    expect(r.expiring.some((c) => c.name === 'n7')).toBe(false);
  });

  it('reads CRLF lines and ignores damaged ones', () => {
    const r = scanIndex(
      Buffer.from(`${line('V', at(2), '01', 'crlf')}\r\nV\tgarbage\n\nV\n`),
      now,
      new Date(now.getTime() - DAY),
      new Date(now.getTime() + 30 * DAY),
    );
    expect(r.expiring.map((c) => [c.name, c.subject])).toEqual([['crlf', '/CN=crlf']]);
  });
});
