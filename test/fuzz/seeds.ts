/**
 * The fuzzer's seed corpus, made fresh in a temp folder by mtlskit (the built CLI) and openssl: every kind of
 * input mtlskit parses, in the encodings other tools write. No committed keys.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, ROOT, mtlskitOk, openssl } from '../helpers/run.js';
import { derTlv, readTlv } from '../../src/pki/der.js';

export type SeedKind =
  'certificate' | 'csr' | 'crl' | 'key' | 'pkcs12' | 'conf' | 'batch-csv' | 'batch-json' | 'index' | 'pass-source';

export interface Corpus {
  dir: string;
  /** The CA folder the seeds came from (ca.crt, crl.pem, ... intact). */
  pki: string;
  seeds: Record<SeedKind, Buffer[]>;
}

function opensslOk(args: string[], cwd: string): void {
  const r = openssl(args, { cwd });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/**
 * DER to BER as NSS writes PKCS#12: constructed values with indefinite lengths, OCTET STRINGs cut into
 * chunks inside a constructed OCTET STRING. Applied to the outer layers only (depth), like pk12util.
 */
export function derToBer(der: Buffer, depth = 6): Buffer {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset < der.length) {
    const t = readTlv(der, offset);
    const body = der.subarray(t.start, t.end);
    const constructed = (t.tag & 0x20) !== 0;
    if (depth > 0 && constructed) {
      out.push(Buffer.from([t.tag, 0x80]), derToBer(body, depth - 1), Buffer.from([0, 0]));
    } else if (depth > 0 && t.tag === 0x04 && body.length > 64) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < body.length; i += 64) chunks.push(derTlv(0x04, body.subarray(i, i + 64)));
      // An OCTET STRING that holds DER (the authSafe contents) stays readable as BER inside too.
      out.push(Buffer.from([0x24, 0x80]), ...chunks, Buffer.from([0, 0]));
    } else {
      out.push(der.subarray(offset, t.end));
    }
    offset = t.end;
  }
  return Buffer.concat(out);
}

export async function makeCorpus(dir: string): Promise<Corpus> {
  const pki = join(dir, 'pki');
  // One process at a time, yielding between them: a minute of back-to-back spawnSync on a busy machine starves
  // the test worker's messages to vitest ("Timeout calling onTaskUpdate").
  const tick = () => new Promise((done) => setImmediate(done));
  const cli = async (args: string[]) => {
    mtlskitOk([...args, '--dir', pki]);
    await tick();
  };
  await cli(['ca', 'init', '--subject', '/O=Fuzz/CN=Fuzz Root', '--key-type', 'ec:P-256', '--crl-url', 'http://x/crl']);
  await cli(['server', 'issue', '--dns', 'localhost', '--ip', '127.0.0.1', '--key-type', 'ec:P-256']);
  await cli(['client', 'issue', 'c1', '--key-type', 'ec:P-384', '--email', 'a@b.example']);
  await cli(['client', 'issue', 'c2', '--key-type', 'rsa:2048', '--uri', 'spiffe://x/y']);
  await cli(['client', 'issue', 'c3', '--key-type', 'ec:P-256']);
  await cli(['revoke', 'c1', '--reason', 'keyCompromise']);
  await cli(['revoke', 'c3']);
  mtlskitOk(['ca', 'init', '--dir', join(pki, 'sub'), '--issuer', pki, '--key-type', 'ec:P-256']);
  await tick();
  mtlskitOk(['client', 'issue', 'leaf', '--dir', join(pki, 'sub'), '--key-type', 'ec:P-256']);
  await tick();
  await cli(['export', 'pfx', 'c2', '--passout', 'pass:pw', '--out', join(dir, 'modern.pfx')]);
  await cli(['export', 'pfx', 'c3', '--passout', 'pass:pw', '--legacy', '--out', join(dir, 'legacy-3des.pfx')]);
  await cli(['csr', 'create', 'req1', '--profile', 'server', '--dns', 'a.example', '--key-type', 'ec:P-256']);

  // openssl's own encodings.
  const o = async (args: string[]) => {
    opensslOk(args, dir);
    await tick();
  };
  await o(['x509', '-in', join(pki, 'server.crt'), '-outform', 'DER', '-out', 'server.der']);
  await o(['crl', '-in', join(pki, 'crl.pem'), '-outform', 'DER', '-out', 'crl-openssl.der']);
  await o(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ec.pem']);
  await o(['ec', '-in', 'ec.pem', '-out', 'sec1.pem']);
  await o(['ec', '-in', 'ec.pem', '-outform', 'DER', '-out', 'sec1.der']);
  await o(['ec', '-in', 'ec.pem', '-aes128', '-passout', 'pass:pw', '-out', 'sec1-enc.pem']);
  await o(['rsa', '-in', join(pki, 'c2.key'), '-traditional', '-out', 'pkcs1.pem']);
  await o([
    'rsa',
    '-in',
    join(pki, 'c2.key'),
    '-traditional',
    '-aes128',
    '-passout',
    'pass:pw',
    '-out',
    'pkcs1-enc.pem',
  ]);
  await o(['pkcs8', '-topk8', '-in', 'ec.pem', '-v2', 'aes256', '-passout', 'pass:pw', '-out', 'pkcs8-enc.pem']);
  await o(['pkcs8', '-topk8', '-in', 'ec.pem', '-nocrypt', '-outform', 'DER', '-out', 'pkcs8.der']);
  await o([
    'req',
    '-new',
    '-key',
    'ec.pem',
    '-subj',
    '/O=Fuzz/CN=from openssl',
    '-addext',
    'subjectAltName=DNS:x.example',
    '-out',
    'openssl.csr',
  ]);
  await o(['req', '-in', 'openssl.csr', '-outform', 'DER', '-out', 'openssl-csr.der']);
  // -legacy: RC2-40 certificates, 3DES key, SHA-1 MAC (node-forge decrypts the RC2).
  await o([
    'pkcs12',
    '-export',
    '-legacy',
    '-inkey',
    join(pki, 'c3.key'),
    '-in',
    join(pki, 'c3.crt'),
    '-certfile',
    join(pki, 'ca.crt'),
    '-passout',
    'pass:pw',
    '-out',
    'legacy-rc2.pfx',
  ]);
  await o([
    'pkcs12',
    '-export',
    '-inkey',
    join(pki, 'c3.key'),
    '-in',
    join(pki, 'c3.crt'),
    '-passout',
    'pass:pw',
    '-out',
    'openssl.pfx',
  ]);
  writeFileSync(join(dir, 'ber.pfx'), derToBer(readFileSync(join(dir, 'openssl.pfx'))));

  const f = (p: string) => readFileSync(p.startsWith('/') ? p : join(dir, p));
  const chain = Buffer.concat([f(join(pki, 'sub', 'leaf-chain.crt')), f(join(pki, 'ca.crt'))]);

  // Confs: the templates, the test fixtures, and .include loops (a conf that includes itself, two that include each other).
  const confDir = join(dir, 'conf');
  mkdirSync(confDir);
  const confs = [
    ...readdirSync(join(ROOT, 'templates')).map((n) => f(join(ROOT, 'templates', n))),
    ...readdirSync(join(FIXTURES, 'conf'))
      .filter((n) => n.endsWith('.conf'))
      .map((n) => f(join(FIXTURES, 'conf', n))),
  ];
  writeFileSync(join(confDir, 'a.cnf'), '.include b.cnf\n[ a ]\nx = 1\n');
  writeFileSync(join(confDir, 'b.cnf'), '.include a.cnf\n[ b ]\ny = $a::x\n');
  mkdirSync(join(confDir, 'inc.d'));
  writeFileSync(join(confDir, 'inc.d', 'x.cnf'), '[ x ]\nk = v\n.include ../fuzz.conf\n');
  copyFileSync(join(FIXTURES, 'conf', 'includes.d', 'extra.cnf'), join(confDir, 'extra.cnf'));
  confs.push(
    Buffer.from('.include fuzz.conf\n[ req ]\nprompt = no\ndistinguished_name = dn\n[ dn ]\nCN = loop\n'),
    Buffer.from(
      '.include a.cnf\n.include = inc.d\n[ req ]\ndistinguished_name = dn\nreq_extensions = ext\n[ dn ]\nCN = ${a::x}\n[ ext ]\nsubjectAltName = @alt\n[ alt ]\nDNS.1 = a\nIP.1 = 1.2.3.4\n',
    ),
  );

  const index = [f(join(pki, 'index.txt')), f(join(pki, 'sub', 'index.txt'))];
  index.push(
    Buffer.from(
      'V\t301231235959Z\t\t01\tunknown\t/CN=openssl style\nR\t301231235959Z\t250101000000Z,keyCompromise\t0A1B\tunknown\t/O=x/CN=y\nE\t200101000000Z\t\t02\tunknown\t/CN=old\n',
    ),
  );

  writeFileSync(join(dir, 'pw.txt'), 'secret\nsecond line\n');
  const passSources = [
    'pass:pw',
    'pass:',
    'env:HOME',
    'env:MTLSKIT_FUZZ_UNSET',
    `file:${join(dir, 'pw.txt')}`,
    'file:',
    `file:${dir}`,
    'pass:a:b',
    'stdin-ish',
  ].map((s) => Buffer.from(s));

  return {
    dir,
    pki,
    seeds: {
      certificate: [
        f(join(pki, 'server.crt')),
        f('server.der'),
        f(join(pki, 'server-chain.crt')),
        chain,
        f(join(pki, 'ca.crt')),
      ],
      csr: [f(join(pki, 'req1.csr')), f('openssl.csr'), f('openssl-csr.der')],
      crl: [f(join(pki, 'crl.pem')), f(join(pki, 'crl.der')), f('crl-openssl.der')],
      key: [
        f(join(pki, 'c1.key')),
        f(join(pki, 'c2.key')),
        f('sec1.pem'),
        f('sec1.der'),
        f('sec1-enc.pem'),
        f('pkcs1.pem'),
        f('pkcs1-enc.pem'),
        f('pkcs8-enc.pem'),
        f('pkcs8.der'),
      ],
      pkcs12: [f('modern.pfx'), f('legacy-3des.pfx'), f('legacy-rc2.pfx'), f('openssl.pfx'), f('ber.pfx')],
      conf: confs,
      'batch-csv': [
        f(join(ROOT, 'examples', 'partners.csv')),
        Buffer.from('name,dns,ip,email,subject,uri\nx1,a.example;b.example,10.0.0.1;::1,,/O=X/CN=x1,spiffe://a/b\n'),
      ],
      'batch-json': [
        f(join(ROOT, 'examples', 'devices.json')),
        Buffer.from('[{"name":"j1","dns":"a.example","ip":["10.1.2.3"],"subject":"/CN=j1"}]'),
      ],
      index,
      'pass-source': passSources,
    },
  };
}
