/**
 * ca adopt writes its whole folder, index.txt.attr with index.txt, as one journal transaction: a process dying
 * at any point leaves, once the next lock holder has recovered, all of it or none of it.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mtlskitOk, tempDir } from '../helpers/run.js';
import { CaStore } from '../../src/store/ca-store.js';
import { crashForTests, SimulatedCrash, type CrashPoint } from '../../src/store/journal.js';
import { adoptCa } from '../../src/ca/adopt-ca.js';

let tmp: { dir: string; cleanup: () => void };
let source: string;
beforeAll(() => {
  tmp = tempDir('mtlskit-adopt-tx-');
  source = join(tmp.dir, 'source');
  mtlskitOk(['ca', 'init', '--dir', source, '--key-type', 'ec:P-256', '--subject', '/CN=Adopt Tx CA']);
  mtlskitOk(['client', 'issue', 'c1', '--dir', source, '--key-type', 'ec:P-256']);
});
afterAll(() => tmp.cleanup());
afterEach(() => {
  crashForTests.at = undefined;
});

let n = 0;
for (const at of ['planned', 'staged', 'committed', 'half-placed', 'indexed'] as CrashPoint[]) {
  describe(`ca adopt, a process dying at '${at}'`, () => {
    it('leaves index.txt.attr exactly when the adopted index and CA are there', async () => {
      const dir = join(tmp.dir, `adopt-${n++}`);
      crashForTests.at = at;
      const err = await adoptCa({
        dir,
        keyFile: join(source, 'ca.key'),
        certFile: join(source, 'ca.crt'),
        certs: [join(source, 'c1.crt')],
        password: async () => '',
        force: false,
      }).catch((e) => e);
      expect(err).toBeInstanceOf(SimulatedCrash);
      await new CaStore(dir).withLock(async () => undefined);
      const whole = ['planned', 'staged'].includes(at) ? false : true;
      for (const f of ['ca.crt', 'ca.key', 'index.txt', 'crlnumber', 'index.txt.attr'])
        expect(existsSync(join(dir, f)), f).toBe(whole);
      if (whole) {
        expect(readFileSync(join(dir, 'index.txt.attr'), 'utf8')).toBe('unique_subject = no\n');
        expect(readFileSync(join(dir, 'index.txt'), 'utf8')).toContain('\tc1\t');
      }
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp') || f === '.journal' || f === '.lock')).toEqual([]);
    });
  });
}
