/**
 * Keys that cannot sign are refused where they enter (issue 18 item 6). The damaged keys are made by openssl
 * genpkey, then one byte inside a private part (RSA prime q or private exponent d, EC private scalar) is
 * changed in the DER; `openssl pkey -check` confirms each is invalid, while the key still loads.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mtlskit, mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { suiteRequiresTool } from '../helpers/tools.js';

let tmp: { dir: string; cleanup: () => void };
let pki: string;

/** Re-armours DER as PKCS#8 PEM. */
function pkcs8Pem(der: Buffer): string {
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A copy of the PKCS#8 key with one bit flipped in the middle of its JWK field (`q`, `d`). */
function damageKey(pem: string, field: 'q' | 'd'): string {
  const key = createPrivateKey(pem);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const value = Buffer.from((key.export({ format: 'jwk' }) as Record<string, string>)[field]!, 'base64url');
  const at = der.indexOf(value);
  expect(at).toBeGreaterThan(0);
  const bad = Buffer.from(der);
  bad[at + (value.length >> 1)]! ^= 0x10;
  return pkcs8Pem(bad);
}

const KEYS = [
  { label: 'RSA, a flipped bit in q', gen: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], field: 'q' },
  { label: 'RSA, a flipped bit in d', gen: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], field: 'd' },
  {
    label: 'EC P-256, a flipped bit in the scalar',
    gen: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    field: 'd',
  },
] as const;

const files: Record<string, { good: string; bad: string; name: string }> = {};

/** openssl makes the inputs; without it every test here is skipped (named, with its install line). */
const haveOpenssl = suiteRequiresTool('openssl');

beforeAll(async () => {
  if (!haveOpenssl) return;
  tmp = tempDir();
  pki = join(tmp.dir, 'pki');
  mtlskitOk(['ca', 'init', '--dir', pki, '--subject', '/O=Damage Test/CN=Damage Root']);
  for (const [i, k] of KEYS.entries()) {
    const good = join(tmp.dir, `good-${i}.pem`);
    const bad = join(tmp.dir, `bad-${i}.pem`);
    const gen = openssl(['genpkey', ...k.gen, '-out', good]);
    if (gen.status !== 0) throw new Error(gen.stderr);
    writeFileSync(bad, damageKey(readFileSync(good, 'utf8'), k.field), { mode: 0o600 });
    files[k.label] = { good, bad, name: `k${i}` };
    // The certificate for the intact key, which verify --key then checks against the damaged copy.
    mtlskitOk(['client', 'issue', `k${i}`, '--dir', pki, '--key', good]);
    // Let the worker answer vitest between the spawns (a busy machine makes each take seconds).
    await new Promise((done) => setImmediate(done));
  }
});
afterAll(() => tmp?.cleanup());

const leafFiles = () => readdirSync(pki).sort();
const index = () => readFileSync(join(pki, 'index.txt'), 'utf8');

describe.each(KEYS.map((k) => k.label))('a damaged key (%s)', (label) => {
  it('openssl pkey -check says the key is invalid, yet it loads', () => {
    const { bad } = files[label]!;
    const check = openssl(['pkey', '-check', '-noout', '-in', bad]);
    expect(check.status).not.toBe(0);
    expect(check.stdout + check.stderr).toMatch(/invalid|not prime|not congruent|pairwise/i);
    expect(() => createPrivateKey(readFileSync(bad))).not.toThrow();
  });

  it('client issue --key exits 4 with one sentence and writes nothing', () => {
    const { bad } = files[label]!;
    const before = { files: leafFiles(), index: index() };
    const r = mtlskit(['client', 'issue', 'victim', '--dir', pki, '--key', bad]);
    expect(r.status).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`The private key in ${bad} is damaged`);
    expect(r.stderr).not.toContain('    at ');
    expect(leafFiles()).toEqual(before.files);
    expect(index()).toBe(before.index);
    const json = mtlskit(['client', 'issue', 'victim', '--dir', pki, '--key', bad, '--json']);
    expect(json.status).toBe(4);
    expect(JSON.parse(json.stdout).error.code).toBe('BAD_KEY');
  });

  it('verify --key exits 1 and says the key is damaged, where the public parts alone match', () => {
    const { bad, good, name } = files[label]!;
    const ok = mtlskit(['verify', join(pki, `${name}.crt`), '--dir', pki, '--key', good]);
    expect(ok.status).toBe(0);
    const r = mtlskit(['verify', join(pki, `${name}.crt`), '--dir', pki, '--key', bad, '--json']);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { problems: { code: string; message: string }[] };
    expect(out.problems.map((p) => p.code)).toEqual(['BAD_KEY']);
    const human = mtlskit(['verify', join(pki, `${name}.crt`), '--dir', pki, '--key', bad]);
    expect(human.status).toBe(1);
    expect(human.stdout + human.stderr).toContain('is damaged');
  });

  it('import pfx of a bundle holding it (made by openssl pkcs12) exits 4 and writes nothing', () => {
    const { bad, name } = files[label]!;
    const pfx = join(tmp.dir, `${name}-bad.pfx`);
    const made = openssl([
      'pkcs12',
      '-export',
      '-inkey',
      bad,
      '-in',
      join(pki, `${name}.crt`),
      '-out',
      pfx,
      '-passout',
      'pass:pw',
    ]);
    expect(made.status).toBe(0);
    const out = join(tmp.dir, `${name}-import`);
    const r = mtlskit(['import', 'pfx', pfx, '--dir', out, '--passin', 'pass:pw']);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('is damaged');
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});

describe('a damaged CA key', () => {
  it('stops issuance with exit 4 before anything is written', () => {
    const ca = join(tmp.dir, 'broken-ca');
    mtlskitOk(['ca', 'init', '--dir', ca, '--subject', '/O=Broken CA', '--key-type', 'ec:P-256']);
    writeFileSync(join(ca, 'ca.key'), damageKey(readFileSync(join(ca, 'ca.key'), 'utf8'), 'd'), { mode: 0o600 });
    const before = readdirSync(ca).sort();
    const r = mtlskit(['client', 'issue', 'c1', '--dir', ca]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('ca.key is damaged');
    expect(readdirSync(ca).sort()).toEqual(before);
    expect(mtlskit(['crl', 'gen', '--dir', ca]).status).toBe(4);
  });
});

describe('csr sign', () => {
  it('refuses with exit 4 a CSR whose self-signature was made with a damaged EC key', () => {
    const bad = files[KEYS[2].label]!.bad;
    const csr = join(tmp.dir, 'damaged.csr');
    const made = openssl(['req', '-new', '-key', bad, '-subj', '/CN=damaged', '-out', csr]);
    expect(made.status).toBe(0);
    // openssl 3.0 exits 0 here but says so.
    const check = openssl(['req', '-verify', '-noout', '-in', csr]);
    expect(check.stdout + check.stderr).toContain('self-signature verify failure');
    const r = mtlskit(['csr', 'sign', csr, '--profile', 'client', '--name', 'damaged', '--dir', pki]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('does not verify');
    expect(existsSync(join(pki, 'damaged.crt'))).toBe(false);
  });
});
