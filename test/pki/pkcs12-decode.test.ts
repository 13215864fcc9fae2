/**
 * decodePfx on bundles written by other producers: openssl pkcs12 -export (default, -legacy, no
 * encryption, no MAC, mixed algorithms), NSS pk12util (BER), Java keytool and python cryptography;
 * and the errors a user meets: wrong password, truncated or foreign files.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePfx, type PfxContents } from '../../src/pki/pkcs12.js';
import { decryptWith, hmac, macKey, pkcs12Password } from '../../src/pki/pkcs12-crypto.js';
import {
  children,
  content,
  derExplicit,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSmallInteger,
  readTlv,
  slice,
} from '../../src/pki/der.js';
import { makePki, runOk, type TestKeyType, type TestPki } from '../fixtures/pkcs12/make-pki.js';
import { requireTool } from '../helpers/tools.js';

const PBES2_SHA256 = (cipher: string) => `${cipher} (PBES2, PBKDF2-HMAC-SHA256)`;

interface Variant {
  name: string;
  args: string[];
  mac: string;
  key: string;
  certs: string;
}

const VARIANTS: Variant[] = [
  {
    name: 'default',
    args: [],
    mac: 'HMAC-SHA-256',
    key: PBES2_SHA256('AES-256-CBC'),
    certs: PBES2_SHA256('AES-256-CBC'),
  },
  {
    name: '-legacy',
    args: ['-legacy'],
    mac: 'HMAC-SHA-1',
    key: 'pbeWithSHA1And3-KeyTripleDES-CBC',
    certs: 'pbeWithSHA1And40BitRC2-CBC',
  },
  {
    name: '-keypbe NONE -certpbe NONE',
    args: ['-keypbe', 'NONE', '-certpbe', 'NONE'],
    mac: 'HMAC-SHA-256',
    key: 'none',
    certs: 'none',
  },
  // OpenSSL 3.0 leaves the certificates unencrypted under -nomac unless -certpbe says otherwise.
  { name: '-nomac', args: ['-nomac'], mac: 'none', key: PBES2_SHA256('AES-256-CBC'), certs: 'none' },
  {
    name: '-nomac -certpbe AES-128-CBC',
    args: ['-nomac', '-certpbe', 'AES-128-CBC'],
    mac: 'none',
    key: PBES2_SHA256('AES-256-CBC'),
    certs: PBES2_SHA256('AES-128-CBC'),
  },
  {
    name: 'SHA-512 MAC, AES-128 key, PBES2 3DES certificates',
    args: ['-macalg', 'sha512', '-keypbe', 'AES-128-CBC', '-certpbe', 'DES-EDE3-CBC'],
    mac: 'HMAC-SHA-512',
    key: PBES2_SHA256('AES-128-CBC'),
    certs: PBES2_SHA256('DES-EDE3-CBC'),
  },
  {
    name: 'SHA-384 MAC, 2-key 3DES key, RC2-128 certificates',
    args: ['-legacy', '-macalg', 'sha384', '-keypbe', 'PBE-SHA1-2DES', '-certpbe', 'PBE-SHA1-RC2-128'],
    mac: 'HMAC-SHA-384',
    key: 'pbeWithSHA1And2-KeyTripleDES-CBC',
    certs: 'pbeWithSHA1And128BitRC2-CBC',
  },
];

const spkiOfCert = (der: Buffer) =>
  new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' }) as Buffer;
const spkiOfPkcs8 = (der: Buffer) =>
  createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({
    type: 'spki',
    format: 'der',
  }) as Buffer;

/** The key, the leaf byte for byte, and the chain issuer first. */
function expectBundle(got: PfxContents, pki: TestPki): void {
  expect(got.certificateDer.equals(pki.leaf.der)).toBe(true);
  expect(spkiOfPkcs8(got.keyPkcs8Der)).toEqual(spkiOfCert(pki.leaf.der));
  expect(got.chainDer.map((c) => c.toString('hex'))).toEqual([
    pki.intermediate.der.toString('hex'),
    pki.root.der.toString('hex'),
  ]);
}

/** `openssl pkcs12 -export` with the chain given root first, so decodePfx has to order it. */
function opensslExport(pki: TestPki, file: string, password: string, args: string[]): Buffer {
  const chainFile = join(pki.dir, 'chain-root-first.pem');
  writeFileSync(chainFile, pki.root.pem + pki.intermediate.pem);
  runOk('openssl', [
    'pkcs12',
    '-export',
    ...args,
    '-inkey',
    pki.leaf.keyFile,
    '-in',
    pki.leaf.certFile,
    '-certfile',
    chainFile,
    '-name',
    'from-openssl',
    '-out',
    file,
    '-passout',
    `pass:${password}`,
  ]);
  return readFileSync(file);
}

for (const keyType of ['rsa', 'ec'] as TestKeyType[]) {
  describe(`decodePfx on openssl pkcs12 -export bundles, ${keyType.toUpperCase()} key`, () => {
    let pki: TestPki;
    beforeAll(() => {
      pki = makePki(keyType);
    });
    afterAll(() => pki?.cleanup());

    VARIANTS.forEach((v, i) => {
      it(`${v.name}: key, certificate and chain, algorithm names; a wrong password is BAD_PASSWORD`, async () => {
        const data = opensslExport(pki, join(pki.dir, `v${i}.p12`), 's3cret', v.args);
        const got = await decodePfx(data, 's3cret', 'bundle.p12');
        expectBundle(got, pki);
        expect(got.friendlyName).toBe('from-openssl');
        expect({ mac: got.macAlgorithm, key: got.keyEncryption, certs: got.certEncryption }).toEqual({
          mac: v.mac,
          key: v.key,
          certs: v.certs,
        });
        if (v.key === 'none' && v.mac === 'none') return; // nothing would notice a wrong password
        await expect(decodePfx(data, 'wrong', 'bundle.p12')).rejects.toMatchObject({
          code: 'BAD_PASSWORD',
          message: 'The password for bundle.p12 is wrong; check it and try again.',
        });
      });
    });
  });
}

describe('decodePfx on damaged and foreign input', () => {
  let pki: TestPki;
  let good: Buffer;
  beforeAll(() => {
    pki = makePki('ec');
    good = opensslExport(pki, join(pki.dir, 'good.p12'), 'pw', []);
  });
  afterAll(() => pki?.cleanup());

  const expectBadInput = async (data: Buffer) => {
    const err = await decodePfx(data, 'pw', 'client.p12').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_INPUT' });
    const message = (err as Error).message;
    expect(message).toContain('client.p12');
    expect(message.split('\n')).toHaveLength(1);
  };

  for (const cut of [1, 40, 0.5]) {
    it(`a file truncated by ${cut < 1 ? 'half' : `${cut} bytes`} is BAD_INPUT naming the file`, async () => {
      const length = cut < 1 ? Math.floor(good.length * cut) : good.length - cut;
      await expectBadInput(good.subarray(0, length));
    });
  }

  it('a certificate, an empty file and random bytes are BAD_INPUT', async () => {
    await expectBadInput(pki.leaf.der);
    await expectBadInput(Buffer.alloc(0));
    await expectBadInput(Buffer.from('this is not a pfx at all, just some text\n'));
  });

  it('a bundle without a private key is BAD_INPUT that says so', async () => {
    const file = join(pki.dir, 'certs-only.p12');
    runOk('openssl', ['pkcs12', '-export', '-nokeys', '-in', pki.leaf.certFile, '-out', file, '-passout', 'pass:pw']);
    await expect(decodePfx(readFileSync(file), 'pw', 'certs-only.p12')).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining('holds no private key'),
    });
  });

  it('a MAC over a tampered AuthenticatedSafe is refused like a wrong password, before any decryption', async () => {
    const tampered = Buffer.from(good);
    tampered[Math.floor(tampered.length / 2)]! ^= 0x01;
    await expect(decodePfx(tampered, 'pw', 'client.p12')).rejects.toMatchObject({ code: 'BAD_PASSWORD' });
  });

  it('an empty password written as no bytes at all (NULL) is accepted, as openssl does', async () => {
    // openssl writes an empty password as a lone BMP NUL; Windows and PKCS12_create(NULL) write none.
    // Rebuild an unencrypted bundle's MAC with the zero-length form.
    const plain = opensslExport(pki, join(pki.dir, 'plain.p12'), '', ['-keypbe', 'NONE', '-certpbe', 'NONE', '-nomac']);
    const top = readTlv(plain, 0);
    const [version, authSafeInfo] = children(plain, top);
    const octets = readTlv(plain, children(plain, authSafeInfo!)[1]!.start);
    const salt = Buffer.from('0011223344556677', 'hex');
    const mac = hmac('sha256', macKey('sha256', Buffer.alloc(0), salt, 2048), content(plain, octets));
    const macData = derSequence(
      derSequence(derSequence(derOid('2.16.840.1.101.3.4.2.1'), derNull()), derOctetString(mac)),
      derOctetString(salt),
      derSmallInteger(2048),
    );
    const pfx = derSequence(slice(plain, version!), slice(plain, authSafeInfo!), macData);
    const got = await decodePfx(pfx, '', 'null.p12');
    expect(got.macAlgorithm).toBe('HMAC-SHA-256');
    expectBundle(got, pki);
    await expect(decodePfx(pfx, 'x', 'null.p12')).rejects.toMatchObject({ code: 'BAD_PASSWORD' });
  });
});

describe('decodePfx finding the leaf without localKeyId', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makePki('rsa');
  });
  afterAll(() => pki?.cleanup());

  it('takes the certificate that matches the key, whatever the bag order, and orders the chain from it', async () => {
    // A hand-made bundle with no attributes at all: plain keyBag, certificates root first, leaf last, no MAC.
    const certBag = (der: Buffer) =>
      derSequence(
        derOid('1.2.840.113549.1.12.10.1.3'),
        derExplicit(0, derSequence(derOid('1.2.840.113549.1.9.22.1'), derExplicit(0, derOctetString(der)))),
      );
    const keyBag = derSequence(derOid('1.2.840.113549.1.12.10.1.1'), derExplicit(0, pki.leafPkcs8));
    const safe = derSequence(keyBag, certBag(pki.root.der), certBag(pki.intermediate.der), certBag(pki.leaf.der));
    const data = (der: Buffer) => derSequence(derOid('1.2.840.113549.1.7.1'), derExplicit(0, derOctetString(der)));
    const pfx = derSequence(derSmallInteger(3), data(derSequence(data(safe))));
    const got = await decodePfx(pfx, 'ignored', 'bare.p12');
    expectBundle(got, pki);
    expect(got).toMatchObject({
      macAlgorithm: 'none',
      keyEncryption: 'none',
      certEncryption: 'none',
      friendlyName: undefined,
    });
    expect(got.keyPkcs8Der.equals(pki.leafPkcs8)).toBe(true);
  });
});

describe('decodePfx on bundles from other producers', () => {
  let pki: TestPki;
  let source: string;
  beforeAll(() => {
    pki = makePki('rsa');
    source = join(pki.dir, 'source.p12');
    opensslExport(pki, source, 'pw', []);
  });
  afterAll(() => pki?.cleanup());

  it('NSS pk12util -o (BER: indefinite lengths, chunked OCTET STRINGs)', async () => {
    requireTool('pk12util', 'certutil');
    const db = join(pki.dir, 'nssdb');
    mkdirSync(db);
    runOk('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
    runOk('pk12util', ['-i', source, '-d', `sql:${db}`, '-W', 'pw']);
    const out = join(pki.dir, 'nss.p12');
    runOk('pk12util', ['-o', out, '-n', 'from-openssl', '-d', `sql:${db}`, '-W', 'nss-pw']);
    const data = readFileSync(out);
    expect(data.subarray(0, 2)).toEqual(Buffer.from([0x30, 0x80])); // really BER, or this test proves nothing
    const got = await decodePfx(data, 'nss-pw', 'nss.p12');
    expectBundle(got, pki);
    expect(got.friendlyName).toBe('from-openssl');
    await expect(decodePfx(data, 'pw', 'nss.p12')).rejects.toMatchObject({ code: 'BAD_PASSWORD' });
  });

  for (const legacy of [false, true]) {
    it(`Java keytool -importkeystore${legacy ? ' with -Dkeystore.pkcs12.legacy (RC2-40 certificates, 3DES key, SHA-1 MAC)' : ' (AES-256, HMAC-SHA256)'}`, async () => {
      requireTool('keytool');
      const out = join(pki.dir, `java-${legacy}.p12`);
      runOk('keytool', [
        '-importkeystore',
        '-srckeystore',
        source,
        '-srcstoretype',
        'PKCS12',
        '-srcstorepass',
        'pw',
        '-destkeystore',
        out,
        '-deststoretype',
        'PKCS12',
        '-deststorepass',
        'java-pw',
        '-noprompt',
        ...(legacy ? ['-J-Dkeystore.pkcs12.legacy'] : []),
      ]);
      const got = await decodePfx(readFileSync(out), 'java-pw', 'java.p12');
      expectBundle(got, pki);
      expect(got.friendlyName).toBe('from-openssl');
      expect(got.macAlgorithm).toBe(legacy ? 'HMAC-SHA-1' : 'HMAC-SHA-256');
      expect(got.certEncryption).toBe(legacy ? 'pbeWithSHA1And40BitRC2-CBC' : PBES2_SHA256('AES-256-CBC'));
    });
  }

  for (const encryption of ['BestAvailableEncryption', 'legacy 3DES', 'NoEncryption']) {
    it(`python cryptography serialize_key_and_certificates (${encryption})`, async () => {
      requireTool('python3-cryptography');
      const out = join(pki.dir, `py-${encryption.replace(/\W/g, '')}.p12`);
      const password = encryption === 'NoEncryption' ? '' : 'py-pw';
      const algorithm: Record<string, string> = {
        BestAvailableEncryption: 'BestAvailableEncryption(b"py-pw")',
        'legacy 3DES':
          'PrivateFormat.PKCS12.encryption_builder().key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(hashes.SHA1()).build(b"py-pw")',
        NoEncryption: 'NoEncryption()',
      };
      const script = [
        'import sys',
        'from cryptography import x509',
        'from cryptography.hazmat.primitives import hashes',
        'from cryptography.hazmat.primitives.serialization import pkcs12, load_pem_private_key, BestAvailableEncryption, NoEncryption, PrivateFormat',
        'key = load_pem_private_key(open(sys.argv[1], "rb").read(), None)',
        'cert, inter, root = (x509.load_pem_x509_certificate(open(p, "rb").read()) for p in sys.argv[2:5])',
        `data = pkcs12.serialize_key_and_certificates(b"py", key, cert, [root, inter], ${algorithm[encryption]})`,
        'open(sys.argv[5], "wb").write(data)',
      ].join('\n');
      runOk('python3', [
        '-c',
        script,
        pki.leaf.keyFile,
        pki.leaf.certFile,
        pki.intermediate.certFile,
        pki.root.certFile,
        out,
      ]);
      const got = await decodePfx(readFileSync(out), password, 'py.p12');
      expectBundle(got, pki);
      expect(got.friendlyName).toBe('py');
      if (encryption === 'legacy 3DES')
        expect(got).toMatchObject({ macAlgorithm: 'HMAC-SHA-1', keyEncryption: 'pbeWithSHA1And3-KeyTripleDES-CBC' });
      if (encryption === 'NoEncryption') expect(got).toMatchObject({ keyEncryption: 'none', certEncryption: 'none' });
    });
  }
});

describe('decryptWith against openssl pkcs8 -topk8 (each password-based scheme on its own)', () => {
  let pki: TestPki;
  let plain: Buffer;
  beforeAll(() => {
    pki = makePki('ec');
    plain = pki.leafPkcs8;
  });
  afterAll(() => pki?.cleanup());

  const cases: [string[], string][] = [
    [['-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA1'], 'AES-128-CBC (PBES2, PBKDF2-HMAC-SHA1)'],
    [['-v2', 'aes-192-cbc', '-v2prf', 'hmacWithSHA384'], 'AES-192-CBC (PBES2, PBKDF2-HMAC-SHA384)'],
    [['-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA512'], 'AES-256-CBC (PBES2, PBKDF2-HMAC-SHA512)'],
    [['-v2', 'des-ede3-cbc', '-v2prf', 'hmacWithSHA256'], 'DES-EDE3-CBC (PBES2, PBKDF2-HMAC-SHA256)'],
    [['-v1', 'PBE-SHA1-3DES'], 'pbeWithSHA1And3-KeyTripleDES-CBC'],
    [['-v1', 'PBE-SHA1-2DES'], 'pbeWithSHA1And2-KeyTripleDES-CBC'],
    [['-v1', 'PBE-SHA1-RC2-40'], 'pbeWithSHA1And40BitRC2-CBC'],
    [['-v1', 'PBE-SHA1-RC2-128'], 'pbeWithSHA1And128BitRC2-CBC'],
  ];
  for (const [args, name] of cases) {
    it(`${args.join(' ')} → ${name}`, async () => {
      const out = join(pki.dir, `${args.join('_')}.der`);
      runOk('openssl', [
        'pkcs8',
        '-topk8',
        ...args,
        '-provider',
        'legacy',
        '-provider',
        'default',
        '-in',
        pki.leaf.keyFile,
        '-passout',
        'pass:pässword',
        '-outform',
        'DER',
        '-out',
        out,
      ]);
      const epki = readFileSync(out);
      const [alg, encrypted] = children(epki, readTlv(epki, 0));
      const result = await decryptWith(
        slice(epki, alg!),
        Buffer.from(content(epki, encrypted!)),
        pkcs12Password('pässword'),
      );
      expect(result.name).toBe(name);
      expect(result.plaintext.equals(plain)).toBe(true);
    });
  }
});
