import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/run.js';
import { CaStore, type StoreChangeRequest } from '../../src/store/ca-store.js';
import { HOST_TAG } from '../../src/store/atomic-write.js';
import { crashForTests, SimulatedCrash, type CrashPoint } from '../../src/store/journal.js';
import type { IndexEntry } from '../../src/store/index-file.js';
import { bootId, procStat, unrelatedProcess, zombieProcess } from './processes.js';

let tmp: { dir: string; cleanup: () => void };
let store: CaStore;
beforeEach(() => {
  tmp = tempDir();
  store = new CaStore(join(tmp.dir, 'pki'));
  store.ensureLayout();
});
afterEach(() => {
  crashForTests.at = undefined;
  tmp.cleanup();
});

const record = (serialHex: string, name: string): IndexEntry => ({
  status: 'V',
  notAfter: new Date('2030-01-01T00:00:00Z'),
  serialHex,
  name,
  subject: `/CN=${name}`,
});

/** A batch like `client issue --batch` makes: key, certificate (+ certs/SERIAL.pem link), chain, index lines. */
function batch(names: string[]): StoreChangeRequest {
  const d = store.paths.dir;
  return {
    files: names.flatMap((n, i) => [
      { path: join(d, `${n}.key`), data: `key ${n}`, mode: 0o600 },
      { path: join(d, `${n}.crt`), data: `cert ${n}`, links: [store.certPathForSerial(serialOf(i))] },
      { path: join(d, `${n}-chain.crt`), data: `chain ${n}` },
    ]),
    append: names.map((n, i) => record(serialOf(i), n)),
  };
}
const serialOf = (i: number) => (0x1000 + i).toString(16).toUpperCase();
const NAMES = ['b1', 'b2', 'b3', 'b4', 'b5'];

/** Everything in the folder that is not the state before the batch. */
function leftovers(): string[] {
  const all = [...readdirSync(store.paths.dir), ...readdirSync(store.paths.certsDir).map((f) => `certs/${f}`)];
  return all.filter((f) => f.endsWith('.tmp') || f === '.journal' || f === '.lock');
}

function expectAll(): void {
  const lines = readFileSync(store.paths.index, 'utf8').split('\n').filter(Boolean);
  expect(lines.map((l) => l.split('\t')[4])).toEqual(NAMES);
  NAMES.forEach((n, i) => {
    expect(readFileSync(join(store.paths.dir, `${n}.crt`), 'utf8')).toBe(`cert ${n}`);
    expect(readFileSync(store.certPathForSerial(serialOf(i)), 'utf8')).toBe(`cert ${n}`);
    expect(statSync(join(store.paths.dir, `${n}.key`)).mode & 0o777).toBe(0o600);
  });
}

function expectNone(): void {
  expect(readFileSync(store.paths.index, 'utf8')).toBe('');
  expect(readdirSync(store.paths.dir).sort()).toEqual(['certs', 'index.txt']);
  expect(readdirSync(store.paths.certsDir)).toEqual([]);
}

describe('store changes through the journal', () => {
  it('places every file and link, appends the records, and leaves no journal or temporary file', async () => {
    await store.withLock(() => store.commit(batch(NAMES)));
    expectAll();
    expect(statSync(join(store.paths.dir, 'b1.crt')).ino).toBe(statSync(store.certPathForSerial(serialOf(0))).ino);
    expect(leftovers()).toEqual([]);
  });

  const rolledBack: CrashPoint[] = ['planned', 'staged'];
  const rolledForward: CrashPoint[] = ['committed', 'half-placed', 'placed', 'index-torn', 'indexed'];
  for (const at of [...rolledBack, ...rolledForward]) {
    it(`a process dying at '${at}' leaves ${rolledBack.includes(at) ? 'none' : 'all'} of the batch once the next lock holder recovers`, async () => {
      crashForTests.at = at;
      const err = await store.withLock(() => store.commit(batch(NAMES))).catch((e) => e);
      expect(err).toBeInstanceOf(SimulatedCrash);
      expect(existsSync(join(store.paths.dir, '.journal'))).toBe(true);
      // The next command: taking the lock finishes or undoes the change before anything else.
      const other = new CaStore(store.paths.dir);
      await other.withLock(async () => undefined);
      if (rolledBack.includes(at)) {
        expectNone();
        expect(other.lastRecovery.actions.join(' ')).toMatch(/undid a change/);
      } else {
        expectAll();
        expect(other.lastRecovery.actions.join(' ')).toMatch(/finished a change/);
      }
      expect(leftovers()).toEqual([]);
    });
  }

  it('a revocation-style change (index and CRL files replaced together) is replaced whole after a crash', async () => {
    const d = store.paths.dir;
    writeFileSync(store.paths.index, 'old index\n');
    writeFileSync(join(d, 'crl.pem'), 'old crl');
    crashForTests.at = 'half-placed';
    const change = {
      files: [
        { path: store.paths.index, data: 'new index\n', replace: true },
        { path: join(d, 'crlnumber'), data: '02\n', replace: true },
        { path: join(d, 'crl.pem'), data: 'new crl', replace: true },
        { path: join(d, 'crl.der'), data: 'new der', replace: true },
      ],
    };
    await expect(store.withLock(() => store.commit(change))).rejects.toBeInstanceOf(SimulatedCrash);
    await new CaStore(d).withLock(async () => undefined);
    expect(readFileSync(store.paths.index, 'utf8')).toBe('new index\n');
    expect(readFileSync(join(d, 'crl.pem'), 'utf8')).toBe('new crl');
    expect(readFileSync(join(d, 'crl.der'), 'utf8')).toBe('new der');
    expect(leftovers()).toEqual([]);
  });

  it('refuses, without touching anything, a new file that appeared in the way (and undoes what it placed)', async () => {
    writeFileSync(join(store.paths.dir, 'b4.crt'), 'someone else');
    const err = await store.withLock(() => store.commit(batch(NAMES))).catch((e) => e);
    expect(err.code).toBe('FILE_EXISTS');
    expect(readFileSync(join(store.paths.dir, 'b4.crt'), 'utf8')).toBe('someone else');
    expect(readdirSync(store.paths.dir).sort()).toEqual(['b4.crt', 'certs', 'index.txt']);
    expect(readdirSync(store.paths.certsDir)).toEqual([]);
    expect(readFileSync(store.paths.index, 'utf8')).toBe('');
  });

  it('removes temporary files of ended processes and keeps those of running ones', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      const dead = 2 ** 22 + 4321;
      const d = store.paths.dir;
      const deadTemp = join(d, `.x.key.${dead}@${HOST_TAG}.0badc0de.tmp`);
      const oldStyle = join(d, `.y.crt.${dead}.0badc0de.tmp`);
      const liveTemp = join(d, `.z.key.${sleeper.pid}@${HOST_TAG}.0badc0de.tmp`);
      const otherHost = join(d, `.w.key.${dead}@00000000.0badc0de.tmp`);
      for (const f of [deadTemp, oldStyle, liveTemp, otherHost]) writeFileSync(f, 'secret');
      // A lock left by a dead process: taking it over scans for leftovers.
      writeFileSync(store.paths.lock, JSON.stringify({ pid: dead, host: (await import('node:os')).hostname() }));
      await store.withLock(async () => undefined);
      expect(existsSync(deadTemp)).toBe(false);
      expect(existsSync(oldStyle)).toBe(false);
      expect(existsSync(liveTemp)).toBe(true);
      expect(existsSync(otherHost)).toBe(true);
      expect(store.lastRecovery.actions.join(' ')).toMatch(/removed 2 temporary file/);
    } finally {
      sleeper.kill();
    }
  });

  it('leaves alone the journal of a process that is still running (STORE_BUSY)', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      const journal = join(store.paths.dir, '.journal');
      const plan = { v: 1, pid: sleeper.pid, host: HOST_TAG, started: new Date().toISOString(), entries: [] };
      writeFileSync(journal, JSON.stringify(plan) + '\n');
      const err = await store.withLock(async () => 'ran').catch((e) => e);
      expect(err.code).toBe('STORE_BUSY');
      expect(existsSync(journal)).toBe(true);
    } finally {
      sleeper.kill();
    }
  });

  /** An uncommitted journal (with one temporary file) written by `writer`, as a change left by it. */
  function journalBy(writer: { pid: number; start?: string; boot?: string }): { journal: string; temp: string } {
    const journal = join(store.paths.dir, '.journal');
    const temp = join(store.paths.dir, `.a.crt.${writer.pid}@${HOST_TAG}.0badc0de.tmp`);
    writeFileSync(temp, 'cert a');
    const entries = [{ tmp: '.a.crt.' + `${writer.pid}@${HOST_TAG}.0badc0de.tmp`, links: ['a.crt'] }];
    const plan = { v: 1, ...writer, host: HOST_TAG, started: new Date().toISOString(), entries };
    writeFileSync(journal, JSON.stringify(plan) + '\n');
    return { journal, temp };
  }

  it('undoes the journal of an ended process whose pid an unrelated running process has now (a reused pid)', async () => {
    const other = unrelatedProcess();
    try {
      // The writer started 5 s before the process that has its pid now, which started before the journal was written.
      const start = String(Number(procStat(other.pid).start) - 500);
      const { journal, temp } = journalBy({ pid: other.pid, start, boot: bootId() });
      await store.withLock(async () => undefined);
      expect(existsSync(journal)).toBe(false);
      expect(existsSync(temp)).toBe(false);
      expect(store.lastRecovery.actions.join(' ')).toMatch(/undid a change/);
    } finally {
      other.stop();
    }
  });

  it('undoes the journal of a killed process that its parent has not reaped yet (a zombie)', async () => {
    const zombie = await zombieProcess();
    try {
      expect(procStat(zombie.pid).state).toBe('Z');
      const { journal } = journalBy({ pid: zombie.pid, start: zombie.start, boot: bootId() });
      await store.withLock(async () => undefined);
      expect(existsSync(journal)).toBe(false);
    } finally {
      zombie.stop();
    }
  });

  it('leaves alone the journal of its running writer named by pid and start time (STORE_BUSY)', async () => {
    const other = unrelatedProcess();
    try {
      const { journal, temp } = journalBy({ pid: other.pid, start: procStat(other.pid).start, boot: bootId() });
      const err = await store.withLock(async () => 'ran').catch((e) => e);
      expect(err.code).toBe('STORE_BUSY');
      expect(existsSync(journal)).toBe(true);
      expect(existsSync(temp)).toBe(true);
    } finally {
      other.stop();
    }
  });

  it('records its writer by pid, start time and boot', async () => {
    crashForTests.at = 'planned';
    await expect(store.withLock(() => store.commit(batch(NAMES)))).rejects.toBeInstanceOf(SimulatedCrash);
    const plan = JSON.parse(readFileSync(join(store.paths.dir, '.journal'), 'utf8').split('\n')[0]!);
    expect(plan).toMatchObject({ pid: process.pid, start: procStat(process.pid).start, boot: bootId() });
  });
});
