/**
 * x509-limbo-style path-validation cases (C2SP x509-limbo families: name constraints, pathlen, EKU, extensions,
 * key identifiers, serial, validity, host names, path building) that test/pki/verify-strict.test.ts does not cover.
 *
 * Each case states the expected result from the specification (RFC 5280, RFC 6125 / RFC 9525, CA/Browser Forum BRs),
 * as x509-limbo does, and records what pyca/cryptography's x509.verification (strict server/client verifiers) and
 * `openssl verify -x509_strict` say. mtlskit's core verifyCertificate (default strict profile) must give the
 * expected result; a few cases also run through the built CLI. A reference validator may disagree with the
 * expectation only where the case says why (with the section); the note is checked so it cannot go stale.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/run.js';
import { suiteRequiresTool } from '../helpers/tools.js';
import { mtlskitCliVerdict, opensslStrictAccepts, pycaVerdicts, type ChainCheck } from '../helpers/validators.js';
import {
  DAY,
  buildCert,
  ext,
  makeKey,
  name,
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
  slice,
} from '../../src/pki/der.js';
import { verifyCertificate } from '../../src/pki/verify.js';
import { isMtlsError } from '../../src/errors.js';

const validatorsPresent = suiteRequiresTool('openssl', 'pyca-verification');
const tmp = tempDir('mtlskit-limbo-');
const f = (n: string) => join(tmp.dir, n);
const NOW = Math.floor(Date.now() / 1000);

// ---- extension values (as in verify-strict.test.ts) ----
const OID = {
  bc: '2.5.29.19',
  ku: '2.5.29.15',
  eku: '2.5.29.37',
  san: '2.5.29.17',
  ski: '2.5.29.14',
  aki: '2.5.29.35',
  nc: '2.5.29.30',
};
const EKU = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2', any: '2.5.29.37.0' };
const KU = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };
const keyId = (k: TestKey) => {
  const bits = children(k.spki, readTlv(k.spki, 0))[1]!;
  return createHash('sha1').update(content(k.spki, bits).subarray(1)).digest();
};
const bc = (ca: boolean, pathLen?: number, critical = true) =>
  ext(
    OID.bc,
    derSequence(...(ca ? [derBoolean(true)] : []), ...(pathLen !== undefined ? [derInteger(pathLen)] : [])),
    critical,
  );
const ku = (bits: number[]) => ext(OID.ku, derNamedBits(bits), true);
const eku = (oids: string[]) => ext(OID.eku, derSequence(...oids.map(derOid)));
const ski = (k: TestKey) => ext(OID.ski, derTlv(0x04, keyId(k)));
const aki = (k: TestKey) => ext(OID.aki, derSequence(derTlv(0x80, keyId(k))));
const dns = (n: string) => derTlv(0x82, Buffer.from(n, 'utf8'));
const ipGn = (bytes: number[]) => derTlv(0x87, Buffer.from(bytes));
const email = (e: string) => derTlv(0x81, Buffer.from(e, 'latin1'));
const uri = (u: string) => derTlv(0x86, Buffer.from(u, 'latin1'));
const dirName = (text: string) => derTlv(0xa4, name(text));
const san = (names: Buffer[], critical = false) => ext(OID.san, derSequence(...names), critical);
const nc = (permitted: Buffer[], excluded: Buffer[] = []) =>
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
    true,
  );
/** IPv6 bytes from a short text form (no embedded IPv4). */
function v6(text: string): number[] {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}
const v6Mask = (bits: number) =>
  Array.from({ length: 16 }, (_, i) =>
    i * 8 + 8 <= bits ? 0xff : i * 8 >= bits ? 0 : (0xff << (8 - (bits - i * 8))) & 0xff,
  );

// ---- keys and building blocks ----
const rootKey = makeKey('p256', 'root');
const root2Key = makeKey('p256', 'root2');
const intKey = makeKey('p256', 'int');
const int2Key = makeKey('p256', 'int2');
const leafKey = makeKey('p256', 'leaf');
const ROOT = 'CN=Limbo Root,O=Limbo';
const ROOT2 = 'CN=Limbo Other Root,O=Limbo';
const INT = 'CN=Limbo Issuing CA,O=Limbo';
const INT2 = 'CN=Limbo Second CA,O=Limbo';

function ca(
  subject: string,
  issuer: string,
  key: TestKey,
  signer: TestKey,
  opts: { pathLen?: number; extra?: Ext[]; over?: Partial<CertSpec>; noAki?: boolean } = {},
): Buffer {
  const selfSigned = key === signer && subject === issuer;
  return buildCert({
    subject: name(subject),
    issuer: name(issuer),
    key,
    signer,
    notBefore: new Date(Date.now() - 30 * DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    extensions: [
      bc(true, opts.pathLen),
      ku([KU.keyCertSign, KU.cRLSign]),
      ski(key),
      ...(selfSigned || opts.noAki ? [] : [aki(signer)]),
      ...(opts.extra ?? []),
    ],
    ...opts.over,
  });
}
const root = (extra: Ext[] = [], over: Partial<CertSpec> = {}) => ca(ROOT, ROOT, rootKey, rootKey, { extra, over });
const int = (opts: Parameters<typeof ca>[4] = {}) => ca(INT, ROOT, intKey, rootKey, { pathLen: 0, ...opts });

interface LeafOpts {
  names?: Buffer[] | null;
  subject?: string;
  issuer?: string;
  signer?: TestKey;
  ekus?: string[];
  extra?: Ext[];
  over?: Partial<CertSpec>;
  noSki?: boolean;
}
function leaf(o: LeafOpts = {}): Buffer {
  const signer = o.signer ?? rootKey;
  return buildCert({
    subject: name(o.subject ?? 'CN=example.com'),
    issuer: name(o.issuer ?? ROOT),
    key: leafKey,
    signer,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 90 * DAY),
    extensions: [
      bc(false, undefined, false),
      ku([KU.digitalSignature]),
      eku(o.ekus ?? [EKU.server]),
      ...(o.names === null ? [] : [san(o.names ?? [dns('example.com')])]),
      ...(o.noSki ? [] : [ski(leafKey)]),
      aki(signer),
      ...(o.extra ?? []),
    ],
    ...o.over,
  });
}
const underInt = (o: LeafOpts = {}) => leaf({ issuer: INT, signer: intKey, ...o });

/** The certificate with its TBS bytes changed by `mutate` (same length) and signed again with `signer` (P-256). */
function resigned(cert: Buffer, signer: TestKey, mutate: (tbs: Buffer) => void, unusedBits = 0): Buffer {
  const [tbsTlv, algTlv] = children(cert, readTlv(cert, 0));
  const tbs = Buffer.from(slice(cert, tbsTlv!));
  mutate(tbs);
  // With unused bits, sign again until they are zero (as DER wants them), so only the count is wrong.
  let sig = sign('sha256', tbs, { key: signer.privateKey, dsaEncoding: 'der' });
  while ((sig[sig.length - 1]! & ((1 << unusedBits) - 1)) !== 0)
    sig = sign('sha256', tbs, { key: signer.privateKey, dsaEncoding: 'der' });
  return derSequence(tbs, slice(cert, algTlv!), derTlv(0x03, Buffer.concat([Buffer.from([unusedBits]), sig])));
}
const replaceOnce = (buf: Buffer, from: number[], to: number[]) => {
  const at = buf.indexOf(Buffer.from(from));
  if (at < 0) throw new Error('mutation target not found');
  Buffer.from(to).copy(buf, at);
};

type Ref = 'pyca' | 'openssl';
interface LimboCase {
  id: string;
  family: string;
  trusted: Buffer[];
  untrusted?: Buffer[];
  leaf: Buffer;
  host?: string;
  purpose?: 'server' | 'client';
  expect: 'SUCCESS' | 'FAILURE';
  /** A problem code mtlskit must report on FAILURE. */
  code?: string;
  /** Why a reference validator's verdict differs from the expectation (the section). */
  differs?: Partial<Record<Ref, string>>;
  /** Also run the built CLI. */
  cli?: boolean;
}
const cases: LimboCase[] = [];
const add = (c: Omit<LimboCase, 'trusted'> & { trusted?: Buffer[] }) => cases.push({ trusted: [root()], ...c });

function buildCases(): void {
  const ncRoot = (...e: Ext[]) => [root(e)];
  // ---- name constraints (RFC 5280 4.2.1.10, 6.1.4 (g)) ----
  add({
    id: 'nc::excluded-wins-over-permitted',
    family: 'nc',
    trusted: ncRoot(nc([dns('example.com')], [dns('bad.example.com')])),
    leaf: leaf({ names: [dns('bad.example.com')] }),
    host: 'bad.example.com',
    expect: 'FAILURE',
    code: 'NAME_CONSTRAINTS',
    cli: true,
  });
  add({
    id: 'nc::permitted-dns-subdomain',
    family: 'nc',
    trusted: ncRoot(nc([dns('example.com')])),
    leaf: leaf({ subject: 'O=Limbo', names: [dns('www.example.com')] }),
    host: 'www.example.com',
    expect: 'SUCCESS',
  });
  add({
    id: 'nc::permitted-dns-not-label-boundary',
    family: 'nc',
    trusted: ncRoot(nc([dns('example.com')])),
    leaf: leaf({ names: [dns('notexample.com')] }),
    host: 'notexample.com',
    expect: 'FAILURE',
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc::permitted-dns-case-insensitive',
    family: 'nc',
    trusted: ncRoot(nc([dns('EXAMPLE.com')])),
    leaf: leaf({ subject: 'O=Limbo', names: [dns('www.example.com')] }),
    host: 'www.example.com',
    expect: 'SUCCESS',
  });
  add({
    id: 'nc::permitted-dns-wildcard-san',
    family: 'nc',
    trusted: ncRoot(nc([dns('example.com')])),
    leaf: leaf({ subject: 'O=Limbo', names: [dns('*.example.com')] }),
    host: 'www.example.com',
    expect: 'SUCCESS',
  });
  add({
    id: 'nc::permitted-ipv4-mask-match',
    family: 'nc',
    trusted: ncRoot(nc([ipGn([10, 0, 0, 0, 255, 0, 0, 0])])),
    leaf: leaf({ subject: 'O=Limbo', names: [ipGn([10, 1, 2, 3])] }),
    host: '10.1.2.3',
    expect: 'SUCCESS',
  });
  add({
    id: 'nc::permitted-ipv4-mask-mismatch',
    family: 'nc',
    trusted: ncRoot(nc([ipGn([10, 0, 0, 0, 255, 0, 0, 0])])),
    leaf: leaf({ subject: 'O=Limbo', names: [ipGn([11, 0, 0, 1])] }),
    host: '11.0.0.1',
    expect: 'FAILURE',
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc::permitted-ipv6-mask-match',
    family: 'nc',
    trusted: ncRoot(nc([ipGn([...v6('2001:db8::'), ...v6Mask(32)])])),
    leaf: leaf({ subject: 'O=Limbo', names: [ipGn(v6('2001:db8::1'))] }),
    host: '2001:db8::1',
    expect: 'SUCCESS',
  });
  add({
    id: 'nc::permitted-ipv6-mask-mismatch',
    family: 'nc',
    trusted: ncRoot(nc([ipGn([...v6('2001:db8::'), ...v6Mask(32)])])),
    leaf: leaf({ subject: 'O=Limbo', names: [ipGn(v6('2001:db9::1'))] }),
    host: '2001:db9::1',
    expect: 'FAILURE',
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc::excluded-ipv6-mask',
    family: 'nc',
    trusted: ncRoot(nc([], [ipGn([...v6('2001:db8::'), ...v6Mask(48)])])),
    leaf: leaf({ subject: 'O=Limbo', names: [ipGn(v6('2001:db8:0:1::5'))] }),
    host: '2001:db8:0:1::5',
    expect: 'FAILURE',
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc::permitted-ipv4-only-ipv6-name',
    family: 'nc',
    trusted: ncRoot(nc([ipGn([10, 0, 0, 0, 255, 0, 0, 0])])),
    leaf: leaf({ subject: 'O=Limbo', names: [ipGn(v6('2001:db8::1'))] }),
    host: '2001:db8::1',
    expect: 'FAILURE',
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc::dns-constraint-ip-san-unconstrained',
    family: 'nc',
    trusted: ncRoot(nc([dns('example.com')])),
    leaf: leaf({ names: [dns('example.com'), ipGn([127, 0, 0, 1])] }),
    host: '127.0.0.1',
    expect: 'SUCCESS',
  });
  add({
    id: 'nc::email-constraint-ignored-for-dns',
    family: 'nc',
    trusted: ncRoot(nc([email('example.org')])),
    leaf: leaf(),
    expect: 'SUCCESS',
  });
  add({
    id: 'nc::uri-constraint-ignored-for-dns',
    family: 'nc',
    trusted: ncRoot(nc([uri('.example.org')])),
    leaf: leaf(),
    expect: 'SUCCESS',
  });
  add({
    id: 'nc::excluded-dirname-subject',
    family: 'nc',
    trusted: ncRoot(nc([], [dirName('O=Evil')])),
    // The subtree O=Evil holds the names that begin with that RDN (RFC 5280 4.2.1.10, 7.1).
    leaf: leaf({ subject: 'O=Evil,CN=example.com' }),
    expect: 'FAILURE',
    code: 'NAME_CONSTRAINTS',
    differs: {
      pyca: 'pyca matches name constraints against subjectAltName entries only; RFC 5280 6.1.3 (b) checks the subject DN against directoryName subtrees (limbo rfc5280::nc::permitted-dn-mismatch style)',
    },
  });
  add({
    id: 'nc::intermediate-constraint-binds-later-intermediate',
    family: 'nc',
    trusted: [root()],
    untrusted: [int({ pathLen: 1, extra: [nc([dns('example.com')])] }), ca(INT2, INT, int2Key, intKey, { pathLen: 0 })],
    leaf: leaf({ issuer: INT2, signer: int2Key, names: [dns('example.net')] }),
    host: 'example.net',
    expect: 'FAILURE',
    code: 'NAME_CONSTRAINTS',
    cli: true,
  });
  add({
    id: 'nc::intermediate-constraint-permits-through-later-intermediate',
    family: 'nc',
    trusted: [root()],
    untrusted: [int({ pathLen: 1, extra: [nc([dns('example.com')])] }), ca(INT2, INT, int2Key, intKey, { pathLen: 0 })],
    leaf: leaf({ subject: 'O=Limbo', issuer: INT2, signer: int2Key, names: [dns('api.example.com')] }),
    host: 'api.example.com',
    expect: 'SUCCESS',
  });

  // ---- pathLenConstraint (RFC 5280 4.2.1.9, 6.1.4 (l), (m)) ----
  add({
    id: 'pathlen::self-issued-not-counted',
    family: 'pathlen',
    trusted: [root()],
    // INT (pathLen 0) re-keyed: a self-issued certificate INT -> INT for int2Key, which issues the leaf.
    untrusted: [int({ pathLen: 0 }), ca(INT, INT, int2Key, intKey, { pathLen: 0 })],
    leaf: leaf({ issuer: INT, signer: int2Key }),
    expect: 'SUCCESS',
    differs: {
      pyca: 'RFC 5280 6.1.4 (l) decrements max_path_length only for certificates that are not self-issued (limbo pathlen::self-issued-certs-pathlen, SUCCESS); pyca counts every intermediate, as Go and webpki do, and skips that limbo case',
    },
  });
  add({
    id: 'pathlen::one-allows-two-intermediates',
    family: 'pathlen',
    trusted: [root()],
    untrusted: [int({ pathLen: 1 }), ca(INT2, INT, int2Key, intKey, { pathLen: 0 })],
    leaf: leaf({ issuer: INT2, signer: int2Key }),
    expect: 'SUCCESS',
  });
  add({
    id: 'pathlen::zero-forbids-second-intermediate',
    family: 'pathlen',
    trusted: [root()],
    untrusted: [int({ pathLen: 0 }), ca(INT2, INT, int2Key, intKey, { pathLen: 0 })],
    leaf: leaf({ issuer: INT2, signer: int2Key }),
    expect: 'FAILURE',
    code: 'PATH_LENGTH_EXCEEDED',
    cli: true,
  });

  // ---- EKU in CA certificates (webpki / pyca: a CA's EKU, when present, restricts the chain) ----
  add({
    id: 'eku::intermediate-server-and-client',
    family: 'eku',
    untrusted: [int({ extra: [eku([EKU.server, EKU.client])] })],
    leaf: underInt(),
    expect: 'SUCCESS',
  });
  add({
    id: 'eku::intermediate-anyeku',
    family: 'eku',
    untrusted: [int({ extra: [eku([EKU.any])] })],
    leaf: underInt(),
    expect: 'SUCCESS',
    differs: {
      openssl:
        'OpenSSL 3.0 requires serverAuth itself in a CA that has an EKU (check_ssl_ca), not anyExtendedKeyUsage; RFC 5280 4.2.1.12 defines anyExtendedKeyUsage as no restriction, and pyca and Go accept it',
    },
  });
  add({
    id: 'eku::intermediate-client-only-client-leaf',
    family: 'eku',
    untrusted: [int({ extra: [eku([EKU.client])] })],
    leaf: underInt({ subject: 'CN=client-1', ekus: [EKU.client] }),
    purpose: 'client',
    expect: 'SUCCESS',
  });
  add({
    id: 'eku::intermediate-server-only-client-leaf',
    family: 'eku',
    untrusted: [int({ extra: [eku([EKU.server])] })],
    leaf: underInt({ subject: 'CN=client-1', ekus: [EKU.client] }),
    purpose: 'client',
    expect: 'FAILURE',
    code: 'WRONG_PURPOSE',
  });
  add({
    id: 'eku::leaf-server-only-as-client',
    family: 'eku',
    leaf: leaf({ subject: 'CN=client-1' }),
    purpose: 'client',
    expect: 'FAILURE',
    code: 'WRONG_PURPOSE',
  });

  // ---- extensions (RFC 5280 4.2) ----
  add({
    id: 'rfc5280::duplicate-extension-intermediate',
    family: 'extensions',
    untrusted: [int({ extra: [ku([KU.keyCertSign])] })],
    leaf: underInt(),
    expect: 'FAILURE',
    code: 'DUPLICATE_EXTENSION',
  });
  add({
    id: 'rfc5280::unknown-noncritical-extension-leaf',
    family: 'extensions',
    leaf: leaf({ extra: [ext('1.3.6.1.4.1.55738.666.2', derNull())] }),
    expect: 'SUCCESS',
  });
  add({
    id: 'rfc5280::unknown-noncritical-extension-intermediate',
    family: 'extensions',
    untrusted: [int({ extra: [ext('1.3.6.1.4.1.55738.666.2', derNull())] })],
    leaf: underInt(),
    expect: 'SUCCESS',
  });

  // ---- key identifiers ----
  add({
    id: 'rfc5280::ski::leaf-without-ski',
    family: 'aki/ski',
    leaf: leaf({ noSki: true }),
    expect: 'SUCCESS',
  });

  // ---- serial numbers (RFC 5280 4.1.2.2) ----
  add({
    id: 'rfc5280::serial::twenty-octets',
    family: 'serial',
    leaf: leaf({ over: { serial: Buffer.from([0x7f, ...Array<number>(19).fill(0x11)]) } }),
    expect: 'SUCCESS',
  });
  add({
    id: 'rfc5280::serial::twenty-one-octets',
    family: 'serial',
    leaf: leaf({ over: { serial: Buffer.from([0x7f, ...Array<number>(20).fill(0x11)]) } }),
    expect: 'FAILURE',
    code: 'BAD_SERIAL',
    differs: {
      pyca: 'RFC 5280 4.1.2.2: serialNumber MUST NOT be longer than 20 octets; limbo rfc5280::serial::too-long expects FAILURE, pyca (like Go) tolerates it',
      openssl:
        'OpenSSL does not check the serial number length (RFC 5280 4.1.2.2, limbo rfc5280::serial::too-long: FAILURE)',
    },
  });

  // ---- validity ----
  add({
    id: 'rfc5280::validity::generalizedtime-after-2050',
    family: 'validity',
    trusted: [root([], { notAfter: new Date(Date.UTC(2060, 0, 1)) })],
    leaf: leaf({ over: { notAfter: new Date(Date.UTC(2051, 0, 1)) } }),
    expect: 'SUCCESS',
  });
  add({
    id: 'rfc5280::validity::leaf-not-yet-valid',
    family: 'validity',
    leaf: leaf({ over: { notBefore: new Date(Date.now() + 2 * DAY) } }),
    expect: 'FAILURE',
    code: 'NOT_YET_VALID',
  });
  add({
    id: 'rfc5280::validity::expired-trust-anchor',
    family: 'validity',
    trusted: [root([], { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) })],
    leaf: leaf(),
    expect: 'FAILURE',
    code: 'EXPIRED',
  });

  add({
    id: 'rfc5280::validity::notafter-exact',
    family: 'validity',
    leaf: leaf({ over: { notAfter: new Date(NOW * 1000) } }),
    expect: 'SUCCESS',
    differs: {
      openssl:
        'OpenSSL treats the notAfter second itself as expired; RFC 5280 4.1.2.5 makes the validity period inclusive of notAfter (limbo rfc5280::validity::notafter-exact: SUCCESS; pyca agrees)',
    },
  });
  add({
    id: 'rfc5280::validity::notbefore-exact',
    family: 'validity',
    leaf: leaf({ over: { notBefore: new Date(NOW * 1000) } }),
    expect: 'SUCCESS',
  });
  add({
    id: 'rfc5280::validity::not-yet-valid-1-second',
    family: 'validity',
    leaf: leaf({ over: { notBefore: new Date((NOW + 1) * 1000) } }),
    expect: 'FAILURE',
    code: 'NOT_YET_VALID',
  });
  add({
    id: 'rfc5280::validity::expired-1-second',
    family: 'validity',
    leaf: leaf({ over: { notAfter: new Date((NOW - 1) * 1000) } }),
    expect: 'FAILURE',
    code: 'EXPIRED',
  });

  // ---- host names (RFC 6125 6.4.3, RFC 9525 6.3) ----
  const wild = () => leaf({ subject: 'O=Limbo', names: [dns('*.example.com')] });
  add({
    id: 'webpki::san::wildcard-not-apex',
    family: 'san',
    leaf: wild(),
    host: 'example.com',
    expect: 'FAILURE',
    code: 'HOSTNAME_MISMATCH',
  });
  add({
    id: 'webpki::san::host-case-insensitive',
    family: 'san',
    leaf: leaf({ names: [dns('Example.COM')], subject: 'O=Limbo' }),
    host: 'EXAMPLE.com',
    expect: 'SUCCESS',
  });
  add({
    id: 'webpki::san::ipv6-host-matches-ip-san',
    family: 'san',
    leaf: leaf({ subject: 'O=Limbo', names: [ipGn(v6('::1'))] }),
    host: '::1',
    expect: 'SUCCESS',
  });
  add({
    id: 'webpki::san::ipv4-host-other-ip-san',
    family: 'san',
    leaf: leaf({ subject: 'O=Limbo', names: [ipGn([127, 0, 0, 2])] }),
    host: '127.0.0.1',
    expect: 'FAILURE',
    code: 'HOSTNAME_MISMATCH',
  });
  add({
    id: 'webpki::san::dns-host-ip-san-only',
    family: 'san',
    leaf: leaf({ subject: 'O=Limbo', names: [ipGn([127, 0, 0, 1])] }),
    host: 'localhost',
    expect: 'FAILURE',
    code: 'HOSTNAME_MISMATCH',
  });
  add({
    id: 'webpki::san::email-only-san-for-server',
    family: 'san',
    leaf: leaf({ names: [email('admin@example.com')] }),
    expect: 'FAILURE',
    code: 'HOSTNAME_MISMATCH',
    differs: {
      openssl:
        'OpenSSL falls back to the subject CN when there is no DNS subjectAltName; RFC 9525 6.3 and CABF BR 7.1.4.3 do not (pyca, Go, webpki refuse)',
    },
  });

  add({
    id: 'nc::cn-outside-permitted-san-inside',
    family: 'nc',
    trusted: ncRoot(nc([dns('example.com')])),
    // DNS constraints apply to dNSName entries (RFC 5280 4.2.1.10); with a SAN the CN names nothing (RFC 9525 6.3).
    // A client certificate, so that the CABF rule on server CNs (BR 7.1.4.3) stays out of it.
    leaf: leaf({ subject: 'CN=evil.example.net', names: [dns('example.com')], ekus: [EKU.client] }),
    purpose: 'client',
    expect: 'SUCCESS',
  });
  add({
    id: 'nc::ip-constraint-dns-only-leaf',
    family: 'nc',
    trusted: ncRoot(nc([ipGn([10, 0, 0, 0, 255, 0, 0, 0])])),
    leaf: leaf(),
    expect: 'SUCCESS',
  });
  add({
    id: 'nc::ipv4-noncontiguous-mask',
    family: 'nc',
    trusted: ncRoot(nc([ipGn([10, 0, 0, 0, 255, 0, 255, 0])])),
    leaf: leaf({ subject: 'O=Limbo', names: [ipGn([10, 0, 0, 1])] }),
    host: '10.0.0.1',
    expect: 'FAILURE',
    code: 'BAD_NAME_CONSTRAINTS',
    differs: {
      openssl:
        'OpenSSL applies any mask bit by bit; RFC 5280 4.2.1.10 defines the iPAddress constraint as a CIDR range (address and prefix mask), which pyca and webpki enforce',
    },
  });

  add({
    id: 'nc::excluded-dns-case-insensitive',
    family: 'nc',
    trusted: ncRoot(nc([], [dns('example.com')])),
    leaf: leaf({ subject: 'O=Limbo', names: [dns('WWW.EXAMPLE.COM')] }),
    host: 'www.example.com',
    expect: 'FAILURE',
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc::excluded-email-in-server-leaf',
    family: 'nc',
    // The email constraint does not apply to the DNS name, but it does apply to the email SAN beside it.
    trusted: ncRoot(nc([], [email('example.com')])),
    leaf: leaf({ names: [dns('example.com'), email('admin@example.com')] }),
    expect: 'FAILURE',
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc::excluded-all-ipv4-ipv6-name',
    family: 'nc',
    trusted: ncRoot(nc([], [ipGn([0, 0, 0, 0, 0, 0, 0, 0])])),
    leaf: leaf({ subject: 'O=Limbo', names: [ipGn(v6('2001:db8::1'))] }),
    host: '2001:db8::1',
    expect: 'SUCCESS',
  });
  add({
    id: 'pathological::nc-dos',
    family: 'pathological',
    // 1025 permitted subtrees x 1025 names: more comparisons than any validator budgets (limbo nc-dos-*: FAILURE).
    trusted: ncRoot(nc(Array.from({ length: 1025 }, (_, i) => dns(`d${i}.example.com`)))),
    leaf: leaf({ subject: 'O=Limbo', names: Array.from({ length: 1025 }, (_, i) => dns(`h${i}.d1024.example.com`)) }),
    host: 'h0.d1024.example.com',
    expect: 'FAILURE',
  });
  add({
    id: 'rfc5280::eku::ee-eku-empty',
    family: 'eku',
    // ExtKeyUsageSyntax is SEQUENCE SIZE (1..MAX) (RFC 5280 4.2.1.12).
    leaf: leaf({ ekus: [] }),
    expect: 'FAILURE',
  });

  add({
    id: 'nc::intermediate-hostlike-cn-not-a-dns-name',
    family: 'nc',
    // dNSName constraints bind dNSName entries (RFC 5280 4.2.1.10); a CA's CN that looks like a host is no DNS
    // name (OpenSSL applies its CN fallback to the end-entity only; pyca and Go never).
    trusted: ncRoot(nc([dns('example.com')])),
    untrusted: [ca('CN=ca.example.net', ROOT, intKey, rootKey, { pathLen: 0 })],
    leaf: leaf({ issuer: 'CN=ca.example.net', signer: intKey }),
    expect: 'SUCCESS',
  });

  add({
    id: 'nc::uri-san-outside-permitted-uri',
    family: 'nc',
    trusted: ncRoot(nc([uri('.example.com')])),
    leaf: leaf({ names: [dns('example.com'), uri('https://evil.net/')] }),
    expect: 'FAILURE',
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'nc::uri-san-inside-permitted-uri',
    family: 'nc',
    trusted: ncRoot(nc([uri('.example.com')])),
    leaf: leaf({ names: [dns('example.com'), uri('https://api.example.com/x')] }),
    expect: 'SUCCESS',
    differs: {
      pyca: 'pyca does not implement uniformResourceIdentifier constraints and refuses a URI name under one; RFC 5280 4.2.1.10 defines them (a host below .example.com is within)',
    },
  });

  // ---- name constraints and self-issued certificates, widening, alternate paths (limbo rfc5280::nc::*) ----
  add({
    id: 'rfc5280::nc::permitted-self-issued',
    family: 'nc',
    trusted: ncRoot(nc([dns('example.com')])),
    // INT re-keyed by a self-issued certificate whose own SAN is outside the subtree: RFC 5280 6.1.3 (b), (c)
    // skip the name checks for self-issued certificates that are not the last one.
    untrusted: [int({ pathLen: 1 }), ca(INT, INT, int2Key, intKey, { pathLen: 0, extra: [san([dns('other.net')])] })],
    leaf: leaf({ issuer: INT, signer: int2Key }),
    expect: 'SUCCESS',
  });
  add({
    id: 'rfc5280::nc::excluded-self-issued-leaf',
    family: 'nc',
    trusted: ncRoot(nc([], [dns('example.com')])),
    // The last certificate is checked even when self-issued (its issuer and subject are both the root's name).
    leaf: leaf({ subject: ROOT }),
    expect: 'FAILURE',
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'rfc5280::nc::restrictive-permits-in-intermediates-widens',
    family: 'nc',
    trusted: ncRoot(nc([dns('example.com')])),
    // An intermediate cannot widen what its issuer permits (RFC 5280 6.1.4 (g): the intersection).
    untrusted: [int({ extra: [nc([dns('example.com'), dns('other.net')])] })],
    leaf: underInt({ names: [dns('other.net')] }),
    host: 'other.net',
    expect: 'FAILURE',
    code: 'NAME_CONSTRAINTS',
  });
  add({
    id: 'rfc5280::nc::nc-forbids-alternate-chain-ica',
    family: 'nc',
    trusted: [root()],
    // INT2 is certified twice: by INT, whose constraints exclude the leaf's name, and by the root directly.
    untrusted: [
      int({ pathLen: 1, extra: [nc([], [dns('example.com')])] }),
      ca(INT2, INT, int2Key, intKey, { pathLen: 0 }),
      ca(INT2, ROOT, int2Key, rootKey, { pathLen: 0 }),
    ],
    leaf: leaf({ issuer: INT2, signer: int2Key }),
    expect: 'SUCCESS',
    cli: true,
    differs: {
      openssl:
        'OpenSSL builds one path (the first INT2 it finds) and does not backtrack; limbo rfc5280::nc::nc-forbids-alternate-chain-ica expects SUCCESS (RFC 4158 path building; pyca finds the other path)',
    },
  });
  add({
    id: 'rfc5280::unknown-critical-extension-unrelated-intermediate',
    family: 'extensions',
    // An intermediate that is not on the path does not matter, whatever it carries.
    untrusted: [
      ca(INT2, ROOT, int2Key, rootKey, { pathLen: 0, extra: [ext('1.3.6.1.4.1.55738.666.1', derNull(), true)] }),
      int(),
    ],
    leaf: underInt(),
    expect: 'SUCCESS',
  });

  add({
    id: 'webpki::san::wildcard-host-uppercase',
    family: 'san',
    leaf: wild(),
    host: 'WWW.Example.COM',
    expect: 'SUCCESS',
  });
  add({
    id: 'webpki::ca-without-keyusage',
    family: 'bc/ku',
    // RFC 5280 4.2.1.3: conforming CAs MUST include keyUsage in a CA certificate; CABF BR 7.1.2.10.7 / 7.1.2.6
    // require it; pyca (like webpki) and openssl -x509_strict refuse a CA without it. RFC 5280 6.1.4 (n) alone would accept.
    untrusted: [ca(INT, ROOT, intKey, rootKey, { over: { extensions: [bc(true, 0), ski(intKey), aki(rootKey)] } })],
    leaf: underInt(),
    expect: 'FAILURE',
    code: 'BAD_KEY_USAGE',
  });
  add({
    id: 'webpki::root-without-keyusage',
    family: 'bc/ku',
    trusted: [root([], { extensions: [bc(true), ski(rootKey)] })],
    leaf: leaf(),
    expect: 'FAILURE',
    code: 'BAD_KEY_USAGE',
  });
  add({
    id: 'pathological::cyclic-intermediates',
    family: 'pathological',
    // INT and INT2 certify each other; neither is certified by the root: no path, and the search ends.
    untrusted: [ca(INT, INT2, intKey, int2Key, { pathLen: 3 }), ca(INT2, INT, int2Key, intKey, { pathLen: 3 })],
    leaf: underInt(),
    expect: 'FAILURE',
  });

  // ---- policy extensions that RFC 5280 requires critical (limbo rfc5280::pc::*) ----
  const pc = (critical: boolean) => ext('2.5.29.36', derSequence(derTlv(0x81, Buffer.from([0]))), critical);
  const inhibitAny = (critical: boolean) => ext('2.5.29.54', derInteger(5), critical);
  add({
    id: 'rfc5280::pc::ica-critical-pc',
    family: 'policy',
    untrusted: [int({ extra: [pc(true)] })],
    leaf: underInt(),
    expect: 'SUCCESS',
    differs: {
      pyca: 'pyca does not process policyConstraints, so a critical one is an extension it cannot handle (RFC 5280 4.2.1.11, 6.1.4 (i) define it; limbo marks such cases has-policy-constraints, which pyca skips)',
    },
  });
  add({
    id: 'rfc5280::pc::ica-noncritical-pc',
    family: 'policy',
    // RFC 5280 4.2.1.11: conforming CAs MUST mark policyConstraints critical.
    untrusted: [int({ extra: [pc(false)] })],
    leaf: underInt(),
    expect: 'FAILURE',
    code: 'CRITICAL_EXTENSION',
    differs: {
      pyca: 'pyca ignores a non-critical policyConstraints; RFC 5280 4.2.1.11 requires it critical (limbo rfc5280::pc::ica-noncritical-pc: FAILURE)',
      openssl: 'OpenSSL does not check the criticality of policyConstraints (RFC 5280 4.2.1.11: MUST be critical)',
    },
  });
  add({
    id: 'rfc5280::inhibitanypolicy::ica-noncritical',
    family: 'policy',
    // RFC 5280 4.2.1.14: conforming CAs MUST mark inhibitAnyPolicy critical.
    untrusted: [int({ extra: [inhibitAny(false)] })],
    leaf: underInt(),
    expect: 'FAILURE',
    code: 'CRITICAL_EXTENSION',
    differs: {
      pyca: 'pyca does not read inhibitAnyPolicy; RFC 5280 4.2.1.14 requires it critical',
      openssl: 'OpenSSL does not check the criticality of inhibitAnyPolicy (RFC 5280 4.2.1.14: MUST be critical)',
    },
  });

  // ---- basicConstraints in trust anchors, unrelated anchors ----
  add({
    id: 'rfc5280::root-missing-basic-constraints',
    family: 'bc/ku',
    trusted: [root([], { extensions: [ku([KU.keyCertSign, KU.cRLSign]), ski(rootKey)] })],
    leaf: leaf(),
    expect: 'FAILURE',
    code: 'NOT_A_CA',
  });
  add({
    id: 'rfc5280::root-inconsistent-ca-extensions',
    family: 'bc/ku',
    trusted: [root([], { extensions: [bc(false), ku([KU.keyCertSign, KU.cRLSign]), ski(rootKey)] })],
    leaf: leaf(),
    expect: 'FAILURE',
    code: 'NOT_A_CA',
  });
  add({
    id: 'rfc5280::unknown-critical-extension-unrelated-root',
    family: 'extensions',
    trusted: [
      ca(ROOT2, ROOT2, root2Key, root2Key, { extra: [ext('1.3.6.1.4.1.55738.666.1', derNull(), true)] }),
      root(),
    ],
    leaf: leaf(),
    expect: 'SUCCESS',
  });
  add({
    id: 'pathlen::intermediate-pathlen-may-increase',
    family: 'pathlen',
    trusted: [root()],
    // INT allows one more CA; INT2 claims five, but the smaller bound from INT still holds (6.1.4 (m)).
    untrusted: [int({ pathLen: 1 }), ca(INT2, INT, int2Key, intKey, { pathLen: 5 })],
    leaf: leaf({ issuer: INT2, signer: int2Key }),
    expect: 'SUCCESS',
  });
  add({
    id: 'rfc5280::nc::nc-forbids-othername-noop',
    family: 'nc',
    // An excluded otherName subtree, and the chain carries no otherName: nothing to judge (limbo: SUCCESS).
    trusted: ncRoot(
      nc([], [derTlv(0xa0, [derOid('1.3.6.1.5.5.7.8.9'), derTlv(0xa0, derTlv(0x0c, Buffer.from('x')))])]),
    ),
    leaf: leaf(),
    expect: 'SUCCESS',
  });

  add({
    id: 'webpki::san::wildcard-host-not-a-host',
    family: 'san',
    // A reference identifier is a host name, never a pattern (RFC 9525 6.3): '*.example.com' names no host.
    leaf: wild(),
    host: '*.example.com',
    expect: 'FAILURE',
    code: 'HOSTNAME_MISMATCH',
    cli: true,
    differs: {
      openssl:
        "OpenSSL's X509_check_host compares a wildcard host with the wildcard SAN as text; a reference identifier is a host name, never a pattern (RFC 9525 6.3), and Go and pyca refuse it",
    },
  });
  add({
    id: 'webpki::san::host-empty-label',
    family: 'san',
    leaf: wild(),
    host: 'www..example.com',
    expect: 'FAILURE',
    code: 'HOSTNAME_MISMATCH',
  });

  add({
    id: 'rfc5280::validity::leaf-outlives-issuer',
    family: 'validity',
    // RFC 5280 6.1.3 (a)(2) checks each certificate at the validation time; nesting of periods is not required.
    untrusted: [int({ over: { notAfter: new Date(Date.now() + 30 * DAY) } })],
    leaf: underInt({ over: { notAfter: new Date(Date.now() + 90 * DAY) } }),
    expect: 'SUCCESS',
  });
  add({
    id: 'rfc5280::duplicate-extension-root',
    family: 'extensions',
    trusted: [root([ski(rootKey)])],
    leaf: leaf(),
    expect: 'FAILURE',
    code: 'DUPLICATE_EXTENSION',
  });
  add({
    id: 'rfc5280::intermediate-as-trust-anchor',
    family: 'path building',
    // RFC 5280 6.1.1 (d): the trust anchor is whatever the relying party trusts; the path starts below it.
    trusted: [int()],
    leaf: underInt(),
    expect: 'SUCCESS',
    differs: {
      openssl:
        'OpenSSL wants a self-signed anchor unless given -partial_chain; RFC 5280 6.1.1 (d) takes any trusted certificate as the anchor (pyca and Go agree)',
    },
  });

  // ---- malformed encodings (limbo invalid::*; X.690 DER, RFC 5280 4.1) ----
  add({
    id: 'invalid::version-4',
    family: 'invalid',
    leaf: resigned(leaf({ over: { serial: Buffer.from([0x11, 0x22]) } }), rootKey, (tbs) =>
      replaceOnce(tbs, [0xa0, 0x03, 0x02, 0x01, 0x02], [0xa0, 0x03, 0x02, 0x01, 0x03]),
    ),
    expect: 'FAILURE',
    code: 'BAD_VERSION',
    differs: {
      openssl: 'OpenSSL reads a version beyond v3 as v3; RFC 5280 4.1.2.1 knows v1 to v3 only (pyca refuses)',
    },
  });
  add({
    id: 'invalid::critical-boolean-not-der',
    family: 'invalid',
    // DER encodes TRUE as 0xff only (X.690 11.1).
    leaf: resigned(leaf({ over: { serial: Buffer.from([0x11, 0x22]) } }), rootKey, (tbs) =>
      replaceOnce(tbs, [0x01, 0x01, 0xff], [0x01, 0x01, 0x01]),
    ),
    expect: 'FAILURE',
    code: 'MALFORMED_EXTENSION',
    differs: { openssl: 'OpenSSL reads BER booleans; RFC 5280 4.1 requires DER, and pyca refuses it' },
  });
  add({
    id: 'invalid::critical-false-encoded',
    family: 'invalid',
    // critical BOOLEAN DEFAULT FALSE: DER leaves a default value out (X.690 11.5).
    leaf: resigned(leaf({ over: { serial: Buffer.from([0x11, 0x22]) } }), rootKey, (tbs) =>
      replaceOnce(tbs, [0x01, 0x01, 0xff], [0x01, 0x01, 0x00]),
    ),
    expect: 'FAILURE',
    code: 'MALFORMED_EXTENSION',
    differs: { openssl: 'OpenSSL accepts an encoded DEFAULT; RFC 5280 4.1 requires DER (X.690 11.5)' },
  });
  add({
    id: 'invalid::signature-unused-bits',
    family: 'invalid',
    leaf: resigned(leaf({ over: { serial: Buffer.from([0x11, 0x22]) } }), rootKey, () => undefined, 1),
    expect: 'FAILURE',
    code: 'BAD_SIGNATURE',
    differs: {
      pyca: 'pyca ignores the unused-bits octet of signatureValue; a signature with unused bits is not the octet string RSA/ECDSA produce (RFC 5280 4.1.1.3, RFC 3279 2.2), and OpenSSL refuses it',
    },
  });
  add({
    id: 'invalid::resigned-control',
    family: 'invalid',
    leaf: resigned(leaf({ over: { serial: Buffer.from([0x11, 0x22]) } }), rootKey, () => undefined),
    expect: 'SUCCESS',
  });

  add({
    id: 'invalid::serial-not-minimal',
    family: 'invalid',
    // INTEGER in DER has no redundant leading 0x00 (X.690 8.3.2).
    leaf: leaf({ over: { serial: Buffer.from([0x00, 0x12, 0x34]) } }),
    expect: 'FAILURE',
    code: 'BAD_SERIAL',
    cli: true,
  });
  add({
    id: 'webpki::san::dns-with-nul',
    family: 'san',
    leaf: leaf({ names: [dns('example.com\0.evil.net')] }),
    host: 'example.com',
    expect: 'FAILURE',
  });

  add({
    id: 'invalid::bc-ca-false-encoded',
    family: 'invalid',
    // BasicConstraints cA BOOLEAN DEFAULT FALSE written out (X.690 11.5).
    leaf: leaf({
      over: {
        extensions: [
          ext(OID.bc, derSequence(derBoolean(false))),
          ku([KU.digitalSignature]),
          eku([EKU.server]),
          san([dns('example.com')]),
          ski(leafKey),
          aki(rootKey),
        ],
      },
    }),
    expect: 'FAILURE',
    code: 'MALFORMED_EXTENSION',
    differs: { openssl: 'OpenSSL reads BER defaults; RFC 5280 4.1 requires DER (X.690 11.5), and pyca refuses it' },
  });
  add({
    id: 'webpki::cn::not-in-san',
    family: 'san',
    // CABF BR 7.1.4.3: the CN, when present, is one of the SAN values (limbo: FAILURE).
    leaf: leaf({ subject: 'CN=other.example.com', names: [dns('example.com')] }),
    expect: 'FAILURE',
    code: 'BAD_NAME',
    differs: {
      pyca: 'pyca ignores the CN when matching (RFC 9525 6.3) and does not check it against the SAN (CABF BR 7.1.4.3)',
      openssl:
        'OpenSSL ignores the CN when a DNS SAN is present and does not check it against the SAN (CABF BR 7.1.4.3)',
    },
  });
  add({
    id: 'webpki::cn::not-a-host-name',
    family: 'san',
    // A CN that names no host ('Web Frontend') claims nothing a SAN could contradict.
    leaf: leaf({ subject: 'CN=Web Frontend', names: [dns('example.com')] }),
    expect: 'SUCCESS',
  });

  // ---- path building ----
  const crossBad = ca(INT, ROOT2, intKey, root2Key, { pathLen: 0 });
  add({
    id: 'pathbuilding::untrusted-cross-sign-first',
    family: 'path building',
    untrusted: [crossBad, int()],
    leaf: underInt(),
    expect: 'SUCCESS',
    differs: {
      openssl:
        'OpenSSL takes the first untrusted issuer by name and does not backtrack; RFC 5280 6 validates a path, and RFC 4158 path building finds the one to the trust anchor (pyca does)',
    },
    cli: true,
  });
  add({
    id: 'pathbuilding::expired-duplicate-intermediate-first',
    family: 'path building',
    untrusted: [
      int({ over: { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) } }),
      int(),
    ],
    leaf: underInt(),
    expect: 'SUCCESS',
  });
  add({
    id: 'pathbuilding::wrong-eku-duplicate-intermediate-first',
    family: 'path building',
    untrusted: [int({ extra: [eku([EKU.client])] }), int()],
    leaf: underInt(),
    expect: 'SUCCESS',
    differs: {
      openssl:
        'OpenSSL builds one path (first issuer by name) and does not try the other intermediate (RFC 4158 path building; pyca backtracks)',
    },
  });
  add({
    id: 'pathbuilding::only-untrusted-cross-sign',
    family: 'path building',
    untrusted: [crossBad],
    leaf: underInt(),
    expect: 'FAILURE',
  });
}

// ---- the validators ----
interface Verdict {
  mtlskit: { ok: boolean; codes: string[] };
  cli?: { ok: boolean; status: number; codes: string[] };
  pyca: boolean;
  pycaWhy: string;
  openssl: boolean;
}
const verdicts = new Map<string, Verdict>();
const hostOf = (c: LimboCase) => c.host ?? 'example.com';

function files(c: LimboCase) {
  const base = f(c.id.replace(/[^a-z0-9-]/gi, '_'));
  writeFileSync(`${base}-ca.pem`, c.trusted.map(pem).join(''));
  writeFileSync(`${base}-leaf.pem`, pem(c.leaf));
  writeFileSync(`${base}-untrusted.pem`, (c.untrusted ?? []).map(pem).join(''));
  return {
    ca: `${base}-ca.pem`,
    leaf: `${base}-leaf.pem`,
    untrusted: c.untrusted?.length ? `${base}-untrusted.pem` : undefined,
  };
}

/** The case as the independent validators and the CLI see it. */
function check(c: LimboCase): ChainCheck {
  const p = files(c);
  return { ca: p.ca, leaf: p.leaf, untrusted: p.untrusted, purpose: c.purpose ?? 'server', host: hostOf(c), at: NOW };
}

async function mtlskitCore(c: LimboCase): Promise<Verdict['mtlskit']> {
  // Input that cannot be read at all is refused with an error (the CLI's exit 2), which counts as a refusal here.
  const r = await verifyCertificate({
    chain: [{ der: c.leaf, source: 'leaf' }],
    trusted: c.trusted.map((der, i) => ({ der, source: `trusted-${i}` })),
    untrusted: (c.untrusted ?? []).map((der, i) => ({ der, source: `untrusted-${i}` })),
    crls: [],
    at: new Date(NOW * 1000),
    purpose: c.purpose ?? 'server',
    ...(c.purpose === 'client' ? {} : { host: hostOf(c) }),
  }).catch((e: unknown) => ({ thrown: isMtlsError(e) ? e.code : String(e) }));
  if ('thrown' in r) return { ok: false, codes: [`error ${r.thrown}`] };
  return { ok: r.valid, codes: r.problems.map((p) => p.code) };
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
      host: hostOf(c),
      at: NOW,
    })),
    tmp.dir,
  );
}

buildCases();
const CASE_IDS = cases.map((c) => c.id);

beforeAll(async () => {
  if (!validatorsPresent) return;
  const pyca = await runPyca();
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const [ok, why] = pyca.get(c.id) ?? [false, 'no answer'];
      verdicts.set(c.id, {
        mtlskit: await mtlskitCore(c),
        ...(c.cli ? { cli: await mtlskitCliVerdict(check(c)) } : {}),
        openssl: await opensslStrictAccepts(check(c)),
        pyca: ok,
        pycaWhy: why,
      });
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  if (process.env.LIMBO_TABLE)
    for (const c of cases) {
      const v = verdicts.get(c.id)!;
      console.log(
        [
          c.id.padEnd(62),
          c.expect.padEnd(8),
          `mtlskit=${v.mtlskit.ok ? 'OK' : v.mtlskit.codes.join('+')}`,
          `pyca=${v.pyca ? 'OK' : v.pycaWhy.slice(0, 90)}`,
          `openssl=${v.openssl ? 'OK' : 'FAIL'}`,
        ].join(' | '),
      );
    }
}, 300_000);
afterAll(() => tmp.cleanup());

describe('x509-limbo-style cases: mtlskit strict against the expectation, pyca and openssl -x509_strict', () => {
  it('covers the limbo families with at least 60 chains', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    const families = new Set(cases.map((c) => c.family));
    for (const family of [
      'nc',
      'pathlen',
      'eku',
      'extensions',
      'aki/ski',
      'serial',
      'validity',
      'san',
      'path building',
      'policy',
      'bc/ku',
      'pathological',
    ])
      expect(families.has(family), family).toBe(true);
  });

  it('a v3 CA without keyUsage is refused only by the strict profile; rfc5280 and openssl warn', async () => {
    const c = cases.find((x) => x.id === 'webpki::ca-without-keyusage')!;
    for (const profile of ['rfc5280', 'openssl'] as const) {
      const r = await verifyCertificate({
        chain: [{ der: c.leaf, source: 'leaf' }],
        trusted: c.trusted.map((der) => ({ der, source: 'root' })),
        untrusted: (c.untrusted ?? []).map((der) => ({ der, source: 'int' })),
        crls: [],
        at: new Date(NOW * 1000),
        host: 'example.com',
        profile,
      });
      expect(r.valid, `${profile}: ${r.problems.map((p) => p.code).join(', ')}`).toBe(true);
      expect(r.warnings.map((w) => w.code)).toContain('BAD_KEY_USAGE');
    }
  });

  for (const id of CASE_IDS)
    it(id, () => {
      const c = cases.find((x) => x.id === id)!;
      const v = verdicts.get(id)!;
      const want = c.expect === 'SUCCESS';
      expect(v.mtlskit.ok, `mtlskit: ${v.mtlskit.codes.join(', ')}`).toBe(want);
      if (!want && c.code) expect(v.mtlskit.codes).toContain(c.code);
      if (v.cli) {
        expect([0, 1], 'CLI exit status').toContain(v.cli.status);
        expect(v.cli.ok, `CLI: ${v.cli.codes.join(', ')}`).toBe(want);
        expect(v.cli.codes).toEqual(v.mtlskit.codes);
      }
      const theirs: Record<Ref, boolean> = { pyca: v.pyca, openssl: v.openssl };
      for (const ref of ['pyca', 'openssl'] as Ref[]) {
        const note = c.differs?.[ref];
        const why = ref === 'pyca' ? ` (${v.pycaWhy})` : '';
        // A reference validator agrees with the expectation, or the case says why not (and that stays true).
        expect(theirs[ref], `${ref}${why}${note ? `: recorded as differing: ${note}` : ''}`).toBe(note ? !want : want);
      }
    });
});
