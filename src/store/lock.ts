/**
 * An exclusive lock on a CA directory, shared by every mtlskit process on the machine (parallel CI
 * jobs). The lock is a file created with O_EXCL holding the owner's pid; a lock whose owner is gone,
 * that is empty or torn and older than TORN_STALE_AFTER_MS, or older than STALE_AFTER_MS, is recovered.
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { MtlsError } from '../errors.js';
import { ioError } from './atomic-write.js';

const STALE_AFTER_MS = 10 * 60_000;
const TORN_STALE_AFTER_MS = 5_000;
const DEFAULT_TIMEOUT_MS = 60_000;

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o644);
    const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    writeSync(fd, JSON.stringify(owner));
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw ioError(err, 'create the lock');
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the lock if its owner is provably gone: 'removed' when it did, 'released' when it was gone already. */
function recoverStaleLock(path: string): 'removed' | 'released' | false {
  let text: string;
  let ageMs: number;
  let ino: number;
  try {
    text = readFileSync(path, 'utf8');
    const st = statSync(path);
    ageMs = Date.now() - st.mtimeMs;
    ino = st.ino;
  } catch {
    return 'released';
  }
  let owner: LockOwner | undefined;
  try {
    owner = JSON.parse(text) as LockOwner;
  } catch {
    owner = undefined; // torn write by a crashed owner: only age can tell
  }
  const deadOwner = owner !== undefined && owner.host === hostname() && !processIsAlive(owner.pid);
  // The owner writes its line right after creating the file: an empty or torn lock some seconds old was left by
  // a process killed in between.
  const tornAndOld = owner === undefined && ageMs > TORN_STALE_AFTER_MS;
  if (!deadOwner && !tornAndOld && ageMs < STALE_AFTER_MS) return false;
  try {
    // Only remove the lock we judged stale: another process may have recovered and re-taken it.
    if (statSync(path).ino === ino && readFileSync(path, 'utf8') === text) unlinkSync(path);
  } catch {
    // gone already
  }
  return 'removed';
}

export interface LockInfo {
  /** This process removed the lock of a process that had ended (or of one that held it too long) on its way in. */
  tookOverStale: boolean;
}

export async function withDirectoryLock<T>(
  lockPath: string,
  fn: (info: LockInfo) => Promise<T>,
  timeoutMs = lockTimeoutMs(),
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  const info: LockInfo = { tookOverStale: false };
  while (!tryCreate(lockPath)) {
    const recovered = recoverStaleLock(lockPath);
    if (recovered === 'removed') info.tookOverStale = true;
    if (recovered) continue;
    if (Date.now() > deadline) {
      throw new MtlsError(
        'STORE_BUSY',
        `The CA store is locked by ${describeOwner(lockPath)} (${lockPath}); wait for it to finish, or remove the lock file if no mtlskit is running.`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 100);
  }
  try {
    return await fn(info);
  } finally {
    try {
      unlinkSync(lockPath);
    } catch {
      // already removed
    }
  }
}

function describeOwner(lockPath: string): string {
  try {
    const owner = JSON.parse(readFileSync(lockPath, 'utf8')) as LockOwner;
    return `mtlskit process ${owner.pid} on ${owner.host} since ${owner.since}`;
  } catch {
    return 'another mtlskit process';
  }
}

function lockTimeoutMs(): number {
  const env = Number(process.env.MTLSKIT_LOCK_TIMEOUT_MS);
  return Number.isFinite(env) && env > 0 ? env : DEFAULT_TIMEOUT_MS;
}
