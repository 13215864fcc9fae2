/**
 * Running commands and timing them. Sides of a comparison are measured interleaved (A B C, then
 * B C A, ...), so a shared machine's drifting load falls on every side alike; results are medians.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
/** MTLSKIT_BENCH_BIN points the bench at another build (or at a stub, to check the n/a rows). */
export const BIN = process.env.MTLSKIT_BENCH_BIN ?? join(ROOT, 'bin', 'mtlskit.js');
const PRELOAD = join(import.meta.dirname, 'maxrss-preload.mjs');
const GNU_TIME = ['/usr/bin/time', '/bin/time'].find(
  (p) => existsSync(p) && spawnSync(p, ['-f', '%M', 'true']).status === 0,
);

export class CommandFailed extends Error {}

/** Runs a command to completion; throws CommandFailed (first stderr line) unless it exits with one of `okStatus`. */
export function run(cmd, args, opts = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    encoding: 'utf8',
    input: opts.input ?? '',
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    maxBuffer: 1 << 28,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.error) throw new CommandFailed(`${cmd}: ${r.error.message}`);
  const ok = opts.okStatus ?? [0];
  if (!ok.includes(r.status)) {
    const why =
      (r.stderr || r.stdout || '')
        .trim()
        .split('\n')
        .find((l) => l.trim()) ?? `signal ${r.signal}`;
    throw new CommandFailed(
      `\`${[cmd === process.execPath ? 'node' : cmd, ...args.map((a) => a.replace(ROOT + '/', ''))].join(' ')}\` exited ${r.status}: ${why}`,
    );
  }
  return { seconds, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

export const node = (args, opts) => run(process.execPath, args, opts);
export const mtlskit = (args, opts) => run(process.execPath, [BIN, ...args], opts);

/** Whether `mtlskit WORDS... --help` works: a command that has not landed yet makes its row n/a instead of failing the run. */
export function requireMtlskitCommand(...words) {
  try {
    // commander answers `mtlskit unknown --help` with the top-level help: the usage line must name the command.
    const help = mtlskit([...words, '--help']).stdout;
    if (!help.includes(`Usage: mtlskit ${words.join(' ')} `))
      throw new CommandFailed(`\`mtlskit ${words.join(' ')} --help\` printed the top-level help`);
  } catch (err) {
    throw new CommandFailed(
      `\`mtlskit ${words.join(' ')}\` is not available (${err.message.replace(/^`[^`]*` /, '')})`,
    );
  }
}

export function requireOpenssl() {
  try {
    run('openssl', ['version']);
  } catch {
    throw new CommandFailed('the openssl command is not installed');
  }
}

/** Peak resident set size in MiB of one run, from GNU time, or for mtlskit from Node's own maxRSS; undefined if neither applies. */
export function peakMemoryMb(cmd, args, opts = {}) {
  if (GNU_TIME) {
    const r = run(GNU_TIME, ['-f', '%M', cmd, ...args], opts);
    const kb = Number(r.stderr.trim().split('\n').pop());
    return Number.isFinite(kb) ? { mb: kb / 1024, method: 'GNU time %M' } : undefined;
  }
  if (cmd === process.execPath) {
    const dir = mkdtempSync(join(tmpdir(), 'mtlskit-rss-'));
    try {
      const file = join(dir, 'maxrss');
      run(cmd, ['--import', PRELOAD, ...args], { ...opts, env: { ...opts.env, MTLSKIT_BENCH_MAXRSS_FILE: file } });
      return { mb: Number(readFileSync(file, 'utf8')) / 1024, method: 'process.resourceUsage().maxRSS' };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return undefined;
}

export function median(values) {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Measures several sides interleaved, `reps` times each, rotating the order every round.
 * A side is { setup?(rep) -> ctx, time(ctx) -> seconds, check?(ctx) } ; `check` throws if the output is wrong.
 * A side that fails stops being measured and reports its error; the others go on.
 * With `warmup`, every side runs once untimed first (file cache, lazy compilation).
 * Returns { [name]: { samples, median, error? } }.
 */
export function interleaved(reps, sides, { warmup = false } = {}) {
  const names = Object.keys(sides);
  const result = Object.fromEntries(names.map((n) => [n, { samples: [], median: undefined, error: undefined }]));
  const once = (name, timed) => {
    const side = sides[name];
    const state = result[name];
    if (state.error) return;
    try {
      const ctx = side.setup?.();
      const seconds = side.time(ctx);
      side.check?.(ctx);
      if (timed) state.samples.push(seconds);
    } catch (err) {
      state.error = err instanceof CommandFailed ? err.message : `${err.message}`;
    }
  };
  if (warmup) names.forEach((n) => once(n, false));
  for (let rep = 0; rep < reps; rep++) {
    const order = names.map((_, i) => names[(i + rep) % names.length]);
    for (const name of order) once(name, true);
  }
  for (const state of Object.values(result)) state.median = median(state.samples);
  return result;
}
