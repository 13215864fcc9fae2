/**
 * `ca rotate`, checked by consumers that are not mtlskit: openssl verify (-x509_strict, bundles, cross-certificates
 * as -untrusted, -crl_check), openssl crl, a Node https server, and Java's PKIX trust manager over a keytool truststore.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { BIN, FIXTURES, mtlskit, mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { newKeyArgs, opensslSignCsr } from '../helpers/openssl.js';
import { curl, freePort, mtlsServerOptions, runAsync, startNodeServer } from '../helpers/tls.js';
import { requireTool } from '../helpers/tools.js';
import { spawn } from 'node:child_process';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => (tmp = tempDir('mtlskit-rotate-')));
afterAll(() => tmp.cleanup());

const PASS = ['--passin', 'pass:capw'];

/** Every file under `dir` with its bytes and mode, to prove a refused command wrote nothing. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else files[relative(dir, p)] = `${st.mode.toString(8)}:${readFileSync(p, 'base64')}`;
    }
  };
  walk(dir);
  return files;
}

function ext(file: string, name: 'subjectKeyIdentifier' | 'authorityKeyIdentifier'): string {
  const r = openssl(['x509', '-in', file, '-noout', '-ext', name]);
  expect(r.status).toBe(0);
  const line = r.stdout.split('\n')[1]?.trim() ?? '';
  return line.replace(/^keyid:/, '');
}

function field(file: string, flag: '-subject' | '-issuer' | '-serial' | '-enddate'): string {
  return openssl(['x509', '-in', file, '-noout', flag]).stdout.trim();
}

function verify(args: string[]) {
  const r = openssl(['verify', '-x509_strict', ...args]);
  return { ok: r.status === 0, text: r.stdout + r.stderr };
}

function crlNumber(file: string): number {
  const text = openssl(['crl', '-in', file, '-noout', '-text']).stdout;
  return Number(/X509v3 CRL Number: \s*(\d+)/.exec(text)![1]);
}

describe('ca rotate on a root with certificates issued before and after', () => {
  let dir: string;
  const f = (name: string) => join(dir, name);
  let before: { oldSki: string; oldCert: string; oldKey: string };

  beforeAll(() => {
    dir = join(tmp.dir, 'pki');
    mtlskitOk([
      'ca',
      'init',
      '--dir',
      dir,
      '--subject',
      '/O=Acme/CN=Acme Root CA',
      '--key-type',
      'ec:P-256',
      '--passout',
      'pass:capw',
    ]);
    for (const n of ['alice', 'bob', 'dave']) mtlskitOk(['client', 'issue', n, '--dir', dir, ...PASS]);
    mtlskitOk(['revoke', 'bob', '--dir', dir, ...PASS]);
    before = {
      oldSki: ext(f('ca.crt'), 'subjectKeyIdentifier'),
      oldCert: readFileSync(f('ca.crt'), 'utf8'),
      oldKey: readFileSync(f('ca.key'), 'utf8'),
    };
    const r = mtlskitOk(['ca', 'rotate', '--dir', dir, ...PASS, '--json']);
    const json = JSON.parse(r.stdout);
    expect(json.ok).toBe(true);
    for (const n of ['carol', 'erin']) mtlskitOk(['client', 'issue', n, '--dir', dir, ...PASS]);
    mtlskitOk(['server', 'issue', 'api', '--dir', dir, '--ip', '127.0.0.1', ...PASS]);
  });

  it('keeps the old pair as ca-old.*, records it in mtlskit.json, and issues from a new key with the same subject', () => {
    expect(readFileSync(f('ca-old.crt'), 'utf8')).toBe(before.oldCert);
    expect(statSync(f('ca-old.key')).mode & 0o777).toBe(0o600);
    expect(statSync(f('ca.key')).mode & 0o777).toBe(0o600);
    // The old key keeps its password (no --passout); both keys open with the one --passin.
    expect(readFileSync(f('ca-old.key'), 'utf8')).toBe(before.oldKey);
    expect(openssl(['pkey', '-in', f('ca.key'), '-passin', 'pass:capw', '-noout']).status).toBe(0);
    expect(openssl(['pkey', '-in', f('ca.key'), '-passin', 'pass:wrong', '-noout']).status).not.toBe(0);
    const settings = JSON.parse(readFileSync(f('mtlskit.json'), 'utf8'));
    expect(settings.previousCa).toMatchObject({ cert: 'ca-old.crt', key: 'ca-old.key', crlPem: 'crl-old.pem' });
    expect(field(f('ca.crt'), '-subject')).toBe(field(f('ca-old.crt'), '-subject'));
    const newSki = ext(f('ca.crt'), 'subjectKeyIdentifier');
    expect(newSki).not.toBe(before.oldSki);
    expect(ext(f('carol.crt'), 'authorityKeyIdentifier')).toBe(newSki);
    expect(ext(f('alice.crt'), 'authorityKeyIdentifier')).toBe(before.oldSki);
    const text = openssl(['x509', '-in', f('ca.crt'), '-noout', '-text']).stdout;
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toContain('Public-Key: (256 bit)');
    expect(readFileSync(f('ca-chain.crt'), 'utf8')).toBe(readFileSync(f('ca.crt'), 'utf8'));
  });

  it('cross-certificates keep their subject key id and name the signing key in their AKI', () => {
    const newSki = ext(f('ca.crt'), 'subjectKeyIdentifier');
    const oldByNew = f('ca-old-signed-by-new.crt');
    const newByOld = f('ca-new-signed-by-old.crt');
    expect(ext(oldByNew, 'subjectKeyIdentifier')).toBe(before.oldSki);
    expect(ext(oldByNew, 'authorityKeyIdentifier')).toBe(newSki);
    expect(ext(newByOld, 'subjectKeyIdentifier')).toBe(newSki);
    expect(ext(newByOld, 'authorityKeyIdentifier')).toBe(before.oldSki);
    // Signed by the key they say: each verifies as a one-step chain to the other root, and not to its own.
    expect(verify(['-CAfile', f('ca.crt'), '-partial_chain', oldByNew]).ok).toBe(true);
    expect(verify(['-CAfile', f('ca-old.crt'), '-partial_chain', newByOld]).ok).toBe(true);
    expect(verify(['-CAfile', f('ca-old.crt'), '-partial_chain', oldByNew]).ok).toBe(false);
    // Same public key as the root they stand for; no longer valid than the old root.
    const pub = (file: string) => openssl(['x509', '-in', file, '-noout', '-pubkey']).stdout;
    expect(pub(oldByNew)).toBe(pub(f('ca-old.crt')));
    expect(pub(newByOld)).toBe(pub(f('ca.crt')));
    expect(field(oldByNew, '-enddate')).toBe(field(f('ca-old.crt'), '-enddate'));
    const bundle = readFileSync(f('ca-bundle.crt'), 'utf8');
    expect(bundle).toBe(readFileSync(f('ca-old.crt'), 'utf8') + readFileSync(f('ca.crt'), 'utf8'));
    const list = JSON.parse(mtlskitOk(['list', '--dir', dir, '--json']).stdout);
    const names = JSON.stringify(list);
    expect(names).toContain('ca-old-signed-by-new');
    expect(names).toContain('ca-new-signed-by-old');
  });

  it('a certificate from before and one from after verify against ca-bundle.crt with openssl -x509_strict', () => {
    for (const n of ['alice', 'carol']) {
      const r = verify(['-purpose', 'sslclient', '-CAfile', f('ca-bundle.crt'), f(`${n}.crt`)]);
      expect(r.text).toContain(': OK');
    }
  });

  it('each verifies against either single root with the right cross-certificate as -untrusted, and not without it', () => {
    const onNew = (n: string, extra: string[]) => verify(['-CAfile', f('ca.crt'), ...extra, f(`${n}.crt`)]);
    const onOld = (n: string, extra: string[]) => verify(['-CAfile', f('ca-old.crt'), ...extra, f(`${n}.crt`)]);
    expect(onNew('alice', ['-untrusted', f('ca-old-signed-by-new.crt')]).ok).toBe(true);
    expect(onNew('alice', []).ok).toBe(false);
    expect(onNew('carol', []).ok).toBe(true);
    expect(onOld('carol', ['-untrusted', f('ca-new-signed-by-old.crt')]).ok).toBe(true);
    expect(onOld('carol', []).ok).toBe(false);
    expect(onOld('alice', []).ok).toBe(true);
  });

  it('a Node https server that trusts only the new root accepts an old client that sends ca-old-signed-by-new.crt', async () => {
    const server = await startNodeServer(mtlsServerOptions(dir, { name: 'api', ca: ['ca.crt'] }));
    try {
      const get = (cert: string) =>
        httpsGet(server.port, { key: readFileSync(f('alice.key')), cert, ca: readFileSync(f('ca.crt')) });
      const alice = readFileSync(f('alice.crt'), 'utf8');
      const withCross = await get(alice + readFileSync(f('ca-old-signed-by-new.crt'), 'utf8'));
      expect(withCross).toEqual({ status: 200, body: 'hello alice\n' });
      const alone = await get(alice);
      expect(alone.status).not.toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('a Node https server that still trusts only the old root accepts a new client that sends ca-new-signed-by-old.crt', async () => {
    const server = await startNodeServer(mtlsServerOptions(dir, { name: 'api', ca: ['ca-old.crt'] }));
    try {
      const get = (cert: string) =>
        httpsGet(server.port, { key: readFileSync(f('carol.key')), cert, ca: readFileSync(f('ca-bundle.crt')) });
      const carol = readFileSync(f('carol.crt'), 'utf8');
      expect(await get(carol + readFileSync(f('ca-new-signed-by-old.crt'), 'utf8'))).toEqual({
        status: 200,
        body: 'hello carol\n',
      });
      expect((await get(carol)).status).not.toBe(200);
    } finally {
      await server.stop();
    }
  });

  it("Java's PKIX trust manager over a keytool truststore builds the same paths", async () => {
    requireTool('java', 'keytool');
    // JVMs start slowly: run them without blocking the test worker's event loop.
    const store = async (name: string, certs: string[]) => {
      const path = join(tmp.dir, `${name}.p12`);
      for (const [i, c] of certs.entries()) {
        const r = await runTool('keytool', [
          '-importcert',
          '-noprompt',
          '-storetype',
          'PKCS12',
          '-keystore',
          path,
          '-storepass',
          'changeit',
          '-alias',
          `root${i}`,
          '-file',
          c,
        ]);
        expect(r.status, r.stderr + r.stdout).toBe(0);
      }
      return path;
    };
    const chain = (name: string, parts: string[]) => {
      const path = join(tmp.dir, `${name}.pem`);
      writeFileSync(path, parts.map((p) => readFileSync(f(p), 'utf8')).join(''));
      return path;
    };
    const newOnly = await store('trust-new', [f('ca.crt')]);
    const oldOnly = await store('trust-old', [f('ca-old.crt')]);
    const both = await store('trust-both', [f('ca-old.crt'), f('ca.crt')]);
    // One JVM, three truststores: "--" separates them.
    const groups = [
      [newOnly, chain('alice-x', ['alice.crt', 'ca-old-signed-by-new.crt']), chain('alice', ['alice.crt'])],
      [oldOnly, chain('carol-x', ['carol.crt', 'ca-new-signed-by-old.crt']), chain('carol', ['carol.crt'])],
      [both, join(tmp.dir, 'alice.pem'), join(tmp.dir, 'carol.pem')],
    ];
    const args = groups.flatMap(([store, ...chains], i) => [...(i > 0 ? ['--'] : []), store!, 'changeit', ...chains]);
    const r = await runTool('java', [join(FIXTURES, 'java', 'TrustCheck.java'), ...args]);
    expect(r.status, r.stderr).toBe(0);
    const [aliceCross, aliceAlone, carolCross, carolAlone, aliceBoth, carolBoth] = r.stdout.trim().split('\n');
    expect(aliceCross).toBe('OK');
    expect(aliceAlone).toMatch(/^FAIL/);
    expect(carolCross).toBe('OK');
    expect(carolAlone).toMatch(/^FAIL/);
    expect([aliceBoth, carolBoth]).toEqual(['OK', 'OK']);
  }, 240_000);

  it('revoking a certificate from the old key: the old key signs crl-old.pem, which openssl verifies and uses to reject it', () => {
    mtlskitOk(['revoke', 'alice', '--dir', dir, ...PASS]);
    const check = openssl(['crl', '-in', f('crl-old.pem'), '-CAfile', f('ca-old.crt'), '-noout']);
    expect(check.stdout + check.stderr).toContain('verify OK');
    const wrongKey = openssl(['crl', '-in', f('crl-old.pem'), '-CAfile', f('ca.crt'), '-noout']);
    expect(wrongKey.stdout + wrongKey.stderr).not.toContain('verify OK');
    const serial = (n: string) => field(f(`${n}.crt`), '-serial').split('=')[1]!;
    const oldText = openssl(['crl', '-in', f('crl-old.pem'), '-noout', '-text']).stdout;
    expect(oldText).toContain(`Serial Number: ${serial('alice')}`);
    expect(oldText).toContain(`Serial Number: ${serial('bob')}`);
    expect(oldText).toContain(`Authority Key Identifier: \n                ${before.oldSki}`);
    const newText = openssl(['crl', '-in', f('crl.pem'), '-noout', '-text']).stdout;
    expect(newText).not.toContain(serial('alice'));
    const crlCheck = (crl: string, ca: string, n: string, extra: string[] = []) =>
      verify(['-crl_check', '-CRLfile', f(crl), '-CAfile', f(ca), ...extra, f(`${n}.crt`)]);
    const rejected = crlCheck('crl-old.pem', 'ca-old.crt', 'alice');
    expect(rejected.ok).toBe(false);
    expect(rejected.text).toContain('certificate revoked');
    expect(crlCheck('crl-bundle.pem', 'ca-bundle.crt', 'alice').text).toContain('certificate revoked');
    expect(crlCheck('crl-bundle.pem', 'ca-bundle.crt', 'carol').ok).toBe(true);
    // Through the cross-certificate, every CA in the chain is checked (-crl_check_all), as TLS servers do.
    const all = verify([
      '-crl_check_all',
      '-CRLfile',
      f('crl-bundle.pem'),
      '-CAfile',
      f('ca.crt'),
      '-untrusted',
      f('ca-old-signed-by-new.crt'),
      f('alice.crt'),
    ]);
    expect(all.text).toContain('certificate revoked');
  });

  it('revoking a certificate from the new key leaves crl-old.pem alone in content; crl gen re-signs both', () => {
    mtlskitOk(['revoke', 'carol', '--dir', dir, ...PASS]);
    const serial = field(f('carol.crt'), '-serial').split('=')[1]!;
    expect(openssl(['crl', '-in', f('crl.pem'), '-noout', '-text']).stdout).toContain(`Serial Number: ${serial}`);
    expect(openssl(['crl', '-in', f('crl-old.pem'), '-noout', '-text']).stdout).not.toContain(serial);
    const [n1, o1] = [crlNumber(f('crl.pem')), crlNumber(f('crl-old.pem'))];
    const r = mtlskitOk(['crl', 'gen', '--dir', dir, ...PASS, '--json']);
    const json = JSON.parse(r.stdout);
    expect(json.previous.files.pem).toBe(f('crl-old.pem'));
    expect(json.previous.revokedCount).toBe(2);
    expect(crlNumber(f('crl.pem'))).toBeGreaterThan(n1);
    expect(crlNumber(f('crl-old.pem'))).toBeGreaterThan(o1);
    const der = openssl(['crl', '-in', f('crl-old.der'), '-inform', 'DER', '-noout', '-text']).stdout;
    expect(der).toBe(openssl(['crl', '-in', f('crl-old.pem'), '-noout', '-text']).stdout);
    expect(openssl(['crl', '-in', f('crl.pem'), '-CAfile', f('ca.crt'), '-noout']).stderr).toContain('verify OK');
  });

  it("a Node https server with ca-bundle.crt and both CRLs (one per 'crl' entry) refuses exactly the revoked", async () => {
    // Here alice (old key) and carol (new key) are revoked, dave (old) and erin (new) are not.
    // The server answers with OpenSSL's verdict on the client (rejectUnauthorized false), so the reason is visible.
    const server = createServer(
      {
        key: readFileSync(f('api.key')),
        cert: readFileSync(f('api.crt')),
        ca: [readFileSync(f('ca-bundle.crt'))],
        // Node reads one CRL per entry (from crl-bundle.pem only the first), so the two files go in separately.
        crl: [readFileSync(f('crl.pem')), readFileSync(f('crl-old.pem'))],
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        res.end(socket.authorized ? 'authorized' : String(socket.authorizationError));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const killer = setTimeout(() => server.close(), 60_000);
    try {
      const port = (server.address() as AddressInfo).port;
      const get = async (n: string) =>
        (
          await httpsGet(port, {
            key: readFileSync(f(`${n}.key`)),
            cert: readFileSync(f(`${n}.crt`), 'utf8'),
            ca: readFileSync(f('ca.crt')),
          })
        ).body;
      expect(await get('dave')).toBe('authorized');
      expect(await get('erin')).toBe('authorized');
      expect(await get('alice')).toBe('CERT_REVOKED');
      expect(await get('carol')).toBe('CERT_REVOKED');
    } finally {
      clearTimeout(killer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('nginx as the gateway: ca-bundle.crt + crl-bundle.pem during the overlap, then ca.crt alone with the cross-certificate', async () => {
    requireTool('nginx', 'curl', 'openssl');
    const [overlap, after] = [await freePort(), await freePort()];
    const prefix = join(tmp.dir, 'nginx');
    mkdirSync(join(prefix, 'logs'), { recursive: true });
    const server = (port: number, trust: string) =>
      `  server {\n    listen 127.0.0.1:${port} ssl;\n    ssl_certificate ${f('api.crt')};\n    ssl_certificate_key ${f('api.key')};\n` +
      `    ssl_client_certificate ${f(trust)};\n    ssl_verify_client on;\n    ssl_verify_depth 2;\n    ssl_crl ${f('crl-bundle.pem')};\n` +
      `    location / { return 200 "hello $ssl_client_s_dn\\n"; }\n  }\n`;
    writeFileSync(
      join(prefix, 'nginx.conf'),
      `daemon off;\nmaster_process off;\npid ${prefix}/nginx.pid;\nerror_log ${prefix}/logs/error.log;\nevents {}\nhttp {\n  access_log off;\n` +
        ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${prefix}/${t};\n`).join('') +
        server(overlap, 'ca-bundle.crt') +
        server(after, 'ca.crt') +
        '}\n',
    );
    const nginx = spawn(
      'nginx',
      ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'logs', 'error.log')],
      {
        stdio: 'ignore',
      },
    );
    const killer = setTimeout(() => nginx.kill('SIGKILL'), 60_000);
    try {
      writeFileSync(
        f('dave-bridge.crt'),
        readFileSync(f('dave.crt'), 'utf8') + readFileSync(f('ca-old-signed-by-new.crt'), 'utf8'),
      );
      const get = async (port: number, n: string, cert = `${n}.crt`) => {
        let res = { status: 1, stdout: '', stderr: '' };
        for (let i = 0; i < 50 && res.status !== 0; i++) {
          res = await curl(port, ['--cacert', f('ca.crt'), '--cert', f(cert), '--key', f(`${n}.key`)]);
          if (res.status !== 0) await new Promise((ok) => setTimeout(ok, 100));
        }
        expect(res.stderr).toBe('');
        return res.stdout;
      };
      // The overlap: both roots trusted, both CRLs read from the one file; old and new clients in, revoked ones out.
      expect(await get(overlap, 'dave')).toContain('hello CN=dave');
      expect(await get(overlap, 'erin')).toContain('hello CN=erin');
      expect(await get(overlap, 'alice')).toContain('400');
      expect(await get(overlap, 'carol')).toContain('400');
      // The old root removed: an old client is refused, unless it sends the cross-certificate along.
      expect(await get(after, 'erin')).toContain('hello CN=erin');
      expect(await get(after, 'dave')).toContain('400');
      expect(await get(after, 'dave', 'dave-bridge.crt')).toContain('hello CN=dave');
    } finally {
      clearTimeout(killer);
      nginx.kill('SIGTERM');
    }
  });

  it('mtlskit serve --crl accepts clients of both keys and refuses the revoked of either, naming the reason', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--dir', dir, '--cert', 'api', '--crl', '--port', String(port), '--max-requests', '4', '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let log = '';
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    const done = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      const deadline = Date.now() + 10_000;
      while (!log.includes('listening')) {
        if (Date.now() > deadline) throw new Error(`serve did not start:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const get = (n: string) => curl(port, ['--cacert', f('ca.crt'), '--cert', f(`${n}.crt`), '--key', f(`${n}.key`)]);
      for (const n of ['dave', 'erin']) expect(JSON.parse((await get(n)).stdout).method).toBe('GET');
      for (const n of ['alice', 'carol']) expect(JSON.parse((await get(n)).stdout).code).toBe('CLIENT_CERT_REVOKED');
      expect(await done).toBe(0);
    } finally {
      clearTimeout(killer);
      child.kill('SIGTERM');
    }
  });

  it('export pfx packs the root that issued the leaf: ca-old.crt for an old certificate, ca.crt for a new one', () => {
    const caIn = (name: string) => {
      mtlskitOk(['export', 'pfx', name, '--dir', dir, '--passout', 'pass:pfxpw', '--force']);
      const pem = openssl(['pkcs12', '-in', f(`${name}.pfx`), '-passin', 'pass:pfxpw', '-nokeys', '-cacerts']).stdout;
      return openssl(['x509', '-noout', '-fingerprint', '-sha256'], { input: pem }).stdout;
    };
    const fingerprint = (file: string) => openssl(['x509', '-in', file, '-noout', '-fingerprint', '-sha256']).stdout;
    expect(caIn('alice')).toBe(fingerprint(f('ca-old.crt')));
    expect(caIn('carol')).toBe(fingerprint(f('ca.crt')));
  });

  it('a second rotation is refused without --force (exit 3, nothing written); with --force the oldest CA moves to retired/', () => {
    const snap = snapshot(dir);
    const r = mtlskit(['ca', 'rotate', '--dir', dir, ...PASS]);
    expect(r.status).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--force');
    expect(snapshot(dir)).toEqual(snap);
    const current = readFileSync(f('ca.crt'), 'utf8');
    const out = JSON.parse(mtlskitOk(['ca', 'rotate', '--dir', dir, ...PASS, '--force', '--json']).stdout);
    expect(out.retired).toContain(join(dir, 'retired'));
    expect(readFileSync(join(out.retired, 'ca.crt'), 'utf8')).toBe(before.oldCert);
    expect(readFileSync(join(out.retired, 'ca.key'), 'utf8')).toBe(before.oldKey);
    expect(readFileSync(f('ca-old.crt'), 'utf8')).toBe(current);
    expect(verify(['-CAfile', f('ca-bundle.crt'), f('carol.crt')]).ok).toBe(true);
  });
});

describe('a leaf whose authorityKeyIdentifier names its CA by issuer and serial only (README caveat)', () => {
  it('verifies against ca-bundle.crt after the rotation, but not through ca-old-signed-by-new.crt', () => {
    const dir = join(tmp.dir, 'issuer-serial');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    const f = (name: string) => join(dir, name);
    writeFileSync(
      f('legacy.cnf'),
      '[l]\nbasicConstraints = CA:FALSE\nauthorityKeyIdentifier = issuer:always\nextendedKeyUsage = clientAuth\n',
    );
    const req = openssl([
      'req',
      '-new',
      ...newKeyArgs(f('legacy.key')),
      '-subj',
      '/CN=legacy',
      '-out',
      f('legacy.csr'),
    ]);
    expect(req.status, req.stderr).toBe(0);
    opensslSignCsr({
      csr: f('legacy.csr'),
      ca: f('ca.crt'),
      caKey: f('ca.key'),
      out: f('legacy.crt'),
      serial: '99',
      days: 30,
      extfile: f('legacy.cnf'),
      extensions: 'l',
    });
    expect(openssl(['x509', '-in', f('legacy.crt'), '-noout', '-ext', 'authorityKeyIdentifier']).stdout).toContain(
      'serial:',
    );
    mtlskitOk(['ca', 'rotate', '--dir', dir]);
    // Not -x509_strict: OpenSSL's strict mode wants a key identifier in every AKI, which is the point here.
    const plain = (args: string[]) => openssl(['verify', ...args, f('legacy.crt')]);
    expect(plain(['-CAfile', f('ca-bundle.crt')]).status).toBe(0);
    const cross = plain(['-CAfile', f('ca.crt'), '-untrusted', f('ca-old-signed-by-new.crt')]);
    expect(cross.status).not.toBe(0);
    expect(cross.stderr + cross.stdout).toContain('unable to get local issuer certificate');
  });
});

describe('ca rotate refuses bad input with one sentence and writes nothing', () => {
  it('a wrong --passin: exit 4', () => {
    const dir = join(tmp.dir, 'wrong-pass');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256', '--passout', 'pass:capw']);
    mtlskitOk(['client', 'issue', 'alice', '--dir', dir, ...PASS]);
    const snap = snapshot(dir);
    const r = mtlskit(['ca', 'rotate', '--dir', dir, '--passin', 'pass:nope']);
    expect(r.status).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshot(dir)).toEqual(snap);
  });

  it('an intermediate CA folder: exit 2, saying to make a new intermediate instead', () => {
    const root = join(tmp.dir, 'root');
    const sub = join(tmp.dir, 'sub');
    mtlskitOk(['ca', 'init', '--dir', root, '--key-type', 'ec:P-256']);
    mtlskitOk(['ca', 'init', '--dir', sub, '--issuer', root, '--key-type', 'ec:P-256']);
    const snap = snapshot(sub);
    const rootSnap = snapshot(root);
    const r = mtlskit(['ca', 'rotate', '--dir', sub]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('intermediate');
    expect(r.stderr).toContain('ca init');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshot(sub)).toEqual(snap);
    expect(snapshot(root)).toEqual(rootSnap);
  });

  it('no CA in --dir: exit 2; an unknown --key-type: exit 2', () => {
    expect(mtlskit(['ca', 'rotate', '--dir', join(tmp.dir, 'nothing-here')]).status).toBe(2);
    const dir = join(tmp.dir, 'keytype');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    const snap = snapshot(dir);
    const r = mtlskit(['ca', 'rotate', '--dir', dir, '--key-type', 'dsa:1024']);
    expect(r.status).toBe(2);
    expect(snapshot(dir)).toEqual(snap);
  });

  it('--passout re-encrypts both keys, and --key-type changes the new key', () => {
    const dir = join(tmp.dir, 'passout');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    mtlskitOk(['ca', 'rotate', '--dir', dir, '--key-type', 'ec:P-384', '--passout', 'pass:newpw']);
    for (const k of ['ca.key', 'ca-old.key']) {
      expect(readFileSync(join(dir, k), 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
      expect(openssl(['pkey', '-in', join(dir, k), '-passin', 'pass:newpw', '-noout']).status).toBe(0);
    }
    expect(openssl(['x509', '-in', join(dir, 'ca.crt'), '-noout', '-text']).stdout).toContain('Public-Key: (384 bit)');
    mtlskitOk(['crl', 'gen', '--dir', dir, '--passin', 'pass:newpw']);
    expect(
      openssl(['crl', '-in', join(dir, 'crl-old.pem'), '-CAfile', join(dir, 'ca-old.crt'), '-noout']).stderr,
    ).toContain('verify OK');
  });
});

describe('revoke --serial after a rotation', () => {
  it('a serial whose certificate the store does not have goes into both CRLs, each signed by its own key', () => {
    const dir = join(tmp.dir, 'serial');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    mtlskitOk(['ca', 'rotate', '--dir', dir]);
    const r = mtlskitOk(['revoke', '--serial', '0DEADBEEF1', '--dir', dir, '--json']);
    expect(JSON.parse(r.stdout).crl.previous.revokedCount).toBe(1);
    for (const [crl, ca] of [
      ['crl.pem', 'ca.crt'],
      ['crl-old.pem', 'ca-old.crt'],
    ]) {
      const text = openssl(['crl', '-in', join(dir, crl!), '-CAfile', join(dir, ca!), '-noout', '-text']);
      expect(text.stderr).toContain('verify OK');
      expect(text.stdout).toContain('Serial Number: 0DEADBEEF1');
    }
  });
});

describe('ca init --force over a rotated folder', () => {
  it('starts a CA without the old generation: mtlskit.json loses previousCa, crl gen signs one CRL', () => {
    const dir = join(tmp.dir, 'reinit');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    mtlskitOk(['ca', 'rotate', '--dir', dir]);
    expect(JSON.parse(readFileSync(join(dir, 'mtlskit.json'), 'utf8')).previousCa).toBeDefined();
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256', '--force']);
    // mtlskit.json may go altogether (a CA without settings has none).
    const settings = join(dir, 'mtlskit.json');
    expect(existsSync(settings) ? JSON.parse(readFileSync(settings, 'utf8')).previousCa : undefined).toBeUndefined();
    const crl = JSON.parse(mtlskitOk(['crl', 'gen', '--dir', dir, '--json']).stdout);
    expect(crl.previous).toBeUndefined();
    expect(openssl(['crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.crt'), '-noout']).stderr).toContain(
      'verify OK',
    );
  });
});

/** Runs keytool or java without blocking the event loop, with room for the JVM's start-up. */
const runTool = (cmd: string, args: string[]) => runAsync(cmd, args, { timeoutMs: 90_000 });

/** GET https://127.0.0.1:PORT/ with a client certificate chain; the status, or 0 when the handshake fails. */
function httpsGet(
  port: number,
  tls: { key: Buffer; cert: string; ca: Buffer },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', ...tls, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ status: 0, body: err.message }));
    req.end();
  });
}
