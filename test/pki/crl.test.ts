/**
 * createCrl checked by consumers that are not mtlskit: `openssl crl`, `openssl verify -crl_check` and
 * python3 `cryptography`. CAs and leaves are made by the openssl CLI in a temp folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCrl, parseCrl, verifyCrlSignature, type RevokedEntry } from '../../src/pki/crl.js';
import { derToPem } from '../../src/pki/pem.js';
import { readRevocations } from '../../src/store/index-file.js';
import { isMtlsError } from '../../src/errors.js';
import {
  makeIntermediateCa,
  makeLeaf,
  makeRootCa,
  opensslCrlCheck,
  opensslVerifyWithCrl,
  python,
  runOk,
  tempDir,
  type CaKeyType,
  type TestCa,
  type TestLeaf,
} from '../fixtures/crl/pki.js';

/** What python `cryptography` sees in a DER CRL file. */
interface PyCrl {
  valid: boolean;
  count: number;
  number: string | null;
  thisUpdate: string;
  nextUpdate: string | null;
  aki: string | null;
  entries: Record<string, { date: string; reason: string | null }>;
}

const PY_READ = `
import sys, json
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_public_key
crl = x509.load_der_x509_crl(open(sys.argv[1], 'rb').read())
ca = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read())
def ext(cls, of):
    try:
        return of.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None
entries = {}
for r in crl:
    reason = ext(x509.CRLReason, r.extensions)
    serial = '%X' % r.serial_number
    entries[('0' if len(serial) % 2 else '') + serial] = {'date': r.revocation_date_utc.strftime('%Y-%m-%dT%H:%M:%SZ'), 'reason': reason.reason.value if reason else None}
number = ext(x509.CRLNumber, crl.extensions)
aki = ext(x509.AuthorityKeyIdentifier, crl.extensions)
print(json.dumps({
  'valid': crl.is_signature_valid(ca.public_key()),
  'count': len(crl),
  'number': str(number.crl_number) if number else None,
  'thisUpdate': crl.last_update_utc.strftime('%Y-%m-%dT%H:%M:%SZ'),
  'nextUpdate': crl.next_update_utc.strftime('%Y-%m-%dT%H:%M:%SZ') if crl.next_update_utc else None,
  'aki': aki.key_identifier.hex() if aki and aki.key_identifier else None,
  'entries': entries,
}))
`;

function readWithPython(crlDerPath: string, ca: TestCa): PyCrl {
  return python<PyCrl>(PY_READ, [crlDerPath, ca.certPath]);
}

/** Writes the CRL as crl.pem and crl.der; returns the PEM path. */
function writeCrl(dir: string, der: Buffer, name = 'crl'): { pem: string; der: string } {
  const paths = { pem: join(dir, `${name}.pem`), der: join(dir, `${name}.der`) };
  writeFileSync(paths.pem, derToPem(der, 'X509 CRL'));
  writeFileSync(paths.der, der);
  return paths;
}

const THIS_UPDATE = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
const NEXT_UPDATE = new Date(THIS_UPDATE.getTime() + 7 * 86_400_000);

const SIGNATURE_NAMES: Record<CaKeyType, string> = {
  rsa: 'sha256WithRSAEncryption',
  'P-256': 'ecdsa-with-SHA256',
  'P-384': 'ecdsa-with-SHA384',
  'P-521': 'ecdsa-with-SHA512',
};

describe.each(['rsa', 'P-256', 'P-384', 'P-521'] as const)('createCrl with a %s root CA', (keyType) => {
  const tmp = tempDir();
  let ca: TestCa;
  let revoked: TestLeaf; // keyCompromise
  let highBit: TestLeaf; // serial with the top bit set, no reason
  let unspecified: TestLeaf;
  let good: TestLeaf;
  let crl: { pem: string; der: string };
  let der: Buffer;
  const revokedAt = new Date('2026-01-02T03:04:05Z');

  beforeAll(() => {
    ca = makeRootCa(tmp.dir, `ca-${keyType}`, keyType);
    revoked = makeLeaf(tmp.dir, 'revoked', '0A1B2C3D', ca);
    highBit = makeLeaf(tmp.dir, 'highbit', '8F00000000000001', ca);
    unspecified = makeLeaf(tmp.dir, 'unspecified', '77', ca);
    good = makeLeaf(tmp.dir, 'good', '0B', ca);
    const entries: RevokedEntry[] = [
      { serialHex: revoked.serialHex, revokedAt, reason: 'keyCompromise' },
      { serialHex: highBit.serialHex.toLowerCase(), revokedAt: new Date('2026-02-03T04:05:06Z') },
      { serialHex: unspecified.serialHex, revokedAt, reason: 'unspecified' },
      // Reason text as `openssl ca` writes it into index.txt, for a certificate not on disk.
      { serialHex: '00C0FFEE', revokedAt, reason: 'CACompromise' },
      { serialHex: '1234', revokedAt, reason: 'cessationOfOperation' },
    ];
    der = createCrl({
      issuerCertificateDer: ca.certDer,
      issuerKey: ca.key,
      entries,
      crlNumber: 4242n,
      thisUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
    });
    crl = writeCrl(tmp.dir, der);
  });
  afterAll(() => tmp.cleanup());

  it('openssl crl verifies the signature against the CA and shows number, AKI, dates and reasons', () => {
    expect(opensslCrlCheck(crl.pem, ca.certPath)).toMatch(/^verify OK\s*$/);
    const text = runOk('openssl', ['crl', '-in', crl.der, '-inform', 'DER', '-noout', '-text']);
    expect(text).toContain('Version 2 (0x1)');
    expect(text).toContain(`Signature Algorithm: ${SIGNATURE_NAMES[keyType]}`);
    expect(text).toMatch(/X509v3 CRL Number: \s*4242\b/);
    const aki = /X509v3 Authority Key Identifier: \s*(?:keyid:)?([0-9A-F:]+)/.exec(text);
    expect(aki?.[1]!.replace(/:/g, '').toLowerCase()).toBe(ca.skiHex);
    const entry = (serial: string) =>
      new RegExp(
        `Serial Number: ${serial}\\s+Revocation Date: ([^\\n]+)\\n((?:\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code: \\s*([^\\n]+))?)`,
      ).exec(text);
    expect(entry(revoked.serialHex)?.[1]).toBe('Jan  2 03:04:05 2026 GMT');
    expect(entry(revoked.serialHex)?.[3]).toBe('Key Compromise');
    expect(entry(highBit.serialHex)?.[1]).toBe('Feb  3 04:05:06 2026 GMT');
    expect(entry(highBit.serialHex)?.[3]).toBeUndefined();
    expect(entry(unspecified.serialHex)?.[3]).toBe('Unspecified');
    expect(entry('C0FFEE')?.[3]).toBe('CA Compromise');
    expect(entry('1234')?.[3]).toBe('Cessation Of Operation');
    expect(text.match(/Serial Number:/g)).toHaveLength(5);
    expect(runOk('openssl', ['crl', '-in', crl.pem, '-noout', '-issuer']).trim()).toBe(
      runOk('openssl', ['x509', '-in', ca.certPath, '-noout', '-subject'])
        .trim()
        .replace(/^subject=/, 'issuer='),
    );
  });

  it('openssl verify -crl_check rejects the revoked leaves and accepts the others', () => {
    for (const leaf of [revoked, highBit, unspecified]) {
      const r = opensslVerifyWithCrl(crl.pem, ca.certPath, leaf.certPath);
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toContain('certificate revoked');
    }
    const ok = opensslVerifyWithCrl(crl.pem, ca.certPath, good.certPath);
    expect(ok.stdout + ok.stderr).toContain(': OK');
    expect(ok.status).toBe(0);
  });

  it('python cryptography reads it: valid signature, entries, reasons, number and dates', () => {
    const py = readWithPython(crl.der, ca);
    expect(py.valid).toBe(true);
    expect(py.count).toBe(5);
    expect(py.number).toBe('4242');
    expect(py.aki).toBe(ca.skiHex);
    expect(py.thisUpdate).toBe(THIS_UPDATE.toISOString().replace('.000', ''));
    expect(py.nextUpdate).toBe(NEXT_UPDATE.toISOString().replace('.000', ''));
    expect(py.entries).toEqual({
      [revoked.serialHex]: { date: '2026-01-02T03:04:05Z', reason: 'keyCompromise' },
      [highBit.serialHex]: { date: '2026-02-03T04:05:06Z', reason: null },
      [unspecified.serialHex]: { date: '2026-01-02T03:04:05Z', reason: 'unspecified' },
      C0FFEE: { date: '2026-01-02T03:04:05Z', reason: 'cACompromise' },
      '1234': { date: '2026-01-02T03:04:05Z', reason: 'cessationOfOperation' },
    });
  });

  it('parseCrl reads back what createCrl wrote, and the signature checks only with the issuer key', () => {
    const parsed = parseCrl(Buffer.from(runOk('openssl', ['crl', '-in', crl.der, '-inform', 'DER'])), 'crl.pem');
    expect(parsed.der).toEqual(der);
    expect(parsed.crlNumber).toBe(4242n);
    expect(parsed.authorityKeyIdHex).toBe(ca.skiHex);
    expect(parsed.thisUpdate).toEqual(THIS_UPDATE);
    expect(parsed.nextUpdate).toEqual(NEXT_UPDATE);
    expect(parsed.revokedCount).toBe(5);
    expect(parsed.unknownCriticalExtensions).toEqual([]);
    expect(parsed.entries.get(revoked.serialHex)).toEqual({ revokedAt, reason: 'keyCompromise' });
    expect(parsed.entries.get(highBit.serialHex)).toEqual({ revokedAt: new Date('2026-02-03T04:05:06Z') });
    expect(parsed.entries.get(unspecified.serialHex)?.reason).toBe('unspecified');
    expect(parsed.entries.get('C0FFEE')?.reason).toBe('cACompromise');
    expect(parsed.lookup('00c0ffee')?.reason).toBe('cACompromise');
    expect(parsed.lookup(good.serialHex)).toBeUndefined();
    expect(verifyCrlSignature(parsed, ca.spkiDer)).toBe(true);
    const other = makeRootCa(tmp.dir, 'other', keyType);
    expect(verifyCrlSignature(parsed, other.spkiDer)).toBe(false);
  });
});

describe('createCrl for an intermediate CA', () => {
  const tmp = tempDir();
  let root: TestCa;
  let sub: TestCa;
  let revoked: TestLeaf;
  let good: TestLeaf;
  let crl: { pem: string; der: string };
  let chain: string;

  beforeAll(() => {
    root = makeRootCa(tmp.dir, 'root', 'P-384');
    sub = makeIntermediateCa(tmp.dir, 'sub', 'rsa', root);
    revoked = makeLeaf(tmp.dir, 'revoked', '5A', sub);
    good = makeLeaf(tmp.dir, 'good', '5B', sub);
    const der = createCrl({
      issuerCertificateDer: sub.certDer,
      issuerKey: sub.key,
      crlNumber: 1n,
      thisUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
      entries: [{ serialHex: revoked.serialHex, revokedAt: new Date('2026-03-04T05:06:07Z'), reason: 'superseded' }],
    });
    crl = writeCrl(tmp.dir, der);
    // An empty CRL from the root, so that -crl_check_all can check the intermediate too.
    const rootCrl = createCrl({
      issuerCertificateDer: root.certDer,
      issuerKey: root.key,
      crlNumber: 1n,
      thisUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
      entries: [],
    });
    chain = join(tmp.dir, 'crls.pem');
    writeFileSync(chain, derToPem(der, 'X509 CRL') + derToPem(rootCrl, 'X509 CRL'));
  });
  afterAll(() => tmp.cleanup());

  it('names the intermediate as issuer, with its key identifier, and openssl verifies it with the intermediate certificate', () => {
    expect(opensslCrlCheck(crl.pem, sub.certPath)).toMatch(/^verify OK\s*$/);
    expect(runOk('openssl', ['crl', '-in', crl.pem, '-noout', '-issuer']).trim()).toBe(
      'issuer=O = CRL Tests, CN = sub',
    );
    const text = runOk('openssl', ['crl', '-in', crl.pem, '-noout', '-text']);
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(
      /X509v3 Authority Key Identifier: \s*(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1]!.replace(/:/g, '').toLowerCase(),
    ).toBe(sub.skiHex);
    // The root's key did not sign it.
    expect(opensslCrlCheck(crl.pem, root.certPath)).not.toContain('verify OK');
  });

  it('openssl verify -crl_check_all through the chain: revoked leaf fails, the other passes', () => {
    const bad = opensslVerifyWithCrl(chain, root.certPath, revoked.certPath, { untrusted: sub.certPath, all: true });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain('certificate revoked');
    const ok = opensslVerifyWithCrl(chain, root.certPath, good.certPath, { untrusted: sub.certPath, all: true });
    expect(ok.stdout + ok.stderr).toMatch(/: OK\s*$/);
    expect(ok.status).toBe(0);
  });

  it('python cryptography checks it against the intermediate key', () => {
    const py = readWithPython(crl.der, sub);
    expect(py.valid).toBe(true);
    expect(py.entries).toEqual({ [revoked.serialHex]: { date: '2026-03-04T05:06:07Z', reason: 'superseded' } });
  });
});

describe('createCrl edge cases', () => {
  const tmp = tempDir();
  let ca: TestCa;
  let leaf: TestLeaf;
  beforeAll(() => {
    ca = makeRootCa(tmp.dir, 'ca', 'P-256');
    leaf = makeLeaf(tmp.dir, 'leaf', '42', ca);
  });
  afterAll(() => tmp.cleanup());

  it('an empty CRL leaves revokedCertificates out, and openssl and python accept it', () => {
    const der = createCrl({
      issuerCertificateDer: ca.certDer,
      issuerKey: ca.key,
      entries: [],
      crlNumber: 0n,
      thisUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
    });
    const crl = writeCrl(tmp.dir, der, 'empty');
    // tbsCertList = version, signature, issuer, thisUpdate, nextUpdate, [0] extensions: nothing else.
    const asn1 = runOk('openssl', ['asn1parse', '-in', crl.der, '-inform', 'DER']);
    const lines = asn1.split('\n');
    const tbsEnd = lines.findIndex((l, n) => n > 1 && /\bd=1\b/.test(l)); // the outer signatureAlgorithm
    const tbsFields = lines
      .slice(0, tbsEnd)
      .filter((l) => /\bd=2\b/.test(l))
      .map(
        (l) =>
          l
            .replace(/^.*prim: |^.*cons: /, '')
            .trim()
            .split(/\s+/)[0],
      );
    expect(tbsFields).toEqual(['INTEGER', 'SEQUENCE', 'SEQUENCE', 'UTCTIME', 'UTCTIME', 'cont']);
    expect(runOk('openssl', ['crl', '-in', crl.pem, '-noout', '-text'])).toContain('No Revoked Certificates.');
    expect(opensslCrlCheck(crl.pem, ca.certPath)).toMatch(/^verify OK\s*$/);
    const ok = opensslVerifyWithCrl(crl.pem, ca.certPath, leaf.certPath);
    expect(ok.status).toBe(0);
    const py = readWithPython(crl.der, ca);
    expect(py).toMatchObject({ valid: true, count: 0, number: '0' });
    expect(parseCrl(der, 'empty.crl').entries.size).toBe(0);
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050, as openssl and python read them', () => {
    const thisUpdate = new Date('2049-12-31T23:59:59Z');
    const nextUpdate = new Date('2050-01-01T00:00:00Z');
    const der = createCrl({
      issuerCertificateDer: ca.certDer,
      issuerKey: ca.key,
      crlNumber: 7n,
      thisUpdate,
      nextUpdate,
      entries: [
        { serialHex: '01', revokedAt: new Date('2051-06-07T08:09:10Z'), reason: 'privilegeWithdrawn' },
        { serialHex: '02', revokedAt: new Date('1999-01-01T00:00:00Z'), reason: 'aACompromise' },
      ],
    });
    const crl = writeCrl(tmp.dir, der, 'times');
    const asn1 = runOk('openssl', ['asn1parse', '-in', crl.der, '-inform', 'DER']);
    expect(asn1).toContain('UTCTIME           :491231235959Z');
    expect(asn1).toContain('GENERALIZEDTIME   :20500101000000Z');
    expect(asn1).toContain('GENERALIZEDTIME   :20510607080910Z');
    expect(asn1).toContain('UTCTIME           :990101000000Z');
    const text = runOk('openssl', ['crl', '-in', crl.pem, '-noout', '-text']);
    expect(text).toContain('Next Update: Jan  1 00:00:00 2050 GMT');
    expect(text).toContain('Privilege Withdrawn');
    expect(text).toContain('AA Compromise');
    const py = readWithPython(crl.der, ca);
    expect(py).toMatchObject({ valid: true, thisUpdate: '2049-12-31T23:59:59Z', nextUpdate: '2050-01-01T00:00:00Z' });
    expect(py.entries).toEqual({
      '01': { date: '2051-06-07T08:09:10Z', reason: 'privilegeWithdrawn' },
      '02': { date: '1999-01-01T00:00:00Z', reason: 'aACompromise' },
    });
    const parsed = parseCrl(der, 'times.crl');
    expect(parsed.nextUpdate).toEqual(nextUpdate);
    expect(parsed.entries.get('01')).toEqual({
      revokedAt: new Date('2051-06-07T08:09:10Z'),
      reason: 'privilegeWithdrawn',
    });
  });

  it('without a subjectKeyIdentifier on the CA, the AKI is the SHA-1 of its key, as openssl computes it', () => {
    const bare = makeRootCa(tmp.dir, 'bare', 'rsa', { ski: false });
    expect(bare.skiHex).toBe('');
    const der = createCrl({
      issuerCertificateDer: bare.certDer,
      issuerKey: bare.key,
      entries: [],
      crlNumber: 3n,
      thisUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
    });
    const crl = writeCrl(tmp.dir, der, 'bare');
    // openssl's own "hash" key identifier for the same key, from a throwaway certificate.
    runOk('openssl', [
      'req',
      '-x509',
      '-key',
      bare.keyPath,
      '-out',
      join(tmp.dir, 'bare-ski.crt'),
      '-subj',
      '/CN=x',
      '-addext',
      'subjectKeyIdentifier=hash',
    ]);
    const expected = /\n\s+([0-9A-F:]+)\s*$/
      .exec(
        runOk('openssl', ['x509', '-in', join(tmp.dir, 'bare-ski.crt'), '-noout', '-ext', 'subjectKeyIdentifier']),
      )![1]!
      .replace(/:/g, '')
      .toLowerCase();
    expect(readWithPython(crl.der, bare)).toMatchObject({ valid: true, aki: expected });
    expect(parseCrl(der, 'bare.crl').authorityKeyIdHex).toBe(expected);
  });

  it('with a subjectKeyIdentifier that is not the key hash, the AKI copies it', () => {
    const custom = makeRootCa(tmp.dir, 'custom', 'P-256', { ski: '0102030405060708090A' });
    expect(custom.skiHex).toBe('0102030405060708090a');
    const der = createCrl({
      issuerCertificateDer: custom.certDer,
      issuerKey: custom.key,
      entries: [],
      crlNumber: 3n,
      thisUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
    });
    const crl = writeCrl(tmp.dir, der, 'custom');
    expect(readWithPython(crl.der, custom)).toMatchObject({ valid: true, aki: '0102030405060708090a' });
    expect(runOk('openssl', ['crl', '-in', crl.pem, '-noout', '-text'])).toMatch(
      /X509v3 Authority Key Identifier: \s*(?:keyid:)?01:02:03:04:05:06:07:08:09:0A/,
    );
  });

  it('100,000 entries: openssl verifies the signature and python counts them all', () => {
    const entries: RevokedEntry[] = [];
    const reasons = [undefined, 'keyCompromise', 'superseded', 'affiliationChanged'] as const;
    for (let i = 0; i < 100_000; i++) {
      entries.push({
        serialHex: (0x7f000000 + i * 3).toString(16),
        revokedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000),
        reason: reasons[i % 4],
      });
    }
    const der = createCrl({
      issuerCertificateDer: ca.certDer,
      issuerKey: ca.key,
      entries,
      crlNumber: 100_000n,
      thisUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
    });
    const crl = writeCrl(tmp.dir, der, 'big');
    expect(opensslCrlCheck(crl.der, ca.certPath)).toMatch(/^verify OK\s*$/);
    const py = python<{ valid: boolean; count: number; last: [string, string | null] }>(
      `
import sys, json
from cryptography import x509
crl = x509.load_der_x509_crl(open(sys.argv[1], 'rb').read())
ca = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read())
last = list(crl)[-1]
try:
    reason = last.extensions.get_extension_for_class(x509.CRLReason).value.reason.value
except x509.ExtensionNotFound:
    reason = None
print(json.dumps({'valid': crl.is_signature_valid(ca.public_key()), 'count': len(crl), 'last': ['%x' % last.serial_number, reason]}))
`,
      [crl.der, ca.certPath],
    );
    expect(py).toEqual({
      valid: true,
      count: 100_000,
      last: [(0x7f000000 + 99_999 * 3).toString(16), 'affiliationChanged'],
    });
    const parsed = parseCrl(der, 'big.crl');
    expect(parsed.entries.size).toBe(100_000);
    expect(parsed.lookup((0x7f000000 + 4 * 3).toString(16))).toEqual({
      revokedAt: new Date(Date.UTC(2026, 0, 1) + 4000),
    });
  });

  it('writes the same CRL from index columns (crl gen) as from entry objects, serials needing normalizing included', () => {
    const lines = ['V\t271124000000Z\t\t0A\tunknown\t/CN=valid'];
    const reasons = ['keyCompromise', '', 'CACompromise', 'unspecified', 'superseded,extra', 'notAReason'];
    const serials = ['1', '00ff', 'abc', '7F', '0001', '80', 'DEADBEEF', '000000'];
    for (let i = 0; i < 40; i++) {
      const reason = reasons[i % reasons.length];
      const when = `2601${String(1 + (i % 3)).padStart(2, '0')}000000Z`;
      lines.push(
        [
          'R',
          '271124000000Z',
          reason ? `${when},${reason}` : when,
          serials[i % serials.length] + (i >= 8 ? i.toString(16) : ''),
          'unknown',
          `/CN=r${i}`,
        ].join('\t'),
      );
    }
    const columns = readRevocations(lines.join('\n'), 'index.txt');
    const base = {
      issuerCertificateDer: ca.certDer,
      issuerKey: ca.key,
      crlNumber: 7n,
      thisUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
    };
    // The signed parts compared (an ECDSA signature differs every time).
    const fromColumns = parseCrl(createCrl({ ...base, entries: columns }), 'columns.crl');
    const fromObjects = parseCrl(createCrl({ ...base, entries: [...columns] }), 'objects.crl');
    expect(fromColumns.tbsDer.equals(fromObjects.tbsDer)).toBe(true);
    expect(fromColumns.revokedCount).toBe(40);
    expect(fromColumns.lookup('FF')).toEqual({ revokedAt: new Date('2026-01-02T00:00:00Z') });
  });

  it("refuses a bad serial, a key that is not the issuer certificate's, and a negative CRL number", () => {
    const base = {
      issuerCertificateDer: ca.certDer,
      issuerKey: ca.key,
      crlNumber: 1n,
      thisUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
    };
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return isMtlsError(err) ? `${err.code}: ${err.message}` : `not an MtlsError: ${String(err)}`;
      }
      return 'no error';
    };
    expect(codeOf(() => createCrl({ ...base, entries: [{ serialHex: '12G4', revokedAt: THIS_UPDATE }] }))).toMatch(
      /^BAD_INPUT: '12G4' is not a hexadecimal serial/,
    );
    expect(codeOf(() => createCrl({ ...base, entries: [{ serialHex: '', revokedAt: THIS_UPDATE }] }))).toMatch(
      /^BAD_INPUT/,
    );
    expect(codeOf(() => createCrl({ ...base, entries: [{ serialHex: '01', revokedAt: new Date('nope') }] }))).toMatch(
      /^BAD_INPUT/,
    );
    expect(codeOf(() => createCrl({ ...base, crlNumber: -1n, entries: [] }))).toMatch(/^BAD_INPUT/);
    const other = makeRootCa(tmp.dir, 'other', 'P-256');
    expect(codeOf(() => createCrl({ ...base, issuerKey: other.key, entries: [] }))).toMatch(/^KEY_MISMATCH/);
  });
});
