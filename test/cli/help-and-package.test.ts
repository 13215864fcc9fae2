import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, mtlskitOk, tool } from '../helpers/run.js';

/** Every command, found by reading `--help` the way a user would. */
function leafCommands(path: string[] = []): string[][] {
  const help = mtlskitOk([...path, '--help']).stdout;
  const section = help.split(/\nCommands:\n/)[1];
  if (!section) return [path];
  const names = section
    .split('\n')
    .map((l) => /^  ([a-z][a-z0-9-]*)\b/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && n !== 'help');
  return names.flatMap((n) => leafCommands([...path, n]));
}

describe('every command documents itself', () => {
  const commands = leafCommands();
  it('finds the whole command set', () => {
    expect(commands.map((c) => c.join(' ')).sort()).toEqual(
      [
        'ca adopt',
        'ca init',
        'ca move-to-pkcs11',
        'ca passwd',
        'ca renew',
        'ca rotate',
        'client issue',
        'crl gen',
        'csr create',
        'csr sign',
        'doctor',
        'export pfx',
        'export truststore',
        'export p7b',
        'export key',
        'export cert',
        'import pfx',
        'import p7b',
        'completion',
        'renew',
        'status',
        'list',
        'probe',
        'revoke',
        'serve',
        'server issue',
        'show',
        'verify',
        'wizard',
      ].sort(),
    );
  });
  for (const cmd of commands) {
    it(`mtlskit ${cmd.join(' ')} --help has examples and exit codes, and the README lists it`, () => {
      const help = mtlskitOk([...cmd, '--help']).stdout;
      expect(help).toMatch(/Examples:\n {2}\$ mtlskit /);
      expect(help).toMatch(/Exit codes:\n {2}0 +success/);
      expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`mtlskit ${cmd.join(' ')}`);
    });
  }
});

describe('the npm package', () => {
  it('ships the executable, the bundled CLI and the templates, and no tests or keys', () => {
    const r = tool('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const files: string[] = JSON.parse(r.stdout)[0].files.map((f: { path: string }) => f.path);
    for (const f of [
      'bin/mtlskit.js',
      'dist/bundle/mtlskit.cjs',
      'dist/bundle/group-verify.cjs',
      'dist/bundle/group-ca.cjs',
      'dist/bundle/x509-runtime.cjs',
      'dist/bundle/meta.json',
      'bin/package.json',
      'templates/ca.conf',
      'templates/server.conf',
      'templates/client.conf',
      'README.md',
      'package.json',
    ])
      expect(files).toContain(f);
    expect(files.some((f) => f.startsWith('test/') || f.endsWith('.key'))).toBe(false);
  });
});

describe('examples/ stay true', () => {
  it('the batch files and the own-ca conf work as documented', async () => {
    const { tempDir, mtlskitOk: ok, openssl } = await import('../helpers/run.js');
    const tmp = tempDir();
    try {
      const plain = join(tmp.dir, 'plain');
      ok(['ca', 'init', '--dir', plain, '--key-type', 'ec:P-256']);
      const partners = JSON.parse(
        ok(['client', 'issue', '--dir', plain, '--batch', join(ROOT, 'examples', 'partners.csv'), '--json']).stdout,
      );
      expect(partners.issued.map((c: { name: string }) => c.name)).toEqual(['erp-acme', 'storefront', 'gateway-test']);
      expect(
        openssl(['x509', '-in', join(plain, 'storefront.crt'), '-noout', '-ext', 'subjectAltName']).stdout,
      ).toContain('email:ops@shop.example, email:alerts@shop.example');
      const devices = JSON.parse(
        ok([
          'client',
          'issue',
          '--dir',
          plain,
          '--batch',
          join(ROOT, 'examples', 'devices.json'),
          '--key-type',
          'ec:P-256',
          '--json',
        ]).stdout,
      );
      expect(devices.issued).toHaveLength(3);
      expect(
        openssl(['verify', '-purpose', 'sslclient', '-CAfile', join(plain, 'ca.crt'), join(plain, 'device-0002.crt')])
          .status,
      ).toBe(0);

      // own-ca.conf's CA may only issue names under example.com: verify and openssl both refuse others.
      const own = join(tmp.dir, 'own');
      ok(['ca', 'init', '--dir', own, '--config', join(ROOT, 'examples', 'own-ca.conf')]);
      ok(['server', 'issue', 'inside', '--dir', own, '--dns', 'api.example.com']);
      ok(['server', 'issue', 'outside', '--dir', own, '--dns', 'api.example.org']);
      expect(openssl(['verify', '-CAfile', join(own, 'ca.crt'), join(own, 'inside.crt')]).status).toBe(0);
      expect(openssl(['verify', '-CAfile', join(own, 'ca.crt'), join(own, 'outside.crt')]).status).not.toBe(0);
      const v = JSON.parse(
        tool(process.execPath, [
          join(ROOT, 'bin', 'mtlskit.js'),
          'verify',
          join(own, 'outside.crt'),
          '--dir',
          own,
          '--json',
        ]).stdout,
      );
      expect(v.problems.map((p: { code: string }) => p.code)).toEqual(['NAME_CONSTRAINTS']);
    } finally {
      tmp.cleanup();
    }
  });
});
