/**
 * Whether the process that wrote a lock, journal or temporary file still runs, robust to reused process ids.
 *
 * Linux: a process is named by its id together with its start time (clock ticks since boot, field 22 of
 * /proc/PID/stat) and the boot (/proc/sys/kernel/random/boot_id). A running process with that id and that
 * start time in that boot is the writer; any other start time is a later process that was given the same id
 * (reusing an id takes the whole id space to cycle, never within one clock tick). A zombie (killed, not yet
 * reaped by its parent) has ended: its files are closed and it writes nothing, though kill(pid, 0) still
 * succeeds for it. /proc/PID also answers for the thread ids of other processes: a thread that was given the
 * id has another start time.
 *
 * Elsewhere (no /proc, or a /proc that hides other users' processes): kill(pid, 0) only, which takes a reused id for the writer. That errs on the safe side
 * (waiting for a process that has ended, never taking over the work of one that runs); the lock's age rule
 * (lock.ts) then ends the wait.
 */
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (Linux), as a decimal string. */
  start?: string;
  /** The boot it runs in (Linux's boot_id). */
  boot?: string;
}

/**
 * 'gone': provably ended (no such process, a zombie, another start time or boot);
 * 'same': the recorded process runs (its start time matches);
 * 'running': a process with this id runs, and whether it is the recorded one cannot be told (no start time
 * recorded, or no /proc on this system).
 */
export type ProcessState = 'gone' | 'same' | 'running';

interface StatFields {
  state: string;
  start: string;
}

/** undefined: no such process; null: this system has no /proc to ask. */
function readStat(pid: number | 'self'): StatFields | undefined | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOENT' || code === 'ESRCH') && procAvailable()) return undefined;
    return null;
  }
  // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so count from the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const start = fields[19];
  if (!fields[0] || !start || !/^\d+$/.test(start)) return null;
  return { state: fields[0], start };
}

let procChecked: boolean | undefined;
function procAvailable(): boolean {
  if (procChecked === undefined) {
    try {
      readFileSync('/proc/self/stat', 'utf8');
      procChecked = true;
    } catch {
      procChecked = false;
    }
  }
  return procChecked;
}

let bootId: string | null | undefined;
function currentBoot(): string | undefined {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootId = null;
    }
  }
  return bootId ?? undefined;
}

let self: ProcessIdentity | undefined;

/** This process's identity, to record in what it writes. */
export function selfIdentity(): ProcessIdentity {
  if (!self) {
    const stat = readStat('self');
    const boot = currentBoot();
    self = { pid: process.pid, ...(stat ? { start: stat.start } : {}), ...(boot ? { boot } : {}) };
  }
  return self;
}

function killZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** See ProcessState. Call only for a writer on this machine. */
export function processState(who: ProcessIdentity): ProcessState {
  const { pid } = who;
  if (!Number.isInteger(pid) || pid <= 0) return 'gone';
  const boot = currentBoot();
  if (who.boot !== undefined && boot !== undefined && who.boot !== boot) return 'gone';
  const stat = pid === process.pid ? readStat('self') : readStat(pid);
  // Not in /proc: ended, unless /proc hides other users' processes (hidepid) and kill(pid, 0) still finds it.
  if (stat === undefined) return killZero(pid) ? 'running' : 'gone';
  if (stat === null) {
    // No /proc: only kill(pid, 0) can tell, and not a reused id from the writer.
    if (pid === process.pid) return who.start === undefined ? 'running' : 'same';
    return killZero(pid) ? 'running' : 'gone';
  }
  // Z: a zombie, X: dead (being reaped).
  if (stat.state === 'Z' || stat.state === 'X') return 'gone';
  if (who.start === undefined) return 'running';
  return who.start === stat.start ? 'same' : 'gone';
}

/** When a running process started, in ms since the epoch (Linux), for files that recorded no start time. */
export function processStartMs(pid: number): number | undefined {
  const stat = readStat(pid);
  if (!stat) return undefined;
  try {
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!btime) return undefined;
    // Linux reports start times in USER_HZ ticks, 100 per second on every architecture it runs on.
    return Number(btime[1]) * 1000 + (Number(stat.start) / 100) * 1000;
  } catch {
    return undefined;
  }
}
