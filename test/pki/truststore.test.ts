/**
 * Java-free checks of the truststore encodings: the PKCS#12 certificate bags carry Oracle's trustedKeyUsage
 * attribute with anyExtendedKeyUsage exactly as OpenSSL 3.2's -jdktrust writes it, and hold no key; the JKS
 * digest is the keyed SHA-1 keytool checks; certificates-only PKCS#7 round-trips. keytool itself reads these
 * files in test/cli/export-more.test.ts.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { children, content, decodeOid, readTlv, slice } from '../../src/pki/der.js';
import { decryptWith, pkcs12Password } from '../../src/pki/pkcs12-crypto.js';
import { decodeJksTruststore, encodeJksTruststore } from '../../src/pki/jks.js';
import {
  ANY_EXTENDED_KEY_USAGE_OID,
  JAVA_TRUSTED_KEY_USAGE_OID,
  LEGACY_PROFILE,
  decodePfxCertificates,
  encodeTruststore,
} from '../../src/pki/pkcs12.js';
import { decodePkcs7Certificates, encodeCertsOnlyPkcs7, pkcs7ToPem } from '../../src/pki/pkcs7.js';
import { makePki, type TestPki } from '../fixtures/pkcs12/make-pki.js';

/** Walks PFX → AuthenticatedSafe → the encrypted SafeContents → the first bag's attributes, each as DER. */
async function certBagAttributes(p12: Buffer, password: string): Promise<Buffer[]> {
  const pfx = children(p12, readTlv(p12, 0));
  const authSafeOctets = readTlv(p12, children(p12, pfx[1]!)[1]!.start);
  const authSafe = content(p12, authSafeOctets);
  const encryptedInfo = children(authSafe, readTlv(authSafe, 0))[0]!;
  const encryptedData = readTlv(authSafe, children(authSafe, encryptedInfo)[1]!.start);
  const [, eci] = children(authSafe, encryptedData);
  const [, alg, encrypted] = children(authSafe, eci!);
  const { plaintext } = await decryptWith(
    Buffer.from(slice(authSafe, alg!)),
    Buffer.from(content(authSafe, encrypted!)),
    pkcs12Password(password),
  );
  const bag = children(plaintext, readTlv(plaintext, 0))[0]!;
  const attrSet = children(plaintext, bag)[2]!;
  return children(plaintext, attrSet).map((a) => Buffer.from(slice(plaintext, a)));
}

let pki: TestPki;
beforeAll(() => {
  pki = makePki('rsa');
});
afterAll(() => pki?.cleanup());

describe('PKCS#12 truststore', () => {
  it('gives every certificate bag the trustedKeyUsage attribute (2.16.840.1.113894.746875.1.1 = anyExtendedKeyUsage) and its alias, and holds no key', async () => {
    expect(JAVA_TRUSTED_KEY_USAGE_OID).toBe('2.16.840.1.113894.746875.1.1');
    expect(ANY_EXTENDED_KEY_USAGE_OID).toBe('2.5.29.37.0');
    const p12 = encodeTruststore(
      [
        { der: pki.intermediate.der, alias: 'issuing ca' },
        { der: pki.root.der, alias: 'root ca' },
      ],
      'changeit',
    );
    const read = await decodePfxCertificates(p12, 'changeit', 'trust.p12');
    expect(read.keys).toBe(0);
    expect(read.certificates.map((c) => c.der)).toEqual([pki.intermediate.der, pki.root.der]);
    expect(read.certificates.map((c) => c.friendlyName)).toEqual(['issuing ca', 'root ca']);
    for (const c of read.certificates) expect(c.javaTrustedUsages).toEqual(['2.5.29.37.0']);
    expect(read.macAlgorithm).toBe('HMAC-SHA-256');
    expect(read.certEncryption).toMatch(/^AES-256-CBC/);
  });

  it('the attribute is the DER SEQUENCE { OID, SET { OID anyExtendedKeyUsage } } and sits in the bag attributes', async () => {
    const p12 = encodeTruststore([{ der: pki.root.der, alias: 'root' }], 'pw', LEGACY_PROFILE);
    const read = await decodePfxCertificates(p12, 'pw', 'trust.p12');
    expect(read.certificates[0]!.javaTrustedUsages).toEqual([ANY_EXTENDED_KEY_USAGE_OID]);
    const oidDer = (dotted: string) => {
      const parts = dotted.split('.').map(Number);
      const bytes = [parts[0]! * 40 + parts[1]!];
      for (const n of parts.slice(2)) {
        const chunk = [n & 0x7f];
        for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
        bytes.push(...chunk);
      }
      return Buffer.from([0x06, bytes.length, ...bytes]);
    };
    const attr = Buffer.concat([
      oidDer(JAVA_TRUSTED_KEY_USAGE_OID),
      Buffer.from([0x31, 0x06]),
      oidDer(ANY_EXTENDED_KEY_USAGE_OID),
    ]);
    const expected = Buffer.concat([Buffer.from([0x30, attr.length]), attr]);
    const attrs = await certBagAttributes(p12, 'pw');
    expect(attrs).toHaveLength(2); // friendlyName and trustedKeyUsage, no localKeyId (no key to link)
    expect(attrs.some((a) => a.equals(expected))).toBe(true);
  });
});

describe('JKS truststore', () => {
  it('is magic FEEDFEED, version 2, trusted entries and a SHA-1 over password (UTF-16BE) + "Mighty Aphrodite" + body', () => {
    const date = new Date('2026-12-01T00:00:00Z');
    const jks = encodeJksTruststore([{ alias: 'root', der: pki.root.der, date }], 'changeit');
    expect(jks.readUInt32BE(0)).toBe(0xfeedfeed);
    expect(jks.readUInt32BE(4)).toBe(2);
    expect(jks.readUInt32BE(8)).toBe(1);
    expect(jks.readUInt32BE(12)).toBe(2); // trustedCertEntry tag
    const body = jks.subarray(0, jks.length - 20);
    const digest = createHash('sha1')
      .update(Buffer.from('changeit', 'utf16le').swap16())
      .update('Mighty Aphrodite')
      .update(body)
      .digest();
    expect(jks.subarray(jks.length - 20)).toEqual(digest);
    expect(decodeJksTruststore(jks, 'changeit')).toEqual([{ alias: 'root', der: pki.root.der, date }]);
    expect(() => decodeJksTruststore(jks, 'wrong')).toThrow(/integrity/);
  });
});

describe('certificates-only PKCS#7', () => {
  it('is SignedData version 1 with no digest algorithms, no signers and the certificates in order, and reads back from DER and PEM', () => {
    const der = encodeCertsOnlyPkcs7([pki.leaf.der, pki.intermediate.der, pki.root.der]);
    const top = readTlv(der, 0);
    const [oid, wrapped] = children(der, top);
    expect(decodeOid(content(der, oid!))).toBe('1.2.840.113549.1.7.2');
    const sd = children(der, readTlv(der, wrapped!.start));
    expect(sd.map((t) => t.tag)).toEqual([0x02, 0x31, 0x30, 0xa0, 0x31]);
    expect(content(der, sd[0]!)).toEqual(Buffer.from([1]));
    expect(sd[1]!.length).toBe(0);
    expect(sd[4]!.length).toBe(0);
    expect(decodePkcs7Certificates(der, 'x.p7b')).toEqual([pki.leaf.der, pki.intermediate.der, pki.root.der]);
    expect(decodePkcs7Certificates(Buffer.from(pkcs7ToPem(der)), 'x.p7b')).toEqual([
      pki.leaf.der,
      pki.intermediate.der,
      pki.root.der,
    ]);
  });

  it('refuses something that is not SignedData in one sentence', () => {
    expect(() => decodePkcs7Certificates(pki.root.der, 'root.p7b')).toThrow(/root\.p7b is not a PKCS#7 SignedData/);
  });
});
