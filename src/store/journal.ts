/**
 * Crash consistency for the CA store: every change (an issue, a batch, a revocation, a CRL, a new CA's
 * record in its parent) is one transaction, visible and recorded completely or not at all, whatever
 * moment a process dies (kill -9) or the machine loses power.
 *
 * Under the store lock, a change goes through these steps (README, "The PKI folder"):
 *  1. DIR/.journal is created holding the plan: every temporary file, the names it becomes, the index
 *     lines to append and index.txt's size before them (one JSON line).
 *  2. Every file is written to its temporary sibling `.NAME.PID@HOST.RANDOM.tmp` and synced.
 *  3. `commit SHA256` (of the plan line) is appended to the journal; the journal and the folders holding
 *     the temporary files are synced. From here on the change happens, even if this process dies.
 *  4. Temporary files become their names: hard links for new files (which refuse to replace a file that
 *     appeared meanwhile), rename for files that are replaced (index.txt, crlnumber, the CRL, --force).
 *  5. The index lines are appended to index.txt, which is synced; the folders are synced.
 *  6. The journal is removed and DIR synced.
 * The next process that takes the lock finds a journal left by a dead process and rolls it forward when
 * it is committed (steps 4-6 again; each is idempotent: a temporary file that is gone was placed, index
 * lines already present are not appended again) or back when it is not (its temporary files are removed;
 * nothing had been placed yet).
 */
import {
  closeSync,
  existsSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  fsyncSync,
  copyFileSync,
  constants,
  type Stats,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { MtlsError } from '../errors.js';
import { processStartMs, processState, selfIdentity } from './process-identity.js';
import {
  HOST_TAG,
  ioError,
  mapLimited,
  parseTempName,
  placementError,
  safeUnlink,
  syncDirectory,
  tempPathFor,
  writeTemp,
  writeTempSync,
  type PlannedFile,
} from './atomic-write.js';

export const JOURNAL_NAME = '.journal';

/** The moments a test can make a change stop at, as if its process were killed there (nothing is cleaned up). */
export type CrashPoint = 'planned' | 'staged' | 'committed' | 'half-placed' | 'placed' | 'index-torn' | 'indexed';

/** Tests only: set `at` and the next change throws SimulatedCrash there. */
export const crashForTests: { at?: CrashPoint } = {};

export class SimulatedCrash extends Error {}

function crashPoint(at: CrashPoint): void {
  if (crashForTests.at === at) {
    crashForTests.at = undefined;
    throw new SimulatedCrash(`simulated crash at ${at}`);
  }
}

export interface StoreFile {
  /** Where the file ends up (inside the store folder). */
  path: string;
  data: string | Uint8Array;
  /** 0o600 for private keys. */
  mode?: number;
  /** Replace the file if it exists (index.txt, crlnumber, the CRL; leaf files with --force). Otherwise it must be new. */
  replace?: boolean;
  /** Further names for the same bytes, made as hard links; always new files (certs/SERIAL.pem). */
  links?: string[];
}

export interface StoreChange {
  files: StoreFile[];
  /** Text appended to index.txt: whole lines, each ending with a line break. */
  indexText?: string;
}

/** One temporary file and what becomes of it (paths relative to the store folder, '/' separated). */
interface PlanEntry {
  tmp: string;
  /** New names: hard links. */
  links: string[];
  /** The name it is renamed to, replacing what is there. */
  rename?: string;
}

interface Plan {
  v: 1;
  pid: number;
  /** The writer's start time and boot (Linux), so that a reused pid is not taken for it. */
  start?: string;
  boot?: string;
  host: string;
  started: string;
  entries: PlanEntry[];
  /** index.txt's size before the change, and the lines appended to it. */
  index?: { size: number; text: string };
}

const rel = (dir: string, path: string) => relative(dir, path).split(sep).join('/');
const abs = (dir: string, path: string) => join(dir, ...path.split('/'));

function planChange(dir: string, indexPath: string, change: StoreChange): { plan: Plan; temps: PlannedFile[] } {
  const temps: PlannedFile[] = [];
  const entries: PlanEntry[] = change.files.map((file) => {
    const tmp = tempPathFor(file.path);
    temps.push({ path: tmp, data: file.data, mode: file.mode });
    const links = [...(file.replace ? [] : [file.path]), ...(file.links ?? [])].map((p) => rel(dir, resolve(p)));
    return { tmp: rel(dir, tmp), links, ...(file.replace ? { rename: rel(dir, resolve(file.path)) } : {}) };
  });
  const { start, boot } = selfIdentity();
  const plan: Plan = {
    v: 1,
    pid: process.pid,
    ...(start ? { start } : {}),
    ...(boot ? { boot } : {}),
    host: HOST_TAG,
    started: new Date().toISOString(),
    entries,
  };
  if (change.indexText) {
    const size = sizeOf(indexPath);
    // A last line without its line break (damaged from outside) stays a line of its own: doctor names it.
    const text = size > 0 && lastByte(indexPath, size) !== 10 ? '\n' + change.indexText : change.indexText;
    plan.index = { size, text };
  }
  return { plan, temps };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function lastByte(path: string, size: number): number {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0]!;
  } finally {
    closeSync(fd);
  }
}

/** The store folder a change writes into, with its index and journal. */
export interface JournalTarget {
  dir: string;
  index: string;
}

function writeNew(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new MtlsError(
        'STORE_BUSY',
        `${path} is in the way of a new change; run 'mtlskit doctor --repair --dir ${dirname(path)}' to finish the earlier one.`,
      );
    throw ioError(err, 'write');
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

function appendSynced(path: string, text: string): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Applies a change to the store as one transaction (call it holding the store lock, after recoverJournal).
 * Temporary files are written and synced in parallel (a batch of thousands pays the disk's latency once per
 * wave, not once per file); `sync` writes them one by one for the small changes of synchronous callers.
 */
export async function commitChange(target: JournalTarget, change: StoreChange): Promise<void> {
  const { plan, temps } = planChange(target.dir, target.index, change);
  const journal = join(target.dir, JOURNAL_NAME);
  const planLine = JSON.stringify(plan);
  writeNew(journal, planLine + '\n');
  crashPoint('planned');
  const settled = await mapLimited(temps, 32, (t) => writeTemp(t, t.path));
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    abandon(target.dir, plan, journal);
    throw ioError(failure.reason, 'write');
  }
  crashPoint('staged');
  finishCommit(target, plan, planLine, journal);
}

export function commitChangeSync(target: JournalTarget, change: StoreChange): void {
  const { plan, temps } = planChange(target.dir, target.index, change);
  const journal = join(target.dir, JOURNAL_NAME);
  const planLine = JSON.stringify(plan);
  writeNew(journal, planLine + '\n');
  crashPoint('planned');
  try {
    for (const t of temps) writeTempSync(t, t.path);
  } catch (err) {
    abandon(target.dir, plan, journal);
    throw ioError(err, 'write');
  }
  crashPoint('staged');
  finishCommit(target, plan, planLine, journal);
}

function finishCommit(target: JournalTarget, plan: Plan, planLine: string, journal: string): void {
  try {
    appendSynced(journal, `commit ${digest(planLine)}\n`);
    for (const d of foldersOf(target.dir, plan, (e) => [e.tmp])) syncDirectory(d);
  } catch (err) {
    abandon(target.dir, plan, journal);
    throw ioError(err, 'write');
  }
  crashPoint('committed');
  const placed: string[] = [];
  try {
    plan.entries.forEach((entry, i) => {
      if (i === Math.floor(plan.entries.length / 2)) crashPoint('half-placed');
      place(target.dir, entry, false, placed);
    });
  } catch (err) {
    if (err instanceof SimulatedCrash) throw err;
    // A new file appeared in the way (a command that does not take the lock wrote it): undo what this change
    // made new; files it replaced stay replaced (--force).
    for (const p of placed) safeUnlink(p);
    abandon(target.dir, plan, journal);
    throw placementError(err);
  }
  crashPoint('placed');
  if (plan.index && crashForTests.at === 'index-torn') {
    appendSynced(target.index, plan.index.text.slice(0, Math.floor(plan.index.text.length / 2)));
    crashPoint('index-torn');
  }
  finishIndexAndJournal(target, plan, journal);
}

function finishIndexAndJournal(target: JournalTarget, plan: Plan, journal: string): void {
  try {
    if (plan.index) appendIndexOnce(target.index, plan.index);
    for (const d of foldersOf(target.dir, plan, (e) => [...e.links, ...(e.rename ? [e.rename] : [])])) syncDirectory(d);
    crashPoint('indexed');
    unlinkSync(journal);
    syncDirectory(target.dir);
  } catch (err) {
    if (err instanceof SimulatedCrash) throw err;
    throw ioError(err, 'finish writing');
  }
}

/** Before the commit record: the change did not happen; its temporary files and journal go. */
function abandon(dir: string, plan: Plan, journal: string): void {
  for (const e of plan.entries) safeUnlink(abs(dir, e.tmp));
  safeUnlink(journal);
}

function foldersOf(dir: string, plan: Plan, paths: (e: PlanEntry) => string[]): Set<string> {
  const folders = new Set<string>([dir]);
  for (const e of plan.entries) for (const p of paths(e)) folders.add(dirname(abs(dir, p)));
  return folders;
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

function sameBytes(a: string, b: string): boolean {
  try {
    return readFileSync(a).equals(readFileSync(b));
  } catch {
    return false;
  }
}

/**
 * Gives one temporary file its names; idempotent, so that recovery can run it again after a crash at any
 * point: a name that already is this file is left alone, and the temporary file goes last.
 * `recovering`: a new name taken meanwhile by some other file is kept as it is (and reported), not an error.
 */
function place(dir: string, entry: PlanEntry, recovering: boolean, placed: string[], notes?: string[]): void {
  const tmp = abs(dir, entry.tmp);
  let tmpStat: Stats;
  try {
    tmpStat = statSync(tmp);
  } catch {
    return; // placed completely before
  }
  for (const name of entry.links) {
    const path = abs(dir, name);
    try {
      linkSync(tmp, path);
      placed.push(path);
    } catch (err) {
      let code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && existsSync(path)) code = 'EEXIST';
      if (code === 'EEXIST') {
        const there = statSync(path);
        if (sameFile(there, tmpStat) || sameBytes(tmp, path)) continue;
        if (!recovering) throw Object.assign(new Error(`${path} exists`), { code: 'EEXIST', path });
        notes?.push(`${path} already held another file; it was kept and the interrupted change's version dropped.`);
      } else if (code === 'EPERM' || code === 'EXDEV' || code === 'ENOTSUP' || code === 'EMLINK') {
        // No hard links here (some network and FUSE filesystems): a synced copy, renamed in.
        const copy = tempPathFor(path);
        copyFileSync(tmp, copy, constants.COPYFILE_EXCL);
        const fd = openSync(copy, 'r');
        fsyncSync(fd);
        closeSync(fd);
        linkOrKeep(copy, path, recovering, notes);
        placed.push(path);
      } else throw err;
    }
  }
  if (entry.rename) renameSync(tmp, abs(dir, entry.rename));
  else unlinkSync(tmp);
}

function linkOrKeep(copy: string, path: string, recovering: boolean, notes?: string[]): void {
  try {
    renameSync(copy, path);
  } catch (err) {
    safeUnlink(copy);
    if (!recovering) throw err;
    notes?.push(`${path} could not be written (${(err as NodeJS.ErrnoException).code}).`);
  }
}

/**
 * Appends the change's index lines unless they are there: the bytes after the recorded size are a prefix of
 * them (a crash during or after the append) or, if the index was changed otherwise, lines whose serial it lacks.
 */
function appendIndexOnce(indexPath: string, index: { size: number; text: string }): void {
  const text = Buffer.from(index.text, 'utf8');
  let current: Buffer;
  try {
    current = readFileSync(indexPath);
  } catch {
    current = Buffer.alloc(0);
  }
  if (current.length === index.size) {
    appendSynced(indexPath, index.text);
    return;
  }
  if (current.length > index.size && current.length - index.size <= text.length) {
    const written = current.subarray(index.size);
    if (written.equals(text.subarray(0, written.length))) {
      if (written.length < text.length) appendSynced(indexPath, text.subarray(written.length).toString('utf8'));
      else syncFile(indexPath);
      return;
    }
  }
  // The index changed some other way: add the lines whose serial it does not hold, on a line of their own.
  const present = new Set(
    current
      .toString('utf8')
      .split('\n')
      .map((l) => (l.split('\t')[3] ?? '').toUpperCase()),
  );
  const missing = index.text
    .split('\n')
    .filter((l) => l.length > 0 && !present.has((l.split('\t')[3] ?? '').toUpperCase()));
  if (missing.length === 0) return;
  const lead = current.length > 0 && current[current.length - 1] !== 10 ? '\n' : '';
  appendSynced(indexPath, lead + missing.map((l) => l + '\n').join(''));
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface RecoveryReport {
  /** What was done, one sentence each (doctor --repair prints them). */
  actions: string[];
}

/**
 * True when the process that wrote a file (pid on machine `host`, file last changed at `mtimeMs`) has ended.
 * With the writer's start time recorded (journals; process-identity.ts), a process with that id and another
 * start time is a later one that was given the same id. Without it (temporary files' names, journals of
 * older versions), a process with that id that started more than 2 s after the file was last changed is.
 * A file of another machine, or of a running writer, is never judged ended.
 */
export function writerIsGone(
  pid: number,
  host: string | undefined,
  mtimeMs: number,
  identity: { start?: string; boot?: string } = {},
): boolean {
  if (host !== undefined && host !== HOST_TAG) return false;
  const state = processState({ pid, ...identity });
  if (state !== 'running') return state === 'gone';
  if (pid === process.pid) return false;
  const started = processStartMs(pid);
  return started !== undefined && started > mtimeMs + 2000;
}

export interface JournalState {
  path: string;
  /** Undefined when the plan cannot be read (a torn first line). */
  pid?: number;
  host?: string;
  committed: boolean;
  started?: string;
  /** The process that wrote it has ended (so it is left over, not in progress). */
  orphaned: boolean;
  files: number;
}

function readJournal(path: string): { state: JournalState; plan?: Plan } | undefined {
  let text: string;
  let mtimeMs: number;
  try {
    text = readFileSync(path, 'utf8');
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
  const [planLine = '', commitLine = ''] = text.split('\n');
  let plan: Plan | undefined;
  try {
    const parsed = JSON.parse(planLine) as Plan;
    if (parsed && parsed.v === 1 && Array.isArray(parsed.entries)) plan = parsed;
  } catch {
    plan = undefined;
  }
  const committed = plan !== undefined && commitLine === `commit ${digest(planLine)}`;
  const orphaned = plan
    ? writerIsGone(plan.pid, plan.host, mtimeMs, { start: plan.start, boot: plan.boot })
    : Date.now() - mtimeMs > 60_000;
  return {
    plan,
    state: {
      path,
      pid: plan?.pid,
      host: plan?.host,
      committed,
      started: plan?.started,
      orphaned,
      files: plan?.entries.length ?? 0,
    },
  };
}

/** The journal left in a store folder, if any (doctor reports it). */
export function journalState(dir: string): JournalState | undefined {
  return readJournal(join(dir, JOURNAL_NAME))?.state;
}

/**
 * Finishes or undoes a change left by a process that died (call it holding the lock, before reading the
 * store). `scanTemps`: also remove temporary files of ended processes anywhere in the folder (after taking
 * over a dead process's lock, and in doctor --repair).
 */
export function recoverJournal(target: JournalTarget, opts: { scanTemps: boolean }): RecoveryReport {
  const actions: string[] = [];
  const journal = join(target.dir, JOURNAL_NAME);
  const found = existsSync(journal) ? readJournal(journal) : undefined;
  let scan = opts.scanTemps;
  if (found) {
    const { plan, state } = found;
    if (plan && !state.orphaned && plan.pid !== process.pid) {
      throw new MtlsError(
        'STORE_BUSY',
        `Process ${plan.pid} is still writing ${target.dir} (its journal ${journal} is from ${plan.started}); wait for it to finish.`,
      );
    }
    if (!plan) {
      // Torn while the plan was written: nothing was placed; its temporary files are found by the scan.
      safeUnlink(journal);
      syncDirectory(target.dir);
      scan = true;
      actions.push(
        `removed an unreadable journal (${journal}) of an interrupted change; nothing of it had been placed.`,
      );
    } else if (state.committed) {
      const notes: string[] = [];
      const placed: string[] = [];
      try {
        for (const entry of plan.entries) place(target.dir, entry, true, placed, notes);
      } catch (err) {
        throw ioError(err, 'finish the interrupted change in');
      }
      finishIndexAndJournal(target, plan, journal);
      const lines = plan.index ? plan.index.text.split('\n').length - 1 : 0;
      actions.push(
        `finished a change interrupted on ${plan.started} (process ${plan.pid}): ${plan.entries.length} file(s)` +
          (lines ? ` and ${lines} index line(s)` : '') +
          ' are in place.',
        ...notes,
      );
    } else {
      for (const e of plan.entries) safeUnlink(abs(target.dir, e.tmp));
      safeUnlink(journal);
      syncDirectory(target.dir);
      actions.push(
        `undid a change interrupted on ${plan.started} (process ${plan.pid}) before it was committed: its ${plan.entries.length} temporary file(s) were removed and nothing of it was placed.`,
      );
    }
  }
  if (scan) {
    const removed = removeOrphanTemps(target.dir);
    if (removed.length > 0) actions.push(`removed ${removed.length} temporary file(s) left by ended processes.`);
  }
  return { actions };
}

export interface TempFileState {
  path: string;
  pid: number;
  host?: string;
  orphaned: boolean;
}

/** Temporary files in the store folder and certs/ (doctor reports them; recovery removes the orphaned ones). */
export function findTempFiles(dir: string): TempFileState[] {
  const found: TempFileState[] = [];
  for (const folder of [dir, join(dir, 'certs')]) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      if (name.charCodeAt(0) !== 46 /* . */ || !name.endsWith('.tmp')) continue;
      const parsed = parseTempName(name);
      if (!parsed) continue;
      const path = join(folder, name);
      let mtimeMs: number;
      try {
        mtimeMs = statSync(path).mtimeMs;
      } catch {
        continue;
      }
      found.push({
        path,
        pid: parsed.pid,
        host: parsed.host,
        orphaned: writerIsGone(parsed.pid, parsed.host, mtimeMs),
      });
    }
  }
  return found;
}

export function removeOrphanTemps(dir: string): string[] {
  const removed: string[] = [];
  for (const t of findTempFiles(dir)) {
    if (!t.orphaned) continue;
    safeUnlink(t.path);
    removed.push(t.path);
  }
  if (removed.length > 0) for (const d of new Set(removed.map((p) => dirname(p)))) syncDirectory(d);
  return removed;
}
