import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, ROOT, mtlskit, mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { opensslVerify } from '../helpers/openssl.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

function expectV3Ca(dir: string) {
  const text = openssl(['x509', '-in', join(dir, 'ca.crt'), '-noout', '-text']).stdout;
  expect(text).toContain('Version: 3 (0x2)');
  expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
  expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
  expect(text).toContain('X509v3 Subject Key Identifier');
  const verify = opensslVerify(join(dir, 'ca.crt'), join(dir, 'ca.crt'));
  expect(verify.stdout + verify.stderr).toContain(': OK');
  expect(verify.status).toBe(0);
  expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
}

describe('mtlskit ca init', () => {
  for (const keyType of ['rsa:2048', 'ec:P-256', 'ec:P-384']) {
    for (const encrypted of [false, true]) {
      it(`creates a v3 CA that openssl accepts (${keyType}, ${encrypted ? 'encrypted' : 'plain'} key)`, () => {
        const dir = join(tmp.dir, `ca-${keyType.replace(':', '-')}-${encrypted}`);
        const args = ['ca', 'init', '--dir', dir, '--key-type', keyType, '--subject', '/O=Acme/CN=Acme Test Root'];
        if (encrypted) args.push('--passout', 'pass:s3cret');
        mtlskitOk(args);
        expectV3Ca(dir);
        const pem = readFileSync(join(dir, 'ca.key'), 'utf8');
        expect(pem.includes('ENCRYPTED PRIVATE KEY')).toBe(encrypted);
        const pkey = openssl([
          'pkey',
          '-in',
          join(dir, 'ca.key'),
          '-noout',
          '-text',
          ...(encrypted ? ['-passin', 'pass:s3cret'] : []),
        ]);
        expect(pkey.status).toBe(0);
        if (encrypted) {
          const info = openssl(['asn1parse', '-in', join(dir, 'ca.key')]).stdout;
          expect(info).toContain('PBES2');
          expect(info).toContain('aes-256-cbc');
          expect(info).toContain('hmacWithSHA256');
        }
        const subject = openssl(['x509', '-in', join(dir, 'ca.crt'), '-noout', '-subject']).stdout;
        expect(subject.trim()).toBe('subject=O = Acme, CN = Acme Test Root');
      });
    }
  }

  it("accepts the walkthrough's ca.conf verbatim and makes it a proper CA", () => {
    const dir = join(tmp.dir, 'seed');
    const r = mtlskitOk(['ca', 'init', '--dir', dir, '--config', join(FIXTURES, 'conf', 'seed-ca.conf')]);
    expect(r.stderr).toContain('applied the ca profile');
    expectV3Ca(dir);
    const subject = openssl(['x509', '-in', join(dir, 'ca.crt'), '-noout', '-subject']).stdout;
    expect(subject.trim()).toBe('subject=O = Server CA Company Name');
  });

  it('prints one JSON object with --json', () => {
    const dir = join(tmp.dir, 'json');
    const r = mtlskitOk(['ca', 'init', '--dir', dir, '--json', '--key-type', 'ec:P-256']);
    const result = JSON.parse(r.stdout);
    expect(result.ok).toBe(true);
    expect(result.files.certificate).toBe(join(dir, 'ca.crt'));
    expect(result.serial).toMatch(/^[0-9A-F]{32}$/);
    const fp = openssl(['x509', '-in', join(dir, 'ca.crt'), '-noout', '-fingerprint', '-sha256'])
      .stdout.trim()
      .split('=')[1];
    expect(result.fingerprintSha256).toBe(fp);
    const end = openssl(['x509', '-in', join(dir, 'ca.crt'), '-noout', '-enddate'])
      .stdout.trim()
      .split('=')[1]!;
    expect(new Date(result.notAfter).getTime()).toBe(new Date(end).getTime());
  });

  it('refuses to replace an existing CA without --force and changes nothing', () => {
    const dir = join(tmp.dir, 'twice');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    const before = [
      readFileSync(join(dir, 'ca.key')),
      readFileSync(join(dir, 'ca.crt')),
      readFileSync(join(dir, 'index.txt')),
    ];
    const again = mtlskit(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    expect(again.status).toBe(3);
    expect(again.stderr).toMatch(/already exist.*--force/);
    expect(again.stderr).not.toMatch(/\n\s+at /);
    const after = [
      readFileSync(join(dir, 'ca.key')),
      readFileSync(join(dir, 'ca.crt')),
      readFileSync(join(dir, 'index.txt')),
    ];
    expect(after).toEqual(before);
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256', '--force']);
    expect(readFileSync(join(dir, 'ca.crt')).equals(before[1]!)).toBe(false);
  });

  it('names the file and line of a malformed conf and writes nothing', () => {
    const dir = join(tmp.dir, 'badconf');
    const conf = join(tmp.dir, 'broken.conf');
    writeFileSync(conf, '[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn\nO = Acme\n');
    const r = mtlskit(['ca', 'init', '--dir', dir, '--config', conf]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken\.conf:4: /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'ca.key'))).toBe(false);
  });

  it('reports a folder that cannot be created as exit 7, without hanging', () => {
    // Node's recursive mkdir spins forever under /proc; mtlskit creates folders one level at a time.
    const r = mtlskit(['ca', 'init', '--dir', '/proc/mtlskit-cannot-exist/pki', '--key-type', 'ec:P-256']);
    expect(r.status).toBe(7);
    expect(r.stderr).toMatch(/^error: Could not create the folder \/proc\/mtlskit-cannot-exist/);
  });

  it('rejects a bad key type and an unknown flag with exit 2', () => {
    expect(mtlskit(['ca', 'init', '--dir', join(tmp.dir, 'x'), '--key-type', 'dsa:1024']).status).toBe(2);
    expect(mtlskit(['ca', 'init', '--no-such-flag']).status).toBe(2);
  });

  it('needs a password source when there is no terminal, and never asks on a pipe', () => {
    const parent = join(tmp.dir, 'enc-parent');
    mtlskitOk(['ca', 'init', '--dir', parent, '--key-type', 'ec:P-256', '--passout', 'env:CA_PASS'], {
      env: { CA_PASS: 'pw1' },
    });
    const r = mtlskit(['ca', 'init', '--dir', join(tmp.dir, 'enc-child'), '--issuer', parent]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('--passin');
    const wrong = mtlskit([
      'ca',
      'init',
      '--dir',
      join(tmp.dir, 'enc-child'),
      '--issuer',
      parent,
      '--passin',
      'pass:nope',
    ]);
    expect(wrong.status).toBe(4);
    expect(wrong.stderr).toMatch(/password .* wrong/);
    const file = join(tmp.dir, 'pw.txt');
    writeFileSync(file, 'pw1\n');
    mtlskitOk(['ca', 'init', '--dir', join(tmp.dir, 'enc-child'), '--issuer', parent, '--passin', `file:${file}`]);
    mtlskitOk(['ca', 'init', '--dir', join(tmp.dir, 'enc-child2'), '--issuer', parent, '--passin', 'stdin'], {
      input: 'pw1\n',
    });
  });

  it('makes an intermediate CA with pathlen:0 that chains to the root', () => {
    const root = join(tmp.dir, 'root');
    const sub = join(tmp.dir, 'sub');
    mtlskitOk(['ca', 'init', '--dir', root, '--subject', '/O=Acme/CN=Root']);
    mtlskitOk([
      'ca',
      'init',
      '--dir',
      sub,
      '--issuer',
      root,
      '--subject',
      '/O=Acme/CN=Partners CA',
      '--key-type',
      'ec:P-256',
    ]);
    const text = openssl(['x509', '-in', join(sub, 'ca.crt'), '-noout', '-text']).stdout;
    expect(text).toMatch(/CA:TRUE, pathlen:0/);
    expect(text).toContain('X509v3 Authority Key Identifier');
    const v = opensslVerify(join(root, 'ca.crt'), join(sub, 'ca.crt'));
    expect(v.status).toBe(0);
    expect(readFileSync(join(sub, 'ca-chain.crt'), 'utf8')).toContain(readFileSync(join(root, 'ca.crt'), 'utf8'));
    expect(readFileSync(join(root, 'index.txt'), 'utf8')).toMatch(
      /^V\t\d+Z\t\t[0-9A-F]+\tsub\t\/O=Acme\/CN=Partners CA$/m,
    );
    // pathlen:0 forbids another CA level below the intermediate.
    const deeper = mtlskit(['ca', 'init', '--dir', join(tmp.dir, 'deeper'), '--issuer', sub]);
    expect(deeper.status).toBe(5);
    expect(deeper.stderr).toContain('pathlen:0');
  });

  it("names an intermediate without --subject/--config after its issuer, with its own CN, and refuses the issuer's own name", () => {
    const root = join(tmp.dir, 'named-root');
    const sub = join(tmp.dir, 'named-sub');
    mtlskitOk(['ca', 'init', '--dir', root, '--key-type', 'ec:P-256']);
    const rootSubject = openssl(['x509', '-in', join(root, 'ca.crt'), '-noout', '-subject']).stdout.trim();
    expect(rootSubject).toBe('subject=O = Server CA Company Name, CN = Server CA Company Name Root CA');
    // The issuer's own name, spelled differently (RFC 5280 7.1 compares case- and space-insensitively): refused, nothing written.
    const indexBefore = readFileSync(join(root, 'index.txt'), 'utf8');
    for (const args of [
      ['--subject', '/O=server ca company name/CN=Server CA Company Name  ROOT CA'],
      ['--config', join(ROOT, 'templates', 'ca.conf')],
    ]) {
      const same = mtlskit(['ca', 'init', '--dir', sub, '--issuer', root, '--key-type', 'ec:P-256', ...args]);
      expect(same.status).toBe(2);
      expect(same.stderr.trim().split('\n')).toHaveLength(1);
      expect(same.stderr).toMatch(
        /is the same as its issuer's.*--subject "\/O=Server CA Company Name\/CN=Server CA Company Name Intermediate CA"/,
      );
      expect(existsSync(join(sub, 'ca.crt'))).toBe(false);
      expect(readFileSync(join(root, 'index.txt'), 'utf8')).toBe(indexBefore);
    }
    mtlskitOk(['ca', 'init', '--dir', sub, '--issuer', root, '--key-type', 'ec:P-256']);
    const names = openssl(['x509', '-in', join(sub, 'ca.crt'), '-noout', '-subject', '-issuer']).stdout;
    expect(names).toBe(
      `subject=O = Server CA Company Name, CN = Server CA Company Name Intermediate CA\nissuer=${rootSubject.slice('subject='.length)}\n`,
    );
    mtlskitOk(['server', 'issue', '--dir', sub, '--dns', 'svc.example.com', '--key-type', 'ec:P-256']);
    const v = openssl([
      'verify',
      '-x509_strict',
      '-show_chain',
      '-CAfile',
      join(root, 'ca.crt'),
      '-untrusted',
      join(sub, 'ca.crt'),
      join(sub, 'server.crt'),
    ]);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(
      /depth=1: O = Server CA Company Name, CN = Server CA Company Name Intermediate CA \(untrusted\)\ndepth=2: O = Server CA Company Name, CN = Server CA Company Name Root CA\n/,
    );
    expect(opensslVerify(join(root, 'ca.crt'), join(sub, 'server.crt'), { strict: false }).status).not.toBe(0);
  });

  it('copies the seed ca.conf fixture byte for byte from the walkthrough', () => {
    // Keeps the fixture honest: it must stay the walkthrough's file, not a corrected one.
    const text = readFileSync(join(FIXTURES, 'conf', 'seed-ca.conf'), 'utf8');
    expect(text).toContain('O = Server CA Company Name');
    expect(text).not.toContain('basicConstraints');
  });
});

describe('mtlskit --version / --help', () => {
  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
    expect(mtlskitOk(['--version']).stdout.trim()).toBe(pkg.version);
  });
  it('lists the commands and every command help has examples and exit codes', () => {
    const help = mtlskitOk(['--help']).stdout;
    for (const group of ['ca', 'server', 'client', 'csr']) expect(help).toContain(group);
    for (const cmd of [
      ['ca', 'init'],
      ['server', 'issue'],
      ['client', 'issue'],
      ['csr', 'create'],
      ['csr', 'sign'],
    ]) {
      const h = mtlskitOk([...cmd, '--help']).stdout;
      expect(h).toContain('Examples:');
      expect(h).toContain('Exit codes:');
    }
  });
});
