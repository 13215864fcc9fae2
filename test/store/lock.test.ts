import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, writeFileSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '../helpers/run.js';
import { withDirectoryLock } from '../../src/store/lock.js';

let tmp: { dir: string; cleanup: () => void };
let lock: string;
beforeEach(() => {
  tmp = tempDir();
  lock = join(tmp.dir, '.lock');
});
afterEach(() => tmp.cleanup());

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
});
