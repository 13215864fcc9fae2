/**
 * `mtlskit verify` against `openssl verify` on a matrix of good and broken chains built with openssl and
 * mtlskit: on every case both must agree on valid/invalid, and mtlskit must name the right problem.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { newKeyArgs, opensslOk, opensslSignCsr } from '../helpers/openssl.js';
import { readDerObjects } from '../../src/pki/pem.js';
import { loadPrivateKey } from '../../src/pki/keys.js';
import { verifyCertificate, type VerifyProfile } from '../../src/pki/verify.js';

// Made at collection time: the case table below names files in it.
const tmp = tempDir();
const d = (name: string) => join(tmp.dir, name);
const AT_FUTURE = Math.floor(Date.now() / 1000) + 2 * 365 * 86400;
const AT_PAST = Math.floor(Date.now() / 1000) - 2 * 86400;

/** A self-signed root with the given extra -addext lines. */
function root(name: string, subject: string, addext: string[] = [], keyType = 'ec:P-256') {
  opensslOk([
    'req',
    '-x509',
    ...newKeyArgs(d(`${name}.key`), keyType),
    '-out',
    d(`${name}.crt`),
    '-subj',
    subject,
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-addext',
    'subjectKeyIdentifier=hash',
    ...addext.flatMap((a) => ['-addext', a]),
  ]);
}

/** A certificate signed by `issuer`, with extensions from `ext` lines. */
function issue(
  name: string,
  issuer: string,
  subject: string,
  ext: string[],
  opts: { days?: number; digest?: string; keyType?: string; sigopts?: string[] } = {},
) {
  writeFileSync(d(`${name}.ext`), ext.join('\n') + '\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n');
  opensslOk(['req', '-new', ...newKeyArgs(d(`${name}.key`), opts.keyType), '-out', d(`${name}.csr`), '-subj', subject]);
  opensslSignCsr({
    csr: d(`${name}.csr`),
    ca: d(`${issuer}.crt`),
    caKey: d(`${issuer}.key`),
    out: d(`${name}.crt`),
    days: opts.days ?? 365,
    digest: opts.digest ?? 'sha256',
    extra: opts.sigopts,
    extfile: d(`${name}.ext`),
  });
}

const LEAF_SERVER = [
  'basicConstraints = CA:FALSE',
  'keyUsage = critical, digitalSignature',
  'extendedKeyUsage = serverAuth',
  'subjectAltName = DNS:api.example.com, IP:127.0.0.1',
];
const LEAF_CLIENT = [
  'basicConstraints = CA:FALSE',
  'keyUsage = critical, digitalSignature',
  'extendedKeyUsage = clientAuth',
];
const SUB_CA = (pathlen?: number) => [
  `basicConstraints = critical, CA:TRUE${pathlen === undefined ? '' : `, pathlen:${pathlen}`}`,
  'keyUsage = critical, keyCertSign, cRLSign',
];

beforeAll(() => {
  root('root', '/O=Matrix/CN=Matrix Root');
  root('other', '/O=Other/CN=Other Root');
  root('nc-root', '/O=NC/CN=Constrained Root', ['nameConstraints=critical,permitted;DNS:example.com']);
  issue('int', 'root', '/O=Matrix/CN=Matrix Issuing CA', SUB_CA(0));
  issue('leaf', 'int', '/O=Matrix/CN=api.example.com', LEAF_SERVER);
  issue('client', 'int', '/O=Matrix/CN=client', LEAF_CLIENT);
  issue('other-leaf', 'other', '/O=Other/CN=api.example.com', LEAF_SERVER);
  issue('notca', 'root', '/O=Matrix/CN=Not A CA', ['basicConstraints = CA:FALSE', 'keyUsage = critical, keyCertSign']);
  issue('under-notca', 'notca', '/O=Matrix/CN=api.example.com', LEAF_SERVER);
  issue('int2', 'int', '/O=Matrix/CN=Too Deep CA', SUB_CA());
  issue('too-deep', 'int2', '/O=Matrix/CN=api.example.com', LEAF_SERVER);
  issue('wild', 'root', '/O=Matrix/CN=wildcard', [
    'basicConstraints = CA:FALSE',
    'extendedKeyUsage = serverAuth',
    'subjectAltName = DNS:*.example.com',
  ]);
  issue('crit', 'root', '/O=Matrix/CN=api.example.com', [
    ...LEAF_SERVER,
    '1.2.3.4.5 = critical, ASN1:UTF8String:must understand',
  ]);
  issue('sha1', 'root', '/O=Matrix/CN=api.example.com', LEAF_SERVER, { digest: 'sha1' });
  issue('nc-bad', 'nc-root', '/O=NC/CN=evil.test', [
    'basicConstraints = CA:FALSE',
    'extendedKeyUsage = serverAuth',
    'subjectAltName = DNS:evil.test',
  ]);
  issue('nc-good', 'nc-root', '/O=NC/CN=api.example.com', [
    'basicConstraints = CA:FALSE',
    'extendedKeyUsage = serverAuth',
    'subjectAltName = DNS:api.example.com',
  ]);
  root('rsa-root', '/O=RSA/CN=RSA Root', [], 'rsa:2048');
  issue('pss', 'rsa-root', '/O=RSA/CN=api.example.com', LEAF_SERVER, {
    keyType: 'rsa:2048',
    sigopts: ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'],
  });
  root('p384', '/O=P384/CN=P-384 Root', [], 'ec:P-384');
  issue('p521', 'p384', '/O=P384/CN=api.example.com', LEAF_SERVER, {
    keyType: 'ec:P-521',
    digest: 'sha384',
  });
  // CA key rollover: a self-issued certificate for the new key, signed by the old one (RFC 4210 "newWithOld").
  opensslOk([
    'req',
    '-new',
    ...newKeyArgs(d('rollover.key')),
    '-out',
    d('rollover.csr'),
    '-subj',
    '/O=Matrix/CN=Matrix Root',
  ]);
  writeFileSync(
    d('rollover.ext'),
    'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n',
  );
  opensslSignCsr({
    csr: d('rollover.csr'),
    ca: d('root.crt'),
    caKey: d('root.key'),
    out: d('rollover.crt'),
    days: 365,
    extfile: d('rollover.ext'),
  });
  issue('after-rollover', 'rollover', '/O=Matrix/CN=api.example.com', LEAF_SERVER);
  // Certificate policies: an intermediate that requires an explicit policy (1.2.3.4) from here on.
  issue('pol-int', 'root', '/O=Matrix/CN=Policy CA', [
    ...SUB_CA(),
    'certificatePolicies = 1.2.3.4',
    'policyConstraints = critical, requireExplicitPolicy:0',
  ]);
  issue('pol-good', 'pol-int', '/O=Matrix/CN=api.example.com', [...LEAF_SERVER, 'certificatePolicies = 1.2.3.4']);
  issue('pol-other', 'pol-int', '/O=Matrix/CN=api.example.com', [...LEAF_SERVER, 'certificatePolicies = 1.2.3.99']);
  issue('pol-none', 'pol-int', '/O=Matrix/CN=api.example.com', LEAF_SERVER);
  // A CA whose keyUsage lacks cRLSign, with a CRL openssl ca signs anyway.
  opensslOk([
    'req',
    '-x509',
    ...newKeyArgs(d('nocrl.key')),
    '-out',
    d('nocrl.crt'),
    '-subj',
    '/O=Matrix/CN=No cRLSign CA',
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
    '-addext',
    'subjectKeyIdentifier=hash',
  ]);
  issue('nocrl-leaf', 'nocrl', '/O=Matrix/CN=api.example.com', LEAF_SERVER);
  writeFileSync(d('nocrl-index.txt'), '');
  writeFileSync(d('nocrl-number'), '01\n');
  writeFileSync(
    d('nocrl.cnf'),
    `[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = ${d('nocrl-index.txt')}\ncrlnumber = ${d('nocrl-number')}\ndefault_md = sha256\ndefault_crl_days = 30\n`,
  );
  opensslOk([
    'ca',
    '-gencrl',
    '-config',
    d('nocrl.cnf'),
    '-cert',
    d('nocrl.crt'),
    '-keyfile',
    d('nocrl.key'),
    '-out',
    d('nocrl-crl.pem'),
    '-batch',
  ]);
  writeFileSync(d('chain-int.pem'), openssl(['x509', '-in', d('int.crt')]).stdout);
  writeFileSync(
    d('deep-chain.pem'),
    openssl(['x509', '-in', d('int.crt')]).stdout + openssl(['x509', '-in', d('int2.crt')]).stdout,
  );
});
afterAll(() => tmp.cleanup());

interface Case {
  name: string;
  cert: string;
  ca: string;
  untrusted?: string;
  host?: string;
  purpose?: 'server' | 'client';
  at?: number;
  crls?: string[];
  valid: boolean;
  code?: string;
  /**
   * Extra openssl verify flags that make it check what mtlskit always checks. For policies that is
   * `-policy_check` with RFC 5280's default user-initial-policy-set, anyPolicy (openssl's default is empty).
   */
  opensslFlags?: string[];
  rejectSha1?: boolean;
  /** Verify profile (default strict); a case that needs another says why. */
  profile?: VerifyProfile;
}

function opensslVerify(c: Case): boolean {
  const args = ['verify', '-x509_strict', '-CAfile', c.ca];
  if (c.untrusted) args.push('-untrusted', c.untrusted);
  if (c.purpose) args.push('-purpose', c.purpose === 'server' ? 'sslserver' : 'sslclient');
  if (c.host) args.push(/^[\d.]+$/.test(c.host) ? '-verify_ip' : '-verify_hostname', c.host);
  if (c.at) args.push('-attime', String(c.at));
  if (c.crls?.length) args.push('-crl_check_all', ...c.crls.flatMap((f) => ['-CRLfile', f]));
  if (c.opensslFlags) args.push(...c.opensslFlags);
  args.push(c.cert);
  const r = openssl(args);
  return r.status === 0 && /: OK\s*$/.test(r.stdout);
}

const objects = (file: string, label: string) =>
  readDerObjects(readFileSync(file), [label], file, label).map((der) => ({ der, source: basename(file) }));

/** The library itself (not the built CLI), so the matrix always checks the current source. */
async function ourVerify(c: Case & { key?: string }): Promise<{ valid: boolean; codes: string[]; warnings: string[] }> {
  const r = await verifyCertificate({
    chain: objects(c.cert, 'CERTIFICATE'),
    trusted: objects(c.ca, 'CERTIFICATE'),
    untrusted: c.untrusted ? objects(c.untrusted, 'CERTIFICATE') : [],
    crls: (c.crls ?? []).flatMap((f) => objects(f, 'X509 CRL')),
    at: c.at ? new Date(c.at * 1000) : new Date(),
    host: c.host,
    purpose: c.purpose,
    privateKey: c.key ? loadPrivateKey(readFileSync(c.key), undefined, c.key) : undefined,
    rejectSha1: c.rejectSha1,
    profile: c.profile,
  });
  return { valid: r.valid, codes: r.problems.map((p) => p.code), warnings: r.warnings.map((w) => w.message) };
}

const f = (name: string) => d(name);

describe('verify agrees with openssl verify', () => {
  const cases = (): Case[] => [
    {
      name: 'good chain with intermediate',
      cert: f('leaf.crt'),
      ca: f('root.crt'),
      untrusted: f('chain-int.pem'),
      purpose: 'server',
      host: 'api.example.com',
      valid: true,
    },
    {
      name: 'expired (checked two years ahead)',
      cert: f('leaf.crt'),
      ca: f('root.crt'),
      untrusted: f('chain-int.pem'),
      at: AT_FUTURE,
      valid: false,
      code: 'EXPIRED',
    },
    {
      name: 'not yet valid (checked two days back)',
      cert: f('leaf.crt'),
      ca: f('root.crt'),
      untrusted: f('chain-int.pem'),
      at: AT_PAST,
      valid: false,
      code: 'NOT_YET_VALID',
    },
    {
      name: 'issued by another CA',
      cert: f('other-leaf.crt'),
      ca: f('root.crt'),
      valid: false,
      code: 'UNKNOWN_ISSUER',
    },
    {
      name: 'missing intermediate',
      cert: f('leaf.crt'),
      ca: f('root.crt'),
      valid: false,
      code: 'MISSING_INTERMEDIATE',
    },
    {
      name: 'intermediate without CA:TRUE',
      cert: f('under-notca.crt'),
      ca: f('root.crt'),
      untrusted: f('notca.crt'),
      valid: false,
      code: 'NOT_A_CA',
    },
    {
      name: 'pathlen exceeded',
      cert: f('too-deep.crt'),
      ca: f('root.crt'),
      untrusted: f('deep-chain.pem'),
      valid: false,
      code: 'PATH_LENGTH_EXCEEDED',
    },
    {
      name: 'client certificate used as server',
      cert: f('client.crt'),
      ca: f('root.crt'),
      untrusted: f('chain-int.pem'),
      purpose: 'server',
      valid: false,
      code: 'WRONG_PURPOSE',
    },
    {
      name: 'server certificate used as client',
      cert: f('leaf.crt'),
      ca: f('root.crt'),
      untrusted: f('chain-int.pem'),
      purpose: 'client',
      valid: false,
      code: 'WRONG_PURPOSE',
    },
    {
      name: 'host name mismatch',
      cert: f('leaf.crt'),
      ca: f('root.crt'),
      untrusted: f('chain-int.pem'),
      host: 'www.example.com',
      valid: false,
      code: 'HOSTNAME_MISMATCH',
    },
    {
      name: 'IP match',
      cert: f('leaf.crt'),
      ca: f('root.crt'),
      untrusted: f('chain-int.pem'),
      host: '127.0.0.1',
      valid: true,
    },
    {
      name: 'IP mismatch',
      cert: f('leaf.crt'),
      ca: f('root.crt'),
      untrusted: f('chain-int.pem'),
      host: '127.0.0.2',
      valid: false,
      code: 'HOSTNAME_MISMATCH',
    },
    { name: 'wildcard matches one label', cert: f('wild.crt'), ca: f('root.crt'), host: 'a.example.com', valid: true },
    {
      name: 'wildcard does not match two labels',
      cert: f('wild.crt'),
      ca: f('root.crt'),
      host: 'a.b.example.com',
      valid: false,
      code: 'HOSTNAME_MISMATCH',
    },
    {
      name: 'wildcard does not match the bare domain',
      cert: f('wild.crt'),
      ca: f('root.crt'),
      host: 'example.com',
      valid: false,
      code: 'HOSTNAME_MISMATCH',
    },
    {
      name: 'unknown critical extension',
      cert: f('crit.crt'),
      ca: f('root.crt'),
      valid: false,
      code: 'UNKNOWN_CRITICAL_EXTENSION',
    },
    // RFC 5280 allows SHA-1, and so does `openssl verify`; a TLS connection at OpenSSL's default security level
    // does not (`-auth_level 1`). mtlskit warns by default and fails with --reject-sha1.
    {
      name: 'SHA-1 signature (valid by RFC 5280, with a warning)',
      cert: f('sha1.crt'),
      ca: f('root.crt'),
      valid: true,
      // Only under RFC 5280 alone: the strict default refuses SHA-1 as Go, rustls, browsers and OpenSSL's TLS do.
      profile: 'rfc5280',
    },
    {
      name: 'SHA-1 signature refused as TLS does',
      cert: f('sha1.crt'),
      ca: f('root.crt'),
      valid: false,
      code: 'WEAK_SIGNATURE',
      opensslFlags: ['-auth_level', '1'],
      rejectSha1: true,
    },
    {
      name: 'name constraints violated',
      cert: f('nc-bad.crt'),
      ca: f('nc-root.crt'),
      valid: false,
      code: 'NAME_CONSTRAINTS',
    },
    {
      name: 'name constraints respected',
      cert: f('nc-good.crt'),
      ca: f('nc-root.crt'),
      host: 'api.example.com',
      valid: true,
    },
    { name: 'RSA-PSS signature', cert: f('pss.crt'), ca: f('rsa-root.crt'), purpose: 'server', valid: true },
    { name: 'P-521 leaf under a P-384 root', cert: f('p521.crt'), ca: f('p384.crt'), purpose: 'server', valid: true },
    {
      name: 'explicit policy required and present',
      cert: f('pol-good.crt'),
      ca: f('root.crt'),
      untrusted: f('pol-int.crt'),
      valid: true,
      opensslFlags: ['-policy_check', '-policy', '2.5.29.32.0'],
    },
    {
      name: 'explicit policy required, leaf asserts another policy',
      cert: f('pol-other.crt'),
      ca: f('root.crt'),
      untrusted: f('pol-int.crt'),
      valid: false,
      code: 'POLICY',
      opensslFlags: ['-policy_check', '-policy', '2.5.29.32.0'],
    },
    {
      name: 'explicit policy required, leaf asserts none',
      cert: f('pol-none.crt'),
      ca: f('root.crt'),
      untrusted: f('pol-int.crt'),
      valid: false,
      code: 'POLICY',
      opensslFlags: ['-policy_check', '-policy', '2.5.29.32.0'],
    },
    {
      name: 'CRL from a CA without cRLSign',
      cert: f('nocrl-leaf.crt'),
      ca: f('nocrl.crt'),
      crls: [f('nocrl-crl.pem')],
      valid: false,
      code: 'CRL_WRONG_ISSUER',
    },
    {
      name: 'CA key rollover through a self-issued certificate',
      cert: f('after-rollover.crt'),
      ca: f('root.crt'),
      untrusted: f('rollover.crt'),
      purpose: 'server',
      valid: true,
    },
    { name: 'root verifies against itself', cert: f('root.crt'), ca: f('root.crt'), valid: true },
  ];
  for (const name of cases().map((c) => c.name)) {
    it(name, async () => {
      const c = cases().find((x) => x.name === name)!;
      const theirs = opensslVerify(c);
      const ours = await ourVerify(c);
      expect(theirs, 'openssl').toBe(c.valid);
      expect(ours.valid, `mtlskit (${ours.codes.join(', ')})`).toBe(c.valid);
      if (c.code) expect(ours.codes).toContain(c.code);
      else expect(ours.codes).toEqual([]);
      // The matrix's root key is ECDSA, so the SHA-1 leaf is signed with ecdsa-with-SHA1.
      if (c.name.startsWith('SHA-1 signature (valid')) expect(ours.warnings.join(' ')).toContain('ecdsa-with-SHA1');
    });
  }
});

describe('revocation cases (CAs made by mtlskit)', () => {
  const p = (...parts: string[]) => join(tmp.dir, 'm', ...parts);
  beforeAll(() => {
    mtlskitOk(['ca', 'init', '--dir', p('root'), '--subject', '/O=M/CN=M Root', '--key-type', 'ec:P-256']);
    mtlskitOk(['ca', 'init', '--dir', p('sub'), '--issuer', p('root'), '--subject', '/O=M/CN=M Sub']);
    mtlskitOk(['client', 'issue', 'ok', '--dir', p('sub')]);
    mtlskitOk(['client', 'issue', 'gone', '--dir', p('sub')]);
    mtlskitOk(['client', 'issue', 'direct', '--dir', p('root')]);
    mtlskitOk(['revoke', 'gone', '--dir', p('sub'), '--reason', 'keyCompromise']);
    mtlskitOk(['crl', 'gen', '--dir', p('root')]);
    writeFileSync(
      p('both-crls.pem'),
      openssl(['crl', '-in', p('root', 'crl.pem')]).stdout + openssl(['crl', '-in', p('sub', 'crl.pem')]).stdout,
    );
    // A second CA with the same name but another key, for a CRL that claims the right issuer.
    mtlskitOk(['ca', 'init', '--dir', p('impostor'), '--subject', '/O=M/CN=M Root', '--key-type', 'ec:P-256']);
    mtlskitOk(['crl', 'gen', '--dir', p('impostor')]);
    mtlskitOk(['crl', 'gen', '--dir', p('root'), '--days', '1']);
    writeFileSync(
      p('short-crls.pem'),
      openssl(['crl', '-in', p('root', 'crl.pem')]).stdout + openssl(['crl', '-in', p('sub', 'crl.pem')]).stdout,
    );
  });

  const rcases = (): Case[] => [
    {
      name: 'good leaf with both CRLs',
      cert: p('sub', 'ok.crt'),
      ca: p('root', 'ca.crt'),
      untrusted: p('sub', 'ca.crt'),
      crls: [p('both-crls.pem')],
      valid: true,
    },
    {
      name: 'revoked leaf',
      cert: p('sub', 'gone.crt'),
      ca: p('root', 'ca.crt'),
      untrusted: p('sub', 'ca.crt'),
      crls: [p('both-crls.pem')],
      valid: false,
      code: 'REVOKED',
    },
    {
      name: 'CRL signed by another key with the same name',
      cert: p('root', 'direct.crt'),
      ca: p('root', 'ca.crt'),
      crls: [p('impostor', 'crl.pem')],
      valid: false,
      code: 'CRL_BAD_SIGNATURE',
    },
    {
      name: 'expired CRL (checked three days ahead)',
      cert: p('sub', 'ok.crt'),
      ca: p('root', 'ca.crt'),
      untrusted: p('sub', 'ca.crt'),
      crls: [p('short-crls.pem')],
      at: Math.floor(Date.now() / 1000) + 3 * 86400,
      valid: false,
      code: 'CRL_EXPIRED',
    },
  ];
  for (const name of rcases().map((c) => c.name)) {
    it(name, async () => {
      const c = rcases().find((x) => x.name === name)!;
      expect(opensslVerify(c), 'openssl').toBe(c.valid);
      const ours = await ourVerify(c);
      expect(ours.valid, `mtlskit (${ours.codes.join(', ')})`).toBe(c.valid);
      if (c.code) expect(ours.codes).toContain(c.code);
    });
  }

  it('revoked intermediate', async () => {
    mtlskitOk(['revoke', p('sub', 'ca.crt'), '--dir', p('root'), '--reason', 'cACompromise']);
    writeFileSync(
      p('after.pem'),
      openssl(['crl', '-in', p('root', 'crl.pem')]).stdout + openssl(['crl', '-in', p('sub', 'crl.pem')]).stdout,
    );
    const c: Case = {
      name: 'x',
      cert: p('sub', 'ok.crt'),
      ca: p('root', 'ca.crt'),
      untrusted: p('sub', 'ca.crt'),
      crls: [p('after.pem')],
      valid: false,
    };
    expect(opensslVerify(c)).toBe(false);
    const ours = await ourVerify(c);
    expect(ours.valid).toBe(false);
    expect(ours.codes).toContain('REVOKED');
  });

  it('key mismatch, as openssl sees it by comparing public keys', async () => {
    const theirs =
      openssl(['x509', '-in', p('sub', 'ok.crt'), '-noout', '-pubkey']).stdout ===
      openssl(['pkey', '-in', p('sub', 'gone.key'), '-pubout']).stdout;
    expect(theirs).toBe(false);
    const ours = await ourVerify({
      name: 'x',
      cert: p('sub', 'ok.crt'),
      ca: p('root', 'ca.crt'),
      untrusted: p('sub', 'ca.crt'),
      key: p('sub', 'gone.key'),
      valid: false,
    });
    expect(ours.codes).toEqual(['KEY_MISMATCH']);
  });
});
