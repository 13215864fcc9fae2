/** Detecting what a file is, PEM or DER, from the fixed fixtures converted by openssl. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, openssl, tempDir } from '../helpers/run.js';
import { inspectFile } from '../../src/inspect/inspect.js';
import { MtlsError } from '../../src/errors.js';

const SHOW = join(FIXTURES, 'show');
let tmp: { dir: string; cleanup: () => void };
const noPassword = async (): Promise<string> => {
  throw new Error('no password should be asked for this file');
};

function converted(name: string, args: string[]): Buffer {
  const out = join(tmp.dir, name);
  const r = openssl([...args, '-out', out]);
  if (r.status !== 0) throw new Error(r.stderr);
  return readFileSync(out);
}

beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

describe('inspectFile', () => {
  it('DER keys: PKCS#8, PKCS#1 and SEC1 are told apart; an encrypted PKCS#8 says so without a type', async () => {
    const cases: [Buffer, string, string][] = [
      // (openssl 3.0's `pkey -outform DER` writes PKCS#1 for RSA: pkcs8 -topk8 makes real PKCS#8.)
      [
        converted('k8.der', ['pkcs8', '-topk8', '-nocrypt', '-in', join(SHOW, 'server.key'), '-outform', 'DER']),
        'PKCS#8',
        'RSA 2048',
      ],
      [
        converted('k1.der', ['rsa', '-in', join(SHOW, 'server.key'), '-outform', 'DER', '-traditional']),
        'PKCS#1',
        'RSA 2048',
      ],
      [converted('sec1.der', ['ec', '-in', join(SHOW, 'ca-sec1.key'), '-outform', 'DER']), 'SEC1', 'EC P-256'],
    ];
    for (const [data, format, key] of cases) {
      const view = await inspectFile(data, 'key.der', noPassword);
      expect(view).toEqual({
        file: 'key.der',
        kind: 'private key',
        items: [{ type: 'private key', format, encrypted: false, key }],
      });
    }
    const encrypted = converted('enc.der', [
      'pkcs8',
      '-topk8',
      '-in',
      join(SHOW, 'server.key'),
      '-outform',
      'DER',
      '-v2',
      'aes-256-cbc',
      '-passout',
      'pass:x',
    ]);
    const view = await inspectFile(encrypted, 'enc.der', noPassword);
    expect(view.items).toEqual([{ type: 'private key', format: 'PKCS#8 (encrypted)', encrypted: true }]);
  });

  it('a DER CRL and a DER CSR are recognised', async () => {
    const crl = await inspectFile(
      converted('crl.der', ['crl', '-in', join(SHOW, 'crl.pem'), '-outform', 'DER']),
      'crl.der',
      noPassword,
    );
    expect(crl.kind).toBe('crl');
    expect(crl.items[0]).toMatchObject({
      type: 'crl',
      crlNumber: '16',
      revoked: [{ serial: '1001', reason: 'keyCompromise' }],
    });
    const csr = await inspectFile(
      converted('csr.der', ['req', '-in', join(SHOW, 'server.csr'), '-outform', 'DER']),
      'csr.der',
      noPassword,
    );
    expect(csr.items[0]).toMatchObject({
      type: 'csr',
      subject: 'O=Show Fixtures, CN=api.example.com',
      signatureValid: true,
    });
  });

  it('a PEM file with a certificate and a key is "mixed"; a certificate and its CA are a chain', async () => {
    const both = Buffer.concat([readFileSync(join(SHOW, 'server.crt')), readFileSync(join(SHOW, 'server.key'))]);
    const mixed = await inspectFile(both, 'both.pem', noPassword);
    expect(mixed.kind).toBe('mixed');
    expect(mixed.items.map((i) => i.type)).toEqual(['certificate', 'private key']);
    expect((await inspectFile(readFileSync(join(SHOW, 'chain.pem')), 'chain.pem', noPassword)).kind).toBe('chain');
  });

  it('a PFX asks for its password once; junk and unknown PEM blocks are BAD_INPUT', async () => {
    let asked = 0;
    const pfx = await inspectFile(readFileSync(join(SHOW, 'modern.pfx')), 'modern.pfx', async () => {
      asked++;
      return 'fixture';
    });
    expect(asked).toBe(1);
    expect(pfx.kind).toBe('pfx');
    const junk = inspectFile(Buffer.from('hello, world\n'), 'notes.txt', noPassword);
    await expect(junk).rejects.toBeInstanceOf(MtlsError);
    await expect(junk).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const pub = converted('pub.pem', ['pkey', '-in', join(SHOW, 'server.key'), '-pubout']);
    await expect(inspectFile(pub, 'pub.pem', noPassword)).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining('"PUBLIC KEY"'),
    });
  });
});
