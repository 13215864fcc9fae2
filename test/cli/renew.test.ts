import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mtlskit, mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { opensslVerify } from '../helpers/openssl.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

function x509(file: string, flag: string): string {
  const r = openssl(['x509', '-in', file, '-noout', flag]);
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}
const serialOf = (file: string) => x509(file, '-serial').split('=')[1]!;
const pubkeyOfKey = (file: string) => openssl(['pkey', '-in', file, '-pubout']).stdout;
const indexLines = (dir: string) => readFileSync(join(dir, 'index.txt'), 'utf8').trim().split('\n');

describe('renew NAME', () => {
  let dir: string;
  beforeAll(() => {
    dir = join(tmp.dir, 'pki');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    mtlskitOk([
      'server',
      'issue',
      'api',
      '--dir',
      dir,
      '--dns',
      'api.example.com',
      '--ip',
      '10.1.2.3',
      '--key-type',
      'ec:P-256',
    ]);
    mtlskitOk(['client', 'issue', 'erp', '--dir', dir, '--key-type', 'rsa:2048', '--days', '90']);
  });

  it('issues again with a new serial, the same key, subject and SANs (openssl -verify_hostname, -verify_ip)', () => {
    const cert = join(dir, 'api.crt');
    const old = {
      serial: serialOf(cert),
      pubkey: x509(cert, '-pubkey'),
      subject: x509(cert, '-subject'),
      text: x509(cert, '-text'),
    };
    const r = JSON.parse(mtlskitOk(['renew', 'api', '--dir', dir, '--json']).stdout);
    expect(r.renewed[0].previousSerial).toBe(old.serial);
    expect(serialOf(cert)).toBe(r.renewed[0].serial);
    expect(r.renewed[0].serial).not.toBe(old.serial);
    expect(x509(cert, '-pubkey')).toBe(old.pubkey);
    expect(x509(cert, '-subject')).toBe(old.subject);
    const text = x509(cert, '-text');
    for (const part of [
      'DNS:api.example.com, IP Address:10.1.2.3',
      'TLS Web Server Authentication',
      'Digital Signature',
    ])
      expect(text).toContain(part);
    const ca = join(dir, 'ca.crt');
    for (const check of [
      ['-verify_hostname', 'api.example.com'],
      ['-verify_ip', '10.1.2.3'],
    ]) {
      const v = openssl(['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', ca, ...check, cert]);
      expect(v.stdout + v.stderr).toContain(': OK');
    }
    expect(openssl(['verify', '-CAfile', ca, '-verify_hostname', 'other.example.com', cert]).status).not.toBe(0);
    // The old record stays in index.txt, the old certificate in certs/ (and still valid).
    expect(indexLines(dir).filter((l) => l.includes(`\t${old.serial}\tapi\t`))[0]).toMatch(/^V\t/);
    expect(openssl(['verify', '-CAfile', ca, join(dir, 'certs', `${old.serial}.pem`)]).status).toBe(0);
  });

  it('--rekey makes a new key of the same type that fits the new certificate; --revoke-old revokes the old one (superseded)', () => {
    const cert = join(dir, 'erp.crt');
    const key = join(dir, 'erp.key');
    const oldSerial = serialOf(cert);
    const oldKey = pubkeyOfKey(key);
    mtlskitOk(['renew', 'erp', '--rekey', '--revoke-old', '--dir', dir]);
    expect(pubkeyOfKey(key)).not.toBe(oldKey);
    expect(x509(cert, '-pubkey') + '\n').toBe(pubkeyOfKey(key).trim() + '\n');
    expect(x509(cert, '-text')).toContain('Public-Key: (2048 bit)');
    // 90 days, as before.
    const r = JSON.parse(mtlskitOk(['list', '--json', '--dir', dir]).stdout).certificates;
    const current = r.find((c: { serial: string }) => c.serial === serialOf(cert));
    expect(current.daysLeft).toBeGreaterThanOrEqual(89);
    expect(current.daysLeft).toBeLessThanOrEqual(90);
    const crl = openssl(['crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.crt'), '-noout', '-text']);
    expect(crl.stdout).toContain(`Serial Number: ${oldSerial}`);
    expect(crl.stdout).toMatch(/CRL Reason Code: \s*Superseded/);
    const ca = join(dir, 'ca.crt');
    const crlArgs = ['verify', '-crl_check', '-CRLfile', join(dir, 'crl.pem'), '-CAfile', ca];
    expect(openssl([...crlArgs, join(dir, 'certs', `${oldSerial}.pem`)]).stdout).not.toContain('OK');
    expect(openssl([...crlArgs, '-purpose', 'sslclient', cert]).status).toBe(0);
  });

  it('writes NAME.pfx again when there is one, with the new certificate', () => {
    mtlskitOk(['export', 'pfx', 'api', '--dir', dir, '--passout', 'pass:pfxpw']);
    const r = JSON.parse(mtlskitOk(['renew', 'api', '--dir', dir, '--passout', 'pass:pfxpw', '--json']).stdout);
    const inPfx = openssl(['pkcs12', '-in', join(dir, 'api.pfx'), '-passin', 'pass:pfxpw', '-nokeys', '-clcerts']);
    expect(inPfx.status).toBe(0);
    const serial = openssl(['x509', '-noout', '-serial'], { input: inPfx.stdout }).stdout.trim();
    expect(serial).toBe(`serial=${r.renewed[0].serial}`);
    // Without a password source and no terminal: exit 4, before anything is renewed.
    const before = indexLines(dir).length;
    expect(mtlskit(['renew', 'api', '--dir', dir]).status).toBe(4);
    expect(indexLines(dir).length).toBe(before);
  });

  it('renews a certificate signed from a CSR, whose key never was in the folder', () => {
    const theirs = join(tmp.dir, 'theirs');
    mtlskitOk(['csr', 'create', 'partner', '--dir', theirs, '--profile', 'client', '--key-type', 'ec:P-384']);
    mtlskitOk(['csr', 'sign', join(theirs, 'partner.csr'), '--profile', 'client', '--name', 'partner', '--dir', dir]);
    const old = serialOf(join(dir, 'partner.crt'));
    mtlskitOk(['renew', 'partner', '--dir', dir]);
    expect(serialOf(join(dir, 'partner.crt'))).not.toBe(old);
    expect(x509(join(dir, 'partner.crt'), '-pubkey')).toBe(pubkeyOfKey(join(theirs, 'partner.key')).trim());
    expect(opensslVerify(join(dir, 'ca.crt'), join(dir, 'partner.crt'), { purpose: 'sslclient' }).status).toBe(0);
  });

  it('unknown NAME: exit 2; revoked NAME: exit 5; --days past the CA: shortened with a warning', () => {
    expect(mtlskit(['renew', 'nosuch', '--dir', dir]).status).toBe(2);
    // A certificate from another CA (same CA name, another key) dropped into the folder is not renewed.
    const other = join(tmp.dir, 'other-ca');
    mtlskitOk(['ca', 'init', '--dir', other, '--key-type', 'ec:P-256']);
    mtlskitOk(['client', 'issue', 'foreign', '--dir', other, '--key-type', 'ec:P-256']);
    copyFileSync(join(other, 'foreign.crt'), join(dir, 'foreign.crt'));
    const foreign = mtlskit(['renew', 'foreign', '--dir', dir]);
    expect(foreign.status).toBe(5);
    expect(foreign.stderr).toContain('not by the CA in');
    mtlskitOk(['client', 'issue', 'gone', '--dir', dir]);
    mtlskitOk(['revoke', 'gone', '--dir', dir]);
    const revoked = mtlskit(['renew', 'gone', '--dir', dir]);
    expect(revoked.status).toBe(5);
    expect(revoked.stderr).toContain('was revoked');
    const r = mtlskitOk(['renew', 'api', '--dir', dir, '--days', '36000', '--passout', 'pass:pfxpw']);
    expect(r.stderr).toContain('validity shortened to end with the CA');
    expect(x509(join(dir, 'api.crt'), '-enddate')).toBe(x509(join(dir, 'ca.crt'), '-enddate'));
  });
});

describe('renew --expiring', () => {
  let dir: string;
  beforeAll(() => {
    dir = join(tmp.dir, 'expiring');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    for (const [name, days] of [
      ['soon1', '5'],
      ['soon2', '20'],
      ['later', '200'],
    ])
      mtlskitOk(['client', 'issue', name, '--dir', dir, '--key-type', 'ec:P-256', '--days', days]);
  });

  it('is all or nothing: one certificate that cannot be renewed stops all', () => {
    const before = readFileSync(join(dir, 'index.txt'), 'utf8');
    const soon2 = readFileSync(join(dir, 'soon2.crt'));
    // soon2.crt replaced by another certificate: index.txt's latest record for soon2 names a different serial.
    copyFileSync(join(dir, 'later.crt'), join(dir, 'soon2.crt'));
    const r = mtlskit(['renew', '--expiring', '30', '--dir', dir]);
    expect(r.status).toBe(5);
    expect(r.stderr).toContain("latest record for 'soon2'");
    expect(readFileSync(join(dir, 'index.txt'), 'utf8')).toBe(before);
    writeFileSync(join(dir, 'soon2.crt'), soon2);
  });

  it('renews every valid certificate expiring within DAYS, once', () => {
    const old = { soon1: serialOf(join(dir, 'soon1.crt')), later: serialOf(join(dir, 'later.crt')) };
    const r = JSON.parse(mtlskitOk(['renew', '--expiring', '30', '--days', '365', '--dir', dir, '--json']).stdout);
    expect(r.renewed.map((c: { name: string }) => c.name).sort()).toEqual(['soon1', 'soon2']);
    expect(serialOf(join(dir, 'soon1.crt'))).not.toBe(old.soon1);
    expect(serialOf(join(dir, 'later.crt'))).toBe(old.later);
    for (const n of ['soon1', 'soon2'])
      expect(opensslVerify(join(dir, 'ca.crt'), join(dir, `${n}.crt`), { purpose: 'sslclient' }).status).toBe(0);
    // The old records stay, but the newest of each name counts: nothing is left to renew.
    const again = JSON.parse(mtlskitOk(['renew', '--expiring', '30', '--dir', dir, '--json']).stdout);
    expect(again.renewed).toEqual([]);
    expect(indexLines(dir)).toHaveLength(5);
  });
});

describe('renew --expiring after ca rotate', () => {
  it('leaves the cross-certificates (CA certificates ending with the old root) alone and renews the leaves', () => {
    const dir = join(tmp.dir, 'rotated');
    // The old root ends in 20 days, so the cross-certificates of the rotation do too.
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256', '--days', '20']);
    mtlskitOk(['ca', 'rotate', '--dir', dir, '--key-type', 'ec:P-256']);
    mtlskitOk(['client', 'issue', 'short', '--dir', dir, '--key-type', 'ec:P-256', '--days', '10']);
    const r = mtlskit(['renew', '--expiring', '30', '--days', '365', '--dir', dir, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.renewed.map((c: { name: string }) => c.name)).toEqual(['short']);
    expect(json.skipped.map((c: { name: string }) => c.name).sort()).toEqual([
      'ca-new-signed-by-old',
      'ca-old-signed-by-new',
    ]);
    for (const c of json.skipped) expect(c.reason).toMatch(/is a CA certificate/);
    expect(openssl(['verify', '-x509_strict', '-CAfile', join(dir, 'ca.crt'), join(dir, 'short.crt')]).status).toBe(0);
  });
});

describe('ca renew', () => {
  let root: string;
  let sub: string;
  beforeAll(() => {
    root = join(tmp.dir, 'root');
    sub = join(tmp.dir, 'sub');
    mtlskitOk(['ca', 'init', '--dir', root, '--key-type', 'ec:P-256', '--days', '400']);
    mtlskitOk(['client', 'issue', 'before', '--dir', root, '--key-type', 'ec:P-256']);
    mtlskitOk(['ca', 'init', '--dir', sub, '--issuer', root, '--days', '300']);
    mtlskitOk(['client', 'issue', 'subleaf', '--dir', sub, '--key-type', 'ec:P-256']);
  });

  it('a root: new notAfter, same key, subject and SKI; certificates issued before still verify', () => {
    const ca = join(root, 'ca.crt');
    const ski = () => openssl(['x509', '-in', ca, '-noout', '-ext', 'subjectKeyIdentifier']).stdout;
    const old = {
      end: x509(ca, '-enddate'),
      pubkey: x509(ca, '-pubkey'),
      ski: ski(),
      subject: x509(ca, '-subject'),
      serial: serialOf(ca),
    };
    mtlskitOk(['ca', 'renew', '--dir', root, '--days', '3000']);
    expect(x509(ca, '-enddate')).not.toBe(old.end);
    expect(x509(ca, '-pubkey')).toBe(old.pubkey);
    expect(x509(ca, '-subject')).toBe(old.subject);
    expect(ski()).toBe(old.ski);
    expect(ski()).toContain('Subject Key Identifier');
    expect(serialOf(ca)).not.toBe(old.serial);
    const v = opensslVerify(ca, join(root, 'before.crt'));
    expect(v.stdout + v.stderr).toContain('before.crt: OK');
    // The intermediate it signed before still chains to the renewed root.
    const chain = opensslVerify(ca, join(sub, 'subleaf.crt'), { untrusted: join(sub, 'ca-chain.crt') });
    expect(chain.stdout + chain.stderr).toContain('subleaf.crt: OK');
  });

  it('an intermediate needs --issuer (exit 2) and is renewed by its parent, which records it', () => {
    const r = mtlskit(['ca', 'renew', '--dir', sub]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--issuer');
    const before = indexLines(root).length;
    const oldSerial = serialOf(join(sub, 'ca.crt'));
    mtlskitOk(['ca', 'renew', '--dir', sub, '--issuer', root, '--days', '1000']);
    expect(indexLines(root)).toHaveLength(before + 1);
    const newSerial = serialOf(join(sub, 'ca.crt'));
    expect(newSerial).not.toBe(oldSerial);
    expect(indexLines(root).at(-1)).toContain(`\t${newSerial}\tsub\t`);
    const v = opensslVerify(join(root, 'ca.crt'), join(sub, 'subleaf.crt'), { untrusted: join(sub, 'ca-chain.crt') });
    expect(v.stdout + v.stderr).toContain('subleaf.crt: OK');
    mtlskitOk(['client', 'issue', 'after', '--dir', sub, '--key-type', 'ec:P-256']);
    expect(
      opensslVerify(join(root, 'ca.crt'), join(sub, 'after.crt'), { untrusted: join(sub, 'ca-chain.crt') }).status,
    ).toBe(0);
  });
});
