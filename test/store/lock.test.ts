import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, utimesSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '../helpers/run.js';
import { lockTestHooks, removeOrphanReapMarkers, withDirectoryLock } from '../../src/store/lock.js';
import { selfIdentity } from '../../src/store/process-identity.js';
import { bootId, procStat, unrelatedProcess, zombieProcess } from './processes.js';

let tmp: { dir: string; cleanup: () => void };
let lock: string;
beforeEach(() => {
  tmp = tempDir();
  lock = join(tmp.dir, '.lock');
});
afterEach(() => {
  lockTestHooks.afterStaleJudged = undefined;
  tmp.cleanup();
});

const lockOf = (owner: { pid: number; start?: string; boot?: string }) =>
  JSON.stringify({ ...owner, host: hostname(), since: new Date().toISOString() });

describe('withDirectoryLock', () => {
  it('runs one holder at a time and releases the lock afterwards', async () => {
    let inside = 0;
    let maxInside = 0;
    const job = () =>
      withDirectoryLock(lock, async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        await new Promise((r) => setTimeout(r, 20));
        inside--;
      });
    await Promise.all([job(), job(), job(), job()]);
    expect(maxInside).toBe(1);
    expect(existsSync(lock)).toBe(false);
  });

  it('releases the lock when the work throws', async () => {
    await expect(
      withDirectoryLock(lock, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock whose process is gone', async () => {
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: new Date().toISOString() }));
    expect(await withDirectoryLock(lock, async () => 'ran')).toBe('ran');
  });

  it('takes over a torn lock file only once it is old', async () => {
    writeFileSync(lock, '{"pid": 12');
    await expect(withDirectoryLock(lock, async () => 'ran', 300)).rejects.toMatchObject({ code: 'STORE_BUSY' });
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(lock, old, old);
    expect(await withDirectoryLock(lock, async () => 'ran', 300)).toBe('ran');
  });

  it('takes over an empty lock a few seconds old (its process was killed between creating and writing it)', async () => {
    writeFileSync(lock, '');
    await expect(withDirectoryLock(lock, async () => 'ran', 300)).rejects.toMatchObject({ code: 'STORE_BUSY' });
    const old = new Date(Date.now() - 6_000);
    utimesSync(lock, old, old);
    expect(await withDirectoryLock(lock, async () => 'ran', 300)).toBe('ran');
  });

  it('gives up with STORE_BUSY (exit 6) when a live process keeps it', async () => {
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
    const err = await withDirectoryLock(lock, async () => 'never', 300).catch((e) => e);
    expect(err.code).toBe('STORE_BUSY');
    expect(err.exitCode).toBe(6);
    expect(err.message).toContain(String(process.pid));
  });

  it('takes over a lock whose pid now belongs to an unrelated running process (a reused pid)', async () => {
    const other = unrelatedProcess();
    try {
      // The lock's owner started 5 s before the process that has its pid now.
      const start = String(Number(procStat(other.pid).start) - 500);
      writeFileSync(lock, lockOf({ pid: other.pid, start, boot: bootId() }));
      expect(await withDirectoryLock(lock, async () => 'ran', 300)).toBe('ran');
      expect(existsSync(lock)).toBe(false);
    } finally {
      other.stop();
    }
  });

  it('takes over the lock of a killed process that its parent has not reaped yet (a zombie)', async () => {
    const zombie = await zombieProcess();
    try {
      expect(procStat(zombie.pid).state).toBe('Z');
      writeFileSync(lock, lockOf({ pid: zombie.pid, start: zombie.start, boot: bootId() }));
      expect(await withDirectoryLock(lock, async () => 'ran', 300)).toBe('ran');
    } finally {
      zombie.stop();
    }
  });

  it('takes over a lock from before the last reboot', async () => {
    writeFileSync(lock, lockOf({ ...selfIdentity(), boot: '00000000-0000-0000-0000-000000000000' }));
    expect(await withDirectoryLock(lock, async () => 'ran', 300)).toBe('ran');
  });

  it('never takes over the lock of its running owner, however old (a long batch keeps it)', async () => {
    writeFileSync(lock, lockOf(selfIdentity()));
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(lock, old, old);
    const err = await withDirectoryLock(lock, async () => 'never', 300).catch((e) => e);
    expect(err.code).toBe('STORE_BUSY');
    expect(existsSync(lock)).toBe(true);
  });

  it('records its pid, start time and boot in the lock while it holds it', async () => {
    const seen = await withDirectoryLock(lock, async () => JSON.parse(readFileSync(lock, 'utf8')));
    expect(seen).toMatchObject({ pid: process.pid, start: procStat(process.pid).start, boot: bootId() });
  });

  it('two waiters taking over one stale lock: the slower one never removes the lock the faster one made', async () => {
    writeFileSync(lock, lockOf({ pid: 2 ** 22 + 777 }));
    let fasterInside = false;
    let faster: Promise<void> | undefined;
    // This waiter has judged the lock stale; before it acts, another waiter takes it over and holds it.
    lockTestHooks.afterStaleJudged = () => {
      lockTestHooks.afterStaleJudged = undefined;
      faster = withDirectoryLock(lock, async () => {
        fasterInside = true;
        await new Promise((r) => setTimeout(r, 200));
        fasterInside = false;
      });
    };
    const sawFasterInside = await withDirectoryLock(lock, async () => fasterInside);
    await faster;
    expect(faster).toBeDefined();
    expect(sawFasterInside).toBe(false);
    expect(readdirSync(tmp.dir)).toEqual([]);
  });

  /** The claim to remove the lock as it is now (lock.ts names it by the lock's inode, time and bytes). */
  function claimPath(k: number): string {
    const st = statSync(lock);
    const gen = createHash('sha256')
      .update(`${st.ino}\n${st.mtimeMs}\n${readFileSync(lock, 'utf8')}`)
      .digest('hex')
      .slice(0, 16);
    return join(tmp.dir, `.lock-reap.${gen}.${k}`);
  }

  it('a waiter killed while claiming the removal of a stale lock hands it over to the next one', async () => {
    writeFileSync(lock, lockOf({ pid: 2 ** 22 + 778 }));
    writeFileSync(claimPath(1), lockOf({ pid: 2 ** 22 + 779 }));
    expect(await withDirectoryLock(lock, async () => 'ran', 300)).toBe('ran');
    expect(readdirSync(tmp.dir)).toEqual([]);
  });

  it('waits while another running waiter is removing the stale lock', async () => {
    writeFileSync(lock, lockOf({ pid: 2 ** 22 + 780 }));
    const claim = claimPath(1);
    writeFileSync(claim, lockOf(selfIdentity()));
    const err = await withDirectoryLock(lock, async () => 'never', 300).catch((e) => e);
    expect(err.code).toBe('STORE_BUSY');
    expect(existsSync(lock)).toBe(true);
    expect(existsSync(claim)).toBe(true);
  });

  it('clears claims left by waiters that ended (after a takeover, and in doctor --repair), not running ones', () => {
    const dead = join(tmp.dir, '.lock-reap.0123456789abcdef.1');
    const live = join(tmp.dir, '.lock-reap.fedcba9876543210.1');
    writeFileSync(dead, lockOf({ pid: 2 ** 22 + 781 }));
    writeFileSync(live, lockOf(selfIdentity()));
    expect(removeOrphanReapMarkers(lock)).toEqual([dead]);
    expect(readdirSync(tmp.dir)).toEqual(['.lock-reap.fedcba9876543210.1']);
  });
});
