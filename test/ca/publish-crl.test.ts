import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { loadCa } from '../../src/ca/load-ca.js';
import { crlSignerOf, loadCrlSigner } from '../../src/ca/publish-crl.js';
import { CaStore } from '../../src/store/ca-store.js';

/** loadCrlSigner (crl gen, without @peculiar/x509) must accept and refuse exactly what loadCa does, with the same errors. */
describe('loadCrlSigner agrees with loadCa', () => {
  const tmp = tempDir();
  let good: string;
  beforeAll(() => {
    good = join(tmp.dir, 'good');
    mtlskitOk(['ca', 'init', '--dir', good, '--key-type', 'ec:P-256', '--passout', 'pass:capw']);
    mtlskitOk(['client', 'issue', 'leaf', '--dir', good, '--key-type', 'ec:P-256', '--passin', 'pass:capw']);
  });
  afterAll(() => tmp.cleanup());

  const password = async () => 'capw';
  const outcome = async <T>(load: () => Promise<T>): Promise<T | string> => {
    try {
      return await load();
    } catch (err) {
      return `${(err as { code?: string }).code}: ${(err as Error).message}`;
    }
  };
  /** A copy of the good CA, changed by `damage`. */
  const variant = (name: string, damage: (dir: string) => void): string => {
    const dir = join(tmp.dir, name);
    cpSync(good, dir, { recursive: true });
    damage(dir);
    return dir;
  };
  const compare = async (dir: string) => {
    const store = new CaStore(dir);
    const full = await outcome(async () => crlSignerOf(await loadCa(store, password)));
    const fast = await outcome(() => loadCrlSigner(store, password));
    if (typeof full === 'string') {
      expect(fast).toBe(full);
    } else {
      expect(typeof fast).not.toBe('string');
      const signer = fast as Exclude<typeof fast, string>;
      expect(signer.certificateDer.equals(full.certificateDer)).toBe(true);
      expect(signer.key.export({ format: 'der', type: 'pkcs8' }).equals(full.key.export({ format: 'der', type: 'pkcs8' }))).toBe(true);
    }
    return fast;
  };

  it('loads a good CA with the same certificate and key', async () => {
    expect(typeof (await compare(good))).not.toBe('string');
  });

  it('gives the same errors for a leaf as ca.crt, a key of another CA, a wrong password, junk certificate and settings', async () => {
    const other = join(tmp.dir, 'other');
    mtlskitOk(['ca', 'init', '--dir', other, '--key-type', 'ec:P-256']);
    const cases = {
      leaf: variant('leaf', (d) => copyFileSync(join(d, 'leaf.crt'), join(d, 'ca.crt'))),
      otherKey: variant('other-key', (d) => copyFileSync(join(other, 'ca.key'), join(d, 'ca.key'))),
      junkCert: variant('junk-cert', (d) => writeFileSync(join(d, 'ca.crt'), 'not a certificate\n')),
      junkSettings: variant('junk-settings', (d) => writeFileSync(join(d, 'mtlskit.json'), '{ nope')),
      junkChain: variant('junk-chain', (d) => writeFileSync(join(d, 'ca-chain.crt'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')),
    };
    for (const [what, dir] of Object.entries(cases)) {
      expect(typeof (await compare(dir)), what).toBe('string');
    }
    const wrongPassword = await outcome(() => loadCrlSigner(new CaStore(good), async () => 'wrong'));
    expect(wrongPassword).toBe(await outcome(() => loadCa(new CaStore(good), async () => 'wrong')));
  });

  it('refuses an expired CA as loadCa does', async () => {
    const dir = variant('expired', (d) => {
      // Same key, subject and extensions, re-signed by openssl with notAfter = notBefore = now: over by the time it is loaded.
      const r = openssl(['x509', '-in', join(d, 'ca.crt'), '-signkey', join(d, 'ca.key'), '-passin', 'pass:capw', '-days', '0', '-out', join(d, 'ca.crt')]);
      expect(r.status).toBe(0);
    });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await compare(dir)).toMatch(/^CA_REFUSED: .*expired/);
  });
});
