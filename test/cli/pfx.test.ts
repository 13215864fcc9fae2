import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { mtlskit, mtlskitOk, openssl, tempDir, tool } from '../helpers/run.js';
import { mtlsServerOptions, startNodeServer } from '../helpers/tls.js';
import { requireTool } from '../helpers/tools.js';

let tmp: { dir: string; cleanup: () => void };
let dir: string;
beforeAll(() => {
  tmp = tempDir();
  dir = join(tmp.dir, 'pki');
  mtlskitOk(['ca', 'init', '--dir', dir]);
  mtlskitOk(['ca', 'init', '--dir', join(dir, 'sub'), '--issuer', dir, '--key-type', 'ec:P-256']);
  mtlskitOk(['server', 'issue', '--dir', dir, '--dns', 'localhost']);
  mtlskitOk(['client', 'issue', '--dir', dir]);
  mtlskitOk(['client', 'issue', 'leaf', '--dir', join(dir, 'sub'), '--key-type', 'ec:P-256']);
});
afterAll(() => tmp.cleanup());

/** `mtlskit export pfx` of the client in `dir` to `out`, with `password`, in the --legacy format when asked. */
function exportClientPfx(out: string, password: string, legacy: boolean) {
  mtlskitOk([
    'export',
    'pfx',
    '--dir',
    dir,
    '--passout',
    `pass:${password}`,
    '--out',
    out,
    ...(legacy ? ['--legacy'] : []),
  ]);
}

describe('mtlskit export pfx', () => {
  it('writes the OpenSSL 3 format by default: AES-256-CBC, PBKDF2, SHA-256 MAC, mode 0600', () => {
    mtlskitOk(['export', 'pfx', '--dir', dir, '--passout', 'pass:pw1']);
    const pfx = join(dir, 'client.pfx');
    expect(statSync(pfx).mode & 0o777).toBe(0o600);
    const info = openssl(['pkcs12', '-info', '-in', pfx, '-passin', 'pass:pw1', '-noout']);
    expect(info.status).toBe(0);
    expect(info.stderr).toMatch(/MAC: sha256/);
    expect(info.stderr).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/);
    expect(info.stderr).toMatch(/PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC/);
    const certs = openssl(['pkcs12', '-in', pfx, '-passin', 'pass:pw1', '-nokeys']).stdout;
    expect(certs.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(certs).toContain('friendlyName: client');
    expect(certs).toMatch(/localKeyID: [0-9A-F ]+/);
  });

  it('--legacy writes 3DES and a SHA-1 MAC that openssl -legacy and keytool read', () => {
    requireTool('openssl', 'keytool');
    exportClientPfx(join(tmp.dir, 'legacy.pfx'), 'pw2', true);
    const info = openssl([
      'pkcs12',
      '-legacy',
      '-info',
      '-in',
      join(tmp.dir, 'legacy.pfx'),
      '-passin',
      'pass:pw2',
      '-noout',
    ]);
    expect(info.status).toBe(0);
    expect(info.stderr).toMatch(/MAC: sha1/);
    expect(info.stderr).toMatch(/pbeWithSHA1And3-KeyTripleDES-CBC/);
    const keytool = tool('keytool', [
      '-list',
      '-storetype',
      'PKCS12',
      '-keystore',
      join(tmp.dir, 'legacy.pfx'),
      '-storepass',
      'pw2',
    ]);
    expect(keytool.stdout).toContain('PrivateKeyEntry');
  });

  it('bundles the whole chain for a leaf from an intermediate, and Node https completes mTLS with it', async () => {
    requireTool('openssl', 'keytool');
    mtlskitOk(['export', 'pfx', 'leaf', '--dir', join(dir, 'sub'), '--passout', 'env:PFX_PASS'], {
      env: { PFX_PASS: 'pw3' },
    });
    const pfx = readFileSync(join(dir, 'sub', 'leaf.pfx'));
    const certs = openssl(['pkcs12', '-in', join(dir, 'sub', 'leaf.pfx'), '-passin', 'pass:pw3', '-nokeys']).stdout;
    expect(certs.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    const keytool = tool('keytool', [
      '-list',
      '-v',
      '-storetype',
      'PKCS12',
      '-keystore',
      join(dir, 'sub', 'leaf.pfx'),
      '-storepass',
      'pw3',
    ]);
    expect(keytool.stdout).toContain('PrivateKeyEntry');
    expect(keytool.stdout).toContain('Certificate chain length: 3');
    const srv = await startNodeServer(mtlsServerOptions(dir));
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            servername: 'localhost',
            port: srv.port,
            path: '/',
            pfx,
            passphrase: 'pw3',
            ca: readFileSync(join(dir, 'ca.crt')),
          },
          (res) => {
            let data = '';
            res.on('data', (d) => (data += d));
            res.on('end', () => resolve(data));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(body).toBe('hello leaf\n');
    } finally {
      await srv.stop();
    }
  });

  it('refuses an empty password unless --empty-password, and a key that does not belong to the certificate', () => {
    const empty = mtlskit(['export', 'pfx', '--dir', dir, '--passout', 'pass:', '--out', join(tmp.dir, 'e.pfx')]);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain('--empty-password');
    expect(existsSync(join(tmp.dir, 'e.pfx'))).toBe(false);
    const r = mtlskit([
      'export',
      'pfx',
      '--dir',
      dir,
      '--passout',
      'pass:',
      '--empty-password',
      '--out',
      join(tmp.dir, 'e.pfx'),
    ]);
    expect(r.status).toBe(0);
    expect(openssl(['pkcs12', '-info', '-in', join(tmp.dir, 'e.pfx'), '-passin', 'pass:', '-noout']).status).toBe(0);
    const noTty = mtlskit(['export', 'pfx', '--dir', dir, '--out', join(tmp.dir, 'n.pfx')]);
    expect(noTty.status).toBe(4);
    copyFileSync(join(dir, 'client.crt'), join(dir, 'mixed.crt'));
    copyFileSync(join(dir, 'server.key'), join(dir, 'mixed.key'));
    const mixed = mtlskit(['export', 'pfx', 'mixed', '--dir', dir, '--passout', 'pass:x']);
    expect(mixed.status).toBe(4);
    expect(mixed.stderr).toContain('does not belong to');
    expect(existsSync(join(dir, 'mixed.pfx'))).toBe(false);
  });

  it('does not overwrite an existing bundle without --force', () => {
    const before = readFileSync(join(dir, 'client.pfx'));
    expect(mtlskit(['export', 'pfx', '--dir', dir, '--passout', 'pass:other']).status).toBe(3);
    expect(readFileSync(join(dir, 'client.pfx')).equals(before)).toBe(true);
  });
});

describe('other consumers read our bundles', () => {
  for (const legacy of [false, true]) {
    const kind = legacy ? 'legacy' : 'default';
    it(`python cryptography loads key, certificate and CA from the ${kind} bundle`, () => {
      requireTool('python3-cryptography');
      const out = join(tmp.dir, `py-${kind}.pfx`);
      exportClientPfx(out, 'py-pw', legacy);
      const script = [
        'import sys',
        'from cryptography.hazmat.primitives.serialization import pkcs12',
        'key, cert, cas = pkcs12.load_key_and_certificates(open(sys.argv[1], "rb").read(), b"py-pw")',
        'print(type(key).__name__, cert.subject.rfc4514_string(), len(cas), cas[0].subject.rfc4514_string())',
      ].join('\n');
      const r = tool('python3', ['-c', script, out]);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toMatch(
        /^_?RSAPrivateKey CN=client,O=Client Company Name 1 CN=Server CA Company Name Root CA,O=Server CA Company Name$/,
      );
    });

    it(`NSS pk12util imports the ${kind} bundle`, () => {
      requireTool('pk12util', 'certutil');
      const out = join(tmp.dir, `nss-${kind}.pfx`);
      exportClientPfx(out, 'nss-pw', legacy);
      const db = join(tmp.dir, `nssdb-${kind}`);
      mkdirSync(db);
      expect(tool('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']).status).toBe(0);
      const r = tool('pk12util', ['-i', out, '-d', `sql:${db}`, '-W', 'nss-pw']);
      expect(r.stdout + r.stderr).toContain('PKCS12 IMPORT SUCCESSFUL');
      const keys = tool('certutil', ['-K', '-d', `sql:${db}`]);
      expect(keys.stdout).toContain('client');
    });
  }

  it('keytool lists a PrivateKeyEntry in the default (AES) bundle', () => {
    requireTool('keytool');
    const keytool = tool('keytool', [
      '-list',
      '-storetype',
      'PKCS12',
      '-keystore',
      join(dir, 'client.pfx'),
      '-storepass',
      'pw1',
    ]);
    expect(keytool.stdout).toContain('PrivateKeyEntry');
  });
});

describe('mtlskit import pfx', () => {
  for (const legacy of [false, true]) {
    it(`round-trips an openssl-made ${legacy ? '-legacy ' : ''}bundle byte for byte on the certificate`, () => {
      const src = join(tmp.dir, `openssl-${legacy}.p12`);
      const args = [
        'pkcs12',
        '-export',
        '-inkey',
        join(dir, 'server.key'),
        '-in',
        join(dir, 'server.crt'),
        '-certfile',
        join(dir, 'ca.crt'),
        '-out',
        src,
        '-passout',
        'pass:imp',
      ];
      if (legacy) args.splice(1, 0, '-legacy');
      expect(openssl(args).status).toBe(0);
      const out = join(tmp.dir, `imported-${legacy}`);
      const r = mtlskitOk(['import', 'pfx', src, '--dir', out, '--name', 'gw', '--passin', 'pass:imp', '--json']);
      const json = JSON.parse(r.stdout);
      expect(json.chainCertificates).toBe(1);
      if (legacy) expect(json.encryption.certificates).toMatch(/RC2/);
      expect(readFileSync(join(out, 'gw.crt'), 'utf8')).toBe(readFileSync(join(dir, 'server.crt'), 'utf8'));
      expect(statSync(join(out, 'gw.key')).mode & 0o777).toBe(0o600);
      expect(openssl(['pkey', '-in', join(out, 'gw.key'), '-pubout']).stdout).toBe(
        openssl(['pkey', '-in', join(dir, 'server.key'), '-pubout']).stdout,
      );
      expect(readFileSync(join(out, 'gw-chain.crt'), 'utf8')).toContain(readFileSync(join(dir, 'ca.crt'), 'utf8'));
    });
  }

  for (const legacy of [false, true]) {
    it(`imports a Java keytool ${legacy ? 'legacy (3DES, RC2-40, SHA-1 MAC) ' : '(AES, SHA-256 MAC) '}keystore, certificate byte for byte`, () => {
      requireTool('keytool', 'openssl');
      const store = join(tmp.dir, `java-${legacy}.p12`);
      const gen = tool('keytool', [
        '-genkeypair',
        '-alias',
        'partner',
        '-keyalg',
        'EC',
        '-groupname',
        'secp256r1',
        '-dname',
        'CN=java-client,O=Java',
        '-storetype',
        'PKCS12',
        '-keystore',
        store,
        '-storepass',
        'javapw',
        '-keypass',
        'javapw',
        '-validity',
        '30',
        ...(legacy ? ['-J-Dkeystore.pkcs12.legacy'] : []),
      ]);
      expect(gen.status).toBe(0);
      const exported = tool('keytool', [
        '-exportcert',
        '-rfc',
        '-alias',
        'partner',
        '-storetype',
        'PKCS12',
        '-keystore',
        store,
        '-storepass',
        'javapw',
      ]).stdout;
      const out = join(tmp.dir, `java-import-${legacy}`);
      const r = JSON.parse(
        mtlskitOk(['import', 'pfx', store, '--dir', out, '--name', 'partner', '--passin', 'pass:javapw', '--json'])
          .stdout,
      );
      expect(r.encryption.mac).toBe(legacy ? 'HMAC-SHA-1' : 'HMAC-SHA-256');
      const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
      expect(der(readFileSync(join(out, 'partner.crt'), 'utf8')).equals(der(exported))).toBe(true);
      expect(openssl(['pkey', '-in', join(out, 'partner.key'), '-pubout']).stdout).toBe(
        openssl(['x509', '-in', join(out, 'partner.crt'), '-noout', '-pubkey']).stdout,
      );
    });
  }

  it('a wrong password is one sentence, exit 4, nothing written', () => {
    const out = join(tmp.dir, 'wrongpw');
    const r = mtlskit(['import', 'pfx', join(dir, 'client.pfx'), '--dir', out, '--passin', 'pass:nope']);
    expect(r.status).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/password .* wrong/);
    expect(existsSync(join(out, 'client.key'))).toBe(false);
  });

  it('a file that is not PKCS#12 is exit 2', () => {
    const r = mtlskit(['import', 'pfx', join(dir, 'ca.crt'), '--dir', join(tmp.dir, 'np'), '--passin', 'pass:x']);
    expect(r.status).toBe(2);
  });
});
