/**
 * All-or-nothing file writes: every target is checked first, each file is written to a temporary
 * sibling, synced, and renamed into place only when all of them are ready. A crash or an error
 * leaves either the old files or the new ones, never a torn file.
 */
import {
  close,
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  linkSync,
  mkdirSync,
  open,
  openSync,
  renameSync,
  unlinkSync,
  write,
  writeSync,
} from 'node:fs';
import { promisify } from 'node:util';
import { basename, dirname, join, resolve } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { MtlsError } from '../errors.js';

export interface PlannedFile {
  path: string;
  data: string | Uint8Array;
  /** 0o600 for private keys. */
  mode?: number;
}

export interface WriteOptions {
  /** Replace files that already exist (the CLI's --force). */
  overwrite: boolean;
}

export function assertWritable(paths: string[], opts: WriteOptions): void {
  if (opts.overwrite) return;
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0) throw existingFilesError(existing);
}

/**
 * FILE_EXISTS for files that are in the way: all of them named when they are few, otherwise how many and a
 * few of them, so that the sentence stays short however large the batch (--json carries the whole list).
 */
export function existingFilesError(existing: string[]): MtlsError {
  if (existing.length <= 3) {
    return new MtlsError(
      'FILE_EXISTS',
      `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written. Use --force to replace, or choose another name or --dir.`,
      { existing },
    );
  }
  const folders = new Set(existing.map((p) => dirname(p)));
  const where = folders.size === 1 && [...folders][0]!.length <= 100 ? ` in ${[...folders][0]}` : '';
  return new MtlsError(
    'FILE_EXISTS',
    `${existing.length} files already exist${where}: ${listFew(existing.map((p) => basename(p)))}; nothing was written; use --force or another --dir.`,
    { existing },
  );
}

/** "a, b, c … z": the first three items and the last, each at most 32 characters. */
export function listFew(items: string[]): string {
  const short = (s: string) => (s.length > 32 ? `${s.slice(0, 31)}…` : s);
  if (items.length <= 4) return items.map(short).join(', ');
  return `${items.slice(0, 3).map(short).join(', ')} … ${short(items[items.length - 1]!)}`;
}

/** Eight hex digits naming this machine in temporary file names (a host name may hold dots). */
export const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/**
 * `.NAME.PID@HOST.RANDOM.tmp` next to its target: the process and machine that wrote it are in its name, so
 * a later process can tell a dead writer's leftovers from a live one's work in progress.
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}@${HOST_TAG}.${randomBytes(4).toString('hex')}.tmp`);
}

export interface TempName {
  /** The file it was to become (a sibling). */
  target: string;
  pid: number;
  /** HOST_TAG of the machine that wrote it; undefined for names written before mtlskit recorded it. */
  host?: string;
}

/** Reads a temporary file's name (current and older forms); undefined for any other name. */
export function parseTempName(name: string): TempName | undefined {
  let m = /^\.(.+)\.(\d+)@([0-9a-f]{8})\.[0-9a-f]{8}\.tmp$/.exec(name);
  if (m) return { target: m[1]!, pid: Number(m[2]), host: m[3]! };
  m = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
  if (m) return { target: m[1]!, pid: Number(m[2]) };
  return undefined;
}

function bytesOf(file: PlannedFile): Uint8Array {
  return typeof file.data === 'string' ? Buffer.from(file.data, 'utf8') : file.data;
}

export function writeTempSync(file: PlannedFile, tmp = tempPathFor(file.path)): string {
  const fd = openSync(tmp, 'wx', file.mode ?? 0o644);
  try {
    const bytes = bytesOf(file);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

// node:fs's callback functions on the thread pool, rather than node:fs/promises, whose loading costs an issuing
// command about 3 ms (issue 19).
const openAsync = promisify(open);
const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);
const closeAsync = promisify(close);

export async function writeTemp(file: PlannedFile, tmp = tempPathFor(file.path)): Promise<string> {
  const fd = await openAsync(tmp, 'wx', file.mode ?? 0o644);
  try {
    const bytes = bytesOf(file);
    for (let offset = 0; offset < bytes.length;)
      offset += (await writeAsync(fd, bytes, offset, bytes.length - offset)).bytesWritten;
    await fsyncAsync(fd);
  } finally {
    await closeAsync(fd);
  }
  return tmp;
}

/** Runs `fn` over `items` with at most `limit` in flight; keeps the input order. */
export async function mapLimited<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]!) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Writes every planned file or none of them. Temporary files are written and synced in parallel
 * (a batch of thousands of certificates pays the disk's latency once per wave, not once per file).
 */
export async function writeFilesAtomically(files: PlannedFile[], opts: WriteOptions): Promise<void> {
  assertWritable(
    files.map((f) => f.path),
    opts,
  );
  const settled = await mapLimited(files, 32, writeTemp);
  const temps = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    for (const tmp of temps) safeUnlink(tmp);
    throw ioError(failure.reason, 'write');
  }
  placeAll(files, temps, opts);
}

export function writeFileAtomically(file: PlannedFile, opts: WriteOptions): void {
  assertWritable([file.path], opts);
  let tmp: string;
  try {
    tmp = writeTempSync(file);
  } catch (err) {
    throw ioError(err, 'write');
  }
  placeAll([file], [tmp], opts);
}

/** Moves the synced temporary files into place; without --force, link() refuses files that appeared meanwhile. */
function placeAll(files: PlannedFile[], temps: string[], opts: WriteOptions): void {
  const placed: string[] = [];
  try {
    files.forEach((file, i) => {
      if (opts.overwrite) {
        renameSync(temps[i]!, file.path);
      } else {
        linkSync(temps[i]!, file.path);
        placed.push(file.path);
        unlinkSync(temps[i]!);
      }
    });
  } catch (err) {
    for (const tmp of temps) safeUnlink(tmp);
    // Without --force every placed file is new: removing them restores the state before the call.
    for (const path of placed) safeUnlink(path);
    throw placementError(err);
  }
}

export function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

export function placementError(err: unknown): MtlsError {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  if (e.code === 'EEXIST') {
    return new MtlsError(
      'FILE_EXISTS',
      `${e.dest ?? e.path ?? 'A target file'} appeared while writing; use --force to replace it.`,
    );
  }
  return ioError(err, 'write');
}

/** Makes a folder's entries (files created, renamed or removed in it) durable. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    // Some filesystems cannot sync a folder (EINVAL/EISDIR); the files themselves were synced.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'ENOTSUP') throw ioError(err, 'sync');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function ioError(err: unknown, action: string): MtlsError {
  if (err instanceof MtlsError) return err;
  const e = err as NodeJS.ErrnoException;
  return new MtlsError(
    'IO_ERROR',
    `Could not ${action} ${e.path ?? 'a file'} (${e.code ?? e.message}); check the folder exists and is writable.`,
  );
}

/**
 * `mkdir -p` one level at a time. Node's recursive mkdir can spin forever on filesystems that answer
 * oddly (e.g. under /proc); this stops at the first real error and names the folder.
 */
export function makeDirectory(path: string): void {
  const missing: string[] = [];
  let current = resolve(path);
  while (!existsSync(current)) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(err, 'create the folder');
    }
  }
}
