/** Test helpers: run the built CLI as a user would, run openssl and friends, and make temp folders. */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnFailed } from './tools.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'mtlskit.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
const SPAWN_TIMEOUT_MS = 90_000;

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

function result(r: SpawnSyncReturns<string>, cmd: string): RunResult {
  if (r.error) spawnFailed(cmd, r.error);
  if (r.signal) throw new Error(`killed by ${r.signal} (timed out?): ${r.stderr}`);
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `mtlskit ARGS` in `cwd` without a TTY (so no prompts, no colour). */
export function mtlskit(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): RunResult {
  return result(
    spawnSync(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      input: opts.input ?? '',
      encoding: 'utf8',
      // spawnSync blocks vitest's own timer: a hung CLI must still end the test.
      timeout: SPAWN_TIMEOUT_MS,
    }),
    process.execPath,
  );
}

/** Like mtlskit() but fails the test with the CLI's stderr when the exit status is not 0. */
export function mtlskitOk(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): RunResult {
  const r = mtlskit(args, opts);
  if (r.status !== 0) throw new Error(`mtlskit ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return r;
}

export function tool(
  cmd: string,
  args: string[],
  opts: { cwd?: string; input?: string | Buffer; env?: Record<string, string> } = {},
): RunResult {
  return result(
    spawnSync(cmd, args, {
      cwd: opts.cwd,
      input: opts.input,
      encoding: 'utf8',
      env: { ...process.env, ...opts.env },
      timeout: SPAWN_TIMEOUT_MS,
    }),
    cmd,
  );
}

export function openssl(args: string[], opts: { cwd?: string; input?: string } = {}): RunResult {
  return tool('openssl', args, opts);
}

/** A fresh temp folder; remove it with the returned cleanup. */
export function tempDir(prefix = 'mtlskit-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
