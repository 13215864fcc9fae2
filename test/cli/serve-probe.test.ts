import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, mtlskit, mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { newKeyArgs } from '../helpers/openssl.js';
import { curl, freePort, opensslMtlsServerArgs, runAsync, startOpensslServer } from '../helpers/tls.js';
import { requireTool } from '../helpers/tools.js';

let tmp: { dir: string; cleanup: () => void };
let a: string;
let b: string;
const p = (dir: string, name: string) => join(dir, name);

/** An already-expired client certificate signed by the CA in `dir` (openssl ca lets us set past dates). */
function expiredClient(dir: string) {
  writeFileSync(
    p(dir, 'old.cnf'),
    `[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = ${p(dir, 'old-index.txt')}\nnew_certs_dir = ${dir}\nserial = ${p(dir, 'old-serial')}\ndefault_md = sha256\npolicy = any\nx509_extensions = ext\n[ any ]\nO = optional\nCN = supplied\n[ ext ]\nbasicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n`,
  );
  writeFileSync(p(dir, 'old-index.txt'), '');
  writeFileSync(p(dir, 'old-serial'), '5001\n');
  openssl([
    'req',
    '-new',
    ...newKeyArgs(p(dir, 'old.key')),
    '-out',
    p(dir, 'old.csr'),
    '-subj',
    '/O=Client Company Name/CN=old',
  ]);
  const r = openssl([
    'ca',
    '-batch',
    '-config',
    p(dir, 'old.cnf'),
    '-cert',
    p(dir, 'ca.crt'),
    '-keyfile',
    p(dir, 'ca.key'),
    '-in',
    p(dir, 'old.csr'),
    '-out',
    p(dir, 'old.crt'),
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-notext',
  ]);
  if (r.status !== 0) throw new Error(r.stderr);
}

/** An intermediate CA of `a` in `sub` (P-256), with a localhost server certificate and the default client. */
function issuingCa(sub: string, subject: string) {
  mtlskitOk(['ca', 'init', '--dir', sub, '--issuer', a, '--subject', subject, '--key-type', 'ec:P-256']);
  mtlskitOk(['server', 'issue', '--dir', sub, '--dns', 'localhost']);
  mtlskitOk(['client', 'issue', '--dir', sub]);
}

beforeAll(() => {
  tmp = tempDir();
  a = join(tmp.dir, 'a');
  b = join(tmp.dir, 'b');
  mtlskitOk(['ca', 'init', '--dir', a, '--subject', '/O=Acme/CN=Acme mTLS CA', '--key-type', 'ec:P-256']);
  mtlskitOk(['ca', 'init', '--dir', b, '--subject', '/O=Other/CN=Other CA', '--key-type', 'ec:P-256']);
  mtlskitOk(['server', 'issue', '--dir', a, '--dns', 'localhost', '--ip', '127.0.0.1']);
  mtlskitOk(['server', 'issue', '--dir', b, '--dns', 'localhost']);
  mtlskitOk(['client', 'issue', '--dir', a]);
  mtlskitOk(['client', 'issue', 'gone', '--dir', a]);
  mtlskitOk(['client', 'issue', '--dir', b]);
  mtlskitOk(['revoke', 'gone', '--dir', a, '--reason', 'keyCompromise']);
  expiredClient(a);
});
afterAll(() => tmp.cleanup());

async function startServe(
  args: string[],
): Promise<{ port: number; child: ChildProcess; log: () => string; done: Promise<number> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const done = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  done.finally(() => clearTimeout(killer));
  const deadline = Date.now() + 10_000;
  while (!log.includes('listening')) {
    if (Date.now() > deadline) throw new Error(`serve did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, child, log: () => log, done };
}

async function probe(url: string, args: string[]) {
  const r = await runAsync(process.execPath, [BIN, 'probe', url, '--json', ...args]);
  return {
    status: r.status,
    json: JSON.parse(r.stdout) as {
      ok: boolean;
      cause?: { code: string; message: string };
      body?: string;
      status?: number;
      certificateRequest: unknown;
      steps: { step: string; ok: boolean | null; detail: string }[];
    },
  };
}

/** probe with the client key and certificate from `pfx` (password source `passin`) against a's mTLS openssl server. */
async function probeWithPfx(pfx: string, passin: string) {
  const srv = await startOpensslServer(opensslMtlsServerArgs(a));
  try {
    return await probe(`https://localhost:${srv.port}/`, ['--ca', p(a, 'ca.crt'), '--pfx', pfx, '--passin', passin]);
  } finally {
    await srv.stop();
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const client = (dir: string, name = 'client') => ['--cert', p(dir, `${name}.crt`), '--key', p(dir, `${name}.key`)];

/** Client credentials that every mTLS server here must refuse, with the cause probe must name. */
const failureCases = (): [string[], string][] => [
  [[], 'NO_CLIENT_CERT'],
  [client(b), 'UNKNOWN_CA'],
  [client(a, 'gone'), 'CLIENT_CERT_REVOKED'],
  [client(a, 'old'), 'CLIENT_CERT_EXPIRED'],
  [client(a, 'server'), 'WRONG_PURPOSE'],
];

describe('mtlskit serve with curl and mtlskit probe', () => {
  it('accepts a good client, echoes the request, and refuses the rest with the reason in the log', async () => {
    requireTool('curl');
    const srv = await startServe(['--dir', a, '--crl']);
    try {
      const url = `https://localhost:${srv.port}/hello?x=1`;
      const viaCurl = await runAsync('curl', [
        '-sS',
        '--max-time',
        '10',
        '--cacert',
        p(a, 'ca.crt'),
        ...client(a),
        url,
      ]);
      const echoed = JSON.parse(viaCurl.stdout);
      expect(echoed).toMatchObject({ host: `localhost:${srv.port}`, method: 'GET', path: '/hello?x=1' });
      expect(echoed.client.subject).toContain('CN=client');
      expect(echoed.client.issuer).toContain('CN=Acme mTLS CA');

      const good = await probe(url, ['--ca', p(a, 'ca.crt'), ...client(a)]);
      expect(good.status).toBe(0);
      expect(good.json.ok).toBe(true);
      const requestStep = good.json.steps.find((s) => s.step === 'client certificate request')!;
      expect(requestStep.detail).toContain("'O=Acme, CN=Acme mTLS CA'");

      const cases = failureCases();
      for (const [args, code] of cases) {
        const r = await probe(url, ['--ca', p(a, 'ca.crt'), ...args]);
        expect(r.status, code).toBe(1);
        expect(r.json.cause?.code).toBe(code);
        expect(r.json.cause?.message.split('\n')).toHaveLength(1);
      }
      const log = srv.log();
      expect(log).toContain('no client certificate was sent');
      expect(log).toContain('not issued by a CA this server trusts');
      expect(log).toContain('is revoked');
      expect(log).toContain('has expired');
      expect(log).toContain('not a client certificate');
    } finally {
      srv.child.kill('SIGTERM');
      expect(await srv.done).toBe(0);
    }
  });

  it('probe says when the server certificate is not trusted or not valid for the host', async () => {
    const srv = await startServe(['--dir', a]);
    try {
      const untrusted = await probe(`https://localhost:${srv.port}/`, ['--ca', p(b, 'ca.crt'), ...client(a)]);
      expect(untrusted.json.cause?.code).toBe('SERVER_NOT_TRUSTED');
    } finally {
      srv.child.kill('SIGTERM');
      await srv.done;
    }
    // b's server certificate names only DNS:localhost, so 127.0.0.1 is not a name it is valid for.
    const other = await startServe(['--dir', b]);
    try {
      const byIp = await probe(`https://127.0.0.1:${other.port}/`, ['--ca', p(b, 'ca.crt'), ...client(b)]);
      expect(byIp.json.cause?.code).toBe('SERVER_HOSTNAME_MISMATCH');
      expect(byIp.status).toBe(1);
    } finally {
      other.child.kill('SIGTERM');
      await other.done;
    }
  });

  it('logs why a handshake failed: a client that does not trust the server, plain HTTP', async () => {
    requireTool('curl');
    const srv = await startServe(['--dir', a]);
    try {
      const distrusting = await runAsync('curl', [
        '-sS',
        '--max-time',
        '10',
        '--cacert',
        p(b, 'ca.crt'),
        ...client(a),
        `https://localhost:${srv.port}/`,
      ]);
      expect(distrusting.status).not.toBe(0);
      const plain = await runAsync('curl', ['-sS', '--max-time', '10', `http://localhost:${srv.port}/`]);
      expect(plain.status).not.toBe(0);
      await waitFor(() => srv.log().includes('plain HTTP'));
      const lines = srv
        .log()
        .split('\n')
        .filter((l) => l.includes('handshake with 127.0.0.1:'));
      expect(lines[0]).toMatch(
        /does not trust this server's certificate \(alert unknown_ca\); give the client the CA certificate \(curl --cacert .*ca(-chain)?\.crt\)$/,
      );
      expect(lines[1]).toContain('the client spoke plain HTTP to this HTTPS port; use https://');
    } finally {
      srv.child.kill('SIGINT');
      expect(await srv.done).toBe(0);
    }
  });

  it('--json: the URL first, then one JSON object per event; --idle-timeout stops it', async () => {
    const srv = await startServe(['--dir', a, '--json', '--idle-timeout', '2']);
    const good = await curl(srv.port, ['--cacert', p(a, 'ca.crt'), ...client(a)], 'localhost');
    expect(good.status).toBe(0);
    const refused = await curl(srv.port, ['--cacert', p(a, 'ca.crt'), ...client(b)], 'localhost');
    expect(JSON.parse(refused.stdout)).toMatchObject({
      code: 'UNKNOWN_CA',
      client: { issuer: 'O=Other, CN=Other CA' },
    });
    expect(await srv.done).toBe(0);
    const events = srv
      .log()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toEqual({ listening: true, url: `https://127.0.0.1:${srv.port}/` });
    expect(events.slice(1).map((e) => `${e.event}:${e.code ?? ''}`)).toEqual([
      'request:',
      'refused:UNKNOWN_CA',
      'stopping:',
    ]);
    expect(events[3].message).toContain('--idle-timeout');
  });

  it('with an intermediate CA in --dir: accepts its clients, refuses a sibling signed by the root', async () => {
    const sub = join(tmp.dir, 'sub');
    issuingCa(sub, '/O=Acme/CN=Acme Issuing CA');
    const srv = await startServe(['--dir', sub]);
    try {
      const viaCurl = await curl(srv.port, ['--cacert', p(a, 'ca.crt'), ...client(sub)], 'localhost');
      expect(JSON.parse(viaCurl.stdout).client.issuer).toBe('O=Acme, CN=Acme Issuing CA');
      // a's client chains to the same root, but this folder's CA did not sign it.
      const sibling = await probe(`https://localhost:${srv.port}/`, ['--dir', sub, ...client(a)]);
      expect(sibling.json.cause?.code).toBe('UNKNOWN_CA');
      expect(sibling.json.body).toContain("not by this server's CA");
      // probe trusts DIR/ca-chain.crt by default: the intermediate alone is no trust anchor for Node.
      const good = await probe(`https://localhost:${srv.port}/`, ['--dir', sub, ...client(sub)]);
      expect(good.json.ok, JSON.stringify(good.json.steps)).toBe(true);
    } finally {
      srv.child.kill('SIGTERM');
      expect(await srv.done).toBe(0);
    }
  });

  it("with an intermediate CA and --crl: needs the root's CRL too (--crl-file), then refuses only the revoked client", async () => {
    const sub = join(tmp.dir, 'sub-crl');
    issuingCa(sub, '/O=Acme/CN=Acme CRL Issuing CA');
    mtlskitOk(['client', 'issue', 'leaver', '--dir', sub]);
    mtlskitOk(['revoke', 'leaver', '--dir', sub]);
    mtlskitOk(['crl', 'gen', '--dir', a]);
    const without = mtlskit(['serve', '--dir', sub, '--crl', '--port', '0']);
    expect(without.status).toBe(2);
    expect(without.stderr).toContain('--crl-file');
    expect(mtlskit(['serve', '--dir', sub, '--crl-file', p(a, 'crl.pem')]).status).toBe(2);
    const srv = await startServe(['--dir', sub, '--crl', '--crl-file', p(a, 'crl.pem')]);
    try {
      const good = await curl(srv.port, ['--cacert', p(a, 'ca.crt'), ...client(sub)], 'localhost');
      expect(JSON.parse(good.stdout).client.issuer).toBe('O=Acme, CN=Acme CRL Issuing CA');
      const revoked = await curl(
        srv.port,
        ['--cacert', p(a, 'ca.crt'), '--cert', p(sub, 'leaver.crt'), '--key', p(sub, 'leaver.key')],
        'localhost',
      );
      expect(JSON.parse(revoked.stdout).code).toBe('CLIENT_CERT_REVOKED');
    } finally {
      srv.child.kill('SIGTERM');
      expect(await srv.done).toBe(0);
    }
  });

  it('follows the CRL while it runs: a client revoked meanwhile gets 403 CLIENT_CERT_REVOKED on its next request', async () => {
    requireTool('curl');
    const r = join(tmp.dir, 'follow');
    mtlskitOk(['ca', 'init', '--dir', r, '--subject', '/O=Follow/CN=Follow CA', '--key-type', 'ec:P-256']);
    mtlskitOk(['server', 'issue', '--dir', r, '--dns', 'localhost']);
    mtlskitOk(['client', 'issue', 'c1', '--dir', r]);
    mtlskitOk(['client', 'issue', 'c2', '--dir', r]);
    mtlskitOk(['crl', 'gen', '--dir', r]);
    const srv = await startServe(['--dir', r, '--crl']);
    const ask = async (name: string) => {
      const res = await curl(
        srv.port,
        ['--cacert', p(r, 'ca.crt'), ...client(r, name), '--write-out', '\n%{http_code}'],
        'localhost',
      );
      const status = res.stdout.slice(res.stdout.lastIndexOf('\n') + 1);
      return { status, stdout: res.stdout.slice(0, res.stdout.lastIndexOf('\n')) };
    };
    try {
      const before = await ask('c2');
      expect(before.status).toBe('200');
      expect(JSON.parse(before.stdout).client.subject).toContain('CN=c2');
      mtlskitOk(['revoke', 'c2', '--dir', r]);
      // Picked up within a second or so; poll a few seconds so a slow machine does not fail the test.
      const deadline = Date.now() + 5_000;
      let after = await ask('c2');
      while (!after.stdout.includes('CLIENT_CERT_REVOKED') && Date.now() < deadline) {
        await new Promise((ok) => setTimeout(ok, 100));
        after = await ask('c2');
      }
      expect(after.status).toBe('403');
      expect(JSON.parse(after.stdout)).toMatchObject({ code: 'CLIENT_CERT_REVOKED' });
      expect(JSON.parse((await ask('c1')).stdout).client.subject).toContain('CN=c1');
      expect(srv.log()).toMatch(new RegExp(`reloaded ${p(r, 'crl.pem').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      expect(srv.log()).toMatch(/refused .*CN=c2.* revoked/);
    } finally {
      srv.child.kill('SIGTERM');
      expect(await srv.done).toBe(0);
    }
  });

  it('stops by itself after --max-requests', async () => {
    const srv = await startServe(['--dir', a, '--max-requests', '1']);
    const r = await curl(srv.port, ['--cacert', p(a, 'ca.crt'), ...client(a)], 'localhost');
    expect(r.status).toBe(0);
    expect(await srv.done).toBe(0);
  });
});

describe('mtlskit probe against openssl s_server', () => {
  // TLS 1.2 refuses a client certificate inside the handshake; TLS 1.3 after it, on the first read.
  for (const version of ['-tls1_2', '-tls1_3']) {
    it(`diagnoses alerts from OpenSSL (${version}): success, no certificate, unknown CA, revoked, expired, wrong purpose`, async () => {
      const srv = await startOpensslServer([
        ...opensslMtlsServerArgs(a, { cert: 'server-chain.crt', crl: p(a, 'crl.pem') }),
        version,
      ]);
      try {
        const url = `https://localhost:${srv.port}/`;
        const good = await probe(url, ['--ca', p(a, 'ca.crt'), ...client(a)]);
        expect(good.json.ok).toBe(true);
        expect(good.json.certificateRequest).toEqual({
          visibility: version === '-tls1_2' ? 'tls1.2' : 'tls1.3',
          requested: true,
          acceptedCas: ['O=Acme, CN=Acme mTLS CA'],
        });
        const cases = failureCases();
        for (const [args, code] of cases) {
          const r = await probe(url, ['--ca', p(a, 'ca.crt'), ...args]);
          expect(r.json.cause?.code, JSON.stringify(r.json.steps)).toBe(code);
          expect(r.status).toBe(1);
        }
      } finally {
        await srv.stop();
      }
    });
  }

  it('reads a legacy RC2 PFX (openssl pkcs12 -export -legacy), which Node itself cannot open', async () => {
    const pfx = p(a, 'client-rc2.pfx');
    const made = openssl([
      'pkcs12',
      '-export',
      '-legacy',
      '-inkey',
      p(a, 'client.key'),
      '-in',
      p(a, 'client.crt'),
      '-certfile',
      p(a, 'ca.crt'),
      '-out',
      pfx,
      '-passout',
      'pass:old',
    ]);
    expect(made.status, made.stderr).toBe(0);
    expect(openssl(['pkcs12', '-in', pfx, '-info', '-noout', '-legacy', '-passin', 'pass:old']).stderr).toContain(
      'RC2',
    );
    const r = await probeWithPfx(pfx, 'pass:old');
    expect(r.json.ok, JSON.stringify(r.json)).toBe(true);
  });

  it('reads a PFX for the client side', async () => {
    mtlskitOk(['export', 'pfx', '--dir', a, '--passout', 'pass:probe']);
    const r = await probeWithPfx(p(a, 'client.pfx'), 'pass:probe');
    expect(r.json.ok).toBe(true);
  });
});

describe('mtlskit probe and serve: bad input and unreachable servers', () => {
  it('a key that does not belong to the certificate is exit 4, a bad URL exit 2, a closed port exit 1 (UNREACHABLE)', async () => {
    const mismatch = await runAsync(process.execPath, [
      BIN,
      'probe',
      'https://localhost:1/',
      '--cert',
      p(a, 'client.crt'),
      '--key',
      p(a, 'server.key'),
    ]);
    expect(mismatch.status).toBe(4);
    expect(mismatch.stderr).toContain('does not belong to the certificate');
    const badUrl = await runAsync(process.execPath, [BIN, 'probe', 'localhost:8443']);
    expect(badUrl.status).toBe(2);
    const closed = await probe(`https://127.0.0.1:${await freePort()}/`, [...client(a)]);
    expect(closed.status).toBe(1);
    expect(closed.json.cause?.code).toBe('UNREACHABLE');
  });

  it('serve refuses bad numbers and a folder without a server certificate (exit 2)', async () => {
    const bad = await runAsync(process.execPath, [BIN, 'serve', '--dir', a, '--max-requests', 'many']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--max-requests');
    const missing = await runAsync(process.execPath, [BIN, 'serve', '--dir', a, '--cert', 'nosuch', '--port', '0']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('nosuch.key');
  });
});
