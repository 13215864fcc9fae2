import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, FIXTURES, mtlskit, mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { newKeyArgs } from '../helpers/openssl.js';
import { curl, mtlsServerOptions, opensslMtlsServerArgs, startNodeServer, startOpensslServer } from '../helpers/tls.js';

let tmp: { dir: string; cleanup: () => void };
let pki: string;
const seed = (name: string) => join(FIXTURES, 'conf', `seed-${name}.conf`);

beforeAll(() => {
  tmp = tempDir();
  pki = join(tmp.dir, 'pki');
  mtlskitOk(['ca', 'init', '--dir', pki, '--config', seed('ca')]);
  mtlskitOk(['server', 'issue', '--dir', pki, '--config', seed('server')]);
  mtlskitOk(['client', 'issue', '--dir', pki, '--config', seed('client')]);
});
afterAll(() => tmp.cleanup());

function verify(args: string[]) {
  const r = openssl(['verify', '-x509_strict', ...args]);
  return { ok: r.status === 0 && /: OK\s*$/.test(r.stdout), text: r.stdout + r.stderr };
}

describe("certificates from the walkthrough's confs", () => {
  it('server.crt passes openssl verify as an SSL server for its host name', () => {
    const r = verify([
      '-purpose',
      'sslserver',
      '-verify_hostname',
      'api-mtls.example.com',
      '-CAfile',
      join(pki, 'ca.crt'),
      join(pki, 'server.crt'),
    ]);
    expect(r.text).toContain('OK');
    expect(r.ok).toBe(true);
    expect(
      verify([
        '-purpose',
        'sslserver',
        '-verify_hostname',
        'other.example.com',
        '-CAfile',
        join(pki, 'ca.crt'),
        join(pki, 'server.crt'),
      ]).ok,
    ).toBe(false);
  });

  it('client.crt passes as an SSL client; the server certificate does not', () => {
    expect(verify(['-purpose', 'sslclient', '-CAfile', join(pki, 'ca.crt'), join(pki, 'client.crt')]).ok).toBe(true);
    const wrong = verify(['-purpose', 'sslclient', '-CAfile', join(pki, 'ca.crt'), join(pki, 'server.crt')]);
    expect(wrong.ok).toBe(false);
    expect(wrong.text).toContain('unsuitable certificate purpose');
  });

  it('carries the profile extensions, and says so for the conf without an extension section', () => {
    const server = openssl(['x509', '-in', join(pki, 'server.crt'), '-noout', '-text']).stdout;
    expect(server).toMatch(/X509v3 Extended Key Usage: \s+TLS Web Server Authentication/);
    expect(server).toMatch(/X509v3 Subject Alternative Name: \s+DNS:api-mtls.example.com/);
    expect(server).toMatch(/Digital Signature, Key Encipherment/);
    expect(server).toMatch(/CA:FALSE/);
    const client = openssl(['x509', '-in', join(pki, 'client.crt'), '-noout', '-text']).stdout;
    expect(client).toMatch(/X509v3 Extended Key Usage: \s+TLS Web Client Authentication/);
    const again = mtlskitOk(['client', 'issue', 'client2', '--dir', pki, '--config', seed('client')]);
    expect(again.stderr).toContain('applied the client profile');
  });

  it('writes keys with mode 0600, a CSR, a chain file and an index record for each', () => {
    for (const name of ['server', 'client']) {
      expect(statSync(join(pki, `${name}.key`)).mode & 0o777).toBe(0o600);
      expect(openssl(['req', '-in', join(pki, `${name}.csr`), '-noout', '-verify']).stderr).toMatch(/verify OK/i);
      expect(readFileSync(join(pki, `${name}-chain.crt`), 'utf8')).toBe(readFileSync(join(pki, `${name}.crt`), 'utf8'));
      const serial = openssl(['x509', '-in', join(pki, `${name}.crt`), '-noout', '-serial'])
        .stdout.trim()
        .split('=')[1];
      expect(readFileSync(join(pki, 'index.txt'), 'utf8')).toMatch(
        new RegExp(`^V\\t\\d{12}Z\\t\\t${serial}\\t${name}\\t`, 'm'),
      );
      expect(existsSync(join(pki, 'certs', `${serial}.pem`))).toBe(true);
    }
  });

  it("backdates notBefore by 5 minutes and clamps notAfter to the CA's", () => {
    const start = new Date(
      openssl(['x509', '-in', join(pki, 'client.crt'), '-noout', '-startdate'])
        .stdout.trim()
        .split('=')[1]!,
    );
    const skew = Date.now() - start.getTime();
    expect(skew).toBeGreaterThanOrEqual(5 * 60_000 - 1000);
    expect(skew).toBeLessThan(5 * 60_000 + 120_000);
    const r = mtlskitOk(['client', 'issue', 'long', '--dir', pki, '--days', '36500']);
    expect(r.stderr).toContain('shortened');
    const caEnd = openssl(['x509', '-in', join(pki, 'ca.crt'), '-noout', '-enddate']).stdout.split('=')[1];
    const leafEnd = openssl(['x509', '-in', join(pki, 'long.crt'), '-noout', '-enddate']).stdout.split('=')[1];
    expect(leafEnd).toBe(caEnd);
  });
});

describe('real mTLS handshakes', () => {
  const other = () => join(tmp.dir, 'other');
  beforeAll(() => {
    mtlskitOk(['ca', 'init', '--dir', other(), '--subject', '/O=Other CA']);
    mtlskitOk(['client', 'issue', '--dir', other()]);
  });

  const clientArgs = (dir: string) => [
    '--cacert',
    join(pki, 'ca.crt'),
    '--cert',
    join(dir, 'client.crt'),
    '--key',
    join(dir, 'client.key'),
  ];

  it('openssl s_server -Verify 1 -verify_return_error accepts our client and rejects others', async () => {
    const srv = await startOpensslServer(opensslMtlsServerArgs(pki));
    try {
      const good = await curl(srv.port, clientArgs(pki), 'api-mtls.example.com');
      expect(good.stderr).toBe('');
      expect(good.status).toBe(0);
      expect(good.stdout).toContain('Client certificate');
      const foreign = await curl(srv.port, clientArgs(other()), 'api-mtls.example.com');
      expect(foreign.status).not.toBe(0);
      const none = await curl(srv.port, ['--cacert', join(pki, 'ca.crt')], 'api-mtls.example.com');
      expect(none.status).not.toBe(0);
    } finally {
      await srv.stop();
    }
  });

  it('Node https with requestCert/rejectUnauthorized accepts our client and rejects others', async () => {
    const srv = await startNodeServer(mtlsServerOptions(pki));
    try {
      const good = await curl(srv.port, clientArgs(pki), 'api-mtls.example.com');
      expect(good.stdout).toBe('hello Client Company Name\n');
      const foreign = await curl(srv.port, clientArgs(other()), 'api-mtls.example.com');
      expect(foreign.status).not.toBe(0);
      const none = await curl(srv.port, ['--cacert', join(pki, 'ca.crt')], 'api-mtls.example.com');
      expect(none.status).not.toBe(0);
      expect(srv.output()).toMatch(/certificate|peer/i);
    } finally {
      await srv.stop();
    }
  });
});

describe('csr create and csr sign', () => {
  it('signs an openssl CSR that asks for CA:TRUE as a leaf, copying only its names', () => {
    const key = join(tmp.dir, 'evil.key');
    const csr = join(tmp.dir, 'evil.csr');
    openssl([
      'req',
      '-new',
      ...newKeyArgs(key),
      '-out',
      csr,
      '-subj',
      '/O=Partner/CN=partner-app',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-addext',
      'subjectAltName=DNS:partner.example.com,email:ops@partner.example',
    ]);
    const r = mtlskitOk(['csr', 'sign', csr, '--profile', 'client', '--dir', pki]);
    expect(r.stderr).toContain('basicConstraints CA:TRUE');
    const text = openssl(['x509', '-in', join(pki, 'evil.crt'), '-noout', '-text']).stdout;
    expect(text).toContain('CA:FALSE');
    expect(text).not.toContain('Certificate Sign');
    expect(text).toMatch(/DNS:partner.example.com, email:ops@partner.example/);
    expect(verify(['-purpose', 'sslclient', '-CAfile', join(pki, 'ca.crt'), join(pki, 'evil.crt')]).ok).toBe(true);
    // The issued leaf cannot act as a CA for anything below it.
    const modulus = openssl(['x509', '-in', join(pki, 'evil.crt'), '-noout', '-pubkey']).stdout;
    expect(modulus).toBe(openssl(['pkey', '-in', key, '-pubout']).stdout);
  });

  it('signs CSRs signed with RSA-PSS (SHA-384) and Ed25519 by openssl; refuses one that is not a CSR', () => {
    const cases: [string, string[]][] = [
      ['pss', ['-newkey', 'rsa:2048', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:48', '-sha384']],
      ['ed', ['-newkey', 'ed25519']],
    ];
    for (const [name, args] of cases) {
      const csr = join(tmp.dir, `${name}.csr`);
      openssl([
        'req',
        '-new',
        ...args,
        '-nodes',
        '-keyout',
        join(tmp.dir, `${name}.key`),
        '-out',
        csr,
        '-subj',
        `/O=Partner/CN=${name}`,
        '-addext',
        `subjectAltName=DNS:${name}.example.com`,
      ]);
      mtlskitOk(['csr', 'sign', csr, '--profile', 'server', '--dir', pki]);
      expect(
        verify([
          '-purpose',
          'sslserver',
          '-verify_hostname',
          `${name}.example.com`,
          '-CAfile',
          join(pki, 'ca.crt'),
          join(pki, `${name}.crt`),
        ]).ok,
        name,
      ).toBe(true);
    }
    const notCsr = mtlskit(['csr', 'sign', join(pki, 'ca.crt'), '--profile', 'server', '--dir', pki]);
    expect(notCsr.status).toBe(2);
    const junk = join(tmp.dir, 'junk.csr');
    writeFileSync(junk, '-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQA=\n-----END CERTIFICATE REQUEST-----\n');
    const r = mtlskit(['csr', 'sign', junk, '--profile', 'server', '--dir', pki]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('is not a PKCS#10 certificate signing request');
  });

  it('refuses a CSR whose signature does not verify', () => {
    const csr = readFileSync(join(pki, 'server.csr'), 'utf8');
    const der = Buffer.from(csr.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    der[der.length - 5] ^= 0xff;
    const bad = join(tmp.dir, 'tampered.csr');
    writeFileSync(bad, der);
    const r = mtlskit(['csr', 'sign', bad, '--profile', 'server', '--dir', pki]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('does not verify');
  });

  it('csr create needs no CA and writes a CSR openssl can verify; csr sign turns it into a server certificate', () => {
    const out = join(tmp.dir, 'requests');
    mtlskitOk([
      'csr',
      'create',
      'gw',
      '--dir',
      out,
      '--profile',
      'server',
      '--dns',
      'gw.example.com',
      '--key-type',
      'ec:P-256',
    ]);
    const req = openssl(['req', '-in', join(out, 'gw.csr'), '-noout', '-verify', '-text']);
    expect(req.stderr + req.stdout).toMatch(/verify OK/i);
    expect(req.stdout).toContain('DNS:gw.example.com');
    expect(req.stdout).toContain('TLS Web Server Authentication');
    mtlskitOk(['csr', 'sign', join(out, 'gw.csr'), '--profile', 'server', '--dir', pki]);
    expect(
      verify([
        '-purpose',
        'sslserver',
        '-verify_hostname',
        'gw.example.com',
        '-CAfile',
        join(pki, 'ca.crt'),
        join(pki, 'gw.crt'),
      ]).ok,
    ).toBe(true);
  });

  it('csr create leaves authorityKeyIdentifier out of a request, with a warning (openssl req -new refuses the line)', () => {
    const conf = join(tmp.dir, 'aki-req.conf');
    writeFileSync(
      conf,
      [
        '[ req ]',
        'prompt = no',
        'distinguished_name = dn',
        'req_extensions = v3_req',
        '',
        '[ dn ]',
        'CN = aki-test',
        '',
        '[ v3_req ]',
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid',
        'subjectAltName = DNS:aki.example.com',
        '',
      ].join('\n'),
    );
    const out = join(tmp.dir, 'aki-requests');
    const r = mtlskitOk([
      'csr',
      'create',
      'aki',
      '--dir',
      out,
      '--config',
      conf,
      '--profile',
      'server',
      '--key-type',
      'ec:P-256',
    ]);
    expect(r.stderr).toMatch(/warning: aki-req\.conf:11: authorityKeyIdentifier .* left out of the request/);
    const text = openssl(['req', '-in', join(out, 'aki.csr'), '-noout', '-verify', '-text']);
    expect(text.stderr + text.stdout).toMatch(/verify OK/i);
    expect(text.stdout).toContain('Subject Key Identifier');
    expect(text.stdout).not.toContain('Authority Key Identifier');
    expect(text.stdout).toContain('DNS:aki.example.com');
    // openssl itself refuses this conf for a request.
    expect(
      openssl(['req', '-new', '-config', conf, '-key', join(out, 'aki.key'), '-out', join(tmp.dir, 'aki-openssl.csr')])
        .status,
    ).not.toBe(0);
  });

  it('a missing extension section is reported once, at the [ req ] line naming it, before any file is written', () => {
    const conf = join(tmp.dir, 'nosection.conf');
    writeFileSync(
      conf,
      [
        '[ req ]',
        'prompt = no',
        'distinguished_name = dn',
        'req_extensions = v3_nope',
        '',
        '[ dn ]',
        'CN = x',
        '',
      ].join('\n'),
    );
    const out = join(tmp.dir, 'nosection');
    const r = mtlskit(['csr', 'create', 'x', '--dir', out, '--config', conf]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /nosection\.conf:4: the extension section \[ v3_nope \] does not exist; add it or fix the name\./,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe('existing keys and files', () => {
  it('reuses PKCS#1, SEC1 and encrypted PKCS#8 keys given with --key', () => {
    const rsa = join(tmp.dir, 'rsa1.key');
    openssl(['genrsa', '-traditional', '-out', rsa, '2048']);
    expect(readFileSync(rsa, 'utf8')).toContain('BEGIN RSA PRIVATE KEY');
    const ec = join(tmp.dir, 'sec1.key');
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', ec]);
    expect(readFileSync(ec, 'utf8')).toContain('BEGIN EC PRIVATE KEY');
    const enc = join(tmp.dir, 'enc.key');
    openssl([
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-384',
      '-aes-256-cbc',
      '-pass',
      'pass:kpw',
      '-out',
      enc,
    ]);
    for (const [name, key, extra] of [
      ['k-rsa', rsa, []],
      ['k-ec', ec, []],
      ['k-enc', enc, ['--key-passin', 'pass:kpw']],
    ] as const) {
      mtlskitOk(['client', 'issue', name, '--dir', pki, '--key', key, ...extra]);
      const certKey = openssl(['x509', '-in', join(pki, `${name}.crt`), '-noout', '-pubkey']).stdout;
      const pass = name === 'k-enc' ? ['-passin', 'pass:kpw'] : [];
      expect(certKey).toBe(openssl(['pkey', '-in', key, '-pubout', ...pass]).stdout);
    }
    const wrong = mtlskit(['client', 'issue', 'k-bad', '--dir', pki, '--key', enc, '--key-passin', 'pass:nope']);
    expect(wrong.status).toBe(4);
    expect(existsSync(join(pki, 'k-bad.crt'))).toBe(false);
  });

  it('does not overwrite NAME.* without --force', () => {
    const before = readFileSync(join(pki, 'client.crt'));
    const r = mtlskit(['client', 'issue', '--dir', pki]);
    expect(r.status).toBe(3);
    expect(readFileSync(join(pki, 'client.crt')).equals(before)).toBe(true);
  });

  it('refuses to issue from a folder without a CA, with the command to run', () => {
    const r = mtlskit(['server', 'issue', '--dir', join(tmp.dir, 'nothing'), '--dns', 'x.example.com']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('mtlskit ca init');
  });

  it('needs a host name for a server certificate', () => {
    // The walkthrough's client.conf has neither a SAN nor a host-name CN.
    const r = mtlskit(['server', 'issue', 'nohost', '--dir', pki, '--config', seed('client')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--dns');
  });
});

describe('intermediate CAs', () => {
  it('leaves from an intermediate verify against the root with the chain file', () => {
    const sub = join(tmp.dir, 'sub');
    mtlskitOk(['ca', 'init', '--dir', sub, '--issuer', pki, '--subject', '/O=Acme/CN=Issuing CA']);
    mtlskitOk(['server', 'issue', '--dir', sub, '--dns', 'svc.example.com']);
    const chain = readFileSync(join(sub, 'server-chain.crt'), 'utf8');
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const r = verify([
      '-purpose',
      'sslserver',
      '-verify_hostname',
      'svc.example.com',
      '-CAfile',
      join(pki, 'ca.crt'),
      '-untrusted',
      join(sub, 'server-chain.crt'),
      join(sub, 'server.crt'),
    ]);
    expect(r.ok).toBe(true);
    expect(verify(['-CAfile', join(pki, 'ca.crt'), join(sub, 'server.crt')]).ok).toBe(false);
  });
});

describe('the CA store under concurrency', () => {
  it('4 processes issuing 5 certificates each never share a serial or lose a record', async () => {
    const dir = join(tmp.dir, 'busy');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    const run = (i: number) =>
      new Promise<number>((resolve) => {
        const rows = ['name,dns', ...Array.from({ length: 5 }, (_, j) => `p${i}-c${j},p${i}c${j}.example.com`)].join(
          '\n',
        );
        const file = join(tmp.dir, `batch-${i}.csv`);
        writeFileSync(file, rows + '\n');
        const child = spawn(
          process.execPath,
          [BIN, 'client', 'issue', '--dir', dir, '--batch', file, '--key-type', 'ec:P-256'],
          { stdio: 'ignore' },
        );
        child.on('exit', (code) => resolve(code ?? -1));
      });
    const single = (i: number) =>
      new Promise<number>((resolve) => {
        const child = spawn(
          process.execPath,
          [BIN, 'client', 'issue', `solo${i}`, '--dir', dir, '--key-type', 'ec:P-256'],
          { stdio: 'ignore' },
        );
        child.on('exit', (code) => resolve(code ?? -1));
      });
    const codes = await Promise.all([run(0), run(1), single(2), single(3), run(4), single(5)]);
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    const lines = readFileSync(join(dir, 'index.txt'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3 * 5 + 3);
    const serials = lines.map((l) => l.split('\t')[3]);
    expect(new Set(serials).size).toBe(serials.length);
    for (const l of lines) {
      const [, , , serial, name] = l.split('\t');
      const fileSerial = openssl(['x509', '-in', join(dir, `${name}.crt`), '-noout', '-serial'])
        .stdout.trim()
        .split('=')[1];
      expect(fileSerial).toBe(serial);
    }
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });

  it('reports a bad batch row by line number and writes nothing from the batch', () => {
    const dir = join(tmp.dir, 'badbatch');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    const file = join(tmp.dir, 'bad.csv');
    writeFileSync(file, 'name,dns,ip\nok1,a.example.com,\nok2,b.example.com,not-an-ip\n');
    const r = mtlskit(['server', 'issue', '--dir', dir, '--batch', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bad.csv:3');
    expect(existsSync(join(dir, 'ok1.crt'))).toBe(false);
    expect(readFileSync(join(dir, 'index.txt'), 'utf8')).toBe('');
  });
});
