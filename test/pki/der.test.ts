import { describe, it, expect } from 'vitest';
import { createPublicKey, generateKeyPairSync, verify, X509Certificate } from 'node:crypto';
import {
  algorithmIdentifierFor,
  children,
  decodeInteger,
  decodeOid,
  decodeTime,
  derBitString,
  derEnumerated,
  derExplicit,
  derInteger,
  derIntegerFromHex,
  derLength,
  derNamedBits,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derTime,
  derTlv,
  derUtcOrGeneralizedTime,
  integerHex,
  iterateChildren,
  readTlv,
  signTbs,
  writeDerTime,
  DerError,
} from '../../src/pki/der.js';
import { isMtlsError } from '../../src/errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('DER lengths', () => {
  it('encodes lengths at the short/long form boundaries', () => {
    expect(derLength(0)).toEqual(Buffer.from([0x00]));
    expect(derLength(127)).toEqual(Buffer.from([0x7f]));
    expect(derLength(128)).toEqual(Buffer.from([0x81, 0x80]));
    expect(derLength(255)).toEqual(Buffer.from([0x81, 0xff]));
    expect(derLength(256)).toEqual(Buffer.from([0x82, 0x01, 0x00]));
    expect(derLength(65535)).toEqual(Buffer.from([0x82, 0xff, 0xff]));
    expect(derLength(65536)).toEqual(Buffer.from([0x83, 0x01, 0x00, 0x00]));
    expect(derLength(16_777_216)).toEqual(Buffer.from([0x84, 0x01, 0x00, 0x00, 0x00]));
  });

  it('writes TLV headers the reader reads back at every boundary', () => {
    for (const size of [0, 1, 127, 128, 255, 256, 65535, 65536, 70000]) {
      const tlv = derOctetString(Buffer.alloc(size, 7));
      const t = readTlv(tlv, 0);
      expect(t).toMatchObject({ tag: 0x04, offset: 0, length: size, start: t.headerLength, end: tlv.length });
      expect(t.headerLength).toBe(1 + derLength(size).length);
    }
  });

  it('concatenates parts in order, from Buffers and plain Uint8Arrays', () => {
    const seq = derSequence(
      derNull(),
      new Uint8Array([0x01, 0x01, 0xff]),
      derTlv(0x80, [Buffer.from('ab'), new Uint8Array([0x63])]),
    );
    expect(hex(seq)).toBe('300a' + '0500' + '0101ff' + '8003616263');
    expect(hex(derExplicit(3, derNull()))).toBe('a3020500');
    expect(hex(derBitString(Buffer.from([0xab])))).toBe('030200ab');
  });

  it('builds and walks a 100,000-element SEQUENCE', () => {
    const parts: Buffer[] = [];
    for (let i = 0; i < 100_000; i++) parts.push(derInteger(BigInt(i)));
    const seq = derSequence(...parts);
    const top = readTlv(seq, 0);
    expect(top.end).toBe(seq.length);
    const list = children(seq, top);
    expect(list).toHaveLength(100_000);
    expect(decodeInteger(seq.subarray(list[99_999]!.start, list[99_999]!.end))).toBe(99_999n);
    let count = 0;
    for (const t of iterateChildren(seq, top)) if (t.tag === 0x02) count++;
    expect(count).toBe(100_000);
  });

  it('refuses truncated input, indefinite lengths and high tag numbers', () => {
    expect(() => readTlv(Buffer.from([0x30]), 0)).toThrow(DerError);
    expect(() => readTlv(Buffer.from([0x30, 0x05, 0x00]), 0)).toThrow(/truncated/);
    expect(() => readTlv(Buffer.from([0x30, 0x80, 0x00, 0x00]), 0)).toThrow(/bad length/);
    expect(() => readTlv(Buffer.from([0x1f, 0x81, 0x01, 0x00]), 0)).toThrow(/high tag/);
    // A child that runs past its parent.
    const bad = Buffer.from([0x30, 0x03, 0x04, 0x05, 0x00, 0x00, 0x00, 0x00]);
    expect(() => children(bad, readTlv(bad, 0))).toThrow(/truncated/);
  });
});

describe('DER INTEGERs', () => {
  it('keeps unsigned byte INTEGERs positive and minimal', () => {
    expect(derIntegerFromHex('80')).toEqual(Buffer.from([0x02, 0x02, 0x00, 0x80]));
    expect(derIntegerFromHex('0001')).toEqual(Buffer.from([0x02, 0x01, 0x01]));
    expect(derIntegerFromHex('7F')).toEqual(Buffer.from([0x02, 0x01, 0x7f]));
    expect(derIntegerFromHex('00FF')).toEqual(Buffer.from([0x02, 0x02, 0x00, 0xff]));
    expect(derIntegerFromHex('abc')).toEqual(Buffer.from([0x02, 0x02, 0x0a, 0xbc]));
    expect(derInteger(new Uint8Array([0, 0, 0]))).toEqual(Buffer.from([0x02, 0x01, 0x00]));
    expect(derInteger(new Uint8Array([]))).toEqual(Buffer.from([0x02, 0x01, 0x00]));
    expect(integerHex(Buffer.from([0x00, 0x80, 0x01]))).toBe('8001');
  });

  it("encodes bigints in minimal two's complement, and decodes them back", () => {
    const cases: [bigint, string][] = [
      [0n, '020100'],
      [127n, '02017f'],
      [128n, '02020080'],
      [255n, '020200ff'],
      [256n, '02020100'],
      [-1n, '0201ff'],
      [-128n, '020180'],
      [-129n, '0202ff7f'],
      [-256n, '0202ff00'],
      [2n ** 64n, '0209010000000000000000'],
    ];
    for (const [value, encoded] of cases) {
      expect(hex(derInteger(value)), String(value)).toBe(encoded);
      const der = derInteger(value);
      expect(decodeInteger(der.subarray(2)), String(value)).toBe(value);
    }
    expect(hex(derInteger(65536))).toBe('0203010000');
    expect(hex(derEnumerated(1))).toBe('0a0101');
    expect(hex(derEnumerated(10))).toBe('0a010a');
  });
});

describe('DER OIDs', () => {
  it('encodes and decodes OIDs, including large arcs', () => {
    for (const oid of [
      '1.2.840.113549.1.1.11',
      '2.5.29.37.0',
      '1.3.6.1.4.1.311.10.3.12',
      '2.999.1',
      '0.9.2342.19200300.100.1.25',
    ]) {
      const der = derOid(oid);
      expect(decodeOid(der.subarray(2))).toBe(oid);
    }
    expect(hex(derOid('2.5.29.21'))).toBe('0603551d15');
    expect(() => derOid('1')).toThrow(/bad OID/);
    expect(() => derOid('1.2.x')).toThrow(/bad OID/);
    const seq = derSequence(derOid('1.2.3'), derOid('2.5.4.3'));
    expect(children(seq, readTlv(seq, 0)).map((t) => decodeOid(seq.subarray(t.start, t.end)))).toEqual([
      '1.2.3',
      '2.5.4.3',
    ]);
  });

  it('trims trailing zero bits of named bit strings (keyUsage)', () => {
    expect(derNamedBits([5, 6])).toEqual(Buffer.from([0x03, 0x02, 0x01, 0x06]));
    expect(derNamedBits([0, 2])).toEqual(Buffer.from([0x03, 0x02, 0x05, 0xa0]));
    expect(derNamedBits([0, 8])).toEqual(Buffer.from([0x03, 0x03, 0x07, 0x80, 0x80]));
  });
});

describe('DER times', () => {
  const text = (der: Buffer) => der.subarray(2).toString('latin1');

  it('writes UTCTime for 1950 through 2049 and GeneralizedTime outside, and reads both', () => {
    const cases: [string, number, string][] = [
      ['2049-12-31T23:59:59Z', 0x17, '491231235959Z'],
      ['2050-01-01T00:00:00Z', 0x18, '20500101000000Z'],
      ['1950-01-01T00:00:00Z', 0x17, '500101000000Z'],
      ['1949-12-31T23:59:59Z', 0x18, '19491231235959Z'],
      ['2026-11-24T15:08:26Z', 0x17, '261124150826Z'],
      ['9999-12-31T23:59:59Z', 0x18, '99991231235959Z'],
    ];
    for (const [iso, tag, encoded] of cases) {
      const der = derUtcOrGeneralizedTime(new Date(iso));
      expect(der[0], iso).toBe(tag);
      expect(text(der), iso).toBe(encoded);
      expect(decodeTime(der, readTlv(der, 0)).toISOString(), iso).toBe(iso.replace('Z', '.000Z'));
    }
  });

  it('drops milliseconds, writes in place, and refuses dates X.509 cannot hold', () => {
    expect(text(derTime(new Date('2030-05-06T07:08:09.999Z')))).toBe('300506070809Z');
    const out = Buffer.alloc(20, 0xee);
    expect(writeDerTime(out, 2, new Date('2051-01-02T03:04:05Z'))).toBe(19);
    expect(out.subarray(2, 19)).toEqual(derTime(new Date('2051-01-02T03:04:05Z')));
    expect(out[19]).toBe(0xee);
    expect(() => derTime(new Date('invalid'))).toThrow(RangeError);
    expect(() => derTime(new Date('+010000-01-01T00:00:00Z'))).toThrow(RangeError);
  });

  it('reads GeneralizedTime years below 100 as written, and refuses malformed times', () => {
    const early = Buffer.concat([Buffer.from([0x18, 15]), Buffer.from('00450102030405Z', 'latin1')]);
    expect(decodeTime(early, readTlv(early, 0)).toISOString()).toBe('0045-01-02T03:04:05.000Z');
    const bad = (tag: number, s: string) => {
      const der = Buffer.concat([Buffer.from([tag, s.length]), Buffer.from(s, 'latin1')]);
      return () => decodeTime(der, readTlv(der, 0));
    };
    expect(bad(0x17, '2601011200Z')).toThrow(DerError); // no seconds
    expect(bad(0x17, '260101120000+0100')).toThrow(DerError); // offset instead of Z
    expect(bad(0x17, '26X101120000Z')).toThrow(DerError);
    expect(bad(0x17, '261301120000Z')).toThrow(DerError); // month 13
    expect(bad(0x18, '20260101120000.5Z')).toThrow(DerError); // fractional seconds
    expect(bad(0x04, '260101120000Z')).toThrow(DerError); // not a time tag
  });
});

describe('signature algorithms', () => {
  const keys = {
    rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    'P-256': generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    'P-384': generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
    'P-521': generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey,
  };

  it('gives the AlgorithmIdentifier openssl writes for each key type', () => {
    // RSA with NULL parameters (RFC 4055); ECDSA without parameters (RFC 5758).
    expect(hex(algorithmIdentifierFor(keys.rsa).der)).toBe('300d06092a864886f70d01010b0500');
    expect(hex(algorithmIdentifierFor(keys['P-256']).der)).toBe('300a06082a8648ce3d040302');
    expect(hex(algorithmIdentifierFor(keys['P-384']).der)).toBe('300a06082a8648ce3d040303');
    expect(hex(algorithmIdentifierFor(keys['P-521']).der)).toBe('300a06082a8648ce3d040304');
    expect(algorithmIdentifierFor(keys['P-384'])).toMatchObject({ oid: '1.2.840.10045.4.3.3', hash: 'sha384' });
  });

  it('signs so that node verifies it, ECDSA signatures in DER', () => {
    const tbs = derSequence(derInteger(42n), derOctetString(Buffer.from('to be signed')));
    for (const [name, key] of Object.entries(keys)) {
      const signature = signTbs(tbs, key);
      const { hash } = algorithmIdentifierFor(key);
      expect(verify(hash, tbs, { key: createPublicKey(key), dsaEncoding: 'der' }, signature), name).toBe(true);
      if (name !== 'rsa') expect(readTlv(signature, 0), name).toMatchObject({ tag: 0x30, end: signature.length });
    }
  });

  it('refuses keys it cannot sign X.509 objects with', () => {
    const ed = generateKeyPairSync('ed25519').privateKey;
    let error: unknown;
    try {
      algorithmIdentifierFor(ed);
    } catch (err) {
      error = err;
    }
    expect(isMtlsError(error) && error.code).toBe('BAD_INPUT');
  });

  it('builds a certificate node accepts, from these pieces alone', () => {
    const key = keys['P-256'];
    const name = derSequence(derTlv(0x31, [derSequence(derOid('2.5.4.3'), derTlv(0x0c, Buffer.from('der test')))]));
    const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
    const alg = algorithmIdentifierFor(key).der;
    const tbs = derSequence(
      derExplicit(0, derInteger(2n)),
      derIntegerFromHex('8F01'),
      alg,
      name,
      derSequence(derTime(new Date('2026-01-01T00:00:00Z')), derTime(new Date('2050-06-01T00:00:00Z'))),
      name,
      spki,
    );
    const cert = new X509Certificate(derSequence(tbs, alg, derBitString(signTbs(tbs, key))));
    expect(cert.subject).toBe('CN=der test');
    expect(cert.serialNumber).toBe('8F01');
    expect(new Date(cert.validTo).toISOString()).toBe('2050-06-01T00:00:00.000Z');
    expect(cert.verify(createPublicKey(key))).toBe(true);
  });
});
