import { describe, it, expect } from 'vitest';
import { children, decodeOid, decodeTime, derIntegerFromHex, derLength, derNamedBits, derOid, derSequence, derTime, integerHex, readTlv } from '../../src/pki/der.js';

describe('DER toolkit', () => {
  it('encodes lengths at the short/long form boundaries', () => {
    expect(derLength(127)).toEqual(Buffer.from([0x7f]));
    expect(derLength(128)).toEqual(Buffer.from([0x81, 0x80]));
    expect(derLength(255)).toEqual(Buffer.from([0x81, 0xff]));
    expect(derLength(256)).toEqual(Buffer.from([0x82, 0x01, 0x00]));
    expect(derLength(65536)).toEqual(Buffer.from([0x83, 0x01, 0x00, 0x00]));
    const big = derSequence(Buffer.alloc(70000, 5));
    const t = readTlv(big, 0);
    expect(t.end - t.start).toBe(70000);
  });

  it('keeps INTEGERs positive and minimal', () => {
    expect(derIntegerFromHex('80')).toEqual(Buffer.from([0x02, 0x02, 0x00, 0x80]));
    expect(derIntegerFromHex('0001')).toEqual(Buffer.from([0x02, 0x01, 0x01]));
    expect(derIntegerFromHex('7F')).toEqual(Buffer.from([0x02, 0x01, 0x7f]));
    expect(integerHex(Buffer.from([0x00, 0x80, 0x01]))).toBe('8001');
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050, and reads both', () => {
    const utc = derTime(new Date('2049-12-31T23:59:59Z'));
    const gen = derTime(new Date('2050-01-01T00:00:00Z'));
    expect(utc[0]).toBe(0x17);
    expect(gen[0]).toBe(0x18);
    expect(decodeTime(utc, readTlv(utc, 0)).toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(decodeTime(gen, readTlv(gen, 0)).toISOString()).toBe('2050-01-01T00:00:00.000Z');
  });

  it('encodes and decodes OIDs, including large arcs', () => {
    for (const oid of ['1.2.840.113549.1.1.11', '2.5.29.37.0', '1.3.6.1.4.1.311.10.3.12', '2.999.1']) {
      const der = derOid(oid);
      expect(decodeOid(der.subarray(2))).toBe(oid);
    }
    const seq = derSequence(derOid('1.2.3'), derOid('2.5.4.3'));
    expect(children(seq, readTlv(seq, 0)).map((t) => decodeOid(seq.subarray(t.start, t.end)))).toEqual(['1.2.3', '2.5.4.3']);
  });

  it('trims trailing zero bits of named bit strings (keyUsage)', () => {
    expect(derNamedBits([5, 6])).toEqual(Buffer.from([0x03, 0x02, 0x01, 0x06]));
    expect(derNamedBits([0, 2])).toEqual(Buffer.from([0x03, 0x02, 0x05, 0xa0]));
    expect(derNamedBits([0, 8])).toEqual(Buffer.from([0x03, 0x03, 0x07, 0x80, 0x80]));
  });
});
