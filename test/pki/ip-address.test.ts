import { describe, it, expect } from 'vitest';
import { isIP as nodeIsIP } from 'node:net';
import { ipAddressBytes, isIP } from '../../src/pki/ip-address.js';

describe('isIP', () => {
  it('agrees with node:net on addresses and near misses (zone IDs aside)', () => {
    const samples = [
      '127.0.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '01.2.3.4',
      '1.2.3.04',
      '1..2.3',
      '',
      'localhost',
      'a.b.c.d',
      '::',
      '::1',
      '1::',
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7::',
      '::2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7',
      '1::2::3',
      ':1',
      '1:',
      ':::',
      '::ffff:1.2.3.4',
      '1:2:3:4:5:6:1.2.3.4',
      '1:2:3:4:5:6:7:1.2.3.4',
      '::1.2.3.04',
      'fe80::1',
      'FE80::ABCD',
      '2001:db8::12345',
      'g::1',
      '1.2.3.4::',
      '2001:0db8:0000:0000:0000:ff00:0042:8329',
      '::ffff:256.1.1.1',
      '1::2:3:4:5:6:7',
      '1::2:3:4:5:6:7:8',
    ];
    for (const s of samples) expect(isIP(s), s).toBe(nodeIsIP(s));
  });

  it('agrees with node:net on random strings over the address alphabet', () => {
    const alphabet = '0123456789abcdef:.';
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20000; i++) {
      const length = 1 + Math.floor(random() * 20);
      let s = '';
      for (let j = 0; j < length; j++) s += alphabet[Math.floor(random() * alphabet.length)];
      expect(isIP(s), s).toBe(nodeIsIP(s));
    }
  });

  it('refuses zone IDs, which have no place in a certificate', () => {
    expect(isIP('fe80::1%eth0')).toBe(0);
    expect(ipAddressBytes('::1')).toEqual(Buffer.from('00000000000000000000000000000001', 'hex'));
  });
});
