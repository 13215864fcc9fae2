/**
 * verify's profiles, platform rules and limits, and issuance refusing what verify refuses, through the built CLI:
 * Apple's 825-day rule as a warning and with --platform apple, weak keys in verify and in `csr sign`/`--key`,
 * the OpenSSL walkthrough's v1 CA (nginx and curl accept it, the strict profile does not), and pathological
 * input (1,024 name constraints × 1,024 SANs, piles of same-named issuers, long chains) refused within a bound.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mtlskit, mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { newKeyArgs, opensslDsaParams, opensslOk, opensslVerify } from '../helpers/openssl.js';
import {
  DAY,
  buildCert,
  ext,
  makeKey,
  name,
  pem,
  prepareKeys,
  type Ext,
  type TestKey,
} from '../helpers/x509-builder.js';
import { derBoolean, derInteger, derNamedBits, derOid, derSequence, derTlv } from '../../src/pki/der.js';
import { verifyCertificate } from '../../src/pki/verify.js';

const tmp = tempDir('mtlskit-vpolicy-');
const f = (n: string) => join(tmp.dir, n);
const dir = f('pki');

const caExt = (key: TestKey, pathLen?: number): Ext[] => [
  ext('2.5.29.19', derSequence(derBoolean(true), ...(pathLen !== undefined ? [derInteger(pathLen)] : [])), true),
  ext('2.5.29.15', derNamedBits([5, 6]), true),
  ext('2.5.29.14', derTlv(0x04, keyIdOf(key))),
];
function keyIdOf(k: TestKey): Buffer {
  // Any stable 20 bytes per key do: verify compares AKI with SKI, never recomputes them.
  return Buffer.from(k.spki.subarray(-20));
}
const akiOf = (k: TestKey) => ext('2.5.29.35', derSequence(derTlv(0x80, keyIdOf(k))));
const leafExt = (key: TestKey, issuer: TestKey, names: Buffer[]): Ext[] => [
  ext('2.5.29.15', derNamedBits([0]), true),
  ext('2.5.29.37', derSequence(derOid('1.3.6.1.5.5.7.3.1'))),
  ext('2.5.29.17', derSequence(...names)),
  ext('2.5.29.14', derTlv(0x04, keyIdOf(key))),
  akiOf(issuer),
];
const dns = (n: string) => derTlv(0x82, Buffer.from(n, 'latin1'));

beforeAll(async () => {
  await prepareKeys([['rsa1024', 'policy-weak']]);
  mtlskitOk(['ca', 'init', '--dir', dir, '--subject', '/O=Policy/CN=Policy Root', '--key-type', 'ec:P-256']);
});
afterAll(() => tmp.cleanup());

describe('platform rules: warnings by default, the exit code with --platform', () => {
  it("a 1000-day server certificate: issuance and verify warn about Apple's 825 days; exit 0, with --platform apple exit 1", () => {
    const issued = mtlskit(['server', 'issue', 'long', '--dir', dir, '--dns', 'long.example.com', '--days', '1000']);
    expect(issued.status).toBe(0);
    expect(issued.stderr).toContain('macOS and iOS refuse TLS server certificates valid for more than 825 days');
    const args = ['verify', join(dir, 'long.crt'), '--dir', dir, '--purpose', 'server', '--host', 'long.example.com'];
    const plain = mtlskit(args);
    expect(plain.status).toBe(0);
    expect(plain.stderr).toContain('valid for more than 825 days; long.crt is valid for 1000');
    const apple = mtlskit([...args, '--platform', 'apple', '--json']);
    expect(apple.status).toBe(1);
    const json = JSON.parse(apple.stdout) as { problems: { code: string; platform?: string }[] };
    expect(json.problems).toEqual([expect.objectContaining({ code: 'PLATFORM_VALIDITY', platform: 'apple' })]);
    // Chrome has no such limit for private CAs: still exit 0, the Apple rule stays a warning.
    expect(mtlskit([...args, '--platform', 'chrome']).status).toBe(0);
  });

  it("the wizard warns in the same words when --days passes Apple's limit", () => {
    const r = mtlskit([
      'wizard',
      '--yes',
      '--dir',
      f('wizard'),
      '--name',
      'acme',
      '--direction',
      'inbound',
      '--ca-org',
      'Us',
      '--dns',
      'api.example.com',
      '--client-org',
      'Them',
      '--key-type',
      'ec:P-256',
      '--days',
      '1000',
      '--passout',
      'pass:secret',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('macOS and iOS refuse TLS server certificates valid for more than 825 days');
  });

  it('an 825-day server certificate draws no warning', () => {
    const issued = mtlskitOk(['server', 'issue', 'ok825', '--dir', dir, '--dns', 'ok.example.com', '--days', '825']);
    expect(issued.stderr).not.toContain('825 days');
    const r = mtlskit(['verify', join(dir, 'ok825.crt'), '--dir', dir, '--purpose', 'server', '--platform', 'apple']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('weak keys', () => {
  it('an RSA-1024 leaf fails by default (WEAK_KEY), and is only a warning under --profile rfc5280', () => {
    const root = makeKey('p256', 'policy-root');
    const weak = makeKey('rsa1024', 'policy-weak');
    const rootDer = buildCert({
      subject: name('CN=Weak Test Root'),
      issuer: name('CN=Weak Test Root'),
      key: root,
      signer: root,
      extensions: caExt(root),
    });
    const leafDer = buildCert({
      subject: name('CN=weak.example.com'),
      issuer: name('CN=Weak Test Root'),
      key: weak,
      signer: root,
      notAfter: new Date(Date.now() + 90 * DAY),
      extensions: leafExt(weak, root, [dns('weak.example.com')]),
    });
    writeFileSync(f('weak-root.pem'), pem(rootDer));
    writeFileSync(f('weak-leaf.pem'), pem(leafDer));
    const args = ['verify', f('weak-leaf.pem'), '--ca', f('weak-root.pem'), '--purpose', 'server', '--json'];
    const strict = mtlskit(args);
    expect(strict.status).toBe(1);
    const codes = (JSON.parse(strict.stdout) as { problems: { code: string }[] }).problems.map((p) => p.code);
    expect(codes).toContain('WEAK_KEY');
    // OpenSSL at security level 2 refuses it too (openssl verify -auth_level 2).
    expect(openssl(['verify', '-auth_level', '2', '-CAfile', f('weak-root.pem'), f('weak-leaf.pem')]).status).not.toBe(
      0,
    );
    const rfc = mtlskit([...args, '--profile', 'rfc5280']);
    expect(rfc.status).toBe(0);
    expect(JSON.stringify(JSON.parse(rfc.stdout).warnings)).toContain('RSA key of 1024 bits');
  });

  it('csr sign refuses an RSA-1024, a P-192 and a DSA CSR with exit 5 and the reason; --key refuses a weak key', () => {
    opensslOk(['req', '-new', ...newKeyArgs(f('r1024.key'), 'rsa:1024'), '-subj', '/CN=r1024', '-out', f('r1024.csr')]);
    opensslOk(['ecparam', '-name', 'prime192v1', '-genkey', '-noout', '-out', f('p192.key')]);
    opensslOk(['req', '-new', '-key', f('p192.key'), '-subj', '/CN=p192', '-out', f('p192.csr')]);
    // Any DSA key is refused; small parameters keep openssl quick.
    opensslDsaParams(f('dsa.param'));
    opensslOk(['genpkey', '-paramfile', f('dsa.param'), '-out', f('dsa.key')]);
    opensslOk(['req', '-new', '-key', f('dsa.key'), '-subj', '/CN=dsa', '-out', f('dsa.csr')]);
    for (const [csr, reason] of [
      ['r1024.csr', 'RSA key of 1024 bits'],
      ['p192.csr', 'P-192'],
      ['dsa.csr', 'DSA key'],
    ] as const) {
      const r = mtlskit(['csr', 'sign', f(csr), '--dir', dir, '--profile', 'client']);
      expect(r.status, `${csr}: ${r.stderr}`).toBe(5);
      expect(r.stderr).toContain(reason);
      expect(r.stderr).toContain('refuses to certify');
    }
    const key = mtlskit(['client', 'issue', 'weakkey', '--dir', dir, '--key', f('r1024.key')]);
    expect(key.status).toBe(5);
    expect(key.stderr).toContain('RSA key of 1024 bits');
  });
});

describe('the OpenSSL walkthrough CA: nginx and curl accept it, the strict profile says so', () => {
  it('v1 root: strict rejects with LEGACY_CA and points to ca adopt; --profile openssl accepts', () => {
    const w = f('walk');
    const sh = (args: string[]) => opensslOk(args);
    writeFileSync(
      f('walk-ca.cnf'),
      '[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn ]\nO = Server CA Company Name\n',
    );
    writeFileSync(
      f('walk-server.cnf'),
      '[ req ]\ndistinguished_name = dn\nprompt = no\nreq_extensions = v3_req\n[ dn ]\nO = Server Company Name\nCN = api-mtls.example.com\n[ v3_req ]\nsubjectAltName = DNS:api-mtls.example.com\n',
    );
    sh(['genrsa', '-out', `${w}-ca.key`, '2048']);
    sh(['req', '-new', '-config', f('walk-ca.cnf'), '-key', `${w}-ca.key`, '-out', `${w}-ca.csr`]);
    sh([
      'x509',
      '-req',
      '-in',
      `${w}-ca.csr`,
      '-signkey',
      `${w}-ca.key`,
      '-sha256',
      '-days',
      '365',
      '-out',
      `${w}-ca.crt`,
    ]);
    sh(['genrsa', '-out', `${w}-server.key`, '2048']);
    sh(['req', '-new', '-config', f('walk-server.cnf'), '-key', `${w}-server.key`, '-out', `${w}-server.csr`]);
    sh([
      'x509',
      '-req',
      '-in',
      `${w}-server.csr`,
      '-CA',
      `${w}-ca.crt`,
      '-CAkey',
      `${w}-ca.key`,
      '-CAcreateserial',
      '-sha256',
      '-days',
      '365',
      '-extensions',
      'v3_req',
      '-extfile',
      f('walk-server.cnf'),
      '-out',
      `${w}-server.crt`,
    ]);
    // What nginx and curl do: plain `openssl verify` accepts the chain.
    expect(opensslVerify(`${w}-ca.crt`, `${w}-server.crt`, { strict: false }).status).toBe(0);
    const args = [
      'verify',
      `${w}-server.crt`,
      '--ca',
      `${w}-ca.crt`,
      '--purpose',
      'server',
      '--host',
      'api-mtls.example.com',
    ];
    const strict = mtlskit(args);
    expect(strict.status).toBe(1);
    expect(strict.stdout).toContain('[LEGACY_CA]');
    expect(strict.stdout).toContain('nginx and curl accept this; Go, rustls and browsers refuse it');
    expect(strict.stdout).toContain('mtlskit ca adopt');
    const json = JSON.parse(mtlskit([...args, '--json']).stdout) as { opensslAccepts: boolean; profile: string };
    expect(json).toMatchObject({ opensslAccepts: true, profile: 'strict' });
    const asOpenssl = mtlskit([...args, '--profile', 'openssl']);
    expect(asOpenssl.status, asOpenssl.stdout).toBe(0);
    // The strict findings remain visible as warnings.
    expect(asOpenssl.stderr).toContain('Go, rustls and browsers refuse it');
  });
});

describe('CRL structure (RFC 5280 5.1-5.2) under the strict profile', () => {
  it('a CRL without cRLNumber is not relied on (CRL_MALFORMED); rfc5280 and openssl use it', () => {
    mtlskitOk(['client', 'issue', 'crl-client', '--dir', dir]);
    mtlskitOk(['crl', 'gen', '--dir', dir]);
    const args = ['verify', join(dir, 'crl-client.crt'), '--dir', dir, '--purpose', 'client', '--json'];
    expect(mtlskit([...args, '--crl', join(dir, 'crl.pem')]).status).toBe(0);
    // The same CA key signs a CRL through `openssl ca` configured without a crlnumber file: no cRLNumber.
    writeFileSync(f('nonum-index.txt'), '');
    writeFileSync(
      f('nonum.cnf'),
      `[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = ${f('nonum-index.txt')}\ndefault_md = sha256\ndefault_crl_days = 30\n`,
    );
    opensslOk([
      'ca',
      '-gencrl',
      '-config',
      f('nonum.cnf'),
      '-cert',
      join(dir, 'ca.crt'),
      '-keyfile',
      join(dir, 'ca.key'),
      '-out',
      f('nonum.crl'),
      '-batch',
    ]);
    expect(opensslOk(['crl', '-in', f('nonum.crl'), '-noout', '-text']).stdout).not.toContain('CRL Number');
    const strict = mtlskit([...args, '--crl', f('nonum.crl')]);
    expect(strict.status).toBe(1);
    const problems = (JSON.parse(strict.stdout) as { problems: { code: string; message: string }[] }).problems;
    expect(problems.map((p) => p.code)).toContain('CRL_MALFORMED');
    expect(problems.map((p) => p.message).join(' ')).toContain('no cRLNumber');
    expect(mtlskit([...args, '--crl', f('nonum.crl'), '--profile', 'rfc5280']).status).toBe(0);
    // OpenSSL uses it too (RFC 5280 5.2.3 binds conforming CRL issuers; pyca/cryptography refuses it).
    expect(
      opensslVerify(join(dir, 'ca.crt'), join(dir, 'crl-client.crt'), { strict: false, crl: f('nonum.crl') }).status,
    ).toBe(0);
  });
});

describe('bounded work', () => {
  const root = makeKey('p256', 'bound-root');
  const rootName = 'CN=Bound Root';

  it('1,024 name constraints against 1,024 SANs are refused (TOO_COMPLEX) within a generous bound', async () => {
    const constraints = Array.from({ length: 1024 }, (_, i) => derSequence(dns(`allowed${i}.example.com`)));
    const ncRoot = buildCert({
      subject: name(rootName),
      issuer: name(rootName),
      key: root,
      signer: root,
      extensions: [...caExt(root), ext('2.5.29.30', derSequence(derTlv(0xa0, constraints)), true)],
    });
    const leafKey = makeKey('p256', 'bound-leaf');
    const names = Array.from({ length: 1024 }, (_, i) => dns(`host${i}.example.org`));
    const leafDer = buildCert({
      subject: name('O=Bound'),
      issuer: name(rootName),
      key: leafKey,
      signer: root,
      notAfter: new Date(Date.now() + 90 * DAY),
      extensions: leafExt(leafKey, root, names),
    });
    const started = Date.now();
    const r = await verifyCertificate({
      chain: [{ der: leafDer, source: 'leaf.crt' }],
      trusted: [{ der: ncRoot, source: 'root.crt' }],
      untrusted: [],
      crls: [],
      at: new Date(),
      purpose: 'server',
    });
    // Generous: the limit is about never spending minutes, not about speed (bench/ measures speed).
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.valid).toBe(false);
    expect(r.problems.map((p) => p.code)).toContain('TOO_COMPLEX');
    // The same through the CLI, start-up included.
    writeFileSync(f('nc-root.pem'), pem(ncRoot));
    writeFileSync(f('nc-leaf.pem'), pem(leafDer));
    const cli = mtlskit(['verify', f('nc-leaf.pem'), '--ca', f('nc-root.pem'), '--json']);
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain('TOO_COMPLEX');
  });

  it('hundreds of same-named candidate issuers end the search with an answer, not a hang', async () => {
    const realInt = makeKey('p256', 'bound-int');
    const intName = 'CN=Bound Issuing CA';
    const decoys = Array.from({ length: 300 }, (_, i) => {
      const k = makeKey('p256', `decoy-${i % 4}`);
      return buildCert({
        subject: name(intName),
        issuer: name(rootName),
        key: k,
        signer: root,
        serial: BigInt(1000 + i),
        extensions: [...caExt(k, 0), akiOf(root)],
      });
    });
    const rootDer = buildCert({
      subject: name(rootName),
      issuer: name(rootName),
      key: root,
      signer: root,
      extensions: caExt(root),
    });
    const leafKey = makeKey('p256', 'bound-leaf');
    // Signed by a key none of the decoys holds: no path exists.
    const leafDer = buildCert({
      subject: name('O=Bound'),
      issuer: name(intName),
      key: leafKey,
      signer: realInt,
      notAfter: new Date(Date.now() + 90 * DAY),
      extensions: leafExt(leafKey, realInt, [dns('example.com')]),
    });
    const started = Date.now();
    const r = await verifyCertificate({
      chain: [{ der: leafDer, source: 'leaf.crt' }],
      trusted: [{ der: rootDer, source: 'root.crt' }],
      untrusted: decoys.map((der, i) => ({ der, source: `decoy${i}.crt` })),
      crls: [],
      at: new Date(),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.valid).toBe(false);
    expect(r.problems.map((p) => p.code)).toEqual(
      expect.arrayContaining([expect.stringMatching(/TOO_COMPLEX|BAD_SIGNATURE/)]),
    );
  });

  it('--max-depth limits the intermediates: 3 pass by default, not with --max-depth 2', () => {
    const keys = [root, makeKey('p256', 'md-1'), makeKey('p256', 'md-2'), makeKey('p256', 'md-3')];
    const names = [rootName, 'CN=Depth 1', 'CN=Depth 2', 'CN=Depth 3'];
    const certs = [
      buildCert({ subject: name(rootName), issuer: name(rootName), key: root, signer: root, extensions: caExt(root) }),
    ];
    for (let i = 1; i < 4; i++)
      certs.push(
        buildCert({
          subject: name(names[i]!),
          issuer: name(names[i - 1]!),
          key: keys[i]!,
          signer: keys[i - 1]!,
          extensions: [...caExt(keys[i]!), akiOf(keys[i - 1]!)],
        }),
      );
    const leafKey = makeKey('p256', 'md-leaf');
    const leafDer = buildCert({
      subject: name('CN=deep.example.com'),
      issuer: name(names[3]!),
      key: leafKey,
      signer: keys[3]!,
      notAfter: new Date(Date.now() + 90 * DAY),
      extensions: leafExt(leafKey, keys[3]!, [dns('deep.example.com')]),
    });
    writeFileSync(f('md-root.pem'), pem(certs[0]!));
    writeFileSync(f('md-ints.pem'), certs.slice(1).map(pem).join(''));
    writeFileSync(f('md-leaf.pem'), pem(leafDer));
    const args = [
      'verify',
      f('md-leaf.pem'),
      '--ca',
      f('md-root.pem'),
      '--untrusted',
      f('md-ints.pem'),
      '--purpose',
      'server',
    ];
    const ok = mtlskit(args);
    expect(ok.status, ok.stdout).toBe(0);
    const short = mtlskit([...args, '--max-depth', '2']);
    expect(short.status).toBe(1);
    expect(short.stdout).toContain('[CHAIN_TOO_LONG]');
    expect(mtlskit([...args, '--max-depth', 'lots']).status).toBe(2);
  });
});
