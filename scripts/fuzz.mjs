#!/usr/bin/env node
// npm run fuzz -- [--minutes N] [--seed S]
// Runs test/fuzz/fuzz.test.ts for N minutes (default 5) from seed S (default: random, printed), saving every
// failing input under test/fixtures/fuzz/ as a regression fixture the normal test run then replays. When the
// run hangs or crashes mid-case, the input in flight is saved too.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
function flag(name, fallback) {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v < 0) {
    console.error(`--${name} needs a number, not '${args[i + 1] ?? ''}'.`);
    process.exit(2);
  }
  return v;
}
const minutes = flag('minutes', 5);
const seed = flag('seed', Math.floor(Math.random() * 2 ** 31));
const run = `${process.pid}`;
const pending = join(tmpdir(), `mtlskit-fuzz-pending-${run}.json`);

console.log(`fuzzing for ${minutes} min with --seed ${seed} (repeat a run with the same --seed and --minutes)`);
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const child = spawn(process.execPath, [vitest, 'run', 'test/fuzz/fuzz.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    MTLSKIT_FUZZ_MINUTES: String(minutes),
    MTLSKIT_FUZZ_SEED: String(seed),
    MTLSKIT_FUZZ_SAVE: '1',
    MTLSKIT_FUZZ_RUN: run,
  },
});
// The test stops by itself after `minutes` (plus the CLI third and set-up); past that, a case hangs.
const limitMs = ((minutes * 60 * 4) / 3) * 1000 + 300_000;
const killer = setTimeout(() => {
  console.error(`\nthe fuzz run did not end within ${Math.round(limitMs / 60000)} min: a case hangs; stopping it.`);
  child.kill('SIGKILL');
}, limitMs);

child.on('exit', (code, signal) => {
  clearTimeout(killer);
  if (existsSync(pending)) {
    // The runner died inside a case (hang, crash, out of memory): that input is the finding.
    const { kind, mode, input } = JSON.parse(readFileSync(pending, 'utf8'));
    const bytes = Buffer.from(input, 'base64');
    const dir = join(root, 'test', 'fixtures', 'fuzz');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${kind}--${mode}--${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}.bin`);
    writeFileSync(file, bytes);
    rmSync(pending, { force: true });
    console.error(`the case in flight when the run stopped was saved as ${file}`);
  }
  if (code === 0) console.log(`\nno failures (seed ${seed}, ${minutes} min).`);
  else
    console.error(
      `\nfailures found (seed ${seed}); their inputs are in test/fixtures/fuzz/ — fix the parser, then \`npx vitest run test/fuzz\` replays them.`,
    );
  process.exit(code ?? (signal ? 1 : 0));
});
