import { describe, it, expect } from 'vitest';
import {
  formatIndexLine,
  formatIndexTime,
  parseIndexText,
  parseIndexTime,
  type IndexEntry,
} from '../../src/store/index-file.js';

describe('index.txt (OpenSSL ca format)', () => {
  it('formats times as OpenSSL does: UTCTime before 2050, GeneralizedTime from 2050', () => {
    expect(formatIndexTime(new Date('2049-12-31T23:59:59Z'))).toBe('491231235959Z');
    expect(formatIndexTime(new Date('2050-01-01T00:00:00Z'))).toBe('20500101000000Z');
    expect(parseIndexTime('491231235959Z').toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(parseIndexTime('500101000000Z').toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(parseIndexTime('20500101000000Z').toISOString()).toBe('2050-01-01T00:00:00.000Z');
    expect(() => parseIndexTime('2601X1000000Z')).toThrow();
  });

  it('round-trips valid and revoked entries', () => {
    const entries: IndexEntry[] = [
      {
        status: 'V',
        notAfter: new Date('2027-11-24T10:00:00Z'),
        serialHex: '0A1B',
        name: 'client',
        subject: '/O=Acme/CN=client',
      },
      {
        status: 'R',
        notAfter: new Date('2027-11-24T10:00:00Z'),
        revokedAt: new Date('2026-11-24T10:00:00Z'),
        reason: 'keyCompromise',
        serialHex: 'FF01',
        name: 'old',
        subject: '/O=Acme/CN=old',
      },
    ];
    const text = entries.map((e) => formatIndexLine(e) + '\n').join('');
    expect(text).toBe(
      'V\t271124100000Z\t\t0A1B\tclient\t/O=Acme/CN=client\nR\t271124100000Z\t261124100000Z,keyCompromise\tFF01\told\t/O=Acme/CN=old\n',
    );
    expect(parseIndexText(text, 'index.txt')).toEqual(entries);
  });

  it('names the damaged line', () => {
    expect(() => parseIndexText('V\t271124100000Z\t\t0A\tx\t/CN=x\nQ\tbroken\n', 'pki/index.txt')).toThrowError(
      /^pki\/index\.txt:2: the CA index line is damaged/,
    );
  });
});
