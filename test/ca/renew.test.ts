/**
 * renew as one transaction: the new certificates and records, index.txt.attr and (--revoke-old) the revocations
 * and the CRL. A process dying at any point of it leaves, once the next lock holder has recovered, all of it or
 * none of it: never a renewed certificate whose predecessor is still valid, nor index.txt.attr on its own.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { mtlskitOk, tempDir } from '../helpers/run.js';
import { CaStore } from '../../src/store/ca-store.js';
import { crashForTests, SimulatedCrash, type CrashPoint } from '../../src/store/journal.js';
import { loadCa } from '../../src/ca/load-ca.js';
import { renewCertificates } from '../../src/ca/renew.js';

let tmp: { dir: string; cleanup: () => void };
let base: string;
beforeAll(() => {
  tmp = tempDir('mtlskit-renew-tx-');
  base = join(tmp.dir, 'base');
  mtlskitOk(['ca', 'init', '--dir', base, '--key-type', 'ec:P-256', '--subject', '/CN=Renew Tx CA']);
  for (const n of ['a', 'b'])
    mtlskitOk(['client', 'issue', n, '--dir', base, '--key-type', 'ec:P-256', '--days', '30']);
});
afterAll(() => tmp.cleanup());

let dir: string;
let n = 0;
beforeEach(() => {
  dir = join(tmp.dir, `run-${n++}`);
  cpSync(base, dir, { recursive: true });
});
afterEach(() => {
  crashForTests.at = undefined;
});

const serialOf = (name: string) => new X509Certificate(readFileSync(join(dir, `${name}.crt`))).serialNumber;
const indexLines = () =>
  readFileSync(join(dir, 'index.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
/** Serials the CRL lists, read by openssl. */
const crlSerials = () =>
  existsSync(join(dir, 'crl.pem'))
    ? [
        ...execFileSync('openssl', ['crl', '-in', join(dir, 'crl.pem'), '-noout', '-text'], {
          encoding: 'utf8',
        }).matchAll(/Serial Number: ([0-9A-F]+)/g),
      ].map((m) => m[1]!)
    : [];

async function renew(revokeOld: boolean, crashAt?: CrashPoint): Promise<unknown> {
  const store = new CaStore(dir);
  const ca = await loadCa(store, async () => '');
  crashForTests.at = crashAt;
  return renewCertificates(ca, { names: ['a', 'b'], rekey: false, revokeOld, crlDays: 7 }).catch((e) => e);
}

/** The next command: taking the lock finishes or undoes what a dead process left. */
async function recover(): Promise<void> {
  await new CaStore(dir).withLock(async () => undefined);
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp') || f === '.journal' || f === '.lock')).toEqual([]);
}

describe('renew --revoke-old is one transaction', () => {
  for (const at of ['planned', 'staged', 'committed', 'half-placed', 'placed', 'indexed'] as CrashPoint[]) {
    it(`a process dying at '${at}' leaves the renewal whole or not begun`, async () => {
      const before = { a: serialOf('a'), b: serialOf('b') };
      const lines = indexLines().length;
      expect(await renew(true, at)).toBeInstanceOf(SimulatedCrash);
      await recover();
      const after = { a: serialOf('a'), b: serialOf('b') };
      const index = indexLines();
      const status = (serial: string) => index.find((f) => f[3] === serial)?.[0];
      if (['planned', 'staged'].includes(at)) {
        expect(after).toEqual(before);
        expect(index.length).toBe(lines);
        expect([status(before.a), status(before.b)]).toEqual(['V', 'V']);
        expect(crlSerials()).toEqual([]);
        expect(existsSync(join(dir, 'index.txt.attr'))).toBe(false);
      } else {
        expect(after.a).not.toBe(before.a);
        expect(after.b).not.toBe(before.b);
        expect(index.length).toBe(lines + 2);
        expect([status(after.a), status(after.b)]).toEqual(['V', 'V']);
        // The superseded ones are revoked, and the CRL written in the same transaction lists them.
        expect([status(before.a), status(before.b)]).toEqual(['R', 'R']);
        expect(crlSerials().sort()).toEqual([before.a, before.b].sort());
        expect(readFileSync(join(dir, 'index.txt.attr'), 'utf8')).toBe('unique_subject = no\n');
      }
    });
  }

  it('without a crash: renewed, revoked, CRL and index.txt.attr, and nothing left over', async () => {
    const before = serialOf('a');
    const r = (await renew(true)) as { revoked: string[] };
    expect(r.revoked).toHaveLength(2);
    await recover();
    expect(indexLines().find((f) => f[3] === before)?.[0]).toBe('R');
    expect(crlSerials()).toContain(before);
  });
});

describe('renew without --revoke-old: index.txt.attr goes with the new records', () => {
  for (const at of ['planned', 'indexed'] as CrashPoint[]) {
    it(`a process dying at '${at}' leaves index.txt.attr exactly when the renewed records are there`, async () => {
      const lines = indexLines().length;
      expect(await renew(false, at)).toBeInstanceOf(SimulatedCrash);
      await recover();
      const renewed = indexLines().length === lines + 2;
      expect(renewed).toBe(at === 'indexed');
      expect(existsSync(join(dir, 'index.txt.attr'))).toBe(renewed);
    });
  }
});
