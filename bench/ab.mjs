#!/usr/bin/env node
/**
 * Scratch A/B of two mtlskit builds on one command line, interleaved, medians (not part of `npm run bench`).
 *   node bench/ab.mjs REPS /path/A/bin/mtlskit.js /path/B/bin/mtlskit.js -- ARGS...
 * Use it to tell a regression from machine noise before and after a change (build each commit with
 * `git archive C | tar -x -C DIR`, link node_modules, `npx tsc -p tsconfig.json && node scripts/bundle.mjs`).
 */
import { interleaved, run } from './lib/measure.mjs';

const [reps, a, b, sep, ...args] = process.argv.slice(2);
if (sep !== '--' || !a || !b) {
  console.error('usage: node bench/ab.mjs REPS A/bin/mtlskit.js B/bin/mtlskit.js -- ARGS...');
  process.exit(2);
}
const side = (bin) => ({ time: () => run(process.execPath, [bin, ...args], { okStatus: [0, 1] }).seconds });
const r = interleaved(Number(reps), { A: side(a), B: side(b) }, { warmup: true });
for (const [k, v] of Object.entries(r)) {
  console.log(
    `${k}: median ${(v.median * 1000).toFixed(0)} ms, min ${(Math.min(...v.samples) * 1000).toFixed(0)} ms${v.error ? ` (${v.error})` : ''}`,
  );
}
console.log(`B / A = ${(r.B.median / r.A.median).toFixed(2)}`);
