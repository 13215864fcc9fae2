/**
 * One fuzz case: pick a seed of a kind, mutate it, run it in process or through the CLI, and say what broke.
 * Failing inputs are kept as regression fixtures in test/fixtures/fuzz/ (KIND--MODE--HASH.bin), which the
 * fuzz test always replays.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/run.js';
import { Rng, mutateAny, mutateText } from './mutate.js';
import type { SeedKind } from './seeds.js';
import { CLI_COMMANDS, IN_PROCESS, cliViolation, runCli, type FuzzEnv } from './targets.js';

export const FUZZ_FIXTURES = join(FIXTURES, 'fuzz');
export type Mode = 'in-process' | 'cli';
export const KINDS: SeedKind[] = [
  'certificate',
  'csr',
  'crl',
  'key',
  'pkcs12',
  'conf',
  'batch-csv',
  'batch-json',
  'index',
  'pass-source',
];
const TEXT_KINDS = new Set<SeedKind>(['conf', 'batch-csv', 'batch-json', 'index', 'pass-source']);

/** A case's time bound: past it the case counts as a hang. */
export const CASE_TIME_LIMIT_MS = 10_000;
/** Growth of this process's memory during one case that counts as runaway. */
export const MEMORY_LIMIT_BYTES = 300 * 1024 * 1024;

export interface Outcome {
  kind: SeedKind;
  mode: Mode;
  input: Buffer;
  /** 'ok' (accepted), 'refused' (an MtlsError, as it should be) or the failure. */
  result: 'ok' | 'refused' | { failure: string };
}

export function mutate(kind: SeedKind, seeds: Buffer[], rng: Rng): Buffer {
  const seed = rng.pick(seeds);
  return TEXT_KINDS.has(kind) ? mutateText(seed, rng, seeds) : mutateAny(seed, rng, seeds);
}

/** Where a long run notes the case in flight, so a hang or crash that kills the runner still leaves the input. */
export const PENDING_FILE = join(tmpdir(), `mtlskit-fuzz-pending-${process.env.MTLSKIT_FUZZ_RUN ?? 'ci'}.json`);

function notePending(kind: SeedKind, mode: Mode, input: Buffer): void {
  if (!process.env.MTLSKIT_FUZZ_RUN) return;
  writeFileSync(PENDING_FILE, JSON.stringify({ kind, mode, input: input.toString('base64') }));
}

export async function runInProcess(kind: SeedKind, input: Buffer, env: FuzzEnv): Promise<Outcome> {
  notePending(kind, 'in-process', input);
  const started = Date.now();
  const rssBefore = process.memoryUsage().rss;
  let result: Outcome['result'] = 'ok';
  try {
    result = await IN_PROCESS[kind](input, env);
  } catch (err) {
    const e = err as Error;
    result = { failure: `${e.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}` };
  }
  const took = Date.now() - started;
  // Let the worker's event loop answer vitest between cases (the parsers themselves are synchronous).
  await new Promise((done) => setImmediate(done));
  if (result === 'ok' && took > CASE_TIME_LIMIT_MS)
    result = { failure: `took ${took} ms (limit ${CASE_TIME_LIMIT_MS})` };
  // What this case took: the process's own growth over a long run is the garbage collector's business.
  const grown = process.memoryUsage().rss - rssBefore;
  if (result === 'ok' && grown > MEMORY_LIMIT_BYTES)
    result = { failure: `memory grew by ${Math.round(grown / 1048576)} MB (limit 300 MB)` };
  return { kind, mode: 'in-process', input, result };
}

export async function runThroughCli(kind: SeedKind, input: Buffer, env: FuzzEnv, which: number): Promise<Outcome> {
  notePending(kind, 'cli', input);
  const commands = CLI_COMMANDS[kind];
  const file = join(
    env.scratch,
    `cli-${env.n++}.${kind === 'batch-json' ? 'json' : kind === 'batch-csv' ? 'csv' : 'in'}`,
  );
  writeFileSync(file, input);
  const t0 = Date.now();
  const outcome = await runCli(commands[which % commands.length]!(file, env));
  if (process.env.MTLSKIT_FUZZ_DEBUG)
    console.log(`${Date.now() - t0} ms ${outcome.status} mtlskit ${outcome.argv.join(' ').slice(0, 150)}`);
  const violation = cliViolation(outcome);
  return {
    kind,
    mode: 'cli',
    input,
    result: violation ? { failure: violation } : outcome.status === 0 ? 'ok' : 'refused',
  };
}

export function clearPending(): void {
  rmSync(PENDING_FILE, { force: true });
}

export function fixtureName(kind: SeedKind, mode: Mode, input: Buffer): string {
  return `${kind}--${mode}--${createHash('sha256').update(input).digest('hex').slice(0, 12)}.bin`;
}

/** Keeps a failing input as a regression fixture; returns its path. */
export function saveFixture(kind: SeedKind, mode: Mode, input: Buffer): string {
  mkdirSync(FUZZ_FIXTURES, { recursive: true });
  const path = join(FUZZ_FIXTURES, fixtureName(kind, mode, input));
  writeFileSync(path, input);
  return path;
}

export function savedFixtures(): { kind: SeedKind; mode: Mode; input: Buffer; name: string }[] {
  if (!existsSync(FUZZ_FIXTURES)) return [];
  return readdirSync(FUZZ_FIXTURES)
    .filter((n) => n.endsWith('.bin'))
    .sort()
    .map((name) => {
      const [kind, mode] = name.split('--') as [SeedKind, Mode];
      if (!KINDS.includes(kind) || (mode !== 'cli' && mode !== 'in-process'))
        throw new Error(`test/fixtures/fuzz/${name}: not KIND--MODE--HASH.bin`);
      return { kind, mode, input: readFileSync(join(FUZZ_FIXTURES, name)), name };
    });
}

export function describeFailure(o: Outcome): string {
  const failure = typeof o.result === 'object' ? o.result.failure : '';
  const shown = o.input.length > 600 ? `${o.input.subarray(0, 600).toString('base64')}...` : o.input.toString('base64');
  return `[${o.kind}, ${o.mode}] ${failure}\n  input (${o.input.length} bytes, base64): ${shown}`;
}
