/**
 * verifyCertificate on cases in the spirit of NIST PKITS (RFC 5280 section 6): CRL scope and signers, delta and
 * indirect CRLs, name constraints, self-issued certificates, host names, malformed input. Each case is built with
 * openssl in a temp folder and compared with `openssl verify`; where RFC 5280 and openssl part ways the case says so.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openssl, tempDir } from '../helpers/run.js';
import { opensslDsaParams, opensslOk, opensslSignCsr } from '../helpers/openssl.js';
import { readDerObjects } from '../../src/pki/pem.js';
import { certificateFields } from '../../src/pki/cert-fields.js';
import {
  children,
  derBitString,
  derExplicit,
  derOctetString,
  derOid,
  derSequence,
  derSmallInteger,
  derTime,
  derTlv,
  readTlv,
  slice,
} from '../../src/pki/der.js';
import { verifyCertificate, type VerifyInput, type VerifyProfile } from '../../src/pki/verify.js';
import { isMtlsError } from '../../src/errors.js';

const tmp = tempDir('mtlskit-verify-');
const d = (name: string) => join(tmp.dir, name);
/** Validation time: a few minutes after this file loads, so certificates made in beforeAll are already valid. */
const NOW = Math.floor(Date.now() / 1000) + 300;
const DAY = 86400;
const CA_EXT = ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign'];
const LEAF_EXT = [
  'basicConstraints = CA:FALSE',
  'keyUsage = critical, digitalSignature',
  'extendedKeyUsage = serverAuth, clientAuth',
];

/** A self-signed root; its extension lines may use the sections in extraSections. */
function root(name: string, subject: string, ext: string[] = CA_EXT, days = 3650) {
  opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', d(`${name}.key`)]);
  writeFileSync(
    d(`${name}.cnf`),
    `[ req ]\ndistinguished_name = dn\n[ dn ]\n[ v3 ]\n${[...ext, 'subjectKeyIdentifier = hash'].join('\n')}\n${extraSections}`,
  );
  opensslOk([
    'req',
    '-x509',
    '-new',
    '-key',
    d(`${name}.key`),
    '-out',
    d(`${name}.crt`),
    '-subj',
    subject,
    '-days',
    String(days),
    '-config',
    d(`${name}.cnf`),
    '-extensions',
    'v3',
  ]);
}

/** Sections that extension lines may point to (@name). */
let extraSections = '';

/** A certificate for a new key (or `key` reused), signed by `issuer`. */
function issue(
  name: string,
  issuer: string,
  subject: string,
  ext: string[],
  opts: { days?: number; key?: string } = {},
) {
  writeFileSync(
    d(`${name}.ext`),
    `[ v3 ]\n${[...ext, 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid'].join('\n')}\n${extraSections}`,
  );
  const key = opts.key ?? d(`${name}.key`);
  if (!opts.key) opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  opensslOk(['req', '-new', '-key', key, '-out', d(`${name}.csr`), '-subj', subject, '-config', '/dev/null']);
  opensslSignCsr({
    csr: d(`${name}.csr`),
    ca: d(`${issuer}.crt`),
    caKey: d(`${issuer}.key`),
    out: d(`${name}.crt`),
    serial: `0x${serial()}`,
    days: opts.days ?? 365,
    digest: 'sha256',
    extfile: d(`${name}.ext`),
    extensions: 'v3',
  });
}

let serialCounter = 0x1000;
const serial = () => (serialCounter++).toString(16);

/** A CRL by `openssl ca -gencrl`, revoking the given certificates, with extra crl_extensions lines. */
function crl(
  name: string,
  ca: string,
  opts: {
    revoke?: string[];
    reason?: string[];
    exts?: string[];
    number?: number;
    lastUpdate?: string;
    nextUpdate?: string;
    signer?: string;
  } = {},
) {
  const signer = opts.signer ?? ca;
  writeFileSync(d(`${name}.index`), '');
  writeFileSync(d(`${name}.number`), `${(opts.number ?? 1).toString(16).padStart(2, '0')}\n`);
  writeFileSync(
    d(`${name}.cacnf`),
    `[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = ${d(`${name}.index`)}\ncrlnumber = ${d(`${name}.number`)}\ndefault_md = sha256\ndefault_crl_days = 30\n` +
      `[ crlext ]\nauthorityKeyIdentifier = keyid\n${(opts.exts ?? []).join('\n')}\n${extraSections}`,
  );
  const base = ['-config', d(`${name}.cacnf`), '-cert', d(`${signer}.crt`), '-keyfile', d(`${signer}.key`), '-batch'];
  for (const cert of opts.revoke ?? [])
    opensslOk(['ca', ...base, '-revoke', d(`${cert}.crt`), ...(opts.reason ?? ['-crl_reason', 'keyCompromise'])]);
  opensslOk([
    'ca',
    ...base,
    '-gencrl',
    '-crlexts',
    'crlext',
    ...(opts.lastUpdate ? ['-crl_lastupdate', opts.lastUpdate] : []),
    ...(opts.nextUpdate ? ['-crl_nextupdate', opts.nextUpdate] : []),
    '-out',
    d(`${name}.crl`),
  ]);
}

function bundle(name: string, files: string[]) {
  writeFileSync(d(name), files.map((f) => readFileSync(d(f), 'latin1')).join(''));
}

const key = (name: string): KeyObject => createPrivateKey(readFileSync(d(`${name}.key`)));

/**
 * A CRL written by hand, for what `openssl ca` cannot write: entry extensions (certificateIssuer, unknown critical ones).
 * Entries: [certificate file, extensions DER list]. Signed with ECDSA-SHA256 by `signer`.
 */
function handCrl(name: string, signer: string, entries: [string, Buffer[]][], crlExtensions: Buffer[]) {
  const now = new Date();
  const revoked = entries.map(([cert, exts]) =>
    derSequence(
      derTlv(0x02, certificateFields(readDer(`${cert}.crt`)).serial),
      derTime(now),
      ...(exts.length ? [derSequence(...exts)] : []),
    ),
  );
  const alg = derSequence(derOid('1.2.840.10045.4.3.2'));
  const tbs = derSequence(
    derSmallInteger(1),
    alg,
    certificateFields(readDer(`${signer}.crt`)).subjectDer,
    derTime(new Date(now.getTime() - 3600_000)),
    derTime(new Date(now.getTime() + 30 * DAY * 1000)),
    ...(revoked.length ? [derSequence(...revoked)] : []),
    // A cRLNumber, as RFC 5280 5.2.3 requires (the strict profile does not rely on a CRL without one).
    derExplicit(0, derSequence(ext('2.5.29.20', false, derSmallInteger(7)), ...crlExtensions)),
  );
  const crlDer = derSequence(tbs, alg, derBitString(sign('sha256', tbs, { key: key(signer), dsaEncoding: 'der' })));
  writeFileSync(
    d(`${name}.crl`),
    `-----BEGIN X509 CRL-----\n${crlDer.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END X509 CRL-----\n`,
  );
}

const readDer = (file: string) => readDerObjects(readFileSync(d(file)), ['CERTIFICATE'], file, 'certificate')[0]!;
const ext = (oid: string, critical: boolean, value: Buffer) =>
  derSequence(derOid(oid), ...(critical ? [derTlv(0x01, Buffer.from([0xff]))] : []), derOctetString(value));
const dirName = (cert: string) => derExplicit(4, certificateFields(readDer(`${cert}.crt`)).subjectDer);

beforeAll(() => {
  extraSections =
    [
      '[ dp_good ]',
      'fullname = URI:http://crl.example.test/good.crl',
      '[ idp_good ]',
      'fullname = URI:http://crl.example.test/good.crl',
      '[ dp_indirect ]',
      'fullname = URI:http://crl.example.test/indirect.crl',
      'CRLissuer = dirName:crl_issuer_dn',
      '[ crl_issuer_dn ]',
      'O = Vfy',
      'CN = Vfy CRL Authority',
      '[ nc_dn ]',
      'O = Vfy',
      'OU = Allowed',
    ].join('\n') + '\n';
  root('root', '/O=Vfy/CN=Vfy Root');
  root('imp', '/O=Vfy/CN=Vfy Root'); // same name, another key
  issue('sub', 'root', '/O=Vfy/CN=Vfy Sub', CA_EXT);
  issue('leaf', 'sub', '/O=Vfy/CN=leaf.example.test', [...LEAF_EXT, 'subjectAltName = DNS:leaf.example.test']);
  issue('gone', 'sub', '/O=Vfy/CN=gone.example.test', [...LEAF_EXT, 'subjectAltName = DNS:gone.example.test']);
  crl('root', 'root');
  crl('sub', 'sub', { revoke: ['gone'], number: 5 });
  crl('imp-sub', 'root', { signer: 'imp' }); // names 'Vfy Root' but signed by the impostor
  bundle('root-and-sub.crl', ['root.crl', 'sub.crl']);
  bundle('two-root-crls.crl', ['imp-sub.crl', 'root.crl', 'sub.crl']);
  crl('sub-stale', 'sub', { lastUpdate: ymd(NOW - 40 * DAY), nextUpdate: ymd(NOW - 10 * DAY) });
  bundle('root-and-stale-sub.crl', ['root.crl', 'sub-stale.crl']);
  crl('sub-future', 'sub', { lastUpdate: ymd(NOW + 10 * DAY), nextUpdate: ymd(NOW + 40 * DAY) });
  bundle('root-and-future-sub.crl', ['root.crl', 'sub-future.crl']);

  // Separate certificate and CRL keys (PKITS 4.4.19-20): a second certificate for 'Vfy Sub' with only cRLSign.
  issue('sub-crlkey', 'root', '/O=Vfy/CN=Vfy Sub', [
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, cRLSign',
  ]);
  crl('sub-by-crlkey', 'sub', { signer: 'sub-crlkey' });
  bundle('separate-keys.crl', ['root.crl', 'sub-by-crlkey.crl']);
  crl('root-revokes-crlkey', 'root', { revoke: ['sub-crlkey'], number: 2 });
  bundle('separate-keys-revoked.crl', ['root-revokes-crlkey.crl', 'sub-by-crlkey.crl']);

  // issuingDistributionPoint scope (PKITS 4.14).
  issue('dp-leaf', 'sub', '/O=Vfy/CN=dp.example.test', [...LEAF_EXT, 'crlDistributionPoints = dp_good']);
  crl('sub-idp', 'sub', { exts: ['issuingDistributionPoint = critical, @idp_good'] });
  bundle('root-and-idp.crl', ['root.crl', 'sub-idp.crl']);
  crl('root-only-user', 'root', { exts: ['issuingDistributionPoint = critical, onlyuser:TRUE'] });
  bundle('user-only-root-and-sub.crl', ['root-only-user.crl', 'sub.crl']);

  // Delta CRLs (PKITS 4.15): base number 5, a delta on it revoking the leaf.
  // Older than the complete CRLs: openssl, given equal candidates, checks against the newest, which must not be the delta.
  crl('sub-delta', 'sub', {
    revoke: ['leaf'],
    number: 6,
    exts: ['2.5.29.27 = critical, ASN1:INTEGER:5'],
    lastUpdate: ymd(NOW - 900),
  });
  crl('sub-fresh', 'sub', { number: 5, exts: ['freshestCRL = dp_good'] });
  bundle('with-delta.crl', ['root.crl', 'sub-fresh.crl', 'sub-delta.crl']);
  bundle('with-unannounced-delta.crl', ['root.crl', 'sub.crl', 'sub-delta.crl']);
  bundle('delta-only.crl', ['root.crl', 'sub-delta.crl']);
  // On hold in the complete CRL, released by removeFromCRL in a delta (PKITS 4.15.5 and 4.15.7).
  crl('sub-hold', 'sub', {
    revoke: ['leaf'],
    reason: ['-crl_hold', 'holdInstructionReject'],
    number: 7,
    exts: ['freshestCRL = dp_good'],
  });
  crl('sub-release', 'sub', {
    revoke: ['leaf'],
    reason: ['-crl_reason', 'removeFromCRL'],
    number: 8,
    exts: ['2.5.29.27 = critical, ASN1:INTEGER:7'],
  });
  bundle('hold.crl', ['root.crl', 'sub-hold.crl']);
  bundle('hold-released.crl', ['root.crl', 'sub-hold.crl', 'sub-release.crl']);

  // Indirect CRL (PKITS 4.14.x): 'Vfy CRL Authority' speaks for 'Vfy Sub' through certificateIssuer entries.
  issue('crl-authority', 'root', '/O=Vfy/CN=Vfy CRL Authority', [
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, cRLSign',
  ]);
  issue('ind-leaf', 'sub', '/O=Vfy/CN=ind.example.test', [...LEAF_EXT, 'crlDistributionPoints = dp_indirect']);
  issue('ind-ok', 'sub', '/O=Vfy/CN=ind-ok.example.test', [...LEAF_EXT, 'crlDistributionPoints = dp_indirect']);
  const idpIndirect = ext(
    '2.5.29.28',
    true,
    derSequence(
      derExplicit(0, derExplicit(0, derTlv(0x86, Buffer.from('http://crl.example.test/indirect.crl')))),
      derTlv(0x84, Buffer.from([0xff])),
    ),
  );
  handCrl(
    'indirect',
    'crl-authority',
    [['ind-leaf', [ext('2.5.29.29', true, derSequence(dirName('sub')))]]],
    [idpIndirect],
  );
  bundle('root-and-indirect.crl', ['root.crl', 'indirect.crl']);
  bundle('untrusted-indirect.pem', ['sub.crt', 'crl-authority.crt']);

  // A critical CRL entry extension nobody knows (PKITS 4.4.8): the whole CRL is unusable.
  handCrl('sub-entry-crit', 'sub', [['gone', [ext('1.2.3.4.5', true, Buffer.from([0x05, 0x00]))]]], []);
  bundle('root-and-entry-crit.crl', ['root.crl', 'sub-entry-crit.crl']);

  // Name constraints: an excluded DNS subtree, permitted directoryName, IP ranges; a self-issued CA is exempt.
  root('nc', '/O=Vfy/OU=Allowed/CN=NC Root', [
    ...CA_EXT,
    'nameConstraints = critical, permitted;dirName:nc_dn, excluded;DNS:bad.example.test, permitted;IP:10.0.0.0/255.0.0.0',
  ]);
  issue('nc-ok', 'nc', '/O=Vfy/OU=Allowed/CN=ok', [...LEAF_EXT, 'subjectAltName = DNS:good.example.test, IP:10.1.2.3']);
  issue('nc-excluded', 'nc', '/O=Vfy/OU=Allowed/CN=x', [...LEAF_EXT, 'subjectAltName = DNS:www.bad.example.test']);
  issue('nc-dn', 'nc', '/O=Vfy/OU=Other/CN=y', [...LEAF_EXT, 'subjectAltName = DNS:good.example.test']);
  issue('nc-ip', 'nc', '/O=Vfy/OU=Allowed/CN=z', [...LEAF_EXT, 'subjectAltName = IP:192.168.1.1']);
  root('nc-dot', '/O=Vfy/CN=Dot Root', [...CA_EXT, 'nameConstraints = critical, permitted;DNS:.dot.example.test']);
  issue('nc-dot-apex', 'nc-dot', '/O=Vfy/CN=apex', [...LEAF_EXT, 'subjectAltName = DNS:dot.example.test']);
  issue('nc-dot-sub', 'nc-dot', '/O=Vfy/CN=sub', [
    ...LEAF_EXT,
    'subjectAltName = DNS:a.dot.example.test, DNS:*.dot.example.test',
  ]);

  // A self-issued CA certificate (key rollover) under a CA's own name constraints is exempt from them (PKITS 4.13).
  issue('nci', 'root', '/O=Vfy/CN=NC Int', [...CA_EXT, 'nameConstraints = critical, permitted;dirName:nc_dn']);
  issue('nci-new', 'nci', '/O=Vfy/CN=NC Int', CA_EXT);
  issue('nci-leaf', 'nci-new', '/O=Vfy/OU=Allowed/CN=leaf', LEAF_EXT);
  issue('nci-outside', 'nci-new', '/O=Vfy/OU=Other/CN=leaf', LEAF_EXT);
  bundle('nci-chain.pem', ['nci.crt', 'nci-new.crt']);

  // Policies (PKITS 4.10, 4.12): a mapping 1.2.3.1 -> 1.2.3.2, and anyPolicy inhibited, with an explicit policy required.
  issue('pol-map', 'root', '/O=Vfy/CN=Mapping CA', [
    ...CA_EXT,
    'certificatePolicies = 1.2.3.1',
    'policyMappings = 1.2.3.1:1.2.3.2',
    'policyConstraints = critical, requireExplicitPolicy:0',
  ]);
  issue('pol-mapped', 'pol-map', '/O=Vfy/CN=mapped', [...LEAF_EXT, 'certificatePolicies = 1.2.3.2']);
  issue('pol-unmapped', 'pol-map', '/O=Vfy/CN=unmapped', [...LEAF_EXT, 'certificatePolicies = 1.2.3.1']);
  issue('pol-inhibit', 'root', '/O=Vfy/CN=Inhibit CA', [
    ...CA_EXT,
    'certificatePolicies = 2.5.29.32.0',
    'inhibitAnyPolicy = critical, 0',
    'policyConstraints = critical, requireExplicitPolicy:0',
  ]);
  issue('pol-any', 'pol-inhibit', '/O=Vfy/CN=any', [...LEAF_EXT, 'certificatePolicies = 2.5.29.32.0']);

  // A CA whose keyUsage lacks keyCertSign (PKITS 4.7.1).
  issue('ku-ca', 'root', '/O=Vfy/CN=No CertSign CA', [
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, digitalSignature, cRLSign',
  ]);
  issue('ku-leaf', 'ku-ca', '/O=Vfy/CN=ku-leaf', LEAF_EXT);

  // Host names: CN only without any SAN; an IP in a DNS SAN never matches an IP host.
  issue('cn-only', 'root', '/O=Vfy/CN=cn.example.test', LEAF_EXT);
  issue('email-san', 'root', '/O=Vfy/CN=cn.example.test', [...LEAF_EXT, 'subjectAltName = email:ops@example.test']);
  issue('dns-ip', 'root', '/O=Vfy/CN=x', [...LEAF_EXT, 'subjectAltName = DNS:127.0.0.1, IP:::1']);
  issue('star-com', 'root', '/O=Vfy/CN=x', [...LEAF_EXT, 'subjectAltName = DNS:*.com, DNS:*']);

  // Path building: two certificates for 'Vfy Sub' with the same key, one expired; the valid one must be found.
  issue('sub-old', 'root', '/O=Vfy/CN=Vfy Sub', CA_EXT, { key: d('sub.key'), days: 1 });
  bundle('old-then-new.pem', ['sub-old.crt', 'sub.crt']);
  // Two CAs that certify each other, neither trusted: the search must end.
  root('loop-a', '/O=Loop/CN=A');
  root('loop-b', '/O=Loop/CN=B');
  issue('a-by-b', 'loop-b', '/O=Loop/CN=A', CA_EXT, { key: d('loop-a.key') });
  issue('b-by-a', 'loop-a', '/O=Loop/CN=B', CA_EXT, { key: d('loop-b.key') });
  issue('loop-leaf', 'loop-a', '/O=Loop/CN=leaf', LEAF_EXT);
  bundle('loop.pem', ['a-by-b.crt', 'b-by-a.crt']);
  // An expired trust anchor.
  root('old-root', '/O=Vfy/CN=Old Root', CA_EXT, 1);
  issue('under-old', 'old-root', '/O=Vfy/CN=under-old', LEAF_EXT);
});
// KEEP_TMP=1 keeps the certificates for a look with openssl when a case fails.
afterAll(() => (process.env.KEEP_TMP ? console.log('kept', tmp.dir) : tmp.cleanup()));

function ymd(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

interface Case {
  name: string;
  cert: string;
  ca: string;
  untrusted?: string;
  crl?: string;
  host?: string;
  at?: number;
  valid: boolean;
  codes?: string[];
  /** openssl flags beyond -x509_strict, -CAfile, -untrusted, -crl_check_all, -verify_hostname/-verify_ip, -attime. */
  opensslFlags?: string[];
  /** When openssl answers otherwise, why RFC 5280 (or the documented choice) says ours. */
  opensslDiffers?: string;
  /**
   * The verify profile (default strict). Cases about what OpenSSL or RFC 5280 alone accept, and the strict profile
   * refuses, say so here and why.
   */
  profile?: VerifyProfile;
}

const objects = (file: string, label: string) =>
  readDerObjects(readFileSync(d(file)), [label], file, label).map((x) => ({ der: x, source: basename(file) }));

function inputOf(c: Case): VerifyInput {
  return {
    chain: objects(c.cert, 'CERTIFICATE'),
    trusted: objects(c.ca, 'CERTIFICATE'),
    untrusted: c.untrusted ? objects(c.untrusted, 'CERTIFICATE') : [],
    crls: c.crl ? objects(c.crl, 'X509 CRL') : [],
    at: new Date((c.at ?? NOW) * 1000),
    host: c.host,
    profile: c.profile,
  };
}

function opensslValid(c: Case): boolean {
  const args = ['verify', '-x509_strict', '-CAfile', d(c.ca), '-attime', String(c.at ?? NOW)];
  if (c.untrusted) args.push('-untrusted', d(c.untrusted));
  if (c.crl) args.push('-crl_check_all', '-CRLfile', d(c.crl));
  if (c.host) args.push(/^[\d.]+$|:/.test(c.host) ? '-verify_ip' : '-verify_hostname', c.host);
  args.push(...(c.opensslFlags ?? []), d(c.cert));
  const r = openssl(args);
  return r.status === 0 && /: OK\s*$/.test(r.stdout);
}

const chain = { cert: 'leaf.crt', ca: 'root.crt', untrusted: 'sub.crt' };
const cases: Case[] = [
  { name: 'CRLs for every certificate of the path', ...chain, crl: 'root-and-sub.crl', valid: true },
  {
    name: "only the leaf's CRL: the intermediate's revocation is unknown",
    ...chain,
    crl: 'sub.crl',
    valid: false,
    codes: ['CRL_MISSING'],
  },
  { name: 'revoked leaf', ...chain, cert: 'gone.crt', crl: 'root-and-sub.crl', valid: false, codes: ['REVOKED'] },
  {
    name: 'an impostor CRL beside the real one is ignored (PKITS 4.4.7)',
    ...chain,
    crl: 'two-root-crls.crl',
    valid: true,
  },
  { name: 'expired CRL (PKITS 4.4.11)', ...chain, crl: 'root-and-stale-sub.crl', valid: false, codes: ['CRL_EXPIRED'] },
  { name: 'CRL not yet valid', ...chain, crl: 'root-and-future-sub.crl', valid: false, codes: ['CRL_NOT_YET_VALID'] },
  {
    name: 'CRL signed by a separate CRL key of the same CA (PKITS 4.4.19)',
    cert: 'leaf.crt',
    ca: 'root.crt',
    untrusted: 'sub-and-crlkey.pem',
    crl: 'separate-keys.crl',
    valid: true,
    opensslFlags: ['-extended_crl'],
  },
  {
    name: 'separate CRL key whose certificate is revoked (PKITS 4.4.20)',
    cert: 'leaf.crt',
    ca: 'root.crt',
    untrusted: 'sub-and-crlkey.pem',
    crl: 'separate-keys-revoked.crl',
    valid: false,
    codes: ['CRL_WRONG_ISSUER'],
    opensslFlags: ['-extended_crl'],
  },
  {
    name: 'CRL signed by a key whose certificate is not given',
    ...chain,
    crl: 'root-and-sub-by-crlkey-only.crl',
    valid: false,
    codes: ['CRL_BAD_SIGNATURE'],
  },
  {
    name: 'issuingDistributionPoint matching the certificate (PKITS 4.14.1)',
    ...chain,
    cert: 'dp-leaf.crt',
    crl: 'root-and-idp.crl',
    valid: true,
  },
  {
    name: 'issuingDistributionPoint for another distribution point',
    ...chain,
    crl: 'root-and-idp.crl',
    valid: false,
    codes: ['CRL_MISSING'],
  },
  {
    name: 'onlyContainsUserCerts CRL does not cover a CA (PKITS 4.14.11)',
    ...chain,
    crl: 'user-only-root-and-sub.crl',
    valid: false,
    codes: ['CRL_MISSING'],
  },
  {
    name: 'delta CRL revokes the leaf (PKITS 4.15.4)',
    ...chain,
    crl: 'with-delta.crl',
    valid: false,
    codes: ['REVOKED'],
    opensslFlags: ['-use_deltas'],
  },
  {
    name: 'delta CRL revokes the leaf, no freshestCRL anywhere',
    ...chain,
    crl: 'with-unannounced-delta.crl',
    valid: false,
    codes: ['REVOKED'],
    opensslFlags: ['-use_deltas'],
    opensslDiffers:
      'openssl ignores deltas unless the certificate or the complete CRL has freshestCRL (RFC 5280 6.3.3 c); mtlskit still honours a revocation in a delta it was given',
  },
  {
    name: 'on hold in the complete CRL',
    ...chain,
    crl: 'hold.crl',
    valid: false,
    codes: ['REVOKED'],
    opensslFlags: ['-use_deltas'],
  },
  {
    name: 'on hold, then removeFromCRL in a delta (PKITS 4.15.5)',
    ...chain,
    crl: 'hold-released.crl',
    valid: true,
    opensslFlags: ['-use_deltas'],
  },
  {
    name: 'a delta CRL alone is no complete CRL (PKITS 4.15.1)',
    ...chain,
    crl: 'delta-only.crl',
    valid: false,
    codes: ['CRL_MISSING'],
    opensslFlags: ['-use_deltas'],
  },
  {
    name: 'indirect CRL revokes through certificateIssuer',
    cert: 'ind-leaf.crt',
    ca: 'root.crt',
    untrusted: 'untrusted-indirect.pem',
    crl: 'root-and-indirect.crl',
    valid: false,
    codes: ['REVOKED'],
    opensslFlags: ['-extended_crl'],
  },
  {
    name: 'indirect CRL covers a certificate it does not list',
    cert: 'ind-ok.crt',
    ca: 'root.crt',
    untrusted: 'untrusted-indirect.pem',
    crl: 'root-and-indirect.crl',
    valid: true,
    opensslFlags: ['-extended_crl'],
  },
  {
    name: 'critical CRL entry extension makes the CRL unusable (PKITS 4.4.8)',
    ...chain,
    crl: 'root-and-entry-crit.crl',
    valid: false,
    codes: ['CRL_UNKNOWN_CRITICAL_EXTENSION'],
  },
  { name: 'name constraints respected (DN, DNS, IP)', cert: 'nc-ok.crt', ca: 'nc.crt', valid: true },
  { name: 'excluded DNS subtree', cert: 'nc-excluded.crt', ca: 'nc.crt', valid: false, codes: ['NAME_CONSTRAINTS'] },
  {
    name: 'subject DN outside the permitted directoryName',
    cert: 'nc-dn.crt',
    ca: 'nc.crt',
    valid: false,
    codes: ['NAME_CONSTRAINTS'],
  },
  {
    name: 'IP outside the permitted range',
    cert: 'nc-ip.crt',
    ca: 'nc.crt',
    valid: false,
    codes: ['NAME_CONSTRAINTS'],
  },
  // RFC 5280 4.2.1.10 has no leading-dot DNS constraints (only URI ones); pyca/cryptography and rustls refuse the
  // constraint itself (strict: BAD_NAME_CONSTRAINTS). OpenSSL and Go read ".example.com" as "subdomains only".
  {
    name: 'a leading-dot DNS constraint permits subdomains',
    cert: 'nc-dot-sub.crt',
    ca: 'nc-dot.crt',
    valid: true,
    profile: 'openssl',
  },
  {
    name: 'a leading-dot DNS constraint does not permit the domain itself',
    profile: 'openssl',
    cert: 'nc-dot-apex.crt',
    ca: 'nc-dot.crt',
    valid: false,
    codes: ['NAME_CONSTRAINTS'],
  },
  {
    name: 'CA without keyCertSign in its keyUsage',
    cert: 'ku-leaf.crt',
    ca: 'root.crt',
    untrusted: 'ku-ca.crt',
    valid: false,
    codes: ['KEY_USAGE_NO_CERTSIGN'],
  },
  {
    name: 'a self-issued CA is exempt from its own name constraints',
    cert: 'nci-leaf.crt',
    ca: 'root.crt',
    untrusted: 'nci-chain.pem',
    valid: true,
  },
  {
    name: 'below a self-issued CA the constraints still apply',
    cert: 'nci-outside.crt',
    ca: 'root.crt',
    untrusted: 'nci-chain.pem',
    valid: false,
    codes: ['NAME_CONSTRAINTS'],
  },
  // RFC 5280's default user-initial-policy-set is anyPolicy; openssl's is empty, hence -policy 2.5.29.32.0.
  {
    name: 'policy mapped by the CA is accepted',
    cert: 'pol-mapped.crt',
    ca: 'root.crt',
    untrusted: 'pol-map.crt',
    valid: true,
    opensslFlags: ['-policy_check', '-policy', '2.5.29.32.0'],
  },
  {
    name: 'the policy mapped away is no longer valid',
    cert: 'pol-unmapped.crt',
    ca: 'root.crt',
    untrusted: 'pol-map.crt',
    valid: false,
    codes: ['POLICY'],
    opensslFlags: ['-policy_check', '-policy', '2.5.29.32.0'],
  },
  {
    name: 'anyPolicy inhibited below the CA',
    cert: 'pol-any.crt',
    ca: 'root.crt',
    untrusted: 'pol-inhibit.crt',
    valid: false,
    codes: ['POLICY'],
    opensslFlags: ['-policy_check', '-policy', '2.5.29.32.0'],
  },
  {
    name: 'CN matches the host when there is no SAN',
    // Only RFC 5280 and OpenSSL fall back to the CN; Chrome, Go, rustls and pyca never do (strict: HOSTNAME_MISMATCH).
    profile: 'rfc5280',
    cert: 'cn-only.crt',
    ca: 'root.crt',
    host: 'cn.example.test',
    valid: true,
  },
  {
    name: 'any SAN turns the CN off for host names',
    cert: 'email-san.crt',
    ca: 'root.crt',
    host: 'cn.example.test',
    valid: false,
    // The CN names a host no SAN carries, which CABF BR 7.1.4.3 forbids as well (strict: BAD_NAME).
    codes: ['BAD_NAME', 'HOSTNAME_MISMATCH'],
    opensslDiffers:
      'openssl falls back to the CN when there is no DNS SAN; mtlskit uses the CN only for certificates with no subjectAltName at all',
  },
  {
    name: 'an IP host never matches a DNS SAN that spells it',
    cert: 'dns-ip.crt',
    ca: 'root.crt',
    host: '127.0.0.1',
    valid: false,
    codes: ['HOSTNAME_MISMATCH'],
  },
  { name: 'IPv6 host matches an iPAddress SAN', cert: 'dns-ip.crt', ca: 'root.crt', host: '::1', valid: true },
  {
    name: '*.com and * match nothing',
    cert: 'star-com.crt',
    ca: 'root.crt',
    host: 'example.com',
    valid: false,
    // A bare '*' is not a DNS name at all (RFC 5280 4.2.1.6): the strict profile also names it.
    codes: ['BAD_NAME', 'HOSTNAME_MISMATCH'],
  },
  {
    name: 'an expired and a valid certificate of the same intermediate: the valid one is used',
    ...chain,
    untrusted: 'old-then-new.pem',
    at: NOW + 3 * DAY,
    valid: true,
  },
  {
    name: 'two CAs certifying each other, neither trusted: the search ends',
    cert: 'loop-leaf.crt',
    ca: 'root.crt',
    untrusted: 'loop.pem',
    valid: false,
    codes: ['UNKNOWN_ISSUER'],
  },
  {
    name: 'expired trust anchor (as openssl; RFC 5280 leaves anchor validity to the relying party)',
    cert: 'under-old.crt',
    ca: 'old-root.crt',
    at: NOW + 3 * DAY,
    valid: false,
    codes: ['EXPIRED'],
  },
];

describe('verifyCertificate: PKITS-style cases against openssl verify', () => {
  beforeAll(() => {
    bundle('sub-and-crlkey.pem', ['sub.crt', 'sub-crlkey.crt']);
    bundle('root-and-sub-by-crlkey-only.crl', ['root.crl', 'sub-by-crlkey.crl']);
  });
  for (const c of cases) {
    it(c.name, async () => {
      const r = await verifyCertificate(inputOf(c));
      const codes = r.problems.map((p) => p.code);
      expect(r.valid, codes.join(', ')).toBe(c.valid);
      if (c.codes) expect([...new Set(codes)]).toEqual(c.codes);
      for (const p of r.problems) expect(p.message).toMatch(/^[^\n]+[.;][^\n]*\.$/);
      expect(opensslValid(c), 'openssl verify').toBe(c.opensslDiffers ? !c.valid : c.valid);
    });
  }
});

describe('verifyCertificate: input and messages', () => {
  it('names the file and the subject, and says what to do', async () => {
    const r = await verifyCertificate(inputOf({ name: '', cert: 'leaf.crt', ca: 'root.crt', valid: false }));
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.message).toBe(
      "leaf.crt ('O=Vfy, CN=leaf.example.test') was issued by 'O=Vfy, CN=Vfy Sub', which is not among the certificates given (trusted: 'O=Vfy, CN=Vfy Root'); pass that intermediate CA with --untrusted, or append it to leaf.crt.",
    );
  });

  it('malformed certificates and CRLs are BAD_INPUT before any validation', async () => {
    const good = inputOf({ name: '', ...chain, valid: true });
    const junk = derSequence(derSmallInteger(1), derSmallInteger(2));
    const attempts: VerifyInput[] = [
      { ...good, chain: [{ der: junk, source: 'junk.crt' }] },
      { ...good, trusted: [{ der: junk, source: 'junk-ca.crt' }] },
      { ...good, crls: [{ der: junk, source: 'junk.crl' }] },
      { ...good, chain: [] },
    ];
    for (const input of attempts) {
      const err = await verifyCertificate(input).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isMtlsError(err) && err.code === 'BAD_INPUT', String(err)).toBe(true);
    }
  });

  it('a revoked intermediate is reported once, on the intermediate', async () => {
    crl('root-revokes-sub', 'root', { revoke: ['sub'], number: 3 });
    bundle('sub-revoked.crl', ['root-revokes-sub.crl', 'sub.crl']);
    const c: Case = { name: '', ...chain, crl: 'sub-revoked.crl', valid: false };
    const r = await verifyCertificate(inputOf(c));
    expect(r.problems.map((p) => [p.code, p.certificate])).toEqual([['REVOKED', 'sub.crt']]);
    expect(opensslValid(c)).toBe(false);
  });
});

describe('DSA parameter inheritance (PKITS 4.1.4-4.1.6)', () => {
  const name = (cn: string) => derSequence(derTlv(0x31, derSequence(derOid('2.5.4.3'), derTlv(0x0c, Buffer.from(cn)))));
  const caExtensions = [
    ext('2.5.29.19', true, derSequence(derTlv(0x01, Buffer.from([0xff])))),
    ext('2.5.29.15', true, derTlv(0x03, Buffer.from([0x01, 0x06]))),
  ];
  const DSA_SHA256 = derSequence(derOid('2.16.840.1.101.3.4.3.2'));

  /** The SPKI with the AlgorithmIdentifier's domain parameters left out, as a CA may do under a DSA issuer. */
  function withoutParams(spki: Buffer): Buffer {
    const parts = children(spki, readTlv(spki, 0));
    const oid = children(spki, parts[0]!)[0]!;
    return derSequence(derSequence(slice(spki, oid)), slice(spki, parts[1]!));
  }

  function handCert(
    serialByte: number,
    issuer: Buffer,
    subject: Buffer,
    spki: Buffer,
    signer: KeyObject,
    extensions: Buffer[],
  ): Buffer {
    const now = Date.now();
    const tbs = derSequence(
      derExplicit(0, derSmallInteger(2)),
      derTlv(0x02, Buffer.from([serialByte])),
      DSA_SHA256,
      issuer,
      derSequence(derTime(new Date(now - 3600_000)), derTime(new Date(now + 30 * DAY * 1000))),
      subject,
      spki,
      derExplicit(3, derSequence(...extensions)),
    );
    return derSequence(tbs, DSA_SHA256, derBitString(sign('sha256', tbs, { key: signer, dsaEncoding: 'der' })));
  }

  const pem = (x: Buffer) =>
    `-----BEGIN CERTIFICATE-----\n${x.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
  const spkiOf = (k: KeyObject) => createPublicKey(k).export({ type: 'spki', format: 'der' });

  /** Root (with parameters) → intermediate (without) → EC leaf; the intermediate's key comes from `intParams`. */
  function build(prefix: string, intParams: string) {
    opensslOk(['genpkey', '-paramfile', d('dsa-a.param'), '-out', d(`${prefix}-root.key`)]);
    opensslOk(['genpkey', '-paramfile', d(intParams), '-out', d(`${prefix}-int.key`)]);
    const rootKey = key(`${prefix}-root`);
    const intKey = key(`${prefix}-int`);
    const rootDer = handCert(
      1,
      name(`${prefix} DSA Root`),
      name(`${prefix} DSA Root`),
      spkiOf(rootKey),
      rootKey,
      caExtensions,
    );
    const intDer = handCert(
      2,
      name(`${prefix} DSA Root`),
      name(`${prefix} DSA Int`),
      withoutParams(spkiOf(intKey)),
      rootKey,
      caExtensions,
    );
    opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', d(`${prefix}-leaf.key`)]);
    const leafDer = handCert(
      3,
      name(`${prefix} DSA Int`),
      name(`${prefix} leaf`),
      spkiOf(key(`${prefix}-leaf`)),
      intKey,
      [ext('2.5.29.19', false, derSequence())],
    );
    writeFileSync(d(`${prefix}-root.crt`), pem(rootDer));
    writeFileSync(d(`${prefix}-int.crt`), pem(intDer));
    writeFileSync(d(`${prefix}-leaf.crt`), pem(leafDer));
  }

  beforeAll(() => {
    opensslDsaParams(d('dsa-a.param'));
    opensslDsaParams(d('dsa-b.param'));
    build('inherit', 'dsa-a.param');
    build('mismatch', 'dsa-b.param');
  });

  it("an intermediate without DSA parameters takes its issuer's, and its signatures verify", async () => {
    const c: Case = {
      name: '',
      cert: 'inherit-leaf.crt',
      ca: 'inherit-root.crt',
      untrusted: 'inherit-int.crt',
      valid: true,
      // DSA keys and signatures are RFC 5280's (PKITS 4.1); Go, rustls and browsers refuse them (strict: WEAK_KEY).
      profile: 'rfc5280',
    };
    const r = await verifyCertificate(inputOf(c));
    expect(r.problems).toEqual([]);
    // RFC 5280 6.1.4 (l) inherits the parameters; OpenSSL 3 does not, and refuses what OpenSSL 1.x and PKITS 4.1.5
    // accept. (Whether `openssl x509` can even load the intermediate differs from key to key, so only the verdict
    // is compared.)
    expect(opensslValid(c)).toBe(false);
  });

  it("inherited parameters that are not the key's own make its signatures fail", async () => {
    const c: Case = {
      name: '',
      cert: 'mismatch-leaf.crt',
      ca: 'mismatch-root.crt',
      untrusted: 'mismatch-int.crt',
      valid: false,
      profile: 'rfc5280',
    };
    const r = await verifyCertificate(inputOf(c));
    expect(r.problems.map((p) => [p.code, p.certificate])).toEqual([['BAD_SIGNATURE', 'mismatch-leaf.crt']]);
    expect(opensslValid(c)).toBe(false);
  });
});
