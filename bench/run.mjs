#!/usr/bin/env node
/**
 * `npm run bench` (issue 9): mtlskit against `node -e 0` and the openssl CLI, measured side by side and
 * interleaved in the same run. Prints a markdown table of medians and ratios and writes
 * bench/out/latest.md and bench/out/latest.json (with every sample and the machine).
 *
 *   node bench/run.mjs [--quick] [--only startup,walkthrough,batch,crl,pkcs11,renew,status]
 *
 * --quick uses fewer repetitions (and a 30-certificate openssl loop); timings live here, never in the tests.
 * A scenario whose command is missing or fails prints "n/a: <reason>" for its row; numbers are never made up.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './lib/measure.mjs';
import { spawnSync } from 'node:child_process';
import { machineLine, machineInfo, markdownTable, naRow, fmtTime, ratioText } from './lib/report.mjs';
import * as scenarios from './lib/scenarios.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',')) : undefined;
const unknown = argv.filter((a, i) => a !== '--quick' && a !== '--only' && !(onlyAt >= 0 && i === onlyAt + 1));
if (unknown.length || (only && [...only].some((s) => !(s in scenarios)))) {
  console.error(`usage: node bench/run.mjs [--quick] [--only ${Object.keys(scenarios).join(',')}]`);
  process.exit(2);
}

const OUT = join(ROOT, 'bench', 'out');
const WORK = join(OUT, 'work');
const SHM = existsSync('/dev/shm') ? '/dev/shm/mtlskit-bench' : undefined;
mkdirSync(WORK, { recursive: true });
if (SHM) mkdirSync(SHM, { recursive: true });

const plan = {
  startup: { reps: quick ? 7 : 21, work: WORK },
  walkthrough: { reps: quick ? 3 : 11, work: WORK },
  batch: {
    reps: quick ? 1 : 5,
    loopN: quick ? 30 : 100,
    places: { 'disk: bench/out': WORK, ...(SHM ? { 'tmpfs: /dev/shm': SHM } : {}) },
  },
  crl: { reps: quick ? 3 : 7, work: WORK },
  pkcs11: { reps: quick ? 1 : 5, work: WORK },
  renew: { reps: quick ? 1 : 3, loopN: quick ? 30 : 100, work: WORK },
  status: { reps: quick ? 3 : 7, work: WORK },
};
const titles = {
  startup: 'start-up',
  walkthrough: 'seed walkthrough (RSA-2048)',
  batch: 'batch issuance',
  crl: '100,000-entry CRL',
  pkcs11: 'batch issuance with the CA key in a PKCS#11 token',
  renew: 'renew --expiring',
  status: 'status over 100,000 records',
};

// Which build is measured: the commit, and whether src/ had uncommitted changes when the bench ran.
const git = (...a) => spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
const build = {
  bin: BIN,
  commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
  uncommittedSrcFiles: git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length,
};
const machine = machineInfo({ 'bench/out': WORK, ...(SHM ? { '/dev/shm': SHM } : {}) });
console.error(
  `mtlskit bench${quick ? ' (--quick)' : ''}: ${machine.cpu}, ${machine.cores} cores; Node ${machine.node}; ${machine.openssl}`,
);

const rows = [];
const started = Date.now();
for (const [key, opts] of Object.entries(plan)) {
  if (only && !only.has(key)) continue;
  const t0 = Date.now();
  console.error(`- ${titles[key]} ...`);
  let got;
  try {
    got = scenarios[key](opts);
  } catch (err) {
    got = [naRow(titles[key], '', `the scenario crashed: ${err.message}`)];
  }
  for (const r of got) {
    console.error(
      `    ${r.name}: ${r.na ?? `${fmtTime(r.mtlskit)} vs ${fmtTime(r.baseline)} (${ratioText(r)}) → ${r.met === undefined ? 'goal n/a' : r.met ? 'goal met' : 'goal MISSED'}`}`,
    );
  }
  console.error(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  rows.push(...got);
}
machine.loadAverageAtEnd = loadavg().map((l) => Number(l.toFixed(2)));

const date = new Date().toISOString();
const md = [
  `## mtlskit bench, ${date.slice(0, 16).replace('T', ' ')} UTC${quick ? ' (--quick)' : ''}`,
  '',
  machineLine(machine),
  '',
  `Measured: ${build.bin.startsWith(ROOT) ? `this checkout at ${build.commit}${build.uncommittedSrcFiles ? ` with ${build.uncommittedSrcFiles} uncommitted file(s) in src/` : ''}` : `MTLSKIT_BENCH_BIN=${build.bin}`}.`,
  '',
  markdownTable(rows),
  '',
  'Medians of interleaved runs (every side of a row runs in turn, in rotating order). Ratio = mtlskit ÷ baseline, except batch rows: openssl time ÷ mtlskit time.',
  `Wall time of the bench: ${((Date.now() - started) / 1000).toFixed(0)} s.`,
].join('\n');
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'latest.md'), md + '\n');
writeFileSync(
  join(OUT, 'latest.json'),
  JSON.stringify(
    {
      date,
      quick,
      build,
      machine,
      plan: Object.fromEntries(
        Object.entries(plan).map(([k, v]) => [k, { reps: v.reps, ...(v.loopN ? { loopN: v.loopN } : {}) }]),
      ),
      rows,
    },
    null,
    2,
  ) + '\n',
);
rmSync(WORK, { recursive: true, force: true });
if (SHM) rmSync(SHM, { recursive: true, force: true });
console.log(md);
