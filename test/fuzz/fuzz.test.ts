/**
 * Fuzzing as a test (issue 18 item 4): mutated certificates, chains, CSRs, CRLs, keys (PKCS#8, PKCS#1, SEC1,
 * plain and encrypted), PKCS#12 (modern, legacy, BER), confs (with .include loops), batch CSV/JSON, index.txt
 * and password sources. Every case must end in success or an MtlsError with a one-line message (through the
 * CLI: a documented exit code and one line on stderr, or exit 1 with a report), never another exception, a hang or runaway memory.
 *
 * CI runs a fixed-seed set; `npm run fuzz -- --minutes N --seed S` runs longer (MTLSKIT_FUZZ_MINUTES,
 * MTLSKIT_FUZZ_SEED) and saves failing inputs under test/fixtures/fuzz/, which this file always replays.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mtlskitOk, tempDir } from '../helpers/run.js';
import { suiteRequiresTool } from '../helpers/tools.js';
import { Rng } from './mutate.js';
import { makeCorpus, type Corpus } from './seeds.js';
import { makeEnv, type FuzzEnv } from './targets.js';
import {
  KINDS,
  clearPending,
  describeFailure,
  mutate,
  runInProcess,
  runThroughCli,
  saveFixture,
  savedFixtures,
  type Outcome,
} from './engine.js';

const SEED = Number(process.env.MTLSKIT_FUZZ_SEED ?? 18);
const MINUTES = Number(process.env.MTLSKIT_FUZZ_MINUTES ?? 0);
const SAVE = process.env.MTLSKIT_FUZZ_SAVE === '1';
/** The fixed CI set: a few hundred cases in process, a few dozen through the CLI. */
const IN_PROCESS_CASES = 400;
const CLI_CASES = 20;
const LONG_MS = MINUTES * 60_000;

let tmp: { dir: string; cleanup: () => void };
let corpus: Corpus;
let env: FuzzEnv;

/** openssl makes the inputs; without it every test here is skipped (named, with its install line). */
const haveOpenssl = suiteRequiresTool('openssl');

beforeAll(async () => {
  if (!haveOpenssl) return;
  tmp = tempDir('mtlskit-fuzz-');
  corpus = await makeCorpus(tmp.dir);
  env = makeEnv(corpus);
  mtlskitOk(['--version']);
}, 180_000);
afterAll(() => tmp?.cleanup());

function report(outcomes: Outcome[]): string[] {
  const failures = outcomes.filter((o) => typeof o.result === 'object');
  return failures.map((o) => {
    const saved = SAVE ? `\n  saved as ${saveFixture(o.kind, o.mode, o.input)}` : '';
    return describeFailure(o) + saved;
  });
}

describe('fuzzing the parsers', () => {
  it('replays every saved failing input (test/fixtures/fuzz)', async () => {
    const outcomes: Outcome[] = [];
    for (const f of savedFixtures()) {
      outcomes.push(
        f.mode === 'cli' ? await runThroughCli(f.kind, f.input, env, 0) : await runInProcess(f.kind, f.input, env),
      );
    }
    clearPending();
    expect(report(outcomes)).toEqual([]);
  });

  it('the seeds themselves keep the promise, and each kind has some that parse', async () => {
    const outcomes: Outcome[] = [];
    for (const kind of KINDS) for (const seed of corpus.seeds[kind]) outcomes.push(await runInProcess(kind, seed, env));
    clearPending();
    expect(report(outcomes)).toEqual([]);
    for (const kind of KINDS)
      expect(
        outcomes.some((o) => o.kind === kind && o.result === 'ok'),
        kind,
      ).toBe(true);
  });

  it(
    MINUTES > 0
      ? `in process: mutations for ${MINUTES} min (seed ${SEED})`
      : `in process: ${IN_PROCESS_CASES} mutations (seed ${SEED})`,
    async () => {
      const rng = new Rng(SEED);
      const outcomes: Outcome[] = [];
      const deadline = Date.now() + LONG_MS;
      for (let i = 0; MINUTES > 0 ? Date.now() < deadline : i < IN_PROCESS_CASES; i++) {
        const kind = KINDS[i % KINDS.length]!;
        const input = mutate(kind, corpus.seeds[kind], rng);
        outcomes.push(await runInProcess(kind, input, env));
        if (process.env.MTLSKIT_FUZZ_DEBUG && i % 200 === 0) {
          const m = process.memoryUsage();
          console.log(`case ${i}: rss ${Math.round(m.rss / 1048576)} MB, heap ${Math.round(m.heapUsed / 1048576)} MB`);
        }
        // Keep memory flat in long runs: only failures need their input.
        if (outcomes.length > 1000)
          outcomes.splice(0, outcomes.length, ...outcomes.filter((o) => typeof o.result === 'object'));
      }
      clearPending();
      expect(report(outcomes)).toEqual([]);
      if (MINUTES === 0) {
        // Not vacuous: mutations reach both outcomes.
        expect(outcomes.filter((o) => o.result === 'refused').length).toBeGreaterThan(IN_PROCESS_CASES / 4);
        expect(outcomes.filter((o) => o.result === 'ok').length).toBeGreaterThan(10);
      }
    },
    LONG_MS + 120_000,
  );

  it(
    MINUTES > 0
      ? `through the built CLI: mutations for ${MINUTES} min (seed ${SEED})`
      : `through the built CLI: ${CLI_CASES} mutations (seed ${SEED})`,
    async () => {
      const rng = new Rng(SEED ^ 0x5eed);
      const outcomes: Outcome[] = [];
      // A long run gives the CLI a third of the in-process time again (a spawn costs ~0.3 s).
      const deadline = Date.now() + LONG_MS / 3;
      for (let i = 0; MINUTES > 0 ? Date.now() < deadline : i < CLI_CASES; i++) {
        const kind = KINDS[i % KINDS.length]!;
        const input = mutate(kind, corpus.seeds[kind], rng);
        outcomes.push(await runThroughCli(kind, input, env, Math.floor(i / KINDS.length)));
      }
      clearPending();
      expect(report(outcomes)).toEqual([]);
      if (MINUTES === 0) expect(outcomes.filter((o) => o.result === 'refused').length).toBeGreaterThan(CLI_CASES / 4);
    },
    LONG_MS / 3 + 180_000,
  );
});
