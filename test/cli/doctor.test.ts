import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { mtlskit, mtlskitOk, openssl, tempDir, tool } from '../helpers/run.js';
import { newKeyArgs, opensslOk } from '../helpers/openssl.js';
import { easyrsaPath, requireTool } from '../helpers/tools.js';

let tmp: { dir: string; cleanup: () => void };
let base: string;
beforeAll(() => {
  tmp = tempDir('mtlskit-doctor-');
  base = join(tmp.dir, 'base');
  mtlskitOk(['ca', 'init', '--dir', base, '--key-type', 'ec:P-256']);
  for (const n of ['alpha', 'beta', 'gamma'])
    mtlskitOk(['client', 'issue', n, '--dir', base, '--key-type', 'ec:P-256']);
  mtlskitOk(['revoke', 'beta', '--dir', base]);
});
afterAll(() => tmp.cleanup());

function copyOfBase(name: string): string {
  const dir = join(tmp.dir, name);
  cpSync(base, dir, { recursive: true });
  return dir;
}

function record(dir: string, name: string): { line: number; serial: string } {
  const lines = readFileSync(join(dir, 'index.txt'), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.split('\t')[4] === name);
  return { line: i + 1, serial: lines[i]!.split('\t')[3]! };
}

/** A digest of every file (name, mode, bytes): proves a read-only check changed nothing. */
function snapshot(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      const st = statSync(p);
      h.update(`${p} ${st.mode}\n`);
      if (st.isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

describe('mtlskit doctor', () => {
  it('finds a fresh store sound (exit 0), and one with issued and revoked certificates and a CRL', () => {
    const fresh = join(tmp.dir, 'fresh');
    mtlskitOk(['ca', 'init', '--dir', fresh, '--key-type', 'ec:P-256']);
    expect(mtlskitOk(['doctor', '--dir', fresh]).stdout).toMatch(/is sound: 0 record/);
    const r = mtlskitOk(['doctor', '--dir', base, '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      sound: true,
      layout: 'mtlskit',
      records: 3,
      revoked: 1,
      certificateFiles: 3,
      problems: [],
    });
  });

  it('names the record whose certs/SERIAL.pem was removed (exit 1), and --repair rebuilds it from NAME.crt', () => {
    const dir = copyOfBase('missing-copy');
    const { line, serial } = record(dir, 'gamma');
    unlinkSync(join(dir, 'certs', `${serial}.pem`));
    const r = mtlskit(['doctor', '--dir', dir]);
    expect(r.status).toBe(1);
    const problems = r.stdout.split('\n').filter((l) => l.includes('✘ index.txt'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`index.txt:${line} (serial ${serial}, gamma): certs/${serial}.pem is missing`);
    expect(r.stdout).toContain("Run 'mtlskit doctor --repair");
    const json = JSON.parse(mtlskit(['doctor', '--dir', dir, '--json']).stdout);
    expect(json.ok).toBe(false);
    expect(json.problems).toMatchObject([{ code: 'CERT_FILE_MISSING', serial, name: 'gamma', line, repairable: true }]);

    const fixed = mtlskitOk(['doctor', '--dir', dir, '--repair']);
    expect(fixed.stdout).toContain(`repaired: rebuilt certs/${serial}.pem from gamma.crt.`);
    expect(fixed.stdout).toMatch(/is sound/);
    expect(readFileSync(join(dir, 'certs', `${serial}.pem`))).toEqual(readFileSync(join(dir, 'gamma.crt')));
    expect(openssl(['x509', '-in', join(dir, 'certs', `${serial}.pem`), '-noout', '-serial']).stdout.trim()).toBe(
      `serial=${serial}`,
    );
  });

  it('names the line of an index.txt cut off mid-line (exit 1)', () => {
    const dir = copyOfBase('truncated');
    const index = join(dir, 'index.txt');
    const size = statSync(index).size;
    truncateSync(index, size - 20);
    const { line } = record(dir, 'gamma');
    const r = mtlskit(['doctor', '--dir', dir, '--json']);
    expect(r.status).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.problems.find((p: { code: string }) => p.code === 'INDEX_TRUNCATED')).toMatchObject({ line });
    expect(mtlskit(['doctor', '--dir', dir]).stdout).toMatch(new RegExp(`index\\.txt:${line}: the last record`));
  });

  it('names the key that no longer fits its certificate, and its record (exit 1)', () => {
    const dir = copyOfBase('wrong-key');
    const { serial } = record(dir, 'alpha');
    const other = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    writeFileSync(join(dir, 'alpha.key'), other.stdout, { mode: 0o600 });
    const r = mtlskit(['doctor', '--dir', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`alpha.key does not fit alpha.crt, recorded at index.txt:1 (serial ${serial}, alpha).`);
    expect(r.stdout).toContain('[KEY_MISMATCH]');
  });

  it('reports keys readable by others, a CRL that misses a revocation, and leftovers of a dead process; --repair fixes what is safe', () => {
    const dir = copyOfBase('leftovers');
    chmodSync(join(dir, 'alpha.key'), 0o644);
    writeFileSync(join(dir, '.alpha.crt.4194999@00000000.0badc0de.tmp'), 'another machine');
    writeFileSync(join(dir, '.delta.key.4194999.0badc0de.tmp'), 'old-style leftover');
    // a waiter killed while taking over the lock left its claim (no pid reaches 4194999)
    const claim = join(dir, '.lock-reap.0123456789abcdef.1');
    writeFileSync(claim, JSON.stringify({ pid: 4194999, host: hostname(), since: new Date().toISOString() }));
    const crlBefore = readFileSync(join(dir, 'crl.pem'));
    mtlskitOk(['revoke', 'gamma', '--dir', dir]);
    writeFileSync(join(dir, 'crl.pem'), crlBefore);
    const r = mtlskit(['doctor', '--dir', dir, '--json']);
    expect(r.status).toBe(1);
    const codes = JSON.parse(r.stdout).problems.map((p: { code: string }) => p.code);
    expect(codes.sort()).toEqual(['CRL_STALE', 'KEY_MODE', 'LOCK_CLAIM_LEFT', 'TEMP_LEFT']);
    const fixed = mtlskit(['doctor', '--dir', dir, '--repair']);
    expect(fixed.stdout).toContain('removed 1 temporary file(s) left by ended processes');
    expect(fixed.stdout).toContain('removed 1 claim(s) to take over the lock left by processes that ended');
    expect(existsSync(claim)).toBe(false);
    expect(fixed.stdout).toContain('made alpha.key readable by its owner only (0600)');
    // A stale CRL needs a new signature: doctor says how, it does not sign.
    expect(fixed.status).toBe(1);
    expect(fixed.stdout).toMatch(/crl\.pem lacks 1 revoked certificate.*gamma.*mtlskit crl gen/);
    expect(existsSync(join(dir, '.alpha.crt.4194999@00000000.0badc0de.tmp'))).toBe(true);
    mtlskitOk(['crl', 'gen', '--dir', dir]);
    expect(mtlskit(['doctor', '--dir', dir]).status).toBe(0);
  });

  it('finds certificates this CA signed that index.txt lost (exit 1), and --repair records them', () => {
    const dir = copyOfBase('unrecorded');
    const { serial } = record(dir, 'alpha');
    const index = join(dir, 'index.txt');
    writeFileSync(
      index,
      readFileSync(index, 'utf8')
        .split('\n')
        .filter((l) => !l.includes('\talpha\t'))
        .join('\n'),
    );
    unlinkSync(join(dir, 'certs', `${serial}.pem`));
    const r = mtlskit(['doctor', '--dir', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`alpha.crt (serial ${serial}) names this CA as issuer but has no record in index.txt.`);
    const fixed = mtlskitOk(['doctor', '--dir', dir, '--repair']);
    expect(fixed.stdout).toContain(`recorded alpha.crt (serial ${serial}), signed by this CA, in index.txt.`);
    expect(record(dir, 'alpha').serial).toBe(serial);
    expect(mtlskitOk(['list', '--dir', dir]).stdout).toMatch(/alpha/);
    mtlskitOk(['revoke', 'alpha', '--dir', dir]);
    expect(mtlskit(['doctor', '--dir', dir]).status).toBe(0);
  });

  it('says there is no CA folder with exit 2', () => {
    const r = mtlskit(['doctor', '--dir', join(tmp.dir, 'nothing-here')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/No CA folder in .*nothing-here/);
  });

  it('checks an openssl ca (demoCA) folder without changing it, and refuses to repair it', () => {
    const dir = join(tmp.dir, 'demoCA');
    mkdirSync(join(dir, 'newcerts'), { recursive: true });
    mkdirSync(join(dir, 'private'));
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '1000\n');
    writeFileSync(join(dir, 'crlnumber'), '01\n');
    const conf = join(dir, 'ca.cnf');
    writeFileSync(
      conf,
      [
        '[ ca ]',
        'default_ca = CA_default',
        '[ CA_default ]',
        `dir = ${dir}`,
        'database = $dir/index.txt',
        'new_certs_dir = $dir/newcerts',
        'certificate = $dir/cacert.pem',
        'private_key = $dir/private/cakey.pem',
        'serial = $dir/serial',
        'crlnumber = $dir/crlnumber',
        'default_md = sha256',
        'default_days = 30',
        'default_crl_days = 30',
        'policy = policy_any',
        'unique_subject = no',
        '[ policy_any ]',
        'commonName = supplied',
        'organizationName = optional',
      ].join('\n') + '\n',
    );
    opensslOk([
      'req',
      '-x509',
      ...newKeyArgs(join(dir, 'private', 'cakey.pem')),
      '-out',
      join(dir, 'cacert.pem'),
      '-subj',
      '/O=Demo/CN=Demo CA',
      '-days',
      '30',
    ]);
    chmodSync(join(dir, 'private', 'cakey.pem'), 0o600);
    for (const n of ['one', 'two']) {
      opensslOk([
        'req',
        '-new',
        ...newKeyArgs(join(tmp.dir, `${n}.key`)),
        '-out',
        join(tmp.dir, `${n}.csr`),
        '-subj',
        `/O=Demo/CN=${n}`,
      ]);
      opensslOk(['ca', '-batch', '-config', conf, '-in', join(tmp.dir, `${n}.csr`), '-out', join(tmp.dir, `${n}.crt`)]);
    }
    opensslOk(['ca', '-config', conf, '-revoke', join(tmp.dir, 'two.crt')]);
    opensslOk(['ca', '-config', conf, '-gencrl', '-out', join(dir, 'crl.pem')]);

    const before = snapshot(dir);
    const r = mtlskitOk(['doctor', '--dir', dir, '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ sound: true, layout: 'openssl ca', records: 2, revoked: 1 });
    unlinkSync(join(dir, 'newcerts', '1000.pem'));
    const broken = mtlskit(['doctor', '--dir', dir]);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain('index.txt:1 (serial 1000): newcerts/1000.pem is missing');
    const repair = mtlskit(['doctor', '--dir', dir, '--repair']);
    expect(repair.status).toBe(2);
    expect(repair.stderr).toMatch(/openssl ca folder; doctor only reads it/);
    expect(snapshot(dir)).not.toBe(before); // the file removed above
    const after = snapshot(dir);
    mtlskit(['doctor', '--dir', dir]);
    expect(snapshot(dir)).toBe(after);
  });

  it('checks an easy-rsa folder without changing it', () => {
    requireTool('easyrsa');
    const easyrsa = easyrsaPath();
    const work = join(tmp.dir, 'easyrsa');
    mkdirSync(work);
    const pki = join(work, 'pki');
    const env = { EASYRSA_PKI: pki, EASYRSA_BATCH: '1', EASYRSA_ALGO: 'ec', EASYRSA_CURVE: 'prime256v1' };
    const run = (...args: string[]) => {
      const r = spawnSync(easyrsa, args, { cwd: work, env: { ...process.env, ...env }, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`easyrsa ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    };
    run('init-pki');
    run('--req-cn=Easy CA', 'build-ca', 'nopass');
    run('build-client-full', 'c1', 'nopass');
    run('build-client-full', 'c2', 'nopass');
    run('revoke', 'c2');
    run('gen-crl');
    const before = snapshot(pki);
    const r = mtlskit(['doctor', '--dir', pki, '--json']);
    const json = JSON.parse(r.stdout);
    expect(json.problems).toEqual([]);
    expect(json).toMatchObject({ sound: true, layout: 'easy-rsa', revoked: 1 });
    expect(r.status).toBe(0);
    expect(snapshot(pki)).toBe(before);
    // A key that no longer fits is found there too.
    const other = tool('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']).stdout;
    writeFileSync(join(pki, 'private', 'c1.key'), other, { mode: 0o600 });
    const bad = mtlskit(['doctor', '--dir', pki]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/private\/c1\.key does not fit issued\/c1\.crt/);
  });
});
