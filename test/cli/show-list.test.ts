import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, mtlskit, mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { newKeyArgs } from '../helpers/openssl.js';

const SHOW = join(FIXTURES, 'show');

/** Days left change every day; everything else in the output is fixed by the fixture bytes. */
function normalise(text: string): string {
  return text
    .replace(/\(\d+ days left\)/g, '(N days left)')
    .replace(/\(expired \d+ days ago\)/g, '(expired N days ago)')
    .replace(/"daysLeft": -?\d+/g, '"daysLeft": N')
    .replace(/"expired": (true|false)/g, '"expired": $1');
}

function expectGolden(name: string, actual: string) {
  const file = join(SHOW, `${name}.golden.txt`);
  const text = normalise(actual);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

describe('mtlskit show (golden files over fixed fixtures made by openssl)', () => {
  const cases: [string, string[]][] = [
    ['certificate', ['ca.crt']],
    ['chain', ['chain.pem']],
    ['der-certificate', ['server.der']],
    ['csr', ['server.csr', 'ca-request.csr']],
    ['expired', ['expired.crt']],
    ['crl', ['crl.pem']],
    ['keys', ['server.key', 'server-encrypted.key', 'ca-sec1.key']],
    ['pfx', ['legacy.pfx', '--passin', 'pass:fixture']],
    ['pfx-modern', ['modern.pfx', '--passin', 'pass:fixture']],
  ];
  for (const [name, args] of cases) {
    it(name, () => {
      const r = mtlskitOk(['show', ...args], { cwd: SHOW });
      expectGolden(name, r.stdout);
    });
  }

  it('--json gives the same facts, checked against openssl', () => {
    const r = JSON.parse(mtlskitOk(['show', 'server.crt', '--json'], { cwd: SHOW }).stdout);
    const cert = r.files[0].items[0];
    expect(cert.serial).toBe(
      openssl(['x509', '-in', join(SHOW, 'server.crt'), '-noout', '-serial'])
        .stdout.trim()
        .split('=')[1]!
        .replace(/^0+/, ''),
    );
    expect(cert.fingerprintSha256).toBe(
      openssl(['x509', '-in', join(SHOW, 'server.crt'), '-noout', '-fingerprint', '-sha256'])
        .stdout.trim()
        .split('=')[1],
    );
    expect(cert.subjectAltNames).toEqual(['DNS:api.example.com', 'IP:127.0.0.1']);
    expect(cert.extendedKeyUsage).toEqual(['serverAuth']);
    expect(cert.role).toBe('leaf');
    expectGolden('json', JSON.stringify(r, null, 2) + '\n');
  });

  it('PFX algorithms and requested CSR extensions agree with openssl', () => {
    const info = (file: string, extra: string[] = []) =>
      openssl(['pkcs12', '-in', join(SHOW, file), '-info', '-noout', '-passin', 'pass:fixture', ...extra]).stderr;
    const json = JSON.parse(
      mtlskitOk(['show', 'modern.pfx', 'legacy.pfx', 'ca-request.csr', '--passin', 'pass:fixture', '--json'], {
        cwd: SHOW,
      }).stdout,
    );
    const [modern, legacy, csr] = json.files.map((f: { items: unknown[] }) => f.items[0]);
    expect(info('modern.pfx')).toMatch(
      /MAC: sha256[\s\S]*Encrypted data: PBES2, PBKDF2, AES-256-CBC[\s\S]*Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/,
    );
    expect([modern.mac, modern.certificateEncryption, modern.keyEncryption]).toEqual([
      'HMAC-SHA-256',
      'AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256)',
      'AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256)',
    ]);
    expect(info('legacy.pfx', ['-legacy'])).toMatch(
      /MAC: sha1[\s\S]*Encrypted data: pbeWithSHA1And40BitRC2-CBC[\s\S]*Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC/,
    );
    expect([legacy.mac, legacy.certificateEncryption, legacy.keyEncryption]).toEqual([
      'HMAC-SHA-1',
      'pbeWithSHA1And40BitRC2-CBC',
      'pbeWithSHA1And3-KeyTripleDES-CBC',
    ]);
    expect(modern.certificates.map((c: { subject: string }) => c.subject)).toEqual([
      'O=Show Fixtures, CN=api.example.com',
      'O=Show Fixtures, CN=Show Root CA',
    ]);
    expect(openssl(['req', '-in', join(SHOW, 'ca-request.csr'), '-noout', '-text']).stdout).toMatch(
      /Basic Constraints: critical\s+CA:TRUE/,
    );
    expect(csr.requestedExtensions).toEqual([
      'basicConstraints: CA:TRUE (critical)',
      'keyUsage: digitalSignature, keyCertSign',
    ]);
    expect(csr.signatureValid).toBe(true);
  });

  it('validity is red when expired or within 30 days, green otherwise (on a colour terminal)', () => {
    const tmp = tempDir();
    try {
      const soon = join(tmp.dir, 'soon.crt');
      openssl([
        'req',
        '-x509',
        ...newKeyArgs(join(tmp.dir, 'soon.key')),
        '-subj',
        '/CN=soon',
        '-days',
        '20',
        '-out',
        soon,
      ]);
      const colour = { NO_COLOR: '', FORCE_COLOR: '1' };
      const validLine = (file: string) =>
        mtlskitOk(['show', file], { cwd: SHOW, env: colour })
          .stdout.split('\n')
          .find((l) => l.includes('valid '))!;
      const RED = '\u001b[31m';
      const GREEN = '\u001b[32m';
      expect(validLine('expired.crt')).toContain(`${RED}2020-01-01 → 2020-01-02 (expired`);
      expect(validLine(soon)).toMatch(new RegExp(`\u001b\\[31m.*\\((19|20) days left\\)`));
      expect(validLine('ca.crt')).toContain(GREEN);
      expect(mtlskitOk(['show', 'expired.crt'], { cwd: SHOW }).stdout).not.toContain('\u001b[');
      const json = JSON.parse(mtlskitOk(['show', 'expired.crt', '--json'], { cwd: SHOW }).stdout);
      expect(json.files[0].items[0]).toMatchObject({ expired: true, notAfter: '2020-01-02T00:00:00.000Z' });
    } finally {
      tmp.cleanup();
    }
  });

  it('never prints key material', () => {
    const r = mtlskitOk(['show', 'server.key', 'legacy.pfx', '--passin', 'pass:fixture', '--json'], { cwd: SHOW });
    const keyBase64 = readFileSync(join(SHOW, 'server.key'), 'utf8').split('\n')[1]!;
    expect(r.stdout).not.toContain(keyBase64.slice(0, 20));
    expect(r.stdout).not.toMatch(/PRIVATE KEY-----/);
  });

  it('a truncated PEM file is named as truncated, exit 2', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'cut.crt');
      writeFileSync(file, readFileSync(join(SHOW, 'ca.crt'), 'utf8').slice(0, 200));
      const r = mtlskit(['show', file]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('without its END line');
    } finally {
      tmp.cleanup();
    }
  });

  it('a wrong PFX password is exit 4, no terminal and no --passin is exit 4, junk is exit 2', () => {
    expect(mtlskit(['show', 'legacy.pfx', '--passin', 'pass:nope'], { cwd: SHOW }).status).toBe(4);
    expect(mtlskit(['show', 'legacy.pfx'], { cwd: SHOW }).status).toBe(4);
    expect(mtlskit(['show', 'make-fixtures.sh'], { cwd: SHOW }).status).toBe(2);
  });
});

describe('mtlskit list', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeAll(() => {
    tmp = tempDir();
    mtlskitOk(['ca', 'init', '--dir', tmp.dir, '--key-type', 'ec:P-256']);
    mtlskitOk(['client', 'issue', 'alice', '--dir', tmp.dir, '--key-type', 'ec:P-256']);
    mtlskitOk(['client', 'issue', 'bob', '--dir', tmp.dir, '--key-type', 'ec:P-256', '--days', '10']);
    mtlskitOk(['revoke', 'alice', '--reason', 'keyCompromise', '--dir', tmp.dir]);
  });
  afterAll(() => tmp.cleanup());

  it('shows a revoked certificate as revoked, with its reason', () => {
    const r = mtlskitOk(['list', '--dir', tmp.dir]);
    const alice = r.stdout.split('\n').find((l) => l.startsWith('alice'))!;
    expect(alice).toContain('revoked (keyCompromise)');
    expect(r.stdout.split('\n').find((l) => l.startsWith('bob'))).toMatch(/\(9d\)\s+valid$|\(10d\)\s+valid$/);
    const json = JSON.parse(mtlskitOk(['list', '--dir', tmp.dir, '--json']).stdout);
    expect(json.certificates.map((c: { name: string; status: string }) => `${c.name}:${c.status}`)).toEqual([
      'alice:revoked',
      'bob:valid',
    ]);
  });

  it('--expiring keeps valid certificates that expire soon', () => {
    const json = JSON.parse(mtlskitOk(['list', '--dir', tmp.dir, '--expiring', '30', '--json']).stdout);
    expect(json.certificates.map((c: { name: string }) => c.name)).toEqual(['bob']);
  });
});
