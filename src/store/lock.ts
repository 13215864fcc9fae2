/**
 * An exclusive lock on a CA directory, shared by every mtlskit process on the machine (parallel CI
 * jobs). The lock is a file created with O_EXCL holding the owner's pid, host, and (Linux) start time and
 * boot, so that a reused pid is not taken for the owner (process-identity.ts). A lock is stale, and taken
 * over, when its owner has ended; when it is empty or torn and older than TORN_STALE_AFTER_MS (a process
 * killed between creating and writing it); or, only where the owner's start time cannot be checked (another
 * host, no /proc, a lock from an older mtlskit), when it is older than STALE_AFTER_MS.
 *
 * Taking over is a race between every process waiting for the lock: removing "the stale lock" must never
 * remove the lock that a faster waiter has meanwhile taken over and created afresh. A waiter therefore first
 * claims the removal of that one stale lock, named by its inode, time and bytes, with an O_EXCL marker
 * `.lock-reap.GEN.K`; only the claimant removes it, and only while it still is that lock. A claimant killed
 * before it finished leaves its marker to the next claimant (K + 1), who proceeds once the earlier one has
 * provably ended.
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync, statSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { MtlsError } from '../errors.js';
import { ioError } from './atomic-write.js';
import { processState, selfIdentity, type ProcessIdentity } from './process-identity.js';

const STALE_AFTER_MS = 10 * 60_000;
const TORN_STALE_AFTER_MS = 5_000;
const DEFAULT_TIMEOUT_MS = 60_000;

interface LockOwner extends ProcessIdentity {
  host: string;
  since: string;
}

/** Tests only: runs between judging a lock stale and claiming its removal (where a faster waiter can step in). */
export const lockTestHooks: { afterStaleJudged?: (lockPath: string) => void } = {};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function ownerRecord(): string {
  const owner: LockOwner = { ...selfIdentity(), host: hostname(), since: new Date().toISOString() };
  return JSON.stringify(owner);
}

/** Creates `path` with O_EXCL holding `text`; false when it exists. */
function tryCreate(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw ioError(err, 'create the lock');
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as LockOwner;
    return owner && typeof owner === 'object' && Number.isInteger(owner.pid) ? owner : undefined;
  } catch {
    return undefined; // torn write by a crashed owner: only age can tell
  }
}

/**
 * Whether the writer of a lock or marker (`text`, last changed `ageMs` ago) has ended: 'gone' provably,
 * 'alive' when it runs or cannot be judged yet.
 */
function writerState(text: string, ageMs: number): 'gone' | 'alive' {
  const owner = parseOwner(text);
  if (!owner) return ageMs > TORN_STALE_AFTER_MS ? 'gone' : 'alive';
  const state = owner.host === hostname() ? processState(owner) : 'running';
  if (state === 'gone') return 'gone';
  if (state === 'same') return 'alive'; // its own process: it keeps the lock however long the change takes
  return ageMs >= STALE_AFTER_MS ? 'gone' : 'alive';
}

function readWithStat(path: string): { text: string; ino: number; mtimeMs: number } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const st = statSync(path);
    return { text, ino: st.ino, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

const reapPrefix = (lockPath: string) => `${basename(lockPath)}-reap.`;

/** Removes the lock if its owner is provably gone: 'removed' when it did, 'released' when it was gone already. */
function recoverStaleLock(path: string): 'removed' | 'released' | false {
  const seen = readWithStat(path);
  if (!seen) return 'released';
  // The bytes are read before the inode: a lock replaced in between then fails the check before removal.
  if (writerState(seen.text, Date.now() - seen.mtimeMs) !== 'gone') return false;
  lockTestHooks.afterStaleJudged?.(path);
  const gen = createHash('sha256').update(`${seen.ino}\n${seen.mtimeMs}\n${seen.text}`).digest('hex').slice(0, 16);
  const marker = (k: number) => join(dirname(path), `${reapPrefix(path)}${gen}.${k}`);
  let k = 1;
  for (; !tryCreate(marker(k), ownerRecord()); k++) {
    const other = readWithStat(marker(k));
    // Another waiter is removing this lock: wait for it. A claimant that ended (or a marker already cleared,
    // which happens only after the lock is gone) leaves the next claim to be made.
    if (other && writerState(other.text, Date.now() - other.mtimeMs) === 'alive') return false;
  }
  // The one live claimant: nobody else removes this lock, so it is still there exactly when it still has the
  // inode and bytes judged stale.
  const now = readWithStat(path);
  const removed = now !== undefined && now.ino === seen.ino && now.text === seen.text;
  if (removed) safeRemove(path);
  for (let j = 1; j <= k; j++) safeRemove(marker(j));
  return removed ? 'removed' : 'released';
}

function safeRemove(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}

/** The removal claims (`.lock-reap.*`) whose writers have ended: waiters killed while taking over a lock. */
export function findOrphanReapMarkers(lockPath: string): string[] {
  const dir = dirname(lockPath);
  const prefix = reapPrefix(lockPath);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  return names
    .map((n) => join(dir, n))
    .filter((path) => {
      const m = readWithStat(path);
      return m !== undefined && writerState(m.text, Date.now() - m.mtimeMs) === 'gone';
    });
}

/**
 * Removes the orphaned removal claims; they are harmless, and cleared after the next takeover or by
 * doctor --repair. Call holding the lock.
 */
export function removeOrphanReapMarkers(lockPath: string): string[] {
  const orphans = findOrphanReapMarkers(lockPath);
  orphans.forEach(safeRemove);
  return orphans;
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
  const mine = ownerRecord();
  while (!tryCreate(lockPath, mine)) {
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
  if (info.tookOverStale) removeOrphanReapMarkers(lockPath);
  try {
    return await fn(info);
  } finally {
    // Only this process's own lock: one taken over meanwhile (held past STALE_AFTER_MS) is another's now.
    try {
      if (readFileSync(lockPath, 'utf8') === mine) unlinkSync(lockPath);
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

/** doctor: whether the lock file's owner has ended (the next command takes it over). */
export function lockOwnerGone(lockPath: string): { pid?: number; gone: boolean } | undefined {
  const seen = readWithStat(lockPath);
  if (!seen) return undefined;
  const owner = parseOwner(seen.text);
  // A lock only "left over" when its owner provably ended on this machine (doctor's report, not the takeover).
  if (!owner || owner.host !== hostname()) return { pid: owner?.pid, gone: false };
  return { pid: owner.pid, gone: processState(owner) === 'gone' };
}
