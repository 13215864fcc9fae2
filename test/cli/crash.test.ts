/**
 * kill -9 at any moment leaves the CA store consistent: a batch is all there and recorded, or not there at all,
 * after the next command; no temporary file or journal is left; doctor finds nothing wrong.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, mtlskitOk, tempDir } from '../helpers/run.js';
import { examineStore } from '../../src/store/doctor.js';

let tmp: { dir: string; cleanup: () => void };
let base: string;
beforeAll(() => {
  tmp = tempDir('mtlskit-crash-');
  base = join(tmp.dir, 'base');
  mtlskitOk(['ca', 'init', '--dir', base, '--key-type', 'ec:P-256', '--subject', '/O=Crash Test/CN=Crash CA']);
});
afterAll(() => tmp.cleanup());

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What the process wrote to stderr, kept so that a failing batch can be diagnosed from the test's output. */
  stderr: string;
  /** Its process id and how long it ran, for matching with a journal or lock that names it. */
  pid?: number;
  ms: number;
}

function start(args: string[]) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const chunks: Buffer[] = [];
  child.stderr!.on('data', (c: Buffer) => chunks.push(c));
  // 'close': the exit status and all of stderr.
  const done = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) =>
      resolve({
        code,
        signal,
        stderr: Buffer.concat(chunks).toString('utf8'),
        pid: child.pid,
        ms: Math.round(performance.now() - t0),
      }),
    ),
  );
  return { child, done };
}

/** A batch's exit, for an assertion message: status or signal, pid, run time and its stderr. */
const describeExit = (e: Exit) =>
  `exit ${e.code ?? e.signal} of process ${e.pid} after ${e.ms} ms; stderr: ${JSON.stringify(e.stderr.trim())}`;

function batchFile(path: string, names: string[]): void {
  writeFileSync(path, ['name', ...names].join('\n') + '\n');
}

const issueArgs = (dir: string, file: string) => [
  'client',
  'issue',
  '--dir',
  dir,
  '--batch',
  file,
  '--key-type',
  'ec:P-256',
];

/** Journals, temporary files, locks and claims to take a lock over, anywhere in the store. */
function leftovers(dir: string): string[] {
  const names = [...readdirSync(dir), ...readdirSync(join(dir, 'certs')).map((f) => `certs/${f}`)];
  return names.filter(
    (f) => f.endsWith('.tmp') || f.endsWith('.journal') || f.endsWith('.lock') || f.startsWith('.lock-reap.'),
  );
}

interface IndexLine {
  serial: string;
  name: string;
}

function indexLines(dir: string): IndexLine[] {
  return readFileSync(join(dir, 'index.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split('\t');
      return { serial: f[3]!, name: f[4]! };
    });
}

/**
 * All of `names` issued and recorded, or none of them present at all: returns which. Checked with Node's
 * X509Certificate (not mtlskit's reader): NAME.crt's serial has an index line for NAME and a certs/SERIAL.pem
 * with the same bytes.
 */
function allOrNone(dir: string, names: string[], index = indexLines(dir)): 'all' | 'none' {
  const present = names.filter((n) => existsSync(join(dir, `${n}.crt`)));
  const byName = new Map(index.map((l) => [l.name, l]));
  if (present.length === 0) {
    for (const n of names) {
      for (const ext of ['.key', '.csr', '-chain.crt']) expect(existsSync(join(dir, n + ext)), n + ext).toBe(false);
      expect(byName.has(n), `index line for ${n}`).toBe(false);
    }
    return 'none';
  }
  expect(present.length, `${present.length} of ${names.length} certificates present`).toBe(names.length);
  for (const n of names) {
    const pem = readFileSync(join(dir, `${n}.crt`));
    const serial = new X509Certificate(pem).serialNumber.toUpperCase();
    expect(byName.get(n)?.serial, `index record of ${n}`).toBe(serial);
    expect(readFileSync(join(dir, 'certs', `${serial}.pem`)).equals(pem), `certs/${serial}.pem`).toBe(true);
    for (const ext of ['.key', '.csr', '-chain.crt']) expect(existsSync(join(dir, n + ext)), n + ext).toBe(true);
  }
  return 'all';
}

function expectDoctorClean(dir: string): void {
  const report = examineStore(dir);
  expect(report.problems.map((p) => p.message)).toEqual([]);
}

describe('kill -9 during client issue --batch', () => {
  it('at 24 points spread over the run, its staging and its commit, the next command finds all or none, recorded, and nothing left over', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `k${i}`);
    const file = join(tmp.dir, 'kill.csv');
    batchFile(file, names);

    // A first full run, timed: its length, and when its journal exists (the commit: staging, renames, index).
    const first = join(tmp.dir, 'first');
    cpSync(base, first, { recursive: true });
    const seen: number[] = [];
    const t0 = performance.now();
    const watcher = watch(first, (_type, f) => {
      if (f === '.journal') seen.push(performance.now() - t0);
    });
    const run = start(issueArgs(first, file));
    const exit = await run.done;
    const total = performance.now() - t0;
    watcher.close();
    expect(exit.code, describeExit(exit)).toBe(0);
    expect(allOrNone(first, names)).toBe('all');
    expect(seen.length).toBeGreaterThan(0);
    const [j0, j1] = [Math.min(...seen), Math.max(...seen)];

    // Ten kills spread over the whole run, from its start; four while it stages its files, from the moment this
    // run's first temporary file appears; ten spread over the commit, from the moment its journal appears. The
    // last two follow each run's own progress: under load a run can take several times as long as the first one.
    const points = [
      ...Array.from({ length: 10 }, (_, i) => ({ from: 'start' as const, at: ((i + 0.5) / 10) * total })),
      ...[0, 2, 5, 10].map((at) => ({ from: 'staging' as const, at })),
      ...Array.from({ length: 10 }, (_, i) => ({ from: 'journal' as const, at: ((i + 0.5) / 10) * (j1 - j0) })),
    ];
    const outcomes: { at: string; killed: boolean; leftover: boolean; result: 'all' | 'none' }[] = [];
    for (const [i, { from, at }] of points.entries()) {
      const dir = join(tmp.dir, `kill-${i}`);
      cpSync(base, dir, { recursive: true });
      const r = start(issueArgs(dir, file));
      const kill = () => setTimeout(() => r.child.kill('SIGKILL'), at);
      let timer = from === 'start' ? kill() : undefined;
      const sign = (f: string) => (from === 'journal' ? f === '.journal' : f.endsWith('.tmp'));
      const journalWatch =
        from === 'start'
          ? undefined
          : watch(dir, (_type, f) => {
              if (f && sign(f) && !timer) timer = kill();
            });
      const e = await r.done;
      clearTimeout(timer);
      journalWatch?.close();
      // Evidence that the kill caught the commit: a journal or temporary files for the next command to clear.
      const leftover = leftovers(dir).some((f) => !f.endsWith('.lock'));
      // The next command that takes the lock finishes or undoes what the killed one left.
      mtlskitOk(['crl', 'gen', '--dir', dir]);
      const result = allOrNone(dir, names);
      const when = `${Math.round(at)} ms after its ${from}`;
      expect(leftovers(dir), `left in ${dir} after the kill ${when}`).toEqual([]);
      expectDoctorClean(dir);
      outcomes.push({ at: when, killed: e.signal === 'SIGKILL', leftover, result });
    }
    // The kills did land before, during and after the commit: both outcomes, and recoveries, were exercised.
    expect(outcomes.some((o) => o.killed && o.result === 'none')).toBe(true);
    expect(outcomes.some((o) => o.result === 'all')).toBe(true);
    expect(
      outcomes.filter((o) => o.killed && o.leftover).length,
      `kills that left a journal or temporary files: ${JSON.stringify(outcomes)}`,
    ).toBeGreaterThan(0);
  }, 600_000);
});

describe('chaos: 8 processes issuing 1,000 certificates while a ninth kills one every few hundred ms', () => {
  it('leaves a store where one command, then doctor, finds everything sound, no serial twice, every file recorded', async () => {
    const dir = join(tmp.dir, 'chaos');
    cpSync(base, dir, { recursive: true });
    const BATCH = 25;
    const TARGET = 1000;
    let issued = 0;
    let kills = 0;
    const running = new Set<ReturnType<typeof start>>();
    const batches: { names: string[]; exit: Exit }[] = [];

    const lane = async (laneNo: number) => {
      for (let round = 0; issued < TARGET; round++) {
        const names = Array.from({ length: BATCH }, (_, j) => `l${laneNo}-r${round}-${j}`);
        const file = join(tmp.dir, `chaos-${laneNo}-${round}.csv`);
        batchFile(file, names);
        const r = start(issueArgs(dir, file));
        running.add(r);
        const exit = await r.done;
        running.delete(r);
        batches.push({ names, exit });
        if (exit.code === 0) issued += BATCH;
        else expect(exit.signal, `a batch failed: ${describeExit(exit)}`).toBe('SIGKILL');
      }
    };

    let stop = false;
    const killer = (async () => {
      while (!stop) {
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
        const victims = [...running];
        // A bounded number of kills keeps the run short on a slow machine; every batch can still be hit.
        if (victims.length === 0 || kills >= 60) continue;
        victims[Math.floor(Math.random() * victims.length)]!.child.kill('SIGKILL');
        kills++;
      }
    })();
    await Promise.all(Array.from({ length: 8 }, (_, i) => lane(i)));
    stop = true;
    await killer;
    expect(issued).toBeGreaterThanOrEqual(TARGET);
    expect(kills).toBeGreaterThan(5);

    // One command, then doctor.
    mtlskitOk(['crl', 'gen', '--dir', dir]);
    const doctor = mtlskitOk(['doctor', '--dir', dir, '--json']);
    expect(JSON.parse(doctor.stdout)).toMatchObject({ ok: true, sound: true, problems: [] });

    const index = indexLines(dir);
    expect(index.length).toBeGreaterThanOrEqual(TARGET);
    expect(new Set(index.map((l) => l.serial)).size).toBe(index.length);
    const recordedNames = new Set(index.map((l) => l.name));
    const recordedSerials = new Set(index.map((l) => l.serial));
    for (const f of readdirSync(dir)) {
      if (f.endsWith('.crt') && f !== 'ca.crt' && !f.endsWith('-chain.crt'))
        expect(recordedNames.has(f.slice(0, -4)), `${f} is in index.txt`).toBe(true);
    }
    for (const f of readdirSync(join(dir, 'certs')))
      expect(recordedSerials.has(f.slice(0, -4)), `certs/${f}`).toBe(true);
    for (const b of batches) {
      const result = allOrNone(dir, b.names, index);
      if (b.exit.code === 0) expect(result).toBe('all');
    }
    expect(leftovers(dir)).toEqual([]);
  }, 600_000);
});
