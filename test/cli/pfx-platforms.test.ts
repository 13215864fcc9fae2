/**
 * `export pfx --for PLATFORM`: every bundle is opened by openssl and its algorithms match the README's platform
 * table (read from README.md here, not from the code); java by keytool, modern and windows-legacy by python
 * cryptography and NSS pk12util, postman by Node's TLS (what Newman runs on); `show` names the platforms.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createSecureContext } from 'node:tls';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, mtlskit, mtlskitOk, openssl, tempDir, tool } from '../helpers/run.js';
import { pycaPython } from '../helpers/tools.js';

const PLATFORMS = ['macos', 'ios', 'windows', 'windows-legacy', 'java', 'android', 'openssl', 'postman', 'modern'];
const PASSWORD = 'pfx pw';

interface Row {
  key: string;
  certificates: string;
  mac: string;
  iterations: number;
  macIterations: number;
}

/** The "what mtlskit writes" column of README.md's platform table. */
function readmeRows(): Record<string, Row> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const table = /<!-- pfx-platforms:begin -->\n([\s\S]*?)\n<!-- pfx-platforms:end -->/.exec(readme)![1]!;
  const rows: Record<string, Row> = {};
  for (const line of table.split('\n').slice(2)) {
    const cells = line.split(' | ');
    const platform = /`([a-z-]+)`/.exec(cells[0]!)![1]!;
    const m = /^key (.+); certificates (.+); MAC (\S+); (\d+) iterations \(MAC (\d+)\)$/.exec(cells[3]!);
    expect(m, `README row for ${platform}: ${cells[3]}`).not.toBeNull();
    rows[platform] = { key: m![1]!, certificates: m![2]!, mac: m![3]!, iterations: +m![4]!, macIterations: +m![5]! };
  }
  return rows;
}

/** How `openssl pkcs12 -info` names an algorithm the README names. */
function opensslName(readme: string, iterations: number): string {
  if (readme === 'pbeWithSHA1And3-KeyTripleDES-CBC') return `pbeWithSHA1And3-KeyTripleDES-CBC, Iteration ${iterations}`;
  if (readme === 'PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)')
    return `PBES2, PBKDF2, AES-256-CBC, Iteration ${iterations}, PRF hmacWithSHA256`;
  throw new Error(`no openssl name for ${readme}`);
}

let tmp: { dir: string; cleanup: () => void };
let dir: string;
const file = (p: string) => join(tmp.dir, `${p}.pfx`);
beforeAll(() => {
  tmp = tempDir();
  dir = join(tmp.dir, 'pki');
  mtlskitOk(['ca', 'init', '--dir', dir]);
  mtlskitOk(['client', 'issue', '--dir', dir]);
  for (const p of PLATFORMS)
    mtlskitOk(['export', 'pfx', '--dir', dir, '--for', p, '--passout', `pass:${PASSWORD}`, '--out', file(p)]);
});
afterAll(() => tmp.cleanup());

describe('export pfx --for', () => {
  const rows = readmeRows();

  it('the README table has a row for every platform', () => {
    expect(Object.keys(rows)).toEqual(PLATFORMS);
  });

  for (const p of PLATFORMS) {
    it(`--for ${p}: openssl pkcs12 -info opens it and shows the README's algorithms and iteration counts`, () => {
      const row = rows[p]!;
      // mtlskit never writes RC2, so no bundle needs -legacy; add it only if a row ever asks for RC2.
      const legacy = /RC2/.test(row.key + row.certificates) ? ['-legacy'] : [];
      const info = openssl(['pkcs12', ...legacy, '-info', '-in', file(p), '-passin', `pass:${PASSWORD}`, '-noout']);
      expect(info.status, info.stderr).toBe(0);
      expect(info.stderr).toContain(
        `MAC: ${row.mac === 'HMAC-SHA1' ? 'sha1' : 'sha256'}, Iteration ${row.macIterations}`,
      );
      expect(info.stderr).toContain(`Shrouded Keybag: ${opensslName(row.key, row.iterations)}`);
      expect(info.stderr).toContain(`PKCS7 Encrypted data: ${opensslName(row.certificates, row.iterations)}`);
    });
  }

  it('--for macos is not PBES2/AES and has a SHA-1 MAC (Keychain Access refuses the OpenSSL 3 default)', () => {
    const info = openssl(['pkcs12', '-info', '-in', file('macos'), '-passin', `pass:${PASSWORD}`, '-noout']).stderr;
    expect(info).not.toMatch(/PBES2|AES/);
    expect(info).toContain('MAC: sha1');
  });

  it('--for java: keytool lists a PrivateKeyEntry with the whole chain', () => {
    const r = tool('keytool', [
      '-list',
      '-v',
      '-storetype',
      'PKCS12',
      '-keystore',
      file('java'),
      '-storepass',
      PASSWORD,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Entry type: PrivateKeyEntry');
    expect(r.stdout).toContain('Certificate chain length: 2');
  });

  for (const p of ['modern', 'windows-legacy']) {
    it(`--for ${p}: python cryptography loads key, certificate and CA`, () => {
      const script = [
        'import sys',
        'from cryptography.hazmat.primitives.serialization import pkcs12',
        'key, cert, cas = pkcs12.load_key_and_certificates(open(sys.argv[1], "rb").read(), sys.argv[2].encode())',
        'print(type(key).__name__, cert.subject.rfc4514_string(), len(cas))',
      ].join('\n');
      const r = tool(pycaPython(), ['-c', script, file(p), PASSWORD]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toMatch(/RSAPrivateKey CN=client,O=Client Company Name 1$/);
    });

    it(`--for ${p}: NSS pk12util lists and imports it`, () => {
      const list = tool('pk12util', ['-l', file(p), '-W', PASSWORD]);
      expect(list.status, list.stdout + list.stderr).toBe(0);
      expect(list.stdout).toContain('Subject: "CN=client,O=Client Company Name"');
      const db = join(tmp.dir, `nss-${p}`);
      mkdirSync(db);
      expect(tool('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']).status).toBe(0);
      const imp = tool('pk12util', ['-i', file(p), '-d', `sql:${db}`, '-W', PASSWORD]);
      expect(imp.stdout + imp.stderr).toContain('PKCS12 IMPORT SUCCESSFUL');
    });
  }

  it("--for postman: Node's TLS (Newman, Postman CLI) loads it, and refuses the RC2 bundle the table excludes", () => {
    expect(() => createSecureContext({ pfx: readFileSync(file('postman')), passphrase: PASSWORD })).not.toThrow();
    // openssl pkcs12 -export -legacy (RC2-40 certificates), made by test/fixtures/show/make-fixtures.sh.
    const rc2 = readFileSync(join(ROOT, 'test', 'fixtures', 'show', 'legacy.pfx'));
    expect(() => createSecureContext({ pfx: rc2, passphrase: 'fixture' })).toThrow(/unsupported/i);
    const verdict = JSON.parse(
      mtlskitOk(['show', join(ROOT, 'test', 'fixtures', 'show', 'legacy.pfx'), '--passin', 'pass:fixture', '--json'])
        .stdout,
    ).files[0].items[0];
    expect(verdict.notImportableBy).toContain('postman');
  });

  it('--legacy writes the windows-legacy format', () => {
    mtlskitOk(['export', 'pfx', '--dir', dir, '--legacy', '--passout', `pass:${PASSWORD}`, '--out', file('legacy')]);
    const info = (p: string) =>
      openssl(['pkcs12', '-info', '-in', file(p), '-passin', `pass:${PASSWORD}`, '-noout'])
        .stderr.split('\n')
        .filter((l) => /MAC:|Keybag|Encrypted data/.test(l));
    expect(info('legacy')).toEqual(info('windows-legacy'));
  });

  it('show says which platforms import a bundle (human and --json)', () => {
    const human = mtlskitOk(['show', file('macos'), '--passin', `pass:${PASSWORD}`]).stdout;
    expect(human).toMatch(/imports on +macos, ios, windows, windows-legacy, java, android, openssl, postman, modern/);
    const json = JSON.parse(mtlskitOk(['show', file('modern'), '--passin', `pass:${PASSWORD}`, '--json']).stdout);
    const pfx = json.files[0].items[0];
    expect(pfx.importableBy).toEqual(['windows', 'java', 'openssl', 'postman', 'modern']);
    expect(pfx.notImportableBy).toEqual(['macos', 'ios', 'windows-legacy', 'android']);
    expect(pfx.iterations).toEqual({ key: 2048, certificates: 2048, mac: 2048 });
  });

  it('an unknown --for, or --legacy with another --for, is one sentence naming the accepted values, exit 2, nothing written', () => {
    const out = join(tmp.dir, 'nope.pfx');
    /** `mtlskit export pfx --dir DIR --for PLATFORM ... --out nope.pfx`, which must be refused. */
    const exportFor = (platform: string, ...more: string[]) =>
      mtlskit(['export', 'pfx', '--dir', dir, '--for', platform, ...more, '--out', out]);
    const r = exportFor('solaris', '--passout', 'pass:x');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      "error: --for 'solaris' is not a platform mtlskit knows; use one of macos, ios, windows, windows-legacy, java, android, openssl, postman, modern.",
    );
    const both = exportFor('java', '--legacy', '--passout', 'pass:x');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--legacy means --for windows-legacy');
    const noPass = exportFor('java', '--passout', 'env:MTLSKIT_UNSET_VAR');
    expect(noPass.status).toBe(2);
    expect(noPass.stderr).toContain('MTLSKIT_UNSET_VAR is not set');
    expect(existsSync(out)).toBe(false);
  });
});
