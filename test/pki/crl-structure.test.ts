/** What the strict profile reads about a CRL's form (RFC 5280 5.1-5.2): version, algorithms, cRLNumber, serials twice. */
import { describe, it, expect } from 'vitest';
import { createCrl, parseCrl } from '../../src/pki/crl.js';
import { derBoolean, derSequence, derTlv } from '../../src/pki/der.js';
import { buildCert, ext, makeKey, name } from '../helpers/x509-builder.js';

const caKey = makeKey('p256', 'crl-structure');
const caDer = buildCert({
  subject: name('CN=CRL Structure CA'),
  issuer: name('CN=CRL Structure CA'),
  key: caKey,
  signer: caKey,
  extensions: [
    ext('2.5.29.19', derSequence(derBoolean(true)), true),
    ext('2.5.29.14', derTlv(0x04, Buffer.alloc(20, 7))),
  ],
});

const crlWith = (serials: string[]) =>
  parseCrl(
    createCrl({
      issuerCertificateDer: caDer,
      issuerKey: caKey.privateKey,
      entries: serials.map((serialHex) => ({ serialHex, revokedAt: new Date() })),
      crlNumber: 1n,
      thisUpdate: new Date(),
      nextUpdate: new Date(Date.now() + 86_400_000),
    }),
    'test.crl',
  );

describe('CRL form', () => {
  it('a CRL mtlskit writes is version 2 with a non-critical cRLNumber and the same algorithm inside and outside', () => {
    const crl = crlWith(['01', '02']);
    expect(crl.form.versioned).toBe(true);
    expect(crl.form.crlNumberCritical).toBe(false);
    expect(crl.crlNumber).toBe(1n);
    expect(crl.form.tbsSignatureAlgorithmDer.equals(crl.signatureAlgorithmDer)).toBe(true);
  });

  it('finds a serial listed twice (leading zero octets do not hide it), and none when all differ', () => {
    expect(crlWith(['0A', '0B', '0C']).duplicateSerial()).toBeUndefined();
    expect(crlWith(['0A', '7F01', '0B', '007F01']).duplicateSerial()).toBe('7F01');
  });

  it('scans 100,000 entries without a string per entry (a generous bound: never seconds)', () => {
    const serials = Array.from({ length: 100_000 }, (_, i) => (0x10_0000 + i).toString(16));
    const crl = crlWith(serials);
    const started = Date.now();
    expect(crl.duplicateSerial()).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
