import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, mtlskit, mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { newKeyArgs, opensslOk, opensslSignCsr, opensslVerify } from '../helpers/openssl.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

/** An openssl set-up step in `cwd` that must succeed; its stdout. */
const ok = (args: string[], cwd: string): string => opensslOk(args, { cwd }).stdout;

const field = (cwd: string, file: string, flag: string) => ok(['x509', '-in', file, '-noout', flag], cwd).trim();

/** The seed walkthrough's own commands (openssl-walkthrough.sh), run in `dir`. */
function walkthrough(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of ['ca', 'server', 'client'])
    copyFileSync(join(FIXTURES, 'conf', `seed-${f}.conf`), join(dir, `${f}.conf`));
  ok(['genrsa', '-out', 'ca.key', '2048'], dir);
  ok(['req', '-new', '-config', 'ca.conf', '-key', 'ca.key', '-out', 'ca.csr'], dir);
  ok(
    [
      'x509',
      '-req',
      '-in',
      'ca.csr',
      '-signkey',
      'ca.key',
      '-sha256',
      '-days',
      '365',
      '-CAcreateserial',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  ok(['genrsa', '-out', 'server.key', '2048'], dir);
  ok(['req', '-new', '-config', 'server.conf', '-key', 'server.key', '-out', 'server.csr'], dir);
  ok(
    // prettier-ignore
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-sha256', '-days', '365', '-extensions', 'v3_req', '-extfile', 'server.conf', '-out', 'server.crt'],
    dir,
  );
  ok(['genrsa', '-out', 'client.key', '2048'], dir);
  ok(['req', '-new', '-config', 'client.conf', '-key', 'client.key', '-out', 'client.csr'], dir);
  // The walkthrough's client step fails on OpenSSL 3 (client.conf has no [ v3_req ]); users then drop -extensions.
  const clientArgs = [
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-sha256',
    '-days',
    '365',
  ];
  expect(
    openssl([...clientArgs, '-extensions', 'v3_req', '-extfile', 'client.conf', '-out', 'client.crt'], { cwd: dir })
      .status,
  ).not.toBe(0);
  ok([...clientArgs, '-out', 'client.crt'], dir);
}

describe('ca adopt: the OpenSSL walkthrough CA (v1, no extensions)', () => {
  let w: string;
  let pki: string;
  beforeAll(() => {
    w = join(tmp.dir, 'walkthrough');
    pki = join(w, 'pki');
    walkthrough(w);
    // What the issue starts from: OpenSSL names the CA by issuer name and serial in server.crt.
    const text = ok(['x509', '-in', 'server.crt', '-noout', '-text'], w);
    expect(text).toMatch(/Authority Key Identifier:\s*\n\s*DirName:\/O=Server CA Company Name\s*\n\s*serial:/);
    expect(field(w, 'ca.crt', '-text')).toContain('Version: 1 (0x0)');
  });

  it('refuses a key that does not fit (exit 4) and writes nothing', () => {
    const r = mtlskit(['ca', 'adopt', '--key', 'server.key', '--cert', 'ca.crt', '--dir', 'mismatch'], { cwd: w });
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('does not belong to ca.crt');
    expect(existsSync(join(w, 'mismatch'))).toBe(false);
    const json = mtlskit(['ca', 'adopt', '--key', 'server.key', '--cert', 'ca.crt', '--dir', 'mismatch', '--json'], {
      cwd: w,
    });
    expect(JSON.parse(json.stdout).error.code).toBe('KEY_MISMATCH');
  });

  it('refuses a certificate that is not self-issued as a root (exit 2), saying what it is', () => {
    const r = mtlskit(['ca', 'adopt', '--key', 'server.key', '--cert', 'server.crt', '--dir', 'leaf'], { cwd: w });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('is not self-issued');
    expect(r.stderr).toContain("issued by 'O=Server CA Company Name' that is not marked as a CA");
    expect(existsSync(join(w, 'leaf'))).toBe(false);
  });

  it('re-issues a v3 CA with the same key, subject and serial; the old certificates verify against it', () => {
    const r = mtlskitOk(
      [
        'ca',
        'adopt',
        '--key',
        'ca.key',
        '--cert',
        'ca.crt',
        '--certs',
        'server.crt',
        '--certs',
        'client.crt',
        '--json',
      ],
      { cwd: w },
    );
    const result = JSON.parse(r.stdout);
    expect(result.reissued).toBe(true);
    expect(result.reissueReasons).toContain('it is an X.509 v1 certificate');
    const text = field(pki, 'ca.crt', '-text');
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toMatch(/Basic Constraints: critical\s*\n\s*CA:TRUE/);
    expect(text).toMatch(/Key Usage: critical\s*\n\s*Certificate Sign, CRL Sign/);
    expect(text).toContain('Subject Key Identifier');
    for (const flag of ['-pubkey', '-subject', '-serial'])
      expect(field(pki, 'ca.crt', flag)).toBe(field(w, 'ca.crt', flag));
    expect(readFileSync(join(pki, 'ca-original.crt'), 'utf8')).toBe(readFileSync(join(w, 'ca.crt'), 'utf8'));
    // Partners' old files keep working: OpenSSL matches server.crt's AKI (issuer + serial) against the new CA.
    for (const f of ['server.crt', 'client.crt']) {
      const v = opensslVerify(join(pki, 'ca.crt'), f, { strict: false, cwd: w });
      expect(v.stdout + v.stderr).toContain(`${f}: OK`);
    }
    expect(
      opensslVerify(join(pki, 'ca.crt'), 'server.crt', { strict: false, hostname: 'api-mtls.example.com', cwd: w })
        .status,
    ).toBe(0);
    const mode = ok(['pkey', '-in', join(pki, 'ca.key'), '-noout', '-text_pub'], w);
    expect(mode).toContain('2048 bit');
  });

  it('records the adopted certificates: list --json shows their serials, revoke and the CRL cover them', () => {
    const list = JSON.parse(mtlskitOk(['list', '--json'], { cwd: w }).stdout).certificates;
    const serverSerial = field(w, 'server.crt', '-serial').split('=')[1];
    const clientSerial = field(w, 'client.crt', '-serial').split('=')[1];
    expect(list.map((c: { serial: string }) => c.serial).sort()).toEqual([serverSerial, clientSerial].sort());
    expect(list.find((c: { serial: string }) => c.serial === serverSerial).name).toBe('server');
    expect(readdirSync(join(pki, 'certs')).sort()).toEqual([`${clientSerial}.pem`, `${serverSerial}.pem`].sort());
    // server.key sat beside server.crt: copied with it, mode 0600.
    expect(readFileSync(join(pki, 'server.key'), 'utf8')).toBe(readFileSync(join(w, 'server.key'), 'utf8'));
    expect(statSync(join(pki, 'server.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(pki, 'ca.key')).mode & 0o777).toBe(0o600);
    mtlskitOk(['revoke', 'client', '--reason', 'cessationOfOperation'], { cwd: w });
    const crl = ok(['crl', '-in', join(pki, 'crl.pem'), '-CAfile', join(pki, 'ca.crt'), '-noout', '-text'], w);
    expect(crl).toContain(`Serial Number: ${clientSerial}`);
    const revoked = opensslVerify(join(pki, 'ca.crt'), 'client.crt', {
      strict: false,
      crl: join(pki, 'crl.pem'),
      cwd: w,
    });
    expect(revoked.stdout + revoked.stderr).toContain('certificate revoked');
    expect(
      opensslVerify(join(pki, 'ca.crt'), 'server.crt', { strict: false, crl: join(pki, 'crl.pem'), cwd: w }).status,
    ).toBe(0);
  });

  it('issues new client certificates that pass openssl verify -x509_strict -purpose sslclient', () => {
    mtlskitOk(['client', 'issue', 'partner'], { cwd: w });
    const v = opensslVerify(join(pki, 'ca.crt'), join(pki, 'partner.crt'), { purpose: 'sslclient' });
    expect(v.stdout + v.stderr).toContain('partner.crt: OK');
  });

  it('leaves an adopted store alone without --force (exit 3)', () => {
    const r = mtlskit(['ca', 'adopt', '--key', 'ca.key', '--cert', 'ca.crt'], { cwd: w });
    expect(r.status).toBe(3);
  });

  it('ca renew keeps the serial the old leaves name, the key and the SKI; the old leaves still verify', () => {
    const ski = () => ok(['x509', '-in', 'ca.crt', '-noout', '-ext', 'subjectKeyIdentifier'], pki);
    const before = { ski: ski(), end: field(pki, 'ca.crt', '-enddate') };
    expect(before.ski).toContain('Subject Key Identifier');
    const r = JSON.parse(mtlskitOk(['ca', 'renew', '--days', '1000', '--json'], { cwd: w }).stdout);
    expect(r.keptSerial).toBe(true);
    expect(ski()).toBe(before.ski);
    expect(field(pki, 'ca.crt', '-enddate')).not.toBe(before.end);
    for (const flag of ['-serial', '-pubkey', '-subject'])
      expect(field(pki, 'ca.crt', flag)).toBe(field(w, 'ca.crt', flag));
    for (const f of [join(w, 'server.crt'), join(pki, 'partner.crt')])
      expect(opensslVerify(join(pki, 'ca.crt'), f, { strict: false }).status).toBe(0);
  });
});

describe('ca adopt: a v3 CA is kept as it is; an intermediate needs its chain; easy-rsa folders', () => {
  let d: string;
  beforeAll(() => {
    d = join(tmp.dir, 'v3');
    mkdirSync(d, { recursive: true });
    writeFileSync(
      join(d, 'ext.conf'),
      '[ v3_ca ]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n' +
        '[ leaf ]\nbasicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\nauthorityKeyIdentifier = keyid\n',
    );
    // prettier-ignore
    ok(['req', '-x509', ...newKeyArgs('root.key'), '-out', 'root.crt', '-subj', '/O=Acme/CN=Acme Root', '-days', '100', '-extensions', 'v3_ca', '-config', 'ext.conf'], d);
    ok(['req', '-new', ...newKeyArgs('sub.key'), '-out', 'sub.csr', '-subj', '/O=Acme/CN=Acme Sub'], d);
    opensslSignCsr({
      csr: 'sub.csr',
      ca: 'root.crt',
      caKey: 'root.key',
      out: 'sub.crt',
      days: 90,
      extfile: 'ext.conf',
      extensions: 'v3_ca',
      cwd: d,
    });
    // An easy-rsa style pki/: index.txt, issued/, revoked/certs_by_serial/, private/.
    const e = join(d, 'easy', 'pki');
    for (const sub of ['issued', 'private', 'revoked/certs_by_serial']) mkdirSync(join(e, sub), { recursive: true });
    const index: string[] = [];
    for (const [name, revoked] of [
      ['alice', false],
      ['bob', true],
    ] as const) {
      ok(
        [
          'req',
          '-new',
          ...newKeyArgs(join(e, 'private', `${name}.key`)),
          '-out',
          `${name}.csr`,
          '-subj',
          `/CN=${name}`,
        ],
        d,
      );
      opensslSignCsr({
        csr: `${name}.csr`,
        ca: 'root.crt',
        caKey: 'root.key',
        out: `${name}.crt`,
        days: 30,
        extfile: 'ext.conf',
        extensions: 'leaf',
        cwd: d,
      });
      const serial = field(d, `${name}.crt`, '-serial').split('=')[1]!;
      const end = ok(['x509', '-in', `${name}.crt`, '-noout', '-dateopt', 'iso_8601', '-enddate'], d);
      const yymmdd = end.split('=')[1]!.trim().replace(/[-: ]/g, '').slice(2, 14) + 'Z';
      copyFileSync(
        join(d, `${name}.crt`),
        join(e, revoked ? `revoked/certs_by_serial/${serial}.crt` : `issued/${name}.crt`),
      );
      index.push(
        [
          revoked ? 'R' : 'V',
          yymmdd,
          revoked ? '261130120000Z,keyCompromise' : '',
          serial,
          'unknown',
          `/CN=${name}`,
        ].join('\t'),
      );
    }
    writeFileSync(join(e, 'index.txt'), index.join('\n') + '\n');
  });

  it('adopts a proper v3 root as it is (no re-issue)', () => {
    const r = JSON.parse(
      mtlskitOk(['ca', 'adopt', '--key', 'root.key', '--cert', 'root.crt', '--dir', 'plain', '--json'], { cwd: d })
        .stdout,
    );
    expect(r.reissued).toBe(false);
    expect(readFileSync(join(d, 'plain', 'ca.crt'), 'utf8')).toBe(readFileSync(join(d, 'root.crt'), 'utf8'));
  });

  it('an intermediate without --issuer-chain: exit 2 naming it; with the chain: adopted and new leaves verify', () => {
    const r = mtlskit(['ca', 'adopt', '--key', 'sub.key', '--cert', 'sub.crt', '--dir', 'sub'], { cwd: d });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("an intermediate CA certificate issued by 'O=Acme, CN=Acme Root'");
    mtlskitOk(['ca', 'adopt', '--key', 'sub.key', '--cert', 'sub.crt', '--issuer-chain', 'root.crt', '--dir', 'sub'], {
      cwd: d,
    });
    expect(readFileSync(join(d, 'sub', 'ca-chain.crt'), 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    mtlskitOk(['client', 'issue', 'c1', '--dir', 'sub'], { cwd: d });
    const v = opensslVerify('root.crt', 'sub/c1.crt', { purpose: 'sslclient', untrusted: 'sub/ca-chain.crt', cwd: d });
    expect(v.stdout + v.stderr).toContain('c1.crt: OK');
  });

  it('keeps the key id that old leaves name (a CA with its own SKI but no critical CA:TRUE), and an encrypted key stays encrypted', () => {
    writeFileSync(
      join(d, 'odd.conf'),
      '[ odd_ca ]\nbasicConstraints = CA:TRUE\nsubjectKeyIdentifier = 0102030405060708090a0b0c0d0e0f1011121314\n' +
        '[ leaf ]\nbasicConstraints = CA:FALSE\nauthorityKeyIdentifier = keyid:always\nsubjectKeyIdentifier = hash\n',
    );
    ok(['genrsa', '-aes256', '-passout', 'pass:oddpw', '-out', 'odd.key', '2048'], d);
    // prettier-ignore
    ok(['req', '-x509', '-key', 'odd.key', '-passin', 'pass:oddpw', '-out', 'odd.crt', '-subj', '/O=Odd CA', '-days', '100', '-extensions', 'odd_ca', '-config', 'odd.conf'], d);
    ok(['req', '-new', ...newKeyArgs('oddleaf.key'), '-out', 'oddleaf.csr', '-subj', '/CN=oddleaf'], d);
    opensslSignCsr({
      csr: 'oddleaf.csr',
      ca: 'odd.crt',
      caKey: 'odd.key',
      out: 'oddleaf.crt',
      days: 30,
      extfile: 'odd.conf',
      extensions: 'leaf',
      extra: ['-passin', 'pass:oddpw'],
      cwd: d,
    });
    expect(ok(['x509', '-in', 'oddleaf.crt', '-noout', '-ext', 'authorityKeyIdentifier'], d)).toContain('01:02:03:04');
    expect(mtlskit(['ca', 'adopt', '--key', 'odd.key', '--cert', 'odd.crt', '--dir', 'odd'], { cwd: d }).status).toBe(
      4,
    );
    const r = JSON.parse(
      mtlskitOk(
        [
          'ca',
          'adopt',
          '--key',
          'odd.key',
          '--cert',
          'odd.crt',
          '--certs',
          'oddleaf.crt',
          '--passin',
          'pass:oddpw',
          '--dir',
          'odd',
          '--json',
        ],
        { cwd: d },
      ).stdout,
    );
    expect(r.reissued).toBe(true);
    expect(r.reissueReasons).toEqual(['basicConstraints is not critical', 'it has no keyUsage']);
    expect(r.subjectKeyIdentifier).toBe('0102030405060708090a0b0c0d0e0f1011121314');
    const v = opensslVerify('odd/ca.crt', 'oddleaf.crt', { cwd: d });
    expect(v.stdout + v.stderr).toContain('oddleaf.crt: OK');
    expect(readFileSync(join(d, 'odd', 'ca.key'), 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(mtlskit(['crl', 'gen', '--dir', 'odd'], { cwd: d }).status).toBe(4);
    mtlskitOk(['crl', 'gen', '--dir', 'odd', '--passin', 'pass:oddpw'], { cwd: d });
    expect(opensslVerify('odd/ca.crt', 'oddleaf.crt', { strict: false, crl: 'odd/crl.pem', cwd: d }).status).toBe(0);
  });

  it("recognises an easy-rsa pki/ folder: issued and revoked certificates, with easy-rsa's revocation", () => {
    mtlskitOk(['ca', 'adopt', '--key', 'root.key', '--cert', 'root.crt', '--certs', 'easy/pki', '--dir', 'fromeasy'], {
      cwd: d,
    });
    const list = JSON.parse(mtlskitOk(['list', '--json', '--dir', 'fromeasy'], { cwd: d }).stdout).certificates;
    const byName = Object.fromEntries(list.map((c: { name: string }) => [c.name, c]));
    expect(byName.alice.status).toBe('valid');
    expect(byName.bob.status).toBe('revoked');
    expect(byName.bob.reason).toBe('keyCompromise');
    expect(existsSync(join(d, 'fromeasy', 'alice.key'))).toBe(true);
    mtlskitOk(['crl', 'gen', '--dir', 'fromeasy'], { cwd: d });
    const bobSerial = field(d, 'bob.crt', '-serial').split('=')[1];
    const crl = ok(['crl', '-in', 'fromeasy/crl.pem', '-CAfile', 'root.crt', '-noout', '-text'], d);
    expect(crl).toContain(`Serial Number: ${bobSerial}`);
    expect(crl).toContain('Key Compromise');
    expect(opensslVerify('root.crt', 'alice.crt', { strict: false, crl: 'fromeasy/crl.pem', cwd: d }).status).toBe(0);
  });
});
