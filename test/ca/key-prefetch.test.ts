import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePrivateKey, prefetchPrivateKey } from '../../src/pki/keys.js';
import { prefetchKeyFor } from '../../src/ca/key-prefetch.js';
import { mtlskitOk, openssl } from '../helpers/run.js';

describe('key prefetch', () => {
  it('hands the prefetched key to the next request of the same type only, once', async () => {
    prefetchPrivateKey('ec:P-384');
    const rsa = await generatePrivateKey('rsa:2048');
    expect(rsa.asymmetricKeyType).toBe('rsa');
    const first = await generatePrivateKey('ec:P-384');
    const second = await generatePrivateKey('ec:P-384');
    expect(first.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    expect(second.export({ format: 'der', type: 'pkcs8' }).equals(first.export({ format: 'der', type: 'pkcs8' }))).toBe(
      false,
    );
  });

  it('guesses from the conf without throwing on a bad one, and skips when the command will stop early', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlskit-prefetch-'));
    writeFileSync(join(dir, 'bad.conf'), '[ req\n');
    expect(() =>
      prefetchKeyFor({ configPath: join(dir, 'bad.conf'), template: 'client', mustExist: [], mustNotExist: [] }),
    ).not.toThrow();
    expect(() =>
      prefetchKeyFor({ keyTypeFlag: 'nonsense', template: 'client', mustExist: [], mustNotExist: [] }),
    ).not.toThrow();
    expect(() =>
      prefetchKeyFor({ template: 'client', mustExist: [join(dir, 'missing')], mustNotExist: [] }),
    ).not.toThrow();
  });

  it('a conf asking for default_bits = 3072 gets an RSA-3072 key, whatever was prefetched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlskit-prefetch-'));
    const pki = join(dir, 'pki');
    mtlskitOk(['ca', 'init', '--dir', pki, '--key-type', 'ec:P-256']);
    writeFileSync(
      join(dir, 'c.conf'),
      '[ req ]\nprompt = no\ndistinguished_name = dn\ndefault_bits = 3072\n[ dn ]\nCN = big\n',
    );
    mtlskitOk(['client', 'issue', 'big', '--dir', pki, '--config', join(dir, 'c.conf')]);
    expect(openssl(['pkey', '-in', join(pki, 'big.key'), '-noout', '-text']).stdout).toMatch(/3072 bit/);
    mtlskitOk(['client', 'issue', 'small', '--dir', pki, '--config', join(dir, 'c.conf'), '--key-type', 'ec:P-256']);
    expect(openssl(['pkey', '-in', join(pki, 'small.key'), '-noout', '-text']).stdout).toMatch(/P-256|prime256v1/);
  });
});
