import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mtlskit, mtlskitOk, openssl, tempDir } from '../helpers/run.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

describe('status', () => {
  let dir: string;
  beforeAll(() => {
    dir = join(tmp.dir, 'pki');
    mtlskitOk(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    mtlskitOk(['client', 'issue', 'steady', '--dir', dir, '--key-type', 'ec:P-256']);
  });

  it('exits 0 on a fresh store, with the CA and the CRL on one line each', () => {
    const r = mtlskit(['status', '--dir', dir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/CA .*: expires \d{4}-\d\d-\d\d \(in 36\d\d days\)/);
    expect(r.stdout).toContain('CRL: none yet');
    const json = JSON.parse(mtlskit(['status', '--dir', dir, '--json']).stdout);
    expect(json).toMatchObject({ ok: true, needsAction: false, warnDays: 30, certificates: [], validCertificates: 1 });
    expect(json.ca.state).toBe('ok');
  });

  it('exits 1 with a certificate issued --days 10, naming it; renewing it clears it', () => {
    mtlskitOk(['client', 'issue', 'shortlived', '--dir', dir, '--key-type', 'ec:P-256', '--days', '10']);
    const r = mtlskit(['status', '--dir', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/shortlived \(serial [0-9A-F]+\): expires .*\(in 9 days\): mtlskit renew shortlived/);
    expect(r.stdout).not.toContain('steady');
    const json = JSON.parse(mtlskit(['status', '--dir', dir, '--json']).stdout);
    expect(json.needsAction).toBe(true);
    expect(json.certificates.map((c: { name: string }) => c.name)).toEqual(['shortlived']);
    expect(mtlskit(['status', '--dir', dir, '--warn', '5']).status).toBe(0);
    mtlskitOk(['renew', 'shortlived', '--dir', dir, '--days', '365']);
    expect(mtlskit(['status', '--dir', dir]).status).toBe(0);
  });

  it('exits 1 when the CRL is past its nextUpdate (a CRL made by openssl ca), and when it is due within warn/2 days', () => {
    writeFileSync(
      join(dir, 'openssl-ca.conf'),
      '[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = index.txt\ncrlnumber = crlnumber\ncertificate = ca.crt\nprivate_key = ca.key\ndefault_md = sha256\n',
    );
    const made = openssl(
      // prettier-ignore
      ['ca', '-gencrl', '-config', 'openssl-ca.conf', '-crl_lastupdate', '20250101000000Z', '-crl_nextupdate', '20250201000000Z', '-out', 'crl.pem'],
      { cwd: dir },
    );
    expect(made.status).toBe(0);
    expect(openssl(['crl', '-in', 'crl.pem', '-outform', 'DER', '-out', 'crl.der'], { cwd: dir }).status).toBe(0);
    const r = mtlskit(['status', '--dir', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/CRL .*crl\.der: next update was 2025-02-01 \(\d+ days ago\): mtlskit crl gen/);
    expect(JSON.parse(mtlskit(['status', '--dir', dir, '--json']).stdout).crl.state).toBe('expired');
    mtlskitOk(['crl', 'gen', '--dir', dir, '--days', '10']);
    expect(mtlskit(['status', '--dir', dir]).status).toBe(1);
    expect(mtlskit(['status', '--dir', dir, '--warn', '14']).status).toBe(0);
    mtlskitOk(['crl', 'gen', '--dir', dir]);
    expect(mtlskit(['status', '--dir', dir]).status).toBe(0);
  });

  it("crl gen and the wizard's NEXT-STEPS.md say when the CRL expires and give a cron line that works", () => {
    const r = mtlskitOk(['crl', 'gen', '--dir', dir, '--days', '7']);
    expect(r.stdout).toMatch(/expires \d{4}-\d\d-\d\d \d\d:\d\d UTC: servers that check it refuse every client/);
    const json = JSON.parse(mtlskitOk(['crl', 'gen', '--dir', dir, '--days', '3', '--json']).stdout);
    expect(json.cron).toBe(`17 * * * * mtlskit crl gen --dir ${dir} --days 3`);
    // The command part of the line, run as cron would (mtlskit being the built CLI here).
    const args = json.cron.split(' ').slice(6);
    const crlNumber = () => openssl(['crl', '-in', join(dir, 'crl.pem'), '-noout', '-crlnumber']).stdout.trim();
    const before = crlNumber();
    mtlskitOk(args);
    expect(crlNumber()).not.toBe(before);
    expect(JSON.parse(mtlskit(['status', '--dir', dir, '--json']).stdout).crl.daysLeft).toBe(2);
    const wiz = join(tmp.dir, 'wizard');
    mtlskitOk(['wizard', '--yes', '--dir', wiz, '--key-type', 'ec:P-256', '--passout', 'pass:pfx']);
    const steps = readFileSync(join(wiz, 'NEXT-STEPS.md'), 'utf8');
    expect(steps).toMatch(/The CRL \(`crl.pem`\) expires on \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(steps).toContain(`17 3 * * * mtlskit crl gen --dir ${wiz} --days 30`);
    expect(mtlskit(['status', '--dir', wiz]).status).toBe(0);
  });

  it('exits 1 when the CA itself expires within --warn; 2 without a CA', () => {
    const short = join(tmp.dir, 'short');
    mtlskitOk(['ca', 'init', '--dir', short, '--key-type', 'ec:P-256', '--days', '20']);
    const r = mtlskit(['status', '--dir', short, '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).ca.state).toBe('expiring');
    expect(mtlskit(['status', '--dir', join(tmp.dir, 'none')]).status).toBe(2);
    // An intermediate under a root that expires soon: its issuer is reported too.
    const sub = join(tmp.dir, 'short-sub');
    mtlskitOk(['ca', 'init', '--dir', sub, '--issuer', short, '--days', '10']);
    const subStatus = JSON.parse(mtlskit(['status', '--dir', sub, '--json', '--warn', '5']).stdout);
    expect(subStatus.ca.state).toBe('ok');
    expect(subStatus.issuers).toHaveLength(1);
    expect(subStatus.issuers[0].state).toBe('ok');
    const late = mtlskit(['status', '--dir', sub, '--warn', '25']);
    expect(late.status).toBe(1);
    expect(late.stdout).toMatch(/issuer .*: expires .*\(in 19 days\)/);
  });

  it('finds the one expiring certificate in a 100,000-line index.txt', () => {
    const big = join(tmp.dir, 'big');
    mtlskitOk(['ca', 'init', '--dir', big, '--key-type', 'ec:P-256']);
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const serial = (0x100000 + i).toString(16).toUpperCase();
      const status = i % 10 === 0 ? 'R' : 'V';
      const revoked = status === 'R' ? '260101000000Z,superseded' : '';
      lines.push(
        `${status}\t${i === 4242 ? '000000000000Z' : '281231235959Z'}\t${revoked}\t${serial}\tc${i}\t/O=Acme/CN=c${i}`,
      );
    }
    const soon = new Date(Date.now() + 3 * 86_400_000);
    const stamp = soon.toISOString().slice(2, 19).replace(/[-T:]/g, '') + 'Z';
    lines[77_777] = `V\t${stamp}\t\tABCDEF\tneedle\t/O=Acme/CN=needle`;
    // A renewed certificate: its older record expires soon, the newer one does not.
    lines.push(
      `V\t${stamp}\t\tABCDEE\trenewed\t/O=Acme/CN=renewed`,
      `V\t501231235959Z\t\tABCDEF01\trenewed\t/O=Acme/CN=renewed`,
    );
    writeFileSync(join(big, 'index.txt'), lines.join('\n') + '\n');
    const r = mtlskit(['status', '--dir', big, '--json']);
    expect(r.status).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.certificates.map((c: { name: string }) => c.name)).toEqual(['needle']);
    expect(json.certificates[0].daysLeft).toBe(2);
    expect(json.crl.state).toBe('missing');
    expect(json.crl.revoked).toBe(10_000);
  });
});
