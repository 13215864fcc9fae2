/**
 * The extensions and subject mtlskit builds from a conf equal, byte for byte, what `openssl req`
 * puts into a CSR (or a self-signed certificate with -x509) from the same file.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FIXTURES, ROOT, openssl, tempDir } from '../helpers/run.js';
import { loadOpensslConf } from '../../src/conf/parse.js';
import { resolveReqConfig } from '../../src/conf/req.js';
import { buildExtensions } from '../../src/conf/extensions.js';
import { buildName } from '../../src/pki/name.js';
import { x509 } from '../../src/pki/x509-runtime.js';

let tmp: { dir: string; cleanup: () => void };
let key: KeyObject;
let keyPath: string;
beforeAll(() => {
  tmp = tempDir();
  key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  keyPath = join(tmp.dir, 'key.pem');
  writeFileSync(keyPath, key.export({ type: 'pkcs8', format: 'pem' }));
});
afterAll(() => tmp.cleanup());

const hex = (b: ArrayBuffer | Uint8Array) =>
  Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');
const extList = (exts: readonly InstanceType<typeof x509.Extension>[]) =>
  exts.map((e) => ({ oid: e.type, critical: e.critical, value: hex(e.value) }));

function readPemDer(path: string): Uint8Array {
  const pem = readFileSync(path, 'utf8');
  return new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
}

/** Conf files and how many extensions their req_extensions section gives (0: none named). */
const CSR_CONFS: [path: string, extensions: number][] = [
  [join(FIXTURES, 'conf', 'seed-ca.conf'), 0],
  [join(FIXTURES, 'conf', 'seed-server.conf'), 1],
  [join(FIXTURES, 'conf', 'seed-client.conf'), 0],
  [join(ROOT, 'templates', 'server.conf'), 4],
  [join(ROOT, 'templates', 'client.conf'), 3],
  [join(FIXTURES, 'conf', 'all-extensions.conf'), 9],
  [join(FIXTURES, 'conf', 'lists.conf'), 7],
  [join(FIXTURES, 'conf', 'crldp-sections.conf'), 2],
  [join(FIXTURES, 'conf', 'syntax-interop.conf'), 0],
  [join(FIXTURES, 'conf', 'prompt-mode.conf'), 0],
];

describe('conf → CSR extensions and subject equal openssl req -new', () => {
  for (const [confPath, extensionCount] of CSR_CONFS) {
    it(confPath.replace(ROOT + '/', ''), () => {
      const out = join(tmp.dir, 'req.csr');
      // -batch answers prompts with the defaults; cwd = the conf's folder because openssl resolves
      // a relative .include from the working directory, mtlskit from the conf's folder.
      const r = openssl(['req', '-new', '-batch', '-config', confPath, '-key', keyPath, '-out', out], {
        cwd: dirname(confPath),
      });
      expect(r.status, r.stderr).toBe(0);
      const csr = new x509.Pkcs10CertificateRequest(readPemDer(out));
      const conf = loadOpensslConf(confPath);
      const req = resolveReqConfig(conf);
      expect(hex(buildName(req.subject))).toBe(hex(csr.subjectName.toArrayBuffer()));
      const ours = req.reqExtensions
        ? buildExtensions(conf, req.reqExtensions, { subjectKey: key, request: true }).extensions
        : [];
      expect(extList(ours)).toEqual(extList(csr.extensions));
      expect(ours).toHaveLength(extensionCount);
    });
  }
});

describe('conf → self-signed certificate extensions equal openssl req -x509', () => {
  for (const confPath of [join(ROOT, 'templates', 'ca.conf'), join(FIXTURES, 'conf', 'all-extensions.conf')]) {
    it(confPath.replace(ROOT + '/', ''), () => {
      const out = join(tmp.dir, 'self.crt');
      const r = openssl(['req', '-x509', '-new', '-config', confPath, '-key', keyPath, '-out', out, '-days', '30']);
      expect(r.stderr).toBe('');
      const cert = new x509.X509Certificate(readPemDer(out));
      const conf = loadOpensslConf(confPath);
      const req = resolveReqConfig(conf);
      const ours = buildExtensions(conf, req.x509Extensions!, { subjectKey: key, issuer: { key } }).extensions;
      expect(extList(ours)).toEqual(extList(cert.extensions));
      // No issuer at all also means self-signed.
      expect(extList(buildExtensions(conf, req.x509Extensions!, { subjectKey: key }).extensions)).toEqual(
        extList(cert.extensions),
      );
      expect(ours.length).toBeGreaterThanOrEqual(4);
    });
  }
});

describe('bad extension values name file:line', () => {
  const cases: [string, RegExp][] = [
    ['basicConstraints = CA:maybe', /^x\.conf:6: basicConstraints CA:maybe must be CA:true or CA:false/],
    ['keyUsage = digitalSignature, signEverything', /^x\.conf:6: 'signEverything' is not a keyUsage/],
    ['subjectAltName = IP:300.1.2.3', /^x\.conf:6: IP:300\.1\.2\.3 is not an IPv4 or IPv6 address/],
    ['subjectAltname = DNS:x', /^x\.conf:6: 'subjectAltname' is not an extension name; did you mean subjectAltName\?/],
    ['frobnicate = yes', /^x\.conf:6: 'frobnicate' is not an extension mtlskit knows/],
    ['extendedKeyUsage = serverAuthh', /^x\.conf:6: 'serverAuthh' is not an extendedKeyUsage/],
    ['keyUsage = Critical, digitalSignature', /^x\.conf:6: write the criticality as 'critical,' in lower case/],
    [
      'keyUsage = digitalsignature',
      /^x\.conf:6: 'digitalsignature' is not a keyUsage; .* did you mean digitalSignature\?\)\.$/,
    ],
    ['keyUsage = digitalSignature,', /^x\.conf:6: 'digitalSignature,' has an empty item/],
    ['keyUsage =', /^x\.conf:6: keyUsage has an empty value/],
    ['subjectAltName = DNS:a.example.com, @alt', /^x\.conf:6: @alt must be the whole value/],
    ['subjectAltName = dns:a.example.com', /^x\.conf:6: 'dns' is not a name type; .*did you mean DNS\?\)\.$/],
    ['subjectAltName = DNS:b\u00fccher.example', /^x\.conf:6: DNS:b\u00fccher\.example has non-ASCII characters/],
    ['subjectAltName = @nowhere', /^x\.conf:6: @nowhere names a section that does not exist/],
    ['crlDistributionPoints = nosuchpoint', /^x\.conf:6: 'nosuchpoint' is neither TYPE:value/],
    ['certificatePolicies = @nopolicy', /^x\.conf:6: @nopolicy names a section that does not exist/],
    ['basicConstraints = ca:true', /^x\.conf:6: 'ca' is not part of basicConstraints; .*did you mean CA\?\)\.$/],
    ['toString = yes', /^x\.conf:6: 'toString' is not an extension mtlskit knows/],
  ];
  for (const [line, message] of cases) {
    it(line, () => {
      const path = join(tmp.dir, 'x.conf');
      writeFileSync(
        path,
        `[ req ]\ndistinguished_name = dn\nprompt = no\nreq_extensions = e\n[ e ]\n${line}\n[ dn ]\nO = Acme\n`,
      );
      const conf = loadOpensslConf(path);
      expect(() => buildExtensions(conf, 'e', { subjectKey: key })).toThrowError(message);
    });
  }

  it('a bad line inside a @section is reported at that line', () => {
    const path = join(tmp.dir, 'alt.conf');
    writeFileSync(path, '[ e ]\nsubjectAltName = @alt\n[ alt ]\nDNS.1 = ok.example.com\nIP.1 = 10.0.0.300\n');
    expect(() => buildExtensions(loadOpensslConf(path), 'e', { subjectKey: key })).toThrowError(
      /^alt\.conf:5: IP:10\.0\.0\.300 is not an IPv4 or IPv6 address\.$/,
    );
  });

  it('authorityKeyIdentifier in a request is left out with a warning (openssl req -new refuses it)', () => {
    const path = join(tmp.dir, 'aki.conf');
    writeFileSync(path, '[ e ]\nauthorityKeyIdentifier = keyid:always\nbasicConstraints = CA:yes\n');
    const built = buildExtensions(loadOpensslConf(path), 'e', { subjectKey: key, request: true });
    expect(built.warnings).toEqual([
      expect.stringMatching(/^aki\.conf:2: authorityKeyIdentifier needs the issuing CA/),
    ]);
    // CA:yes is one of OpenSSL's spellings of true.
    expect(extList(built.extensions)).toEqual([{ oid: '2.5.29.19', critical: false, value: '30030101ff' }]);
  });

  it('nsCertType is left out with a warning, never silently', () => {
    const path = join(tmp.dir, 'ns.conf');
    writeFileSync(path, '[ e ]\nnsCertType = client\nkeyUsage = digitalSignature\n');
    const built = buildExtensions(loadOpensslConf(path), 'e', { subjectKey: key });
    expect(built.warnings).toEqual(['ns.conf:2: nsCertType is not supported by mtlskit and was left out.']);
    expect(built.extensions).toHaveLength(1);
  });
});
