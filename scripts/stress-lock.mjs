#!/usr/bin/env node
// node scripts/stress-lock.mjs [--seconds N] [--workers W]   (after npm run build; exits 1 on a violation)
// The store lock under kill -9: W processes take dist/store/lock.js's lock over and over, each holding it a few
// milliseconds; every 100-200 ms the current holder is killed with SIGKILL (and replaced), so that the waiters
// race to take over its stale lock. Inside the lock every process proves it is alone with an O_EXCL marker
// file: finding the marker of a process that still runs (not a zombie) is a violation, two holders at once.
// This is how the race behind crash.test.ts's rare STORE_BUSY was reproduced: before the takeover was claimed
// with .lock-reap markers, a few holder kills in a thousand let two waiters in together (7 workers, 60 s).
// Keep W small on a shared machine: every kill starts a new Node process.
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};

/** Running and not a zombie (a zombie has ended: its lock may be taken over). */
function running(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function worker(dir) {
  const lockModule = pathToFileURL(resolve(import.meta.dirname, '..', 'dist', 'store', 'lock.js')).href;
  const { withDirectoryLock } = await import(lockModule);
  const marker = join(dir, 'inside');
  for (;;) {
    await withDirectoryLock(join(dir, '.lock'), async () => {
      let fd;
      try {
        fd = openSync(marker, 'wx');
      } catch {
        const other = Number(readFileSync(marker, 'utf8'));
        if (other && running(other))
          appendFileSync(join(dir, 'violations'), `${process.pid} entered while ${other} held the lock\n`);
        rmSync(marker, { force: true });
        fd = openSync(marker, 'wx');
      }
      writeSync(fd, String(process.pid));
      closeSync(fd);
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
      unlinkSync(marker);
    });
  }
}

async function main() {
  const seconds = flag('seconds', 60);
  const workers = flag('workers', 7);
  const dir = mkdtempSync(join(tmpdir(), 'mtlskit-stress-lock-'));
  const kids = new Set();
  const add = () => {
    const c = spawn(process.execPath, [import.meta.filename, '--worker', dir], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    kids.add(c);
    c.on('exit', () => kids.delete(c));
  };
  for (let i = 0; i < workers; i++) add();
  let kills = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 100));
    let holder;
    try {
      holder = JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')).pid;
    } catch {
      continue;
    }
    const victim = [...kids].find((c) => c.pid === holder);
    if (!victim) continue;
    victim.kill('SIGKILL');
    kills++;
    add();
  }
  for (const c of kids) c.kill('SIGKILL');
  let violations = '';
  try {
    violations = readFileSync(join(dir, 'violations'), 'utf8');
  } catch {
    // none
  }
  rmSync(dir, { recursive: true, force: true });
  const count = violations.split('\n').filter(Boolean).length;
  console.log(`${kills} lock holders killed, ${count} time(s) two processes held the lock at once`);
  if (count > 0) {
    console.log(violations.trim());
    process.exitCode = 1;
  }
}

if (args[0] === '--worker') await worker(args[1]);
else await main();
