/** Processes for the liveness tests of the store's lock and journal: a live unrelated one, and a zombie. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Fields of /proc/PID/stat: state (R, S, Z, ...) and start time in clock ticks since boot. */
export function procStat(pid: number): { state: string; start: string } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0]!, start: fields[19]! };
}

export const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

/** A running process that has nothing to do with mtlskit (it stands for one that was given a dead writer's pid). */
export function unrelatedProcess(): { pid: number; stop: () => void } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  return { pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

/**
 * A process killed with SIGKILL whose parent never reaps it (a zombie: kill(pid, 0) still succeeds), with the
 * start time it had while it ran.
 */
export async function zombieProcess(): Promise<{ pid: number; start: string; stop: () => void }> {
  // `exec sleep` replaces the shell with a program that never waits for the background child.
  const parent: ChildProcess = spawn('sh', ['-c', 'sleep 60 & echo $!; exec sleep 61'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    parent.once('error', reject);
  });
  // Killed only once the shell has become `sleep 61`: the shell itself could still reap it.
  for (let i = 0; i < 500 && readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim() !== 'sleep'; i++)
    await new Promise((r) => setTimeout(r, 10));
  const { start } = procStat(pid);
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 200 && procStat(pid).state !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
  // Reaped by init once its parent goes.
  return { pid, start, stop: () => parent.kill('SIGKILL') };
}
