#!/usr/bin/env node
/**
 * Where one command's start-up goes, stage by stage (issue 19): runs `mtlskit ARGS` N times with MTLSKIT_TIMING=1
 * (see bin/mtlskit.js) and prints the median of each stage, next to the median wall time of `node -e 0` run in turn.
 * A scratch diagnostic, not part of `npm run bench`.
 *
 *   node bench/startup-stages.mjs [--runs N] -- verify pki/web.crt --dir pki --purpose server --host web.example.com
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BIN = process.env.MTLSKIT_BENCH_BIN ?? join(import.meta.dirname, '..', 'bin', 'mtlskit.js');
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const opts = dash < 0 ? argv : argv.slice(0, dash);
const args = dash < 0 ? ['--version'] : argv.slice(dash + 1);
const runsAt = opts.indexOf('--runs');
const runs = runsAt >= 0 ? Number(opts[runsAt + 1]) : 21;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const wall = (cmd, cmdArgs, env) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, cmdArgs, { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, r };
};

// one untimed run each, so that the code cache exists
wall(process.execPath, [BIN, ...args], {});
const stages = new Map();
const nodeMs = [];
const oursMs = [];
for (let i = 0; i < runs; i++) {
  nodeMs.push(wall(process.execPath, ['-e', '0'], {}).ms);
  const { ms, r } = wall(process.execPath, [BIN, ...args], { MTLSKIT_TIMING: '1' });
  oursMs.push(ms);
  const line = /^mtlskit timing: (.*)$/m.exec(r.stderr)?.[1];
  if (!line) throw new Error(`no timing line from mtlskit ${args.join(' ')} (exit ${r.status}): ${r.stderr}`);
  for (const part of line.split(' | ')) {
    const at = part.lastIndexOf(' ');
    const name = part.slice(0, at);
    if (!stages.has(name)) stages.set(name, []);
    stages.get(name).push(Number(part.slice(at + 1)));
  }
}
console.log(`mtlskit ${args.join(' ')}: ${runs} runs, medians in ms`);
for (const [name, xs] of stages) console.log(`  ${name.padEnd(26)} ${median(xs).toFixed(1).padStart(7)}`);
const ours = median(oursMs);
const base = median(nodeMs);
console.log(`  ${'wall (spawn to exit)'.padEnd(26)} ${ours.toFixed(1).padStart(7)}`);
console.log(`  ${'node -e 0 wall'.padEnd(26)} ${base.toFixed(1).padStart(7)}   ratio ${(ours / base).toFixed(2)}x`);
