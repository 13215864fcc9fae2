/**
 * An encrypted PKCS#8 key names its own PBKDF2 iteration count, which OpenSSL runs whatever it is: a damaged
 * or hostile file must be refused before any work is done (found by the fuzzer: the count is a few bytes away
 * from a corrupted DER length).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openssl, tempDir } from '../helpers/run.js';
import { requireTool } from '../helpers/tools.js';
import { loadPrivateKey } from '../../src/pki/keys.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

/** `openssl pkcs8 -topk8`: the key in `plain` encrypted with AES-256 and `iter` PBKDF2 iterations, password "pw". */
function encryptWithOpenssl(plain: string, iter: string, out: string, ...format: string[]) {
  return openssl([
    'pkcs8',
    '-topk8',
    '-in',
    plain,
    '-v2',
    'aes256',
    '-iter',
    iter,
    '-passout',
    'pass:pw',
    ...format,
    '-out',
    out,
  ]);
}

describe('encrypted PKCS#8 keys and their iteration count', () => {
  it('opens a key openssl wrote with 10,000 iterations, refuses one with 1,000,001 without trying (BAD_INPUT)', () => {
    requireTool('openssl');
    const plain = join(tmp.dir, 'ec.pem');
    expect(openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', plain]).status).toBe(
      0,
    );
    for (const iter of ['10000', '1000001']) {
      const r = encryptWithOpenssl(plain, iter, join(tmp.dir, `${iter}.pem`));
      expect(r.status).toBe(0);
    }
    expect(loadPrivateKey(readFileSync(join(tmp.dir, '10000.pem')), 'pw', '10000.pem').asymmetricKeyType).toBe('ec');
    expect(() => loadPrivateKey(readFileSync(join(tmp.dir, '1000001.pem')), 'pw', 'big.pem')).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT', message: expect.stringContaining('1000001 PBKDF2 iterations') }),
    );
    // The password is right and openssl wrote the file: only the count in its header refuses it.
  });

  it('refuses a DER key whose iteration count was zeroed, before OpenSSL sees it', () => {
    requireTool('openssl');
    const der = join(tmp.dir, 'k.der');
    const plain = join(tmp.dir, 'ec2.pem');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', plain]);
    expect(encryptWithOpenssl(plain, '2048', der, '-outform', 'DER').status).toBe(0);
    const bytes = readFileSync(der);
    // The count, INTEGER 2048 (02 02 08 00), damaged to 0.
    const at = bytes.indexOf(Buffer.from([0x02, 0x02, 0x08, 0x00]));
    expect(at).toBeGreaterThan(0);
    const zero = Buffer.from(bytes);
    zero[at + 2] = 0;
    zero[at + 3] = 0;
    expect(() => loadPrivateKey(zero, 'pw', 'zero.der')).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });
});
