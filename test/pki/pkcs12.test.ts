/**
 * encodePfx output, read back by consumers that are not mtlskit: openssl, Java keytool, python
 * cryptography, NSS pk12util and Node's own TLS stack, for RSA and EC keys, default and legacy.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { decodePfx, encodePfx, PFX_ITERATIONS } from '../../src/pki/pkcs12.js';
import { makePki, pemBlocks, run, runOk, type TestKeyType, type TestPki } from '../fixtures/pkcs12/make-pki.js';
import { requireTool } from '../helpers/tools.js';

const PASSWORD = 'correct horse';
const FRIENDLY_NAME = 'p12-client';

const spkiOf = (certDer: Buffer) =>
  new X509Certificate(certDer).publicKey.export({ type: 'spki', format: 'der' }) as Buffer;
const spkiOfPkcs8 = (der: Buffer) =>
  createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({
    type: 'spki',
    format: 'der',
  }) as Buffer;

for (const keyType of ['rsa', 'ec'] as TestKeyType[]) {
  describe(`encodePfx with ${keyType.toUpperCase()} keys`, () => {
    let pki: TestPki;
    const files: Record<'default' | 'legacy', string> = { default: '', legacy: '' };

    beforeAll(async () => {
      pki = makePki(keyType);
      for (const mode of ['default', 'legacy'] as const) {
        const pfx = await encodePfx({
          keyPkcs8Der: pki.leafPkcs8,
          certificateDer: pki.leaf.der,
          chainDer: [pki.intermediate.der, pki.root.der],
          password: PASSWORD,
          friendlyName: FRIENDLY_NAME,
          legacy: mode === 'legacy',
        });
        files[mode] = join(pki.dir, `${mode}.pfx`);
        writeFileSync(files[mode], pfx);
      }
    });
    afterAll(() => pki?.cleanup());

    it('openssl pkcs12 -info shows the OpenSSL 3 default: PBES2 PBKDF2 HMAC-SHA256 AES-256-CBC, SHA-256 MAC, 2048 iterations', () => {
      const info = runOk('openssl', [
        'pkcs12',
        '-info',
        '-in',
        files.default,
        '-passin',
        `pass:${PASSWORD}`,
        '-noout',
      ]).stderr;
      expect(info).toContain(`MAC: sha256, Iteration ${PFX_ITERATIONS}`);
      expect(info).toContain('MAC length: 32, salt length: 8');
      expect(info).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256');
      expect(info).toContain('PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256');
    });

    it('openssl pkcs12 -legacy -info shows 3DES for key and certificates and a SHA-1 MAC', () => {
      const info = runOk('openssl', [
        'pkcs12',
        '-legacy',
        '-info',
        '-in',
        files.legacy,
        '-passin',
        `pass:${PASSWORD}`,
        '-noout',
      ]).stderr;
      expect(info).toContain('MAC: sha1, Iteration 2048');
      expect(info).toContain('Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048');
      expect(info).toContain('PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048');
    });

    for (const mode of ['default', 'legacy'] as const) {
      it(`openssl pkcs12 -nodes (${mode}) gives a key matching the certificate, the leaf by localKeyID and the chain`, () => {
        const legacy = mode === 'legacy' ? ['-legacy'] : [];
        const all = runOk('openssl', [
          'pkcs12',
          ...legacy,
          '-in',
          files[mode],
          '-nodes',
          '-passin',
          `pass:${PASSWORD}`,
        ]).stdout;
        const keys = pemBlocks(all, 'PRIVATE KEY');
        expect(keys).toHaveLength(1);
        expect(spkiOfPkcs8(keys[0]!)).toEqual(spkiOf(pki.leaf.der));
        // -clcerts keeps the certificates that carry a localKeyID, -cacerts the others.
        const clcerts = runOk('openssl', [
          'pkcs12',
          ...legacy,
          '-in',
          files[mode],
          '-nokeys',
          '-clcerts',
          '-passin',
          `pass:${PASSWORD}`,
        ]).stdout;
        expect(pemBlocks(clcerts, 'CERTIFICATE')).toEqual([pki.leaf.der]);
        const localKeyId = createHash('sha1')
          .update(pki.leaf.der)
          .digest('hex')
          .toUpperCase()
          .replace(/(..)(?!$)/g, '$1 ');
        expect(clcerts).toContain(`localKeyID: ${localKeyId}`);
        expect(clcerts).toContain(`friendlyName: ${FRIENDLY_NAME}`);
        const cacerts = runOk('openssl', [
          'pkcs12',
          ...legacy,
          '-in',
          files[mode],
          '-nokeys',
          '-cacerts',
          '-passin',
          `pass:${PASSWORD}`,
        ]).stdout;
        expect(pemBlocks(cacerts, 'CERTIFICATE')).toEqual([pki.intermediate.der, pki.root.der]);
        expect(cacerts).not.toContain('localKeyID');
      });

      it(`keytool lists a PrivateKeyEntry with a chain of 3 (${mode})`, () => {
        requireTool('keytool');
        const out = runOk('keytool', [
          '-list',
          '-v',
          '-storetype',
          'PKCS12',
          '-keystore',
          files[mode],
          '-storepass',
          PASSWORD,
        ]).stdout;
        expect(out).toContain(`Alias name: ${FRIENDLY_NAME}`);
        expect(out).toContain('Entry type: PrivateKeyEntry');
        expect(out).toContain('Certificate chain length: 3');
        expect(out).toContain(`Owner: CN=p12-client-${keyType}, O=mtlskit tests`);
      });

      it(`python cryptography loads key, certificate and CA certificates (${mode})`, () => {
        requireTool('python3-cryptography');
        const script = [
          'import sys, json',
          'from cryptography.hazmat.primitives.serialization import pkcs12, Encoding, PublicFormat',
          'p = pkcs12.load_pkcs12(open(sys.argv[1], "rb").read(), sys.argv[2].encode())',
          'print(json.dumps({',
          '  "key": p.key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo).hex(),',
          '  "cert": p.cert.certificate.public_bytes(Encoding.DER).hex(),',
          '  "name": p.cert.friendly_name.decode(),',
          '  "cas": [c.certificate.public_bytes(Encoding.DER).hex() for c in p.additional_certs],',
          '}))',
        ].join('\n');
        const r = runOk('python3', ['-c', script, files[mode], PASSWORD]);
        expect(r.stderr).toBe('');
        const got = JSON.parse(r.stdout) as { key: string; cert: string; name: string; cas: string[] };
        expect(got.key).toBe(spkiOf(pki.leaf.der).toString('hex'));
        expect(got.cert).toBe(pki.leaf.der.toString('hex'));
        expect(got.name).toBe(FRIENDLY_NAME);
        expect(got.cas).toEqual([pki.intermediate.der.toString('hex'), pki.root.der.toString('hex')]);
      });

      it(`NSS pk12util imports the key and the certificates (${mode})`, () => {
        requireTool('pk12util', 'certutil');
        const db = join(pki.dir, `nssdb-${mode}`);
        mkdirSync(db);
        runOk('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
        const r = run('pk12util', ['-i', files[mode], '-d', `sql:${db}`, '-W', PASSWORD]);
        expect(r.stdout + r.stderr).toContain('PKCS12 IMPORT SUCCESSFUL');
        expect(r.status).toBe(0);
        expect(runOk('certutil', ['-K', '-d', `sql:${db}`]).stdout).toContain(FRIENDLY_NAME);
        const leaf = runOk('certutil', ['-L', '-d', `sql:${db}`, '-n', FRIENDLY_NAME, '-a']).stdout;
        expect(pemBlocks(leaf, 'CERTIFICATE')).toEqual([pki.leaf.der]);
      });

      it(`Node https completes mutual TLS with the bundle as pfx (${mode})`, async () => {
        const answer = await mtlsRequest(pki, files[mode]);
        expect(answer).toBe(`hello p12-client-${keyType}`);
      });

      it(`decodePfx reads it back (${mode})`, async () => {
        const got = await decodePfx(readFileSync(files[mode]), PASSWORD, `${mode}.pfx`);
        expect(got.certificateDer).toEqual(pki.leaf.der);
        expect(got.chainDer).toEqual([pki.intermediate.der, pki.root.der]);
        expect(got.keyPkcs8Der).toEqual(pki.leafPkcs8);
        expect(got.friendlyName).toBe(FRIENDLY_NAME);
        if (mode === 'default') {
          expect(got).toMatchObject({
            macAlgorithm: 'HMAC-SHA-256',
            keyEncryption: 'AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256)',
            certEncryption: 'AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256)',
          });
        } else {
          expect(got).toMatchObject({
            macAlgorithm: 'HMAC-SHA-1',
            keyEncryption: 'pbeWithSHA1And3-KeyTripleDES-CBC',
            certEncryption: 'pbeWithSHA1And3-KeyTripleDES-CBC',
          });
        }
      });
    }
  });
}

describe('encodePfx options', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makePki('ec');
  });
  afterAll(() => pki?.cleanup());

  const encode = (extra: {
    password: string;
    friendlyName?: string;
    legacy?: boolean;
    iterations?: number;
    chainDer?: Buffer[];
  }) =>
    encodePfx({
      keyPkcs8Der: pki.leafPkcs8,
      certificateDer: pki.leaf.der,
      chainDer: extra.chainDer ?? [pki.intermediate.der],
      ...extra,
    });

  for (const legacy of [false, true]) {
    it(`an empty password works both ways with openssl (${legacy ? 'legacy' : 'default'})`, async () => {
      const ours = join(pki.dir, `empty-${legacy}.pfx`);
      writeFileSync(ours, await encode({ password: '', legacy }));
      const flag = legacy ? ['-legacy'] : [];
      const certs = runOk('openssl', ['pkcs12', ...flag, '-in', ours, '-nokeys', '-passin', 'pass:']).stdout;
      expect(pemBlocks(certs, 'CERTIFICATE')).toEqual([pki.leaf.der, pki.intermediate.der]);
      const keys = runOk('openssl', ['pkcs12', ...flag, '-in', ours, '-nocerts', '-nodes', '-passin', 'pass:']).stdout;
      expect(pemBlocks(keys, 'PRIVATE KEY')).toHaveLength(1);

      const theirs = join(pki.dir, `openssl-empty-${legacy}.pfx`);
      runOk('openssl', [
        'pkcs12',
        '-export',
        ...flag,
        '-inkey',
        pki.leaf.keyFile,
        '-in',
        pki.leaf.certFile,
        '-out',
        theirs,
        '-passout',
        'pass:',
      ]);
      const got = await decodePfx(readFileSync(theirs), '', 'openssl-empty.pfx');
      expect(got.certificateDer).toEqual(pki.leaf.der);
      await expect(decodePfx(readFileSync(theirs), 'not empty', 'openssl-empty.pfx')).rejects.toMatchObject({
        code: 'BAD_PASSWORD',
      });
    });
  }

  it('iterations are honoured for encryption and MAC', async () => {
    const file = join(pki.dir, 'iter.pfx');
    writeFileSync(file, await encode({ password: 'x', iterations: 10_000 }));
    const info = runOk('openssl', ['pkcs12', '-info', '-in', file, '-passin', 'pass:x', '-noout']).stderr;
    expect(info).toContain('MAC: sha256, Iteration 10000');
    expect(info).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 10000');
    expect(info).toContain('PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 10000');
  });

  it('without friendlyName no friendlyName attribute is written; a Unicode one survives as BMPString', async () => {
    requireTool('openssl', 'python3-cryptography');
    const plain = join(pki.dir, 'noname.pfx');
    writeFileSync(plain, await encode({ password: 'x' }));
    const out = runOk('openssl', ['pkcs12', '-in', plain, '-nodes', '-passin', 'pass:x']).stdout;
    expect(out).not.toContain('friendlyName');
    expect(out).toContain('localKeyID');

    const name = 'Zoë’s client ✓';
    const named = join(pki.dir, 'unicode.pfx');
    writeFileSync(named, await encode({ password: 'x', friendlyName: name }));
    const script =
      'import sys\nfrom cryptography.hazmat.primitives.serialization import pkcs12\nprint(pkcs12.load_pkcs12(open(sys.argv[1], "rb").read(), b"x").cert.friendly_name.decode())';
    expect(runOk('python3', ['-c', script, named]).stdout.trim()).toBe(name);
  });

  it('a Unicode password is UTF-8 for PBES2 and BMPString for the MAC, as openssl expects', async () => {
    const password = 'pässwörd ✓';
    for (const legacy of [false, true]) {
      const file = join(pki.dir, `unicode-pw-${legacy}.pfx`);
      writeFileSync(file, await encode({ password, legacy }));
      const out = runOk('openssl', [
        'pkcs12',
        ...(legacy ? ['-legacy'] : []),
        '-in',
        file,
        '-nodes',
        '-passin',
        `pass:${password}`,
      ]).stdout;
      expect(pemBlocks(out, 'PRIVATE KEY')).toHaveLength(1);
    }
  });

  it('a leaf without a chain is a bundle of one certificate', async () => {
    const file = join(pki.dir, 'alone.pfx');
    writeFileSync(file, await encode({ password: 'x', chainDer: [] }));
    const out = runOk('openssl', ['pkcs12', '-in', file, '-nokeys', '-passin', 'pass:x']).stdout;
    expect(pemBlocks(out, 'CERTIFICATE')).toEqual([pki.leaf.der]);
  });
});

/** An https server requiring a client certificate from the test root; the client presents the PFX. */
async function mtlsRequest(pki: TestPki, pfxFile: string): Promise<string> {
  const server = createServer(
    {
      key: readFileSync(pki.server.keyFile),
      cert: pki.server.pem,
      ca: pki.root.pem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => res.end(`hello ${(req.socket as TLSSocket).getPeerCertificate().subject.CN}`),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    return await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          servername: 'localhost',
          pfx: readFileSync(pfxFile),
          passphrase: PASSWORD,
          ca: pki.root.pem,
          agent: false,
          timeout: 10_000,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve(body));
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
