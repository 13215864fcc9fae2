import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mtlskit, mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { opensslVerify } from '../helpers/openssl.js';
import { curl, mtlsServerOptions, opensslMtlsServerArgs, startNodeServer, startOpensslServer } from '../helpers/tls.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

function crlText(dir: string): string {
  return openssl(['crl', '-in', join(dir, 'crl.pem'), '-noout', '-text']).stdout;
}

function crlNumber(dir: string): number {
  return Number(/X509v3 CRL Number: \s*(\d+)/.exec(crlText(dir))![1]);
}

describe.each([
  ['rsa:2048', 'RSA'],
  ['ec:P-256', 'EC P-256'],
  ['ec:P-384', 'EC P-384'],
])('revoke and crl gen with a %s CA', (keyType) => {
  let dir: string;
  beforeAll(() => {
    dir = join(tmp.dir, keyType.replace(':', '-'));
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', keyType, '--passout', 'pass:capw']);
    for (const n of ['alice', 'bob', 'carol'])
      mtlskitOk(['client', 'issue', n, '--dir', dir, '--key-type', 'ec:P-256', '--passin', 'pass:capw']);
  });

  it('writes a CRL openssl verifies, with reason, number and AKI; revoked fails verify -crl_check, others pass', () => {
    mtlskitOk(['revoke', 'alice', '--reason', 'keyCompromise', '--dir', dir, '--passin', 'pass:capw']);
    const check = openssl(['crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.crt'), '-noout']);
    expect(check.stderr + check.stdout).toContain('verify OK');
    const text = crlText(dir);
    expect(text).toContain('Version 2');
    expect(text).toContain('X509v3 Authority Key Identifier');
    expect(text).toMatch(/X509v3 CRL Reason Code: \s*Key Compromise/);
    const serial = openssl(['x509', '-in', join(dir, 'alice.crt'), '-noout', '-serial'])
      .stdout.trim()
      .split('=')[1];
    expect(text).toContain(`Serial Number: ${serial}`);
    const der = openssl(['crl', '-in', join(dir, 'crl.der'), '-inform', 'DER', '-noout', '-text']).stdout;
    expect(der).toBe(text);
    const verify = (name: string) =>
      opensslVerify(join(dir, 'ca.crt'), join(dir, `${name}.crt`), { strict: false, crl: join(dir, 'crl.pem') });
    const revoked = verify('alice');
    expect(revoked.status).not.toBe(0);
    expect(revoked.stdout + revoked.stderr).toContain('certificate revoked');
    expect(verify('bob').status).toBe(0);
  });

  it('grows the CRL number with every crl gen and keeps nextUpdate 30 days ahead by default', () => {
    const n1 = crlNumber(dir);
    mtlskitOk(['crl', 'gen', '--dir', dir, '--passin', 'pass:capw']);
    const n2 = crlNumber(dir);
    mtlskitOk(['crl', 'gen', '--dir', dir, '--passin', 'pass:capw', '--days', '7']);
    const n3 = crlNumber(dir);
    expect(n2).toBeGreaterThan(n1);
    expect(n3).toBeGreaterThan(n2);
    const text = crlText(dir);
    const last = new Date(/Last Update: (.*)/.exec(text)![1]!);
    const next = new Date(/Next Update: (.*)/.exec(text)![1]!);
    expect(next.getTime() - last.getTime()).toBe(7 * 86_400_000);
  });

  it('revoking twice is one clear sentence and changes nothing', () => {
    const before = readFileSync(join(dir, 'index.txt'), 'utf8');
    const crlBefore = readFileSync(join(dir, 'crl.pem'), 'utf8');
    const r = mtlskit(['revoke', 'alice', '--dir', dir, '--passin', 'pass:capw']);
    expect(r.status).toBe(5);
    expect(r.stderr).toMatch(/already revoked/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(join(dir, 'index.txt'), 'utf8')).toBe(before);
    expect(readFileSync(join(dir, 'crl.pem'), 'utf8')).toBe(crlBefore);
  });

  it('revokes by serial with a reason and a date, and records it in index.txt as openssl ca does', () => {
    const serial = openssl(['x509', '-in', join(dir, 'bob.crt'), '-noout', '-serial'])
      .stdout.trim()
      .split('=')[1]!;
    mtlskitOk([
      'revoke',
      '--serial',
      serial,
      '--reason',
      'superseded',
      '--date',
      '2026-01-02T03:04:05Z',
      '--dir',
      dir,
      '--passin',
      'pass:capw',
    ]);
    expect(readFileSync(join(dir, 'index.txt'), 'utf8')).toMatch(
      new RegExp(`^R\\t\\d{12}Z\\t260102030405Z,superseded\\t${serial}\\tbob\\t`, 'm'),
    );
    const text = crlText(dir);
    expect(text).toMatch(
      /Revocation Date: Jan  2 03:04:05 2026 GMT\s+CRL entry extensions:\s+X509v3 CRL Reason Code: \s*Superseded/,
    );
  });
});

describe('revoke without --reason', () => {
  it('records no reason, as openssl ca -revoke without -crl_reason does, so the CRL entry has no reasonCode; --reason unspecified writes one', () => {
    const dir = join(tmp.dir, 'noreason');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    for (const n of ['plain', 'byopenssl', 'unspec']) mtlskitOk(['client', 'issue', n, '--dir', dir]);
    const serial = (n: string) =>
      openssl(['x509', '-in', join(dir, `${n}.crt`), '-noout', '-serial'])
        .stdout.trim()
        .split('=')[1]!;
    const plain = JSON.parse(mtlskitOk(['revoke', 'plain', '--dir', dir, '--json']).stdout);
    expect(plain.reason).toBe('unspecified');
    expect(plain.reasonCode).toBe(false);
    // openssl ca -revoke on the same index.txt, without -crl_reason.
    const cnf = join(tmp.dir, 'noreason.cnf');
    writeFileSync(
      cnf,
      [
        '[ ca ]',
        'default_ca = d',
        '[ d ]',
        `database = ${join(dir, 'index.txt')}`,
        `certificate = ${join(dir, 'ca.crt')}`,
        `private_key = ${join(dir, 'ca.key')}`,
        'default_md = sha256',
        '',
      ].join('\n'),
    );
    const byOpenssl = openssl(['ca', '-config', cnf, '-revoke', join(dir, 'byopenssl.crt')]);
    expect(byOpenssl.status, byOpenssl.stderr).toBe(0);
    const unspec = JSON.parse(
      mtlskitOk(['revoke', 'unspec', '--reason', 'unspecified', '--dir', dir, '--json']).stdout,
    );
    expect(unspec).toMatchObject({ reason: 'unspecified', reasonCode: true });
    const index = readFileSync(join(dir, 'index.txt'), 'utf8');
    const revokedField = (n: string) => new RegExp(`^R\\t\\d{12}Z\\t([^\\t]*)\\t${serial(n)}\\t`, 'm').exec(index)?.[1];
    expect(revokedField('plain')).toMatch(/^\d{12}Z$/);
    expect(revokedField('byopenssl')).toMatch(/^\d{12}Z$/);
    expect(revokedField('unspec')).toMatch(/^\d{12}Z,unspecified$/);
    const text = crlText(dir);
    const entry = (n: string) =>
      new RegExp(
        `Serial Number: ${serial(n)}\\n\\s+Revocation Date: [^\\n]*\\n(\\s+CRL entry extensions:\\n\\s+X509v3 CRL Reason Code: \\s*(\\S+))?`,
      ).exec(text);
    expect(entry('plain')).not.toBeNull();
    expect(entry('plain')![2]).toBeUndefined();
    expect(entry('byopenssl')![2]).toBeUndefined();
    expect(entry('unspec')![2]).toBe('Unspecified');
    // list shows the absent reason as absent; an explicit one by name.
    const rows = JSON.parse(mtlskitOk(['list', '--dir', dir, '--json']).stdout).certificates as {
      name: string;
      reason?: string;
    }[];
    expect(rows.find((r) => r.name === 'plain')).not.toHaveProperty('reason');
    expect(rows.find((r) => r.name === 'unspec')!.reason).toBe('unspecified');
  });
});

describe('CRL distribution point', () => {
  it('ca init --crl-url puts crlDistributionPoints into every certificate the CA issues', () => {
    const dir = join(tmp.dir, 'cdp');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256', '--crl-url', 'http://pki.example.com/crl.der']);
    mtlskitOk(['client', 'issue', '--dir', dir]);
    mtlskitOk(['server', 'issue', '--dir', dir, '--dns', 'localhost']);
    for (const name of ['client', 'server']) {
      const text = openssl(['x509', '-in', join(dir, `${name}.crt`), '-noout', '-ext', 'crlDistributionPoints']).stdout;
      expect(text).toContain('URI:http://pki.example.com/crl.der');
    }
    expect(openssl(['x509', '-in', join(dir, 'ca.crt'), '-noout', '-ext', 'crlDistributionPoints']).stdout).toBe('');
  });
});

describe('revocation edge cases', () => {
  it('refuses a certificate from another CA, and records an unknown serial with a warning', () => {
    const a = join(tmp.dir, 'edge-a');
    const b = join(tmp.dir, 'edge-b');
    mtlskitOk(['ca', 'init', '--dir', a, '--key-type', 'ec:P-256']);
    mtlskitOk(['ca', 'init', '--dir', b, '--key-type', 'ec:P-256', '--subject', '/O=Other']);
    mtlskitOk(['client', 'issue', '--dir', b]);
    const foreign = mtlskit(['revoke', join(b, 'client.crt'), '--dir', a]);
    expect(foreign.status).toBe(5);
    expect(foreign.stderr).toContain('not by this CA');
    const r = mtlskitOk(['revoke', '--serial', '0A1B2C3D', '--dir', a, '--json']);
    const json = JSON.parse(r.stdout);
    expect(json.serial).toBe('0A1B2C3D');
    expect(json.warnings.join(' ')).toContain('not in');
    expect(crlText(a)).toContain('Serial Number: 0A1B2C3D');
    expect(mtlskit(['revoke', 'nobody', '--dir', a]).status).toBe(2);
  });

  it('an intermediate CA issues CRLs for its own leaves', () => {
    const root = join(tmp.dir, 'int-root');
    const sub = join(tmp.dir, 'int-sub');
    mtlskitOk(['ca', 'init', '--dir', root]);
    mtlskitOk(['ca', 'init', '--dir', sub, '--issuer', root, '--key-type', 'ec:P-384']);
    mtlskitOk(['client', 'issue', 'x', '--dir', sub]);
    mtlskitOk(['revoke', 'x', '--dir', sub]);
    mtlskitOk(['crl', 'gen', '--dir', root]);
    const check = openssl(['crl', '-in', join(sub, 'crl.pem'), '-CAfile', join(sub, 'ca.crt'), '-noout']);
    expect(check.stderr + check.stdout).toContain('verify OK');
    const both = join(tmp.dir, 'crls.pem');
    writeFileSync(both, readFileSync(join(root, 'crl.pem'), 'utf8') + readFileSync(join(sub, 'crl.pem'), 'utf8'));
    const v = openssl([
      'verify',
      '-crl_check_all',
      '-CRLfile',
      both,
      '-CAfile',
      join(root, 'ca.crt'),
      '-untrusted',
      join(sub, 'ca.crt'),
      join(sub, 'x.crt'),
    ]);
    expect(v.stdout + v.stderr).toContain('certificate revoked');
  });
});

describe('TLS servers enforce the CRL', () => {
  let dir: string;
  beforeAll(() => {
    dir = join(tmp.dir, 'tls');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    mtlskitOk(['server', 'issue', '--dir', dir, '--dns', 'localhost', '--ip', '127.0.0.1']);
    mtlskitOk(['client', 'issue', 'good', '--dir', dir]);
    mtlskitOk(['client', 'issue', 'bad', '--dir', dir]);
    mtlskitOk(['revoke', 'bad', '--reason', 'keyCompromise', '--dir', dir]);
  });
  const client = (name: string) => [
    '--cacert',
    join(dir, 'ca.crt'),
    '--cert',
    join(dir, `${name}.crt`),
    '--key',
    join(dir, `${name}.key`),
  ];

  it('openssl s_server -crl_check rejects the revoked client and accepts the good one', async () => {
    const srv = await startOpensslServer(opensslMtlsServerArgs(dir, { crl: join(dir, 'crl.pem') }));
    try {
      expect((await curl(srv.port, client('good'), 'localhost')).status).toBe(0);
      const bad = await curl(srv.port, client('bad'), 'localhost');
      expect(bad.status).not.toBe(0);
      expect(srv.output()).toContain('certificate revoked');
    } finally {
      await srv.stop();
    }
  });

  it('Node https with the crl option rejects the revoked client and accepts the good one', async () => {
    const srv = await startNodeServer({ ...mtlsServerOptions(dir), crl: readFileSync(join(dir, 'crl.pem')) });
    try {
      expect((await curl(srv.port, client('good'), 'localhost')).stdout).toBe('hello good\n');
      const bad = await curl(srv.port, client('bad'), 'localhost');
      expect(bad.status).not.toBe(0);
    } finally {
      await srv.stop();
    }
    // The same client is accepted when the server does not load the CRL: the CRL is what refused it.
    const noCrl = await startNodeServer(mtlsServerOptions(dir));
    try {
      expect((await curl(noCrl.port, client('bad'), 'localhost')).stdout).toBe('hello bad\n');
    } finally {
      await noCrl.stop();
    }
  });
});
