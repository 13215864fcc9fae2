import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mtlskit, mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { newKeyArgs, opensslSignCsr } from '../helpers/openssl.js';

let tmp: { dir: string; cleanup: () => void };
let dir: string;
let other: string;
beforeAll(() => {
  tmp = tempDir();
  dir = join(tmp.dir, 'pki');
  other = join(tmp.dir, 'other');
  mtlskitOk(['ca', 'init', '--dir', dir, '--subject', '/O=Acme Root']);
  mtlskitOk(['ca', 'init', '--dir', other, '--subject', '/O=Other CA', '--key-type', 'ec:P-256']);
  mtlskitOk(['server', 'issue', '--dir', dir, '--dns', 'api.example.com']);
  mtlskitOk(['client', 'issue', '--dir', dir]);
  mtlskitOk(['client', 'issue', 'gone', '--dir', dir]);
  mtlskitOk(['revoke', 'gone', '--dir', dir]);
  mtlskitOk(['client', 'issue', '--dir', other]);
});
afterAll(() => tmp.cleanup());

const opensslAgrees = (args: string[]) => openssl(['verify', '-x509_strict', ...args]).status === 0;

describe('mtlskit verify (CLI)', () => {
  it('exit 0 with one OK line naming the path', () => {
    const r = mtlskitOk([
      'verify',
      join(dir, 'client.crt'),
      '--dir',
      dir,
      '--purpose',
      'client',
      '--key',
      join(dir, 'client.key'),
      '--crl',
      join(dir, 'crl.pem'),
    ]);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^OK .*client\.crt: .*client.*Acme Root/);
    expect(
      opensslAgrees([
        '-purpose',
        'sslclient',
        '-crl_check',
        '-CRLfile',
        join(dir, 'crl.pem'),
        '-CAfile',
        join(dir, 'ca.crt'),
        join(dir, 'client.crt'),
      ]),
    ).toBe(true);
  });

  it('follows Ed25519 signatures as openssl does: a good chain passes, a same-named impostor CA fails', () => {
    const ed = (name: string) => join(tmp.dir, name);
    const caExt = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'].flatMap((e) => [
      '-addext',
      e,
    ]);
    for (const root of ['ed-root', 'ed-fake']) {
      openssl([
        'req',
        '-x509',
        ...newKeyArgs(ed(`${root}.key`), 'ed25519'),
        '-out',
        ed(`${root}.crt`),
        '-subj',
        '/O=Ed Root',
        '-days',
        '30',
        ...caExt,
      ]);
    }
    openssl([
      'req',
      '-new',
      ...newKeyArgs(ed('ed-leaf.key'), 'ed25519'),
      '-out',
      ed('ed-leaf.csr'),
      '-subj',
      '/CN=ed.example.com',
    ]);
    writeFileSync(
      ed('ed-leaf.ext'),
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:ed.example.com\n',
    );
    opensslSignCsr({
      csr: ed('ed-leaf.csr'),
      ca: ed('ed-root.crt'),
      caKey: ed('ed-root.key'),
      out: ed('ed-leaf.crt'),
      serial: '7',
      days: 10,
      extfile: ed('ed-leaf.ext'),
    });
    mtlskitOk([
      'verify',
      ed('ed-leaf.crt'),
      '--ca',
      ed('ed-root.crt'),
      '--purpose',
      'server',
      '--host',
      'ed.example.com',
      '--key',
      ed('ed-leaf.key'),
      // OpenSSL, Go and rustls accept Ed25519 certificates; browsers and pyca/cryptography do not, so the strict
      // default refuses them (WEAK_KEY) and this case asks what OpenSSL-based peers do.
      '--profile',
      'openssl',
    ]);
    const strict = mtlskit(['verify', ed('ed-leaf.crt'), '--ca', ed('ed-root.crt'), '--purpose', 'server', '--json']);
    expect(strict.status).toBe(1);
    expect(JSON.parse(strict.stdout).problems.map((p: { code: string }) => p.code)).toContain('WEAK_KEY');
    expect(opensslAgrees(['-purpose', 'sslserver', '-CAfile', ed('ed-root.crt'), ed('ed-leaf.crt')])).toBe(true);
    const fake = mtlskit(['verify', ed('ed-leaf.crt'), '--ca', ed('ed-fake.crt'), '--json']);
    expect(fake.status).toBe(1);
    expect(JSON.parse(fake.stdout).problems.map((p: { code: string }) => p.code)).toContain('BAD_SIGNATURE');
    expect(opensslAgrees(['-CAfile', ed('ed-fake.crt'), ed('ed-leaf.crt')])).toBe(false);
  });

  it('reads an OpenSSL TRUSTED CERTIFICATE as a trust anchor (its trust settings are not used)', () => {
    const trusted = join(tmp.dir, 'trusted.pem');
    openssl(['x509', '-in', join(dir, 'ca.crt'), '-addtrust', 'serverAuth', '-out', trusted]);
    mtlskitOk(['verify', join(dir, 'server.crt'), '--ca', trusted, '--purpose', 'server']);
    expect(opensslAgrees(['-purpose', 'sslserver', '-CAfile', trusted, join(dir, 'server.crt')])).toBe(true);
    const shown = mtlskitOk(['show', trusted]);
    expect(shown.stdout).toContain('O=Acme Root');
  });

  it('names the other CA in one sentence, exit 1, as openssl also rejects it', () => {
    const r = mtlskit(['verify', join(other, 'client.crt'), '--dir', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("'O=Other CA'");
    expect(r.stdout).toContain('O=Acme Root');
    expect(opensslAgrees(['-CAfile', join(dir, 'ca.crt'), join(other, 'client.crt')])).toBe(false);
  });

  it('reports wrong purpose, host mismatch, revocation and key mismatch together in --json', () => {
    const wrong = JSON.parse(
      mtlskit([
        'verify',
        join(dir, 'server.crt'),
        '--dir',
        dir,
        '--purpose',
        'client',
        '--host',
        'other.example.com',
        '--key',
        join(dir, 'client.key'),
        '--json',
      ]).stdout,
    );
    expect(wrong.valid).toBe(false);
    const codes = wrong.problems.map((p: { code: string }) => p.code);
    expect(codes).toEqual(expect.arrayContaining(['WRONG_PURPOSE', 'HOSTNAME_MISMATCH', 'KEY_MISMATCH']));
    const revoked = JSON.parse(
      mtlskit(['verify', join(dir, 'gone.crt'), '--dir', dir, '--crl', join(dir, 'crl.pem'), '--json']).stdout,
    );
    expect(revoked.problems.map((p: { code: string }) => p.code)).toContain('REVOKED');
  });

  it('checks validity at --at (ISO or @epoch)', () => {
    const r = mtlskit(['verify', join(dir, 'client.crt'), '--dir', dir, '--at', '2099-01-01T00:00:00Z', '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).problems.map((p: { code: string }) => p.code)).toContain('EXPIRED');
    expect(
      mtlskit(['verify', join(dir, 'client.crt'), '--dir', dir, '--at', `@${Math.floor(Date.now() / 1000)}`]).status,
    ).toBe(0);
  });

  it('exit 2 for malformed input', () => {
    const junk = join(tmp.dir, 'junk.crt');
    writeFileSync(junk, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    expect(mtlskit(['verify', junk, '--dir', dir]).status).toBe(2);
    expect(mtlskit(['verify', join(tmp.dir, 'missing.crt'), '--dir', dir]).status).toBe(2);
    expect(mtlskit(['verify', join(dir, 'client.crt'), '--dir', dir, '--at', 'yesterday-ish']).status).toBe(2);
  });
});
