/**
 * The strict profile against three independent validators, on a matrix of malformed and policy-violating chains
 * built here with mtlskit's DER writer (test/helpers/x509-builder.ts) and, for explicit curve parameters, openssl.
 *
 * Every case runs the built `mtlskit verify` (default profile) and:
 *  - `openssl verify -x509_strict` (OpenSSL 3),
 *  - pyca/cryptography's x509.verification (PolicyBuilder ... build_server_verifier / build_client_verifier),
 *    all cases in one python process,
 *  - GnuTLS `certtool --verify`.
 * The rule under test: whatever any of them rejects, mtlskit rejects too, unless the case records (with the RFC
 * section) why that validator is wrong. mtlskit also rejects cases none of them catches (it is stricter), each
 * with the problem code the case expects.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { openssl, tempDir } from '../helpers/run.js';
import { suiteRequiresTool } from '../helpers/tools.js';
import {
  ALG,
  DAY,
  buildCert,
  ext,
  makeKey,
  name,
  prepareKeys,
  pem,
  type CertSpec,
  type Ext,
  type TestKey,
} from '../helpers/x509-builder.js';
import {
  children,
  content,
  derBoolean,
  derInteger,
  derNamedBits,
  derNull,
  derOid,
  derSequence,
  derTlv,
  readTlv,
} from '../../src/pki/der.js';
import {
  mtlskitCliVerdict,
  opensslStrictAccepts,
  pycaVerdicts,
  runQuietly,
  type ChainCheck,
} from '../helpers/validators.js';

/** Every case asks all three validators: without one of them the matrix is skipped, naming it and its install line. */
const validatorsPresent = suiteRequiresTool('openssl', 'pyca-verification', 'certtool');
const tmp = tempDir('mtlskit-strict-');
const f = (n: string) => join(tmp.dir, n);
const NOW = Math.floor(Date.now() / 1000);

// ---- extension values ----
const OID = {
  bc: '2.5.29.19',
  ku: '2.5.29.15',
  eku: '2.5.29.37',
  san: '2.5.29.17',
  ski: '2.5.29.14',
  aki: '2.5.29.35',
  nc: '2.5.29.30',
  aia: '1.3.6.1.5.5.7.1.1',
};
const EKU = {
  server: '1.3.6.1.5.5.7.3.1',
  client: '1.3.6.1.5.5.7.3.2',
  code: '1.3.6.1.5.5.7.3.3',
  any: '2.5.29.37.0',
};
const KU = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };

const keyId = (k: TestKey) => {
  const spki = k.spki;
  const bits = children(spki, readTlv(spki, 0))[1]!;
  return createHash('sha1').update(content(spki, bits).subarray(1)).digest();
};
const bc = (ca: boolean, pathLen?: number, critical = true) =>
  ext(
    OID.bc,
    derSequence(...(ca ? [derBoolean(true)] : []), ...(pathLen !== undefined ? [derInteger(pathLen)] : [])),
    critical,
  );
const ku = (bits: number[], critical = true) => ext(OID.ku, derNamedBits(bits), critical);
const eku = (oids: string[], critical = false) => ext(OID.eku, derSequence(...oids.map(derOid)), critical);
const ski = (k: TestKey, critical = false) => ext(OID.ski, derTlv(0x04, keyId(k)), critical);
const aki = (k: TestKey, critical = false) => ext(OID.aki, derSequence(derTlv(0x80, keyId(k))), critical);
const dns = (n: string) => derTlv(0x82, Buffer.from(n, 'utf8'));
const ipGn = (bytes: number[]) => derTlv(0x87, Buffer.from(bytes));
const email = (e: string) => derTlv(0x81, Buffer.from(e, 'latin1'));
const uri = (u: string) => derTlv(0x86, Buffer.from(u, 'latin1'));
const dirName = (text: string) => derTlv(0xa4, name(text));
const otherName = (oid: string) => derTlv(0xa0, [derOid(oid), derTlv(0xa0, derNull())]);
const san = (names: Buffer[], critical = false) => ext(OID.san, derSequence(...names), critical);
const nc = (permitted: Buffer[], excluded: Buffer[] = [], critical = true) =>
  ext(
    OID.nc,
    derSequence(
      ...(permitted.length
        ? [
            derTlv(
              0xa0,
              permitted.map((g) => derSequence(g)),
            ),
          ]
        : []),
      ...(excluded.length
        ? [
            derTlv(
              0xa1,
              excluded.map((g) => derSequence(g)),
            ),
          ]
        : []),
    ),
    critical,
  );
const aia = (critical = false) =>
  ext(OID.aia, derSequence(derSequence(derOid('1.3.6.1.5.5.7.48.2'), uri('http://ca.example.com/ca.crt'))), critical);

// ---- a well-formed chain, and variations of it ----
const rootKey = makeKey('p256', 'root');
const intKey = makeKey('p256', 'int');
const leafKey = makeKey('p256', 'leaf');
const ROOT_NAME = 'CN=Strict Root,O=Strict';
const INT_NAME = 'CN=Strict Issuing CA,O=Strict';

function root(over: Partial<CertSpec> = {}, extra: Ext[] = []): Buffer {
  return buildCert({
    subject: name(ROOT_NAME),
    issuer: name(ROOT_NAME),
    key: rootKey,
    signer: rootKey,
    notBefore: new Date(Date.now() - 30 * DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    extensions: [bc(true), ku([KU.keyCertSign, KU.cRLSign]), ski(rootKey), ...extra],
    ...over,
  });
}
function intermediate(over: Partial<CertSpec> = {}, extra: Ext[] = []): Buffer {
  return buildCert({
    subject: name(INT_NAME),
    issuer: name(ROOT_NAME),
    key: intKey,
    signer: rootKey,
    notBefore: new Date(Date.now() - 30 * DAY),
    notAfter: new Date(Date.now() + 1825 * DAY),
    extensions: [bc(true, 0), ku([KU.keyCertSign, KU.cRLSign]), ski(intKey), aki(rootKey), ...extra],
    ...over,
  });
}
/** A server leaf under the root (or `signer`), for example.com. */
function leaf(over: Partial<CertSpec> = {}, extensions?: Ext[], key = leafKey): Buffer {
  return buildCert({
    subject: name('CN=example.com'),
    issuer: name(ROOT_NAME),
    key,
    signer: rootKey,
    notAfter: new Date(Date.now() + 90 * DAY),
    extensions: extensions ?? leafExtensions(),
    ...over,
  });
}
function leafExtensions(
  replace: Partial<Record<'bc' | 'ku' | 'eku' | 'san' | 'ski' | 'aki', Ext | null>> = {},
  extra: Ext[] = [],
  key = leafKey,
  issuerKey = rootKey,
): Ext[] {
  const base: Record<string, Ext> = {
    bc: bc(false, undefined, false),
    ku: ku([KU.digitalSignature]),
    eku: eku([EKU.server]),
    san: san([dns('example.com')]),
    ski: ski(key),
    aki: aki(issuerKey),
  };
  const out: Ext[] = [];
  for (const k of Object.keys(base)) {
    const r = (replace as Record<string, Ext | null | undefined>)[k];
    if (r === null) continue;
    out.push(r ?? base[k]!);
  }
  return [...out, ...extra];
}
/** A leaf under the intermediate. */
const underInt = (extensions: Ext[], over: Partial<CertSpec> = {}) =>
  leaf({ issuer: name(INT_NAME), signer: intKey, ...over }, extensions);
const intLeafExt = (replace: Parameters<typeof leafExtensions>[0] = {}, extra: Ext[] = []) =>
  leafExtensions(replace, extra, leafKey, intKey);

type Validator = 'openssl' | 'pyca' | 'certtool';

interface MatrixCase {
  id: string;
  family: string;
  leaf: Buffer;
  trusted: Buffer[];
  untrusted?: Buffer[];
  host?: string;
  purpose?: 'server' | 'client';
  accept: boolean;
  /** A problem code mtlskit must report when it rejects. */
  code?: string;
  /** Why a validator that rejects is wrong here (the RFC section), when mtlskit accepts. */
  wrong?: Partial<Record<Validator, string>>;
}

const cases: MatrixCase[] = [];
const add = (c: Omit<MatrixCase, 'trusted'> & { trusted?: Buffer[] }) => cases.push({ trusted: [root()], ...c });

function buildCases(): void {
  const goodRoot = root();
  const goodInt = intermediate();
  // ---- controls: everyone accepts ----
  add({ id: 'good-root-leaf', family: 'control', leaf: leaf(), accept: true });
  add({
    id: 'good-with-intermediate',
    family: 'control',
    leaf: underInt(intLeafExt()),
    untrusted: [goodInt],
    accept: true,
  });
  add({
    id: 'good-ip-san',
    family: 'control',
    leaf: leaf({}, leafExtensions({ san: san([dns('example.com'), ipGn([127, 0, 0, 1])]) })),
    host: '127.0.0.1',
    accept: true,
  });
  add({
    id: 'good-client-no-san',
    family: 'control',
    leaf: leaf({ subject: name('CN=client-1,O=Strict') }, leafExtensions({ san: null, eku: eku([EKU.client]) })),
    purpose: 'client',
    accept: true,
    wrong: {
      pyca: 'RFC 5280 4.2.1.6 makes subjectAltName optional when the subject names the holder, and TLS client authentication (RFC 8446 4.4.2.4) matches no name; pyca/cryptography demands a SAN only to report the client identity',
    },
  });
  add({
    id: 'good-wildcard',
    family: 'control',
    leaf: leaf({ subject: name('O=Strict') }, leafExtensions({ san: san([dns('*.example.com')]) })),
    host: 'www.example.com',
    accept: true,
  });
  add({
    id: 'good-empty-subject-critical-san',
    family: 'names',
    leaf: leaf({ subject: name('') }, leafExtensions({ san: san([dns('example.com')], true) })),
    accept: true,
  });
  add({
    id: 'good-nc-permitted',
    family: 'name constraints',
    trusted: [root({}, [nc([dns('example.com')])])],
    leaf: leaf(),
    accept: true,
  });
  add({
    id: 'good-rsa-2048',
    family: 'keys',
    leaf: leaf(
      {},
      leafExtensions({ ski: ski(makeKey('rsa2048', 'leaf')) }, [], makeKey('rsa2048', 'leaf')),
      makeKey('rsa2048', 'leaf'),
    ),
    accept: true,
  });

  // ---- serial numbers (RFC 5280 4.1.2.2) ----
  add({
    id: 'serial-negative',
    family: 'serial',
    leaf: leaf({ serial: Buffer.from([0xff, 0x01, 0x02]) }),
    accept: false,
    code: 'BAD_SERIAL',
  });
  add({
    id: 'serial-zero',
    family: 'serial',
    leaf: leaf({ serial: Buffer.from([0]) }),
    accept: false,
    code: 'BAD_SERIAL',
  });
  add({
    id: 'serial-22-octets',
    family: 'serial',
    leaf: leaf({ serial: Buffer.alloc(22, 0x5a) }),
    accept: false,
    code: 'BAD_SERIAL',
  });

  // ---- extensions as a whole (RFC 5280 4.2) ----
  add({
    id: 'duplicate-san',
    family: 'extensions',
    leaf: leaf({}, leafExtensions({}, [san([dns('example.com')])])),
    accept: false,
    code: 'DUPLICATE_EXTENSION',
  });
  add({
    id: 'malformed-san',
    family: 'extensions',
    leaf: leaf({}, leafExtensions({ san: ext(OID.san, Buffer.from('example.com')) })),
    accept: false,
    code: 'MALFORMED_EXTENSION',
  });
  add({
    id: 'malformed-aia',
    family: 'extensions',
    leaf: leaf({}, leafExtensions({}, [ext(OID.aia, Buffer.from('malformed'))])),
    accept: false,
    code: 'MALFORMED_EXTENSION',
  });
  const unknownCritical = ext('1.3.6.1.4.1.55738.666.1', derNull(), true);
  add({
    id: 'unknown-critical-leaf',
    family: 'extensions',
    leaf: leaf({}, leafExtensions({}, [unknownCritical])),
    accept: false,
    code: 'UNKNOWN_CRITICAL_EXTENSION',
  });
  add({
    id: 'unknown-critical-root',
    family: 'extensions',
    trusted: [root({}, [unknownCritical])],
    leaf: leaf(),
    accept: false,
    code: 'UNKNOWN_CRITICAL_EXTENSION',
  });
  add({
    id: 'unknown-critical-intermediate',
    family: 'extensions',
    leaf: underInt(intLeafExt()),
    untrusted: [intermediate({}, [unknownCritical])],
    accept: false,
    code: 'UNKNOWN_CRITICAL_EXTENSION',
  });

  // ---- criticality ----
  add({
    id: 'root-bc-noncritical',
    family: 'criticality',
    trusted: [root({ extensions: [bc(true, undefined, false), ku([KU.keyCertSign]), ski(rootKey)] })],
    leaf: leaf(),
    accept: false,
    code: 'BAD_BASIC_CONSTRAINTS',
  });
  add({
    id: 'leaf-aki-critical',
    family: 'criticality',
    leaf: leaf({}, leafExtensions({ aki: aki(rootKey, true) })),
    accept: false,
    code: 'CRITICAL_EXTENSION',
  });
  add({
    id: 'root-ski-critical',
    family: 'criticality',
    trusted: [root({ extensions: [bc(true), ku([KU.keyCertSign]), ski(rootKey, true)] })],
    leaf: leaf(),
    accept: false,
    code: 'CRITICAL_EXTENSION',
  });
  add({
    id: 'leaf-aia-critical',
    family: 'criticality',
    leaf: leaf({}, leafExtensions({}, [aia(true)])),
    accept: false,
    code: 'CRITICAL_EXTENSION',
  });
  add({
    id: 'san-critical-with-subject',
    family: 'criticality',
    leaf: leaf({}, leafExtensions({ san: san([dns('example.com')], true) })),
    accept: false,
    code: 'CRITICAL_EXTENSION',
  });
  add({
    id: 'nc-noncritical',
    family: 'criticality',
    trusted: [root({}, [nc([dns('example.com')], [], false)])],
    leaf: leaf(),
    accept: false,
    code: 'BAD_NAME_CONSTRAINTS',
  });
  add({
    id: 'leaf-eku-critical',
    family: 'criticality',
    leaf: leaf({}, leafExtensions({ eku: eku([EKU.server], true) })),
    accept: false,
    code: 'CRITICAL_EXTENSION',
  });

  // ---- key identifiers (RFC 5280 4.2.1.1-2, CABF 7.1.2.1.3) ----
  add({
    id: 'leaf-missing-aki',
    family: 'key identifiers',
    leaf: leaf({}, leafExtensions({ aki: null })),
    accept: false,
    code: 'MISSING_KEY_IDENTIFIER',
  });
  add({
    id: 'intermediate-missing-aki',
    family: 'key identifiers',
    leaf: underInt(intLeafExt()),
    untrusted: [intermediate({ extensions: [bc(true, 0), ku([KU.keyCertSign]), ski(intKey)] })],
    accept: false,
    code: 'MISSING_KEY_IDENTIFIER',
  });
  add({
    id: 'root-missing-ski',
    family: 'key identifiers',
    trusted: [root({ extensions: [bc(true), ku([KU.keyCertSign])] })],
    leaf: leaf(),
    accept: false,
    code: 'MISSING_KEY_IDENTIFIER',
  });
  add({
    id: 'intermediate-missing-ski',
    family: 'key identifiers',
    leaf: underInt(intLeafExt()),
    untrusted: [intermediate({ extensions: [bc(true, 0), ku([KU.keyCertSign]), aki(rootKey)] })],
    accept: false,
    code: 'MISSING_KEY_IDENTIFIER',
  });
  add({
    id: 'root-aki-with-issuer-serial',
    family: 'key identifiers',
    trusted: [
      root({}, [
        ext(
          OID.aki,
          derSequence(derTlv(0x80, keyId(rootKey)), derTlv(0xa1, dirName(ROOT_NAME)), derTlv(0x82, Buffer.from([1]))),
        ),
      ]),
    ],
    leaf: leaf(),
    accept: false,
    code: 'BAD_KEY_IDENTIFIER',
  });
  add({
    id: 'root-aki-ski-mismatch',
    family: 'key identifiers',
    trusted: [root({}, [aki(makeKey('p256', 'other'))])],
    leaf: leaf(),
    accept: false,
    code: 'BAD_KEY_IDENTIFIER',
  });

  // ---- names ----
  add({
    id: 'empty-issuer',
    family: 'names',
    trusted: [root({ subject: name(''), issuer: name('') })],
    leaf: leaf({ issuer: name('') }),
    accept: false,
    code: 'EMPTY_NAME',
  });
  add({
    id: 'ca-empty-subject',
    family: 'names',
    leaf: underInt(intLeafExt(), { issuer: name('') }),
    untrusted: [intermediate({ subject: name('') })],
    accept: false,
    code: 'EMPTY_NAME',
  });
  add({
    id: 'empty-subject-noncritical-san',
    family: 'names',
    leaf: leaf({ subject: name('') }),
    accept: false,
    code: 'EMPTY_NAME',
  });
  add({
    id: 'no-san-cn-only',
    family: 'names',
    leaf: leaf({}, leafExtensions({ san: null })),
    accept: false,
    code: 'HOSTNAME_MISMATCH',
  });
  add({
    id: 'empty-san',
    family: 'names',
    leaf: leaf({}, leafExtensions({ san: san([]) })),
    accept: false,
    code: 'BAD_NAME',
  });
  add({
    id: 'san-leading-dot',
    family: 'names',
    leaf: leaf({}, leafExtensions({ san: san([dns('.example.com'), dns('example.com')]) })),
    accept: false,
    code: 'BAD_NAME',
  });
  add({
    id: 'san-unicode',
    family: 'names',
    leaf: leaf({ subject: name('O=Strict') }, leafExtensions({ san: san([dns('😜.example.com')]) })),
    host: 'xn--628h.example.com',
    accept: false,
    code: 'BAD_NAME',
  });
  add({
    id: 'san-ip-5-bytes',
    family: 'names',
    leaf: leaf({}, leafExtensions({ san: san([dns('example.com'), ipGn([10, 0, 0, 1, 2])]) })),
    accept: false,
    code: 'BAD_NAME',
  });
  add({
    id: 'cn-case-differs-from-san',
    family: 'names',
    leaf: leaf({ subject: name('CN=Example.COM') }),
    accept: false,
    code: 'BAD_NAME',
  });
  add({
    id: 'cn-ip-not-canonical',
    family: 'names',
    leaf: leaf({ subject: name('CN=192.168.001.001') }, leafExtensions({ san: san([ipGn([192, 168, 1, 1])]) })),
    host: '192.168.1.1',
    accept: false,
    code: 'BAD_NAME',
  });
  add({
    // CABF BR 7.1.4.3 (x509-limbo webpki::cn::not-in-san: FAILURE); openssl, pyca and certtool ignore the CN.
    id: 'cn-other-host',
    family: 'names',
    leaf: leaf({}, leafExtensions({ san: san([dns('foo.bar.example.com')]) })),
    host: 'foo.bar.example.com',
    accept: false,
    code: 'BAD_NAME',
  });
  add({
    id: 'wildcard-two-labels',
    family: 'host names',
    leaf: leaf({ subject: name('O=Strict') }, leafExtensions({ san: san([dns('*.example.com')]) })),
    host: 'a.b.example.com',
    accept: false,
    code: 'HOSTNAME_MISMATCH',
  });
  add({
    id: 'wildcard-partial-label',
    family: 'host names',
    leaf: leaf({ subject: name('O=Strict') }, leafExtensions({ san: san([dns('ba*.example.com')]) })),
    host: 'baz.example.com',
    accept: false,
  });
  add({
    id: 'ip-host-dns-san',
    family: 'host names',
    leaf: leaf({}, leafExtensions({ san: san([dns('example.com'), dns('127.0.0.1')]) })),
    host: '127.0.0.1',
    accept: false,
    code: 'HOSTNAME_MISMATCH',
  });

  // ---- versions (RFC 5280 4.1.2.1, CABF 7.1.1) ----
  add({
    id: 'v1-leaf',
    family: 'version',
    leaf: leaf({ version: 1, extensions: [] }),
    accept: false,
    code: 'BAD_VERSION',
  });
  add({
    id: 'v2-leaf-with-extensions',
    family: 'version',
    leaf: leaf({ version: 2 }),
    accept: false,
    code: 'BAD_VERSION',
  });
  add({
    id: 'v1-intermediate',
    family: 'version',
    leaf: underInt(intLeafExt()),
    untrusted: [intermediate({ version: 1, extensions: [] })],
    accept: false,
    code: 'NOT_A_CA',
  });
  add({
    id: 'v1-root-walkthrough',
    family: 'version',
    trusted: [root({ version: 1, extensions: [] })],
    leaf: leaf({}, leafExtensions({ aki: null, ski: null })),
    accept: false,
    code: 'LEGACY_CA',
  });

  // ---- basicConstraints and keyUsage (RFC 5280 4.2.1.3, 4.2.1.9) ----
  add({
    id: 'leaf-keycertsign',
    family: 'bc/ku',
    leaf: leaf({}, leafExtensions({ ku: ku([KU.digitalSignature, KU.keyCertSign]) })),
    accept: false,
    code: 'BAD_KEY_USAGE',
  });
  add({
    id: 'intermediate-not-ca',
    family: 'bc/ku',
    leaf: underInt(intLeafExt()),
    untrusted: [intermediate({ extensions: [bc(false), ku([KU.keyCertSign]), ski(intKey), aki(rootKey)] })],
    accept: false,
    code: 'NOT_A_CA',
  });
  add({
    id: 'intermediate-no-bc',
    family: 'bc/ku',
    leaf: underInt(intLeafExt()),
    untrusted: [intermediate({ extensions: [ku([KU.keyCertSign]), ski(intKey), aki(rootKey)] })],
    accept: false,
    code: 'NOT_A_CA',
  });
  add({
    id: 'root-ku-without-keycertsign',
    family: 'bc/ku',
    trusted: [root({ extensions: [bc(true), ku([KU.cRLSign]), ski(rootKey)] })],
    leaf: leaf(),
    accept: false,
    code: 'KEY_USAGE_NO_CERTSIGN',
  });
  const int2Key = makeKey('p256', 'int2');
  const int2 = buildCert({
    subject: name('CN=Strict Deep CA,O=Strict'),
    issuer: name(INT_NAME),
    key: int2Key,
    signer: intKey,
    extensions: [bc(true), ku([KU.keyCertSign]), ski(int2Key), aki(intKey)],
  });
  add({
    id: 'pathlen-exceeded',
    family: 'bc/ku',
    leaf: leaf(
      { issuer: name('CN=Strict Deep CA,O=Strict'), signer: int2Key },
      leafExtensions({}, [], leafKey, int2Key),
    ),
    untrusted: [goodInt, int2],
    accept: false,
    code: 'PATH_LENGTH_EXCEEDED',
  });
  add({
    id: 'leaf-ca-true',
    family: 'bc/ku',
    leaf: leaf({}, leafExtensions({ bc: bc(true) })),
    accept: false,
    code: 'BAD_BASIC_CONSTRAINTS',
  });
  add({
    id: 'ku-no-bits',
    family: 'bc/ku',
    leaf: leaf({}, leafExtensions({ ku: ext(OID.ku, Buffer.from([0x03, 0x01, 0x00]), true) })),
    accept: false,
    code: 'BAD_KEY_USAGE',
  });
  add({
    id: 'pathlen-on-leaf',
    family: 'bc/ku',
    leaf: leaf({}, leafExtensions({ bc: ext(OID.bc, derSequence(derInteger(0)), true) })),
    accept: false,
    code: 'BAD_BASIC_CONSTRAINTS',
  });

  // ---- name constraints (RFC 5280 4.2.1.10) ----
  const ncRoot = (e: Ext) => [root({}, [e])];
  add({
    id: 'nc-permitted-dns-mismatch',
    family: 'name constraints',
    trusted: ncRoot(nc([dns('example.org')])),
    leaf: leaf(),
    accept: false,
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc-excluded-dns',
    family: 'name constraints',
    trusted: ncRoot(nc([], [dns('example.com')])),
    leaf: leaf(),
    accept: false,
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc-permitted-ip-mismatch',
    family: 'name constraints',
    trusted: ncRoot(nc([ipGn([192, 0, 2, 0, 255, 255, 255, 0])])),
    leaf: leaf({ subject: name('O=Strict') }, leafExtensions({ san: san([ipGn([192, 0, 3, 1])]) })),
    host: '192.0.3.1',
    accept: false,
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc-excluded-ip',
    family: 'name constraints',
    trusted: ncRoot(nc([], [ipGn([192, 0, 2, 0, 255, 255, 255, 0])])),
    leaf: leaf({ subject: name('O=Strict') }, leafExtensions({ san: san([ipGn([192, 0, 2, 1])]) })),
    host: '192.0.2.1',
    accept: false,
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc-permitted-email-mismatch',
    family: 'name constraints',
    trusted: ncRoot(nc([email('example.com')])),
    leaf: leaf(
      { subject: name('O=Strict') },
      leafExtensions({ san: san([email('someone@example.org')]), eku: eku([EKU.client]) }),
    ),
    purpose: 'client',
    accept: false,
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc-permitted-dn-mismatch',
    family: 'name constraints',
    trusted: ncRoot(nc([dirName('O=Allowed')])),
    leaf: leaf({ subject: name('CN=example.com,O=Other') }),
    accept: false,
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc-wildcard-constraint',
    family: 'name constraints',
    trusted: ncRoot(nc([dns('*.example.com')])),
    leaf: leaf({ subject: name('O=Strict') }, leafExtensions({ san: san([dns('foo.example.com')]) })),
    host: 'foo.example.com',
    accept: false,
    code: 'BAD_NAME_CONSTRAINTS',
  });
  add({
    id: 'nc-leading-dot-constraint',
    family: 'name constraints',
    trusted: ncRoot(nc([dns('.example.com')])),
    leaf: leaf({ subject: name('O=Strict') }, leafExtensions({ san: san([dns('foo.example.com')]) })),
    host: 'foo.example.com',
    accept: false,
    code: 'BAD_NAME_CONSTRAINTS',
  });
  add({
    id: 'nc-ip-not-cidr',
    family: 'name constraints',
    trusted: ncRoot(nc([ipGn([127, 0, 0, 1])])),
    leaf: leaf({ subject: name('O=Strict') }, leafExtensions({ san: san([ipGn([127, 0, 0, 1])]) })),
    host: '127.0.0.1',
    accept: false,
    code: 'BAD_NAME_CONSTRAINTS',
  });
  add({
    id: 'nc-othername-unjudged',
    family: 'name constraints',
    leaf: underInt(intLeafExt({ san: san([dns('example.com'), otherName('1.3.6.1.4.1.55738.666.3')]) })),
    untrusted: [intermediate({}, [nc([dns('example.com')], [otherName('1.3.6.1.4.1.55738.666.3')])])],
    accept: false,
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc-in-leaf',
    family: 'name constraints',
    leaf: leaf({}, leafExtensions({}, [nc([dns('example.com')])])),
    accept: false,
    code: 'BAD_NAME_CONSTRAINTS',
  });
  add({
    id: 'nc-intermediate-san-outside',
    family: 'name constraints',
    trusted: ncRoot(nc([dns('example.com')], [dns('forbidden.example.com')])),
    leaf: underInt(intLeafExt()),
    untrusted: [intermediate({}, [san([dns('forbidden.example.com')])])],
    accept: false,
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc-uri-mismatch',
    family: 'name constraints',
    trusted: ncRoot(nc([uri('example.com')])),
    leaf: leaf({}, leafExtensions({ san: san([dns('example.com'), uri('https://evil.example.org/x')]) })),
    accept: false,
    code: 'NAME_CONSTRAINTS',
  });

  // ---- extended key usage (CABF BR 7.1.2) ----
  add({
    id: 'leaf-client-only-as-server',
    family: 'eku',
    leaf: leaf({}, leafExtensions({ eku: eku([EKU.client]) })),
    accept: false,
    code: 'WRONG_PURPOSE',
  });
  add({
    id: 'leaf-without-eku',
    family: 'eku',
    leaf: leaf({}, leafExtensions({ eku: null })),
    accept: false,
    code: 'BAD_EXTENDED_KEY_USAGE',
  });
  add({
    id: 'leaf-anyeku',
    family: 'eku',
    leaf: leaf({}, leafExtensions({ eku: eku([EKU.server, EKU.any]) })),
    accept: false,
    code: 'BAD_EXTENDED_KEY_USAGE',
  });
  add({
    id: 'leaf-serverauth-codesigning',
    family: 'eku',
    leaf: leaf({}, leafExtensions({ eku: eku([EKU.server, EKU.code]) })),
    accept: false,
    code: 'BAD_EXTENDED_KEY_USAGE',
  });
  add({
    id: 'intermediate-eku-client-only',
    family: 'eku',
    leaf: underInt(intLeafExt()),
    untrusted: [intermediate({}, [eku([EKU.client])])],
    accept: false,
    code: 'WRONG_PURPOSE',
  });
  add({
    id: 'root-with-eku',
    family: 'eku',
    trusted: [root({}, [eku([EKU.server])])],
    leaf: leaf(),
    accept: false,
    code: 'BAD_EXTENDED_KEY_USAGE',
  });

  // ---- keys (CABF BR 6.1.5) ----
  const keyed = (k: TestKey) => leaf({}, leafExtensions({ ski: ski(k) }, [], k), k);
  add({
    id: 'rsa-1024-leaf',
    family: 'keys',
    leaf: keyed(makeKey('rsa1024', 'weak')),
    accept: false,
    code: 'WEAK_KEY',
  });
  add({
    id: 'rsa-2052-leaf-odd-size',
    family: 'keys',
    leaf: keyed(makeKey('rsa2052', 'odd')),
    accept: false,
    code: 'WEAK_KEY',
  });
  add({ id: 'p192-leaf', family: 'keys', leaf: keyed(makeKey('p192', 'leaf')), accept: false, code: 'WEAK_KEY' });
  add({ id: 'dsa-leaf', family: 'keys', leaf: keyed(makeKey('dsa', 'leaf')), accept: false, code: 'WEAK_KEY' });
  add({ id: 'ed25519-leaf', family: 'keys', leaf: keyed(makeKey('ed25519', 'leaf')), accept: false, code: 'WEAK_KEY' });
  add({
    id: 'explicit-curve-leaf',
    family: 'keys',
    leaf: leaf({ spki: explicitCurveSpki() }),
    accept: false,
    code: 'WEAK_KEY',
  });
  const dsaRoot = makeKey('dsa', 'root');
  add({
    id: 'dsa-root-signature',
    family: 'signatures',
    trusted: [root({ key: dsaRoot, signer: dsaRoot, extensions: [bc(true), ku([KU.keyCertSign]), ski(dsaRoot)] })],
    leaf: leaf({ signer: dsaRoot }, leafExtensions({ aki: aki(dsaRoot) })),
    accept: false,
    code: 'WEAK_KEY',
  });

  // ---- signatures (RFC 5280 4.1.1.2) ----
  add({ id: 'sha1-leaf', family: 'signatures', leaf: leaf({ sha1: true }), accept: false, code: 'WEAK_SIGNATURE' });
  add({
    id: 'tbs-outer-algorithm-mismatch',
    family: 'signatures',
    leaf: leaf({ tbsAlgorithm: ALG.ecdsaSha384 }),
    accept: false,
    code: 'SIGNATURE_ALGORITHM_MISMATCH',
  });

  // ---- validity (RFC 5280 4.1.2.5) ----
  add({
    id: 'notbefore-after-notafter',
    family: 'validity',
    leaf: leaf({ notBefore: new Date(Date.now() + 10 * DAY), notAfter: new Date(Date.now() - DAY) }),
    accept: false,
    code: 'BAD_VALIDITY',
  });
  add({
    id: 'generalizedtime-before-2050',
    family: 'validity',
    leaf: leaf({ notAfterTag: 0x18 }),
    accept: false,
    code: 'BAD_VALIDITY',
  });
  add({
    id: 'expired-leaf',
    family: 'validity',
    leaf: leaf({ notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) }),
    accept: false,
    code: 'EXPIRED',
  });
  add({
    id: 'expired-intermediate',
    family: 'validity',
    leaf: underInt(intLeafExt()),
    untrusted: [intermediate({ notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) })],
    accept: false,
    code: 'EXPIRED',
  });
  void goodRoot;
}

/** An EC P-256 public key with explicit curve parameters (openssl writes it; node cannot). */
function explicitCurveSpki(): Buffer {
  const r = openssl([
    'ecparam',
    '-name',
    'prime256v1',
    '-param_enc',
    'explicit',
    '-genkey',
    '-noout',
    '-out',
    f('explicit.key'),
  ]);
  if (r.status !== 0) throw new Error(r.stderr);
  const out = spawnSync('openssl', ['pkey', '-in', f('explicit.key'), '-pubout', '-outform', 'DER']);
  return out.stdout;
}

// ---- the validators ----
interface Verdicts {
  mtlskit: { ok: boolean; codes: string[]; status: number };
  openssl: boolean;
  pyca: boolean;
  pycaWhy: string;
  certtool: boolean;
}
const verdicts = new Map<string, Verdicts>();

function hostArgs(c: MatrixCase): { host: string; ip: boolean } {
  const host = c.host ?? 'example.com';
  return { host, ip: /^[\d.]+$|:/.test(host) };
}

function files(c: MatrixCase) {
  const base = f(c.id);
  writeFileSync(`${base}-ca.pem`, c.trusted.map(pem).join(''));
  writeFileSync(`${base}-leaf.pem`, pem(c.leaf));
  writeFileSync(`${base}-untrusted.pem`, (c.untrusted ?? []).map(pem).join(''));
  writeFileSync(`${base}-chain.pem`, pem(c.leaf) + (c.untrusted ?? []).map(pem).join(''));
  return {
    ca: `${base}-ca.pem`,
    leaf: `${base}-leaf.pem`,
    untrusted: c.untrusted?.length ? `${base}-untrusted.pem` : undefined,
    chain: `${base}-chain.pem`,
  };
}

/** The case as the independent validators and the CLI see it. */
function check(c: MatrixCase): ChainCheck {
  const p = files(c);
  return {
    ca: p.ca,
    leaf: p.leaf,
    untrusted: p.untrusted,
    purpose: c.purpose ?? 'server',
    host: hostArgs(c).host,
    at: NOW,
  };
}

async function certtoolAccepts(c: MatrixCase): Promise<boolean> {
  const p = files(c);
  const { host, ip } = hostArgs(c);
  const args = ['--verify', '--load-ca-certificate', p.ca, '--infile', p.chain];
  args.push('--verify-purpose', c.purpose === 'client' ? EKU.client : EKU.server);
  // certtool has no IP-address check; IP cases rely on the other validators for the host.
  if (c.purpose !== 'client' && !ip) args.push('--verify-hostname', host);
  const r = await runQuietly('certtool', args);
  return r.status === 0 && /Chain verification output: Verified/.test(r.stdout);
}

/** All cases in one python process, off the worker's event loop. */
function runPyca(): Promise<Map<string, [boolean, string]>> {
  return pycaVerdicts(
    cases.map((c) => ({
      id: c.id,
      trusted: c.trusted.map(pem),
      untrusted: (c.untrusted ?? []).map(pem),
      leaf: pem(c.leaf),
      purpose: c.purpose ?? 'server',
      host: hostArgs(c).host,
      at: NOW,
    })),
    tmp.dir,
  );
}

// Built at collection time: one test per case, named by its id. Slow keys first, without blocking the worker.
await prepareKeys([
  ['rsa2048', 'leaf'],
  ['rsa1024', 'weak'],
  ['rsa2052', 'odd'],
  ['dsa', 'leaf'],
  ['dsa', 'root'],
]);
buildCases();
const CASE_IDS = cases.map((c) => c.id);

beforeAll(async () => {
  if (!validatorsPresent) return;
  const pyca = await runPyca();
  // Three validators and mtlskit per case, a few cases at a time.
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const [ours, o, g] = [
        await mtlskitCliVerdict(check(c)),
        await opensslStrictAccepts(check(c)),
        await certtoolAccepts(c),
      ];
      const [ok, why] = pyca.get(c.id) ?? [false, 'no answer'];
      verdicts.set(c.id, { mtlskit: ours, openssl: o, certtool: g, pyca: ok, pycaWhy: why });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}, 300_000);
afterAll(() => tmp.cleanup());

describe('strict verify against openssl -x509_strict, pyca/cryptography and GnuTLS certtool', () => {
  it('the matrix covers every family with at least 60 chains', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    const families = new Set(cases.map((c) => c.family));
    for (const family of [
      'serial',
      'extensions',
      'criticality',
      'key identifiers',
      'names',
      'host names',
      'version',
      'bc/ku',
      'name constraints',
      'eku',
      'keys',
      'signatures',
      'validity',
    ])
      expect(families.has(family), family).toBe(true);
  });

  // Cases are built in beforeAll; the names are known up front.
  for (const id of CASE_IDS)
    it(id, () => {
      const c = cases.find((x) => x.id === id)!;
      expect(c, 'case built').toBeDefined();
      const v = verdicts.get(id)!;
      const ours = v.mtlskit;
      expect([0, 1], 'mtlskit exit status').toContain(ours.status);
      expect(ours.ok, `mtlskit ${ours.codes.join(', ')}`).toBe(c.accept);
      if (!c.accept && c.code) expect(ours.codes).toContain(c.code);
      const theirs: Record<Validator, boolean> = { openssl: v.openssl, pyca: v.pyca, certtool: v.certtool };
      for (const name of ['openssl', 'pyca', 'certtool'] as Validator[]) {
        // Whatever a validator refuses, mtlskit refuses, unless the case records why that validator is wrong.
        if (!theirs[name] && !c.wrong?.[name])
          expect(ours.ok, `${name} rejects${name === 'pyca' ? ` (${v.pycaWhy})` : ''}`).toBe(false);
        // A recorded disagreement must still be one (so the note cannot go stale).
        if (c.wrong?.[name]) expect(theirs[name], `${name} is said to be wrong here`).toBe(false);
      }
      // Controls: accepted by everyone not recorded as wrong (the chain is not broken for an unrelated reason).
      if (c.accept)
        for (const name of ['openssl', 'pyca', 'certtool'] as Validator[])
          if (!c.wrong?.[name]) expect(theirs[name], name).toBe(true);
    });
});
