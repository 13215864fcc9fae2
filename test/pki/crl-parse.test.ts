/**
 * parseCrl and verifyCrlSignature on CRLs made by others: `openssl ca -gencrl` (from a minimal
 * openssl ca directory) and python3 `cryptography` (all reasons, RSA-PSS, SHA-1, critical extensions).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createCrl,
  parseCrl,
  revocationReasonFromText,
  verifyCrlSignature,
  REVOCATION_REASONS,
  type ParsedCrl,
} from '../../src/pki/crl.js';
import { children, derBitString, derNull, derOid, derSequence, readTlv, slice } from '../../src/pki/der.js';
import { readRevocations } from '../../src/store/index-file.js';
import { isMtlsError } from '../../src/errors.js';
import { makeLeaf, makeRootCa, python, runOk, tempDir, type TestCa, type TestLeaf } from '../fixtures/crl/pki.js';

/** The error code and message a call throws, for one-line assertions. */
function failure(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return isMtlsError(err) ? `${err.code}: ${err.message}` : `not an MtlsError: ${String(err)}`;
  }
  return 'no error';
}

function opensslDate(text: string, field: 'lastupdate' | 'nextupdate'): Date {
  return new Date(text.trim().replace(`${field}=`, ''));
}

/** A minimal `openssl ca` directory: config, index.txt and crlnumber (hex, as openssl keeps it). */
function makeOpensslCaDir(dir: string, ca: TestCa, defaultMd: string): string {
  mkdirSync(join(dir, 'newcerts'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'crlnumber'), '1F\n');
  const config = join(dir, 'ca.cnf');
  writeFileSync(
    config,
    [
      '[ ca ]',
      'default_ca = CA_default',
      '[ CA_default ]',
      `database = ${join(dir, 'index.txt')}`,
      `new_certs_dir = ${join(dir, 'newcerts')}`,
      `certificate = ${ca.certPath}`,
      `private_key = ${ca.keyPath}`,
      `crlnumber = ${join(dir, 'crlnumber')}`,
      `default_md = ${defaultMd}`,
      'default_crl_days = 30',
      'crl_extensions = crl_ext',
      '[ crl_ext ]',
      'authorityKeyIdentifier = keyid:always',
      '',
    ].join('\n'),
  );
  return config;
}

describe.each([
  { keyType: 'rsa', md: 'sha256', sigopts: [], oid: '1.2.840.113549.1.1.11' },
  { keyType: 'rsa', md: 'sha1', sigopts: [], oid: '1.2.840.113549.1.1.5' },
  {
    keyType: 'rsa',
    md: 'sha512',
    sigopts: ['rsa_padding_mode:pss', 'rsa_pss_saltlen:20'],
    oid: '1.2.840.113549.1.1.10',
  },
  { keyType: 'P-384', md: 'sha384', sigopts: [], oid: '1.2.840.10045.4.3.3' },
  { keyType: 'P-256', md: 'sha1', sigopts: [], oid: '1.2.840.10045.4.1' },
] as const)('parseCrl on `openssl ca -gencrl` ($keyType, $md $sigopts)', ({ keyType, md, sigopts, oid }) => {
  const tmp = tempDir();
  let ca: TestCa;
  let other: TestCa;
  let config: string;
  const leaves: Record<string, TestLeaf> = {};
  let crl: ParsedCrl;
  let crlText: string;

  beforeAll(() => {
    ca = makeRootCa(tmp.dir, 'ca', keyType);
    other = makeRootCa(tmp.dir, 'other', keyType);
    config = makeOpensslCaDir(join(tmp.dir, 'db'), ca, md);
    const revocations: [name: string, serial: string, args: string[]][] = [
      ['key', '0A1B2C3D', ['-crl_reason', 'keyCompromise']],
      ['cacomp', 'F00D', ['-crl_reason', 'CACompromise']], // high bit: DER adds a 00 octet
      ['unspec', '0100', ['-crl_reason', 'unspecified']],
      ['plain', '05', []],
      ['superseded', '7E', ['-crl_reason', 'superseded']],
      ['keytime', '1234567890ABCDEF', ['-crl_compromise', '20260102030405Z']],
      ['hold', '33', ['-crl_hold', 'holdInstructionReject']],
    ];
    for (const [name, serial, args] of revocations) {
      leaves[name] = makeLeaf(tmp.dir, name, serial, ca);
      runOk('openssl', ['ca', '-config', config, '-revoke', leaves[name]!.certPath, ...args]);
    }
    leaves.good = makeLeaf(tmp.dir, 'good', '06', ca);
    const crlPath = join(tmp.dir, 'crl.pem');
    runOk('openssl', ['ca', '-config', config, '-gencrl', '-out', crlPath, ...sigopts.flatMap((o) => ['-sigopt', o])]);
    crlText = readFileSync(crlPath, 'utf8');
    crl = parseCrl(Buffer.from(crlText), 'crl.pem');
  });
  afterAll(() => tmp.cleanup());

  it('reads issuer, dates, number, AKI and algorithm as openssl reports them', () => {
    const crlPath = join(tmp.dir, 'crl.pem');
    expect(crl.crlNumber).toBe(0x1fn);
    expect(crl.authorityKeyIdHex).toBe(ca.skiHex);
    expect(crl.signatureAlgorithmOid).toBe(oid);
    expect(crl.thisUpdate).toEqual(
      opensslDate(runOk('openssl', ['crl', '-in', crlPath, '-noout', '-lastupdate']), 'lastupdate'),
    );
    expect(crl.nextUpdate).toEqual(
      opensslDate(runOk('openssl', ['crl', '-in', crlPath, '-noout', '-nextupdate']), 'nextupdate'),
    );
    const certFields = children(ca.certDer, children(ca.certDer, readTlv(ca.certDer, 0))[0]!);
    expect(crl.issuerNameDer).toEqual(slice(ca.certDer, certFields[5]!)); // [0] version, serial, sig, issuer, validity, subject
    expect(crl.unknownCriticalExtensions).toEqual([]);
  });

  it('reads every entry with its reason, keyed by the serial as openssl prints it', () => {
    const expected: Record<string, string | undefined> = {
      key: 'keyCompromise',
      cacomp: 'cACompromise',
      unspec: 'unspecified',
      plain: undefined,
      superseded: 'superseded',
      keytime: 'keyCompromise',
      hold: 'certificateHold',
    };
    expect(crl.revokedCount).toBe(7);
    expect(crl.entries.size).toBe(7);
    for (const [name, reason] of Object.entries(expected)) {
      const entry = crl.entries.get(leaves[name]!.serialHex);
      expect(entry, name).toBeDefined();
      expect(entry!.reason, name).toBe(reason);
      expect(crl.lookup(leaves[name]!.serialHex), name).toEqual(entry);
    }
    expect(crl.entries.has('F00D')).toBe(true);
    expect(crl.lookup('00f00d')?.reason).toBe('cACompromise');
    expect(crl.lookup(leaves.good!.serialHex)).toBeUndefined();
    const printed = /Serial Number: 0100\s+Revocation Date: ([^\n]+)/.exec(
      runOk('openssl', ['crl', '-in', join(tmp.dir, 'crl.pem'), '-noout', '-text']),
    );
    expect(crl.entries.get('0100')!.revokedAt).toEqual(new Date(printed![1]!));
  });

  it('verifies the signature with the issuer key only, and not after tampering', () => {
    expect(verifyCrlSignature(crl, ca.spkiDer)).toBe(true);
    expect(verifyCrlSignature(crl, other.spkiDer)).toBe(false);
    const tampered = Buffer.from(crl.der);
    const at = tampered.indexOf(Buffer.from(leaves.key!.serialHex, 'hex'));
    tampered[at + 3]! ^= 0x01; // a revoked serial no one signed
    expect(verifyCrlSignature(parseCrl(tampered, 'tampered.crl'), ca.spkiDer)).toBe(false);
  });

  it('mtlskit and openssl make the same entries from the same index.txt', () => {
    const index = readFileSync(join(tmp.dir, 'db', 'index.txt'), 'utf8');
    const ours = parseCrl(
      createCrl({
        issuerCertificateDer: ca.certDer,
        issuerKey: ca.key,
        entries: readRevocations(index, 'index.txt'),
        crlNumber: 0x1fn,
        thisUpdate: crl.thisUpdate,
        nextUpdate: crl.nextUpdate!,
      }),
      'ours.crl',
    );
    expect(ours.entries).toEqual(crl.entries);
    expect(ours.issuerNameDer).toEqual(crl.issuerNameDer);
    expect(ours.authorityKeyIdHex).toBe(crl.authorityKeyIdHex);
  });
});

describe('parseCrl on CRLs made by python cryptography', () => {
  const tmp = tempDir();
  let rsa: TestCa;
  let ec: TestCa;
  const PY_MAKE = `
import sys, json, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID, ObjectIdentifier
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
ca = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())
key = serialization.load_pem_private_key(open(sys.argv[2], 'rb').read(), None)
variant = sys.argv[4]
reasons = [f for f in x509.ReasonFlags]
b = x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
b = b.last_update(datetime.datetime(2026, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc))
b = b.next_update(datetime.datetime(2050, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc))
b = b.add_extension(x509.CRLNumber(2**100 + 5), critical=False)
b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()), critical=False)
for i, reason in enumerate(reasons):
    r = x509.RevokedCertificateBuilder().serial_number(0x80 + i).revocation_date(datetime.datetime(2026, 1, 1 + i, tzinfo=datetime.timezone.utc))
    b = b.add_revoked_certificate(r.add_extension(x509.CRLReason(reason), critical=False).build())
b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(1).revocation_date(datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)).build())
b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(2**159 - 1).revocation_date(datetime.datetime(2049, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)).build())
if variant == 'critical':
    b = b.add_extension(x509.UnrecognizedExtension(ObjectIdentifier('1.3.6.1.4.1.99999.1'), b'\\x05\\x00'), critical=True)
    issuer = x509.CertificateIssuer([x509.DNSName('other.example')])
    b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(0x77).revocation_date(datetime.datetime(2026, 2, 2, tzinfo=datetime.timezone.utc)).add_extension(issuer, critical=True).build())
if variant == 'pss':
    crl = b.sign(key, hashes.SHA384(), rsa_padding=padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48))
elif variant == 'sha512':
    crl = b.sign(key, hashes.SHA512())
else:
    crl = b.sign(key, hashes.SHA256())
open(sys.argv[3], 'wb').write(crl.public_bytes(serialization.Encoding.DER))
print(json.dumps({'aki': x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()).key_identifier.hex()}))
`;

  function makeWithPython(
    ca: TestCa,
    variant: 'plain' | 'critical' | 'pss' | 'sha512',
  ): { crl: ParsedCrl; aki: string } {
    const out = join(tmp.dir, `${ca.name}-${variant}.der`);
    const { aki } = python<{ aki: string }>(PY_MAKE, [ca.certPath, ca.keyPath, out, variant]);
    return { crl: parseCrl(readFileSync(out), `${variant}.crl`), aki };
  }

  beforeAll(() => {
    rsa = makeRootCa(tmp.dir, 'rsa', 'rsa');
    ec = makeRootCa(tmp.dir, 'ec', 'P-256');
  });
  afterAll(() => tmp.cleanup());

  it('reads all ten RFC 5280 reasons (code 7 is unassigned), big serials and a big CRL number', () => {
    const { crl, aki } = makeWithPython(ec, 'plain');
    expect(crl.crlNumber).toBe(2n ** 100n + 5n);
    expect(crl.authorityKeyIdHex).toBe(aki);
    expect(crl.thisUpdate).toEqual(new Date('2026-05-06T07:08:09Z'));
    expect(crl.nextUpdate).toEqual(new Date('2050-01-02T03:04:05Z'));
    expect(crl.unknownCriticalExtensions).toEqual([]);
    const pythonOrder = [
      'unspecified',
      'keyCompromise',
      'cACompromise',
      'affiliationChanged',
      'superseded',
      'cessationOfOperation',
      'certificateHold',
      'privilegeWithdrawn',
      'aACompromise',
      'removeFromCRL',
    ];
    pythonOrder.forEach((reason, i) => {
      expect(crl.entries.get((0x80 + i).toString(16).toUpperCase()), reason).toEqual({
        revokedAt: new Date(Date.UTC(2026, 0, 1 + i)),
        reason,
      });
    });
    expect(crl.entries.get('01')).toEqual({ revokedAt: new Date('1999-12-31T23:59:59Z') });
    expect(crl.entries.get((2n ** 159n - 1n).toString(16).toUpperCase())).toEqual({
      revokedAt: new Date('2049-12-31T23:59:59Z'),
    });
    expect(crl.entries.size).toBe(12);
    expect(verifyCrlSignature(crl, ec.spkiDer)).toBe(true);
    expect(verifyCrlSignature(crl, rsa.spkiDer)).toBe(false);
  });

  it('verifies RSA PKCS#1 v1.5 with SHA-512 and RSA-PSS with SHA-384', () => {
    for (const variant of ['sha512', 'pss'] as const) {
      const { crl } = makeWithPython(rsa, variant);
      expect(crl.signatureAlgorithmOid, variant).toBe(
        variant === 'pss' ? '1.2.840.113549.1.1.10' : '1.2.840.113549.1.1.13',
      );
      expect(verifyCrlSignature(crl, rsa.spkiDer), variant).toBe(true);
      expect(verifyCrlSignature(crl, ec.spkiDer), variant).toBe(false);
    }
  });

  it('reports critical extensions it does not understand, on the CRL and on entries', () => {
    const { crl } = makeWithPython(rsa, 'critical');
    expect([...crl.unknownCriticalExtensions].sort()).toEqual(['1.3.6.1.4.1.99999.1', '2.5.29.29']);
    expect(crl.entries.get('77')).toEqual({ revokedAt: new Date('2026-02-02T00:00:00Z') });
    expect(verifyCrlSignature(crl, rsa.spkiDer)).toBe(true);
  });
});

describe('parseCrl and verifyCrlSignature on bad input', () => {
  const tmp = tempDir();
  let ca: TestCa;
  let good: Buffer;
  beforeAll(() => {
    ca = makeRootCa(tmp.dir, 'ca', 'rsa');
    good = createCrl({
      issuerCertificateDer: ca.certDer,
      issuerKey: ca.key,
      crlNumber: 9n,
      thisUpdate: new Date('2026-01-01T00:00:00Z'),
      nextUpdate: new Date('2026-02-01T00:00:00Z'),
      entries: [{ serialHex: '0A', revokedAt: new Date('2025-12-31T10:11:12Z'), reason: 'keyCompromise' }],
    });
  });
  afterAll(() => tmp.cleanup());

  it('gives BAD_INPUT naming the file for anything that is not one complete CRL', () => {
    const cases: [string, Buffer][] = [
      ['random bytes', Buffer.from('hello, this is not a CRL')],
      ['truncated DER', good.subarray(0, good.length - 10)],
      ['trailing bytes', Buffer.concat([good, Buffer.from([0])])],
      ['a certificate', ca.certDer],
      ['a PEM certificate', readFileSync(ca.certPath)],
      ['an empty SEQUENCE', Buffer.from([0x30, 0x00])],
      ['indefinite length', Buffer.from([0x30, 0x80, 0x00, 0x00])],
    ];
    for (const [what, data] of cases) {
      expect(
        failure(() => parseCrl(data, 'broken.crl')),
        what,
      ).toMatch(/^BAD_INPUT: broken\.crl .*\.$/);
    }
  });

  it('reports a damaged entry date as BAD_INPUT when the entries are read', () => {
    const damaged = Buffer.from(good);
    const at = damaged.indexOf(Buffer.from('251231101112Z', 'latin1'));
    damaged.write('X', at + 2, 'latin1');
    const crl = parseCrl(damaged, 'damaged.crl');
    expect(failure(() => crl.entries)).toMatch(
      /^BAD_INPUT: damaged\.crl is not a readable CRL \(bad time 25X231101112Z\)/,
    );
    expect(failure(() => crl.lookup('0A'))).toMatch(/^BAD_INPUT: damaged\.crl/);
  });

  it('rejects a signature whose outer algorithm differs from the signed one', () => {
    const crl = parseCrl(good, 'good.crl');
    expect(verifyCrlSignature(crl, ca.spkiDer)).toBe(true);
    // Signed correctly with SHA-384 over the same TBS (which says SHA-256): valid bytes, lying labels.
    const sha384Alg = derSequence(derOid('1.2.840.113549.1.1.12'), derNull());
    const relabelled = derSequence(crl.tbsDer, sha384Alg, derBitString(sign('sha384', crl.tbsDer, ca.key)));
    const parsed = parseCrl(relabelled, 'relabelled.crl');
    expect(parsed.signatureAlgorithmOid).toBe('1.2.840.113549.1.1.12');
    expect(verifyCrlSignature(parsed, ca.spkiDer)).toBe(false);
  });
});

describe('revocation reasons', () => {
  it('keeps RFC 5280 codes as indexes, with 7 unassigned', () => {
    expect(REVOCATION_REASONS.indexOf('keyCompromise')).toBe(1);
    expect(REVOCATION_REASONS[7]).toBeUndefined();
    expect(REVOCATION_REASONS.indexOf('removeFromCRL')).toBe(8);
    expect(REVOCATION_REASONS.indexOf('aACompromise')).toBe(10);
  });

  it('reads index.txt reason text as openssl ca writes it', () => {
    expect(revocationReasonFromText('CACompromise')).toBe('cACompromise');
    expect(revocationReasonFromText('keycompromise')).toBe('keyCompromise');
    expect(revocationReasonFromText('keyTime,20260102030405Z')).toBe('keyCompromise');
    expect(revocationReasonFromText('CAkeyTime,20260102030405Z')).toBe('cACompromise');
    expect(revocationReasonFromText('holdInstruction,1.2.840.10040.2.3')).toBe('certificateHold');
    expect(revocationReasonFromText('whatever')).toBeUndefined();
  });
});
