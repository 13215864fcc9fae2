/**
 * export truststore / p7b / key / cert and import p7b, as a user runs them, checked with keytool, openssl and
 * byte comparisons against the equivalent openssl conversions.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mtlskit, mtlskitOk, openssl, tempDir, tool } from '../helpers/run.js';
import { opensslVerify } from '../helpers/openssl.js';

let tmp: { dir: string; cleanup: () => void };
let dir: string;
const at = (f: string) => join(tmp.dir, f);
const pemCerts = (text: string) =>
  [...text.matchAll(/-----BEGIN CERTIFICATE-----\n([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) =>
    Buffer.from(m[1]!.replace(/\s/g, ''), 'base64'),
  );
const der = (pemFile: string) => pemCerts(readFileSync(pemFile, 'utf8'));

beforeAll(() => {
  tmp = tempDir();
  dir = join(tmp.dir, 'pki');
  mtlskitOk(['ca', 'init', '--dir', dir]);
  mtlskitOk(['client', 'issue', '--dir', dir]);
  mtlskitOk(['server', 'issue', 'ecsrv', '--dir', dir, '--dns', 'localhost', '--key-type', 'ec:P-256']);
  mtlskitOk(['ca', 'init', '--dir', join(dir, 'sub'), '--issuer', dir]);
  mtlskitOk(['client', 'issue', 'leaf', '--dir', join(dir, 'sub')]);
});
afterAll(() => tmp.cleanup());

describe('export truststore', () => {
  it('p12: keytool -list -storetype PKCS12 shows the CA as trustedCertEntry, and openssl opens it', () => {
    mtlskitOk(['export', 'truststore', '--dir', dir, '--out', at('trust.p12'), '--passout', 'pass:changeit']);
    const r = tool('keytool', [
      '-list',
      '-keystore',
      at('trust.p12'),
      '-storetype',
      'PKCS12',
      '-storepass',
      'changeit',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Your keystore contains 1 entry');
    expect(r.stdout).toMatch(/server-ca-company-name-root-ca, .*, trustedCertEntry,/);
    const certs = openssl(['pkcs12', '-in', at('trust.p12'), '-passin', 'pass:changeit', '-nokeys']);
    expect(certs.status).toBe(0);
    expect(pemCerts(certs.stdout)).toEqual(der(join(dir, 'ca.crt')));
    expect(openssl(['pkcs12', '-in', at('trust.p12'), '-passin', 'pass:wrong', '-nokeys']).status).not.toBe(0);
    const shown = JSON.parse(mtlskitOk(['show', at('trust.p12'), '--passin', 'pass:changeit', '--json']).stdout);
    expect(shown.files[0].items[0]).toMatchObject({ key: '(none: a truststore)', javaTrustedCertificates: 1 });
  });

  it('an intermediate CA folder gives the whole chain, and ca-bundle.crt roots are added', () => {
    const sub = join(dir, 'sub');
    mtlskitOk(['export', 'truststore', '--dir', sub, '--out', at('sub.p12'), '--passout', 'pass:changeit']);
    const r = tool('keytool', ['-list', '-keystore', at('sub.p12'), '-storetype', 'PKCS12', '-storepass', 'changeit']);
    expect(r.stdout).toContain('Your keystore contains 2 entries');
    expect(r.stdout.match(/trustedCertEntry/g)).toHaveLength(2);
    // A rotation writes ca-bundle.crt with old and new roots; simulate one with a second, unrelated root.
    const other = join(tmp.dir, 'other');
    mtlskitOk(['ca', 'init', '--dir', other, '--subject', '/O=Other/CN=Other Root CA']);
    writeFileSync(
      join(dir, 'ca-bundle.crt'),
      readFileSync(join(dir, 'ca.crt'), 'utf8') + readFileSync(join(other, 'ca.crt'), 'utf8'),
    );
    try {
      const j = JSON.parse(
        mtlskitOk(['export', 'truststore', '--dir', dir, '--format', 'pem', '--out', at('bundle.pem'), '--json'])
          .stdout,
      );
      expect(j.certificates.map((c: { alias: string }) => c.alias)).toEqual([
        'server-ca-company-name-root-ca',
        'other-root-ca',
      ]);
      expect(der(at('bundle.pem'))).toEqual([...der(join(dir, 'ca.crt')), ...der(join(other, 'ca.crt'))]);
      expect(opensslVerify(at('bundle.pem'), join(dir, 'client.crt'), { strict: false }).stdout).toContain('OK');
    } finally {
      rmSync(join(dir, 'ca-bundle.crt')); // leave the folder as the other tests expect it
    }
  });

  it('jks: keytool -list -storetype JKS reads it (trustedCertEntry) and checks its password', () => {
    mtlskitOk([
      'export',
      'truststore',
      '--dir',
      join(dir, 'sub'),
      '--format',
      'jks',
      '--out',
      at('trust.jks'),
      '--passout',
      'pass:changeit',
    ]);
    const r = tool('keytool', [
      '-list',
      '-v',
      '-keystore',
      at('trust.jks'),
      '-storetype',
      'JKS',
      '-storepass',
      'changeit',
    ]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('Keystore type: JKS');
    expect(r.stdout.match(/Entry type: trustedCertEntry/g)).toHaveLength(2);
    const bad = tool('keytool', ['-list', '-keystore', at('trust.jks'), '-storetype', 'JKS', '-storepass', 'nope']);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/password was incorrect|tampered/i);
  });

  it('bad input: unknown --format, --passout with pem, a failing password source: exit 2, nothing written', () => {
    const out = at('nothing.p12');
    const f = mtlskit(['export', 'truststore', '--dir', dir, '--format', 'bks', '--out', out]);
    expect(f.status).toBe(2);
    expect(f.stderr.trim()).toBe("error: --format 'bks' is not a truststore format; use one of p12, pem, jks.");
    expect(
      mtlskit(['export', 'truststore', '--dir', dir, '--format', 'pem', '--passout', 'pass:x', '--out', out]).status,
    ).toBe(2);
    const env = mtlskit(['export', 'truststore', '--dir', dir, '--passout', 'env:MTLSKIT_NOPE', '--out', out]);
    expect(env.status).toBe(2);
    expect(env.stderr).toContain('MTLSKIT_NOPE is not set');
    const noCa = mtlskit(['export', 'truststore', '--dir', at('empty'), '--passout', 'pass:x', '--out', out]);
    expect(noCa.status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});

describe('export p7b / import p7b', () => {
  it('openssl pkcs7 -print_certs lists leaf and CAs, and the bytes equal openssl crl2pkcs7 -nocrl', () => {
    const sub = join(dir, 'sub');
    mtlskitOk(['export', 'p7b', 'leaf', '--dir', sub, '--out', at('leaf.p7b')]);
    const printed = openssl(['pkcs7', '-inform', 'DER', '-in', at('leaf.p7b'), '-print_certs', '-noout']).stdout;
    const subjects = [...printed.matchAll(/^subject=(.*)$/gm)].map((m) => m[1]);
    expect(subjects).toEqual([
      'O = Client Company Name, CN = leaf',
      expect.stringContaining('Intermediate CA'),
      expect.stringContaining('Root CA'),
    ]);
    // The same certificates through openssl: leaf, then the intermediate folder's chain.
    writeFileSync(
      at('chain-in.pem'),
      readFileSync(join(sub, 'leaf.crt'), 'utf8') + readFileSync(join(sub, 'ca-chain.crt'), 'utf8'),
    );
    openssl(['crl2pkcs7', '-nocrl', '-certfile', at('chain-in.pem'), '-outform', 'DER', '-out', at('openssl.p7b')]);
    expect(readFileSync(at('leaf.p7b'))).toEqual(readFileSync(at('openssl.p7b')));
    const kt = tool('keytool', ['-printcert', '-file', at('leaf.p7b')]);
    expect(kt.stdout.match(/^Owner:/gm)).toHaveLength(3);
  });

  it('--pem and --no-chain; without NAME the CA chain', () => {
    mtlskitOk(['export', 'p7b', 'client', '--dir', dir, '--no-chain', '--pem', '--out', at('client.p7b')]);
    expect(readFileSync(at('client.p7b'), 'utf8')).toMatch(/^-----BEGIN PKCS7-----\n/);
    const one = openssl(['pkcs7', '-in', at('client.p7b'), '-print_certs', '-noout']).stdout;
    expect(one.match(/^subject=/gm)).toHaveLength(1);
    mtlskitOk(['export', 'p7b', '--dir', join(dir, 'sub')]);
    const ca = openssl([
      'pkcs7',
      '-inform',
      'DER',
      '-in',
      join(dir, 'sub', 'ca-chain.p7b'),
      '-print_certs',
      '-noout',
    ]).stdout;
    expect(ca.match(/^subject=/gm)).toHaveLength(2);
  });

  for (const form of ['PEM', 'DER']) {
    it(`import p7b round-trips an openssl-made ${form} .p7b: leaf first, every certificate byte for byte`, () => {
      const sub = join(dir, 'sub');
      // openssl writes the certificates in -certfile order; give it root first to check the ordering.
      writeFileSync(
        at('scrambled.pem'),
        readFileSync(join(dir, 'ca.crt'), 'utf8') +
          readFileSync(join(sub, 'leaf.crt'), 'utf8') +
          readFileSync(join(sub, 'ca.crt'), 'utf8'),
      );
      const p7b = at(`partner-${form}.p7b`);
      openssl(['crl2pkcs7', '-nocrl', '-certfile', at('scrambled.pem'), '-outform', form, '-out', p7b]);
      const outDir = at(`imported-${form}`);
      const r = JSON.parse(mtlskitOk(['import', 'p7b', p7b, '--dir', outDir, '--name', 'partner', '--json']).stdout);
      expect(r.certificates.map((c: { role: string }) => c.role)).toEqual(['leaf', 'intermediate', 'root']);
      expect(readdirSync(outDir).sort()).toEqual(
        [
          'partner-1-leaf.crt',
          'partner-2-server-ca-company-name-intermediate-ca.crt',
          'partner-3-server-ca-company-name-root-ca.crt',
          'partner-bundle.crt',
        ].sort(),
      );
      expect(der(join(outDir, 'partner-1-leaf.crt'))).toEqual(der(join(sub, 'leaf.crt')));
      expect(der(join(outDir, 'partner-2-server-ca-company-name-intermediate-ca.crt'))).toEqual(
        der(join(sub, 'ca.crt')),
      );
      expect(der(join(outDir, 'partner-bundle.crt'))).toEqual([
        ...der(join(sub, 'leaf.crt')),
        ...der(join(sub, 'ca.crt')),
        ...der(join(dir, 'ca.crt')),
      ]);
      // Again without --force: nothing is overwritten, exit 3.
      const again = mtlskit(['import', 'p7b', p7b, '--dir', outDir, '--name', 'partner']);
      expect(again.status).toBe(3);
      expect(mtlskit(['import', 'p7b', p7b, '--dir', outDir, '--name', 'partner', '--force']).status).toBe(0);
    });
  }

  it('import p7b of something else is one sentence, exit 2, nothing written', () => {
    const r = mtlskit(['import', 'p7b', join(dir, 'client.crt'), '--dir', at('junk')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/has no PEM "PKCS7" block|is not a PKCS#7/);
    expect(existsSync(at('junk'))).toBe(false);
  });
});

describe('export key / export cert', () => {
  const out = (f: string) => at(`k-${f}`);
  const cases: Array<{ name: string; format: string; der: boolean; openssl: string[] }> = [
    { name: 'client', format: 'pkcs8', der: false, openssl: ['pkey'] },
    // OpenSSL 3.0's `pkey -outform DER` writes the type-specific (PKCS#1) form; PKCS#8 DER is `pkcs8 -topk8`.
    { name: 'client', format: 'pkcs8', der: true, openssl: ['pkcs8', '-topk8', '-nocrypt', '-outform', 'DER'] },
    { name: 'client', format: 'pkcs1', der: false, openssl: ['rsa', '-traditional'] },
    { name: 'client', format: 'pkcs1', der: true, openssl: ['rsa', '-traditional', '-outform', 'DER'] },
    { name: 'ecsrv', format: 'sec1', der: false, openssl: ['ec'] },
    { name: 'ecsrv', format: 'sec1', der: true, openssl: ['ec', '-outform', 'DER'] },
    { name: 'ecsrv', format: 'pkcs8', der: false, openssl: ['pkey'] },
  ];
  for (const c of cases) {
    it(`${c.name} --format ${c.format}${c.der ? ' --der' : ''} is byte-identical to openssl ${c.openssl.join(' ')}, mode 0600`, () => {
      const file = out(`${c.name}-${c.format}${c.der ? '.der' : '.pem'}`);
      mtlskitOk([
        'export',
        'key',
        c.name,
        '--dir',
        dir,
        '--format',
        c.format,
        ...(c.der ? ['--der'] : []),
        '--out',
        file,
      ]);
      const ref = out(`${c.name}-${c.format}-openssl${c.der ? '.der' : '.pem'}`);
      const r = openssl([...c.openssl, '-in', join(dir, `${c.name}.key`), '-out', ref]);
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(file)).toEqual(readFileSync(ref));
      expect(statSync(file).mode & 0o777).toBe(0o600);
    });
  }

  for (const format of ['pkcs8', 'pkcs1']) {
    it(`an encrypted ${format} key is opened by openssl pkey -passin and is the same key`, () => {
      const file = out(`enc-${format}.pem`);
      mtlskitOk(['export', 'key', 'client', '--dir', dir, '--format', format, '--passout', 'pass:kp', '--out', file]);
      const text = readFileSync(file, 'utf8');
      expect(text).toMatch(format === 'pkcs8' ? /BEGIN ENCRYPTED PRIVATE KEY/ : /Proc-Type: 4,ENCRYPTED/);
      const opened = openssl(['pkey', '-in', file, '-passin', 'pass:kp']);
      expect(opened.status, opened.stderr).toBe(0);
      expect(opened.stdout).toBe(openssl(['pkey', '-in', join(dir, 'client.key')]).stdout);
      expect(openssl(['pkey', '-in', file, '-passin', 'pass:wrong']).status).not.toBe(0);
    });
  }

  it('an encrypted DER key is PKCS#8, opened by openssl pkey -inform DER -passin', () => {
    const file = out('enc.der');
    mtlskitOk(['export', 'key', 'ecsrv', '--dir', dir, '--der', '--passout', 'pass:kp', '--out', file]);
    const opened = openssl(['pkey', '-inform', 'DER', '-in', file, '-passin', 'pass:kp']);
    expect(opened.status, opened.stderr).toBe(0);
    expect(opened.stdout).toBe(openssl(['pkey', '-in', join(dir, 'ecsrv.key')]).stdout);
  });

  it('bad input is one sentence with exit 2 and writes nothing', () => {
    const file = out('bad');
    const check = (args: string[], message: RegExp | string) => {
      const r = mtlskit(['export', 'key', ...args, '--dir', dir, '--out', file]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(file)).toBe(false);
    };
    check(['ecsrv', '--format', 'pkcs1'], /is an EC key, and PKCS#1 holds only RSA keys; use --format pkcs8 or sec1\./);
    check(['client', '--format', 'sec1'], /is an RSA key, and SEC1 holds only EC keys; use --format pkcs8 or pkcs1\./);
    check(['client', '--format', 'pem'], "--format 'pem' is not a key format; use one of pkcs8, pkcs1, sec1.");
    check(['client', '--format', 'pkcs1', '--der', '--passout', 'pass:x'], /exists only as PEM/);
    check(['client', '--passout', 'env:MTLSKIT_NOT_SET'], /MTLSKIT_NOT_SET is not set/);
    check(['ghost'], /ghost\.key does not exist, so there is no key for ghost/);
  });

  it('a NAME with a certificate but no key (imported p7b, CSR signed elsewhere) is refused for key export and pfx', () => {
    copyFileSync(join(dir, 'client.crt'), join(dir, 'nokey.crt'));
    const k = mtlskit(['export', 'key', 'nokey', '--dir', dir]);
    expect(k.status).toBe(2);
    expect(k.stderr).toContain('nokey.key does not exist');
    const p = mtlskit(['export', 'pfx', 'nokey', '--dir', dir, '--passout', 'pass:x']);
    expect(p.status).toBe(2);
    expect(p.stderr).toContain('nokey.key');
    expect(existsSync(join(dir, 'nokey.pfx'))).toBe(false);
  });

  it('export cert --der equals openssl x509 -outform DER; without --der it is PEM', () => {
    mtlskitOk(['export', 'cert', 'client', '--dir', dir, '--der']);
    const ref = openssl(['x509', '-in', join(dir, 'client.crt'), '-outform', 'DER', '-out', at('client-ref.der')]);
    expect(ref.status).toBe(0);
    expect(readFileSync(join(dir, 'client.der'))).toEqual(readFileSync(at('client-ref.der')));
    mtlskitOk(['export', 'cert', 'client', '--dir', dir, '--out', at('client-copy.pem')]);
    expect(der(at('client-copy.pem'))).toEqual(der(join(dir, 'client.crt')));
    expect(mtlskit(['export', 'cert', 'client', '--dir', dir, '--der']).status).toBe(3);
  });
});
