#!/usr/bin/env node
/**
 * `npm run bench`: mtlskit against node and the openssl CLI, measured side by side in the same run.
 * Prints a markdown table of medians and ratios and writes bench/out/latest.{md,json}.
 * `--quick` uses fewer repetitions. Timings live here, never in the tests.
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'mtlskit.js');
const OUT = join(ROOT, 'bench', 'out');
const WORK = join(OUT, 'work');
const quick = process.argv.includes('--quick');
const REPS = { startup: quick ? 7 : 21, walkthrough: quick ? 3 : 7, batch: quick ? 1 : 3, crl: quick ? 1 : 3 };
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function run(cmd, args, opts = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', input: opts.input ?? '', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { seconds, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Peak resident memory (MB) of one run, from GNU time when the machine has it. */
function peakMb(cmd, args, opts = {}) {
  if (!TIME) return undefined;
  const r = run(TIME, ['-f', '%M', cmd, ...args], opts);
  const kb = Number(r.stderr.trim().split('\n').pop());
  return Number.isFinite(kb) ? kb / 1024 : undefined;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(reps, setup, fn) {
  const times = [];
  for (let i = 0; i < reps; i++) {
    const ctx = setup?.(i);
    times.push(fn(ctx, i));
  }
  return median(times);
}

const mtlskit = (args, opts) => run(process.execPath, [BIN, ...args], opts);
const fresh = (name) => {
  const dir = join(WORK, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
};

const rows = [];
/** `ratio` is mtlskit's time over the baseline's; for throughput rows the table shows the speed-up instead. */
function row(name, ours, theirs, baseline, goal, met, note = '') {
  rows.push({ name, ours, theirs, baseline, ratio: ours !== undefined && theirs ? ours / theirs : undefined, goal, met, note });
  const fmt = (v) => (v === undefined ? 'n/a' : v < 1 ? `${(v * 1000).toFixed(0)} ms` : `${v.toFixed(2)} s`);
  console.error(`  ${name}: ${fmt(ours)} vs ${fmt(theirs)} ${met === undefined ? '' : met ? '(goal met)' : '(goal missed)'}`);
}

function safely(name, fn) {
  try {
    fn();
  } catch (err) {
    rows.push({ name, note: `n/a: ${String(err.message).split('\n')[0]}` });
    console.error(`  ${name}: n/a (${String(err.message).split('\n')[0]})`);
  }
}

mkdirSync(WORK, { recursive: true });
console.error(`mtlskit bench${quick ? ' (quick)' : ''}: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores`);

// 1. Start-up.
safely('start-up: mtlskit --version vs node -e 0', () => {
  const node = measure(REPS.startup, null, () => run(process.execPath, ['-e', '0']).seconds);
  const version = measure(REPS.startup, null, () => mtlskit(['--version']).seconds);
  const help = measure(REPS.startup, null, () => mtlskit(['--help']).seconds);
  row('start-up: mtlskit --version vs node -e 0', version, node, 'node -e 0', '≤ 1.5×', version / node <= 1.5);
  row('start-up: mtlskit --help vs node -e 0', help, node, 'node -e 0', '≤ 1.5×', help / node <= 1.5);
});

// 2. The walkthrough end to end, RSA-2048.
const seed = (n) => join(ROOT, 'test', 'fixtures', 'conf', `seed-${n}.conf`);
let opensslWalkthrough;
safely('walkthrough: openssl baseline', () => {
  opensslWalkthrough = measure(REPS.walkthrough, () => fresh('openssl-walk'), (dir) => run('bash', [join(ROOT, 'bench', 'openssl-walkthrough.sh'), dir]).seconds);
});
safely('walkthrough (a): mtlskit wizard --yes', () => {
  const t = measure(REPS.walkthrough, () => fresh('wizard'), (dir) => mtlskit(['wizard', '--yes', '--dir', join(dir, 'pki'), '--passout', 'pass:secret', '--dns', 'api-mtls.example.com']).seconds);
  row('walkthrough (a): mtlskit wizard --yes vs openssl script', t, opensslWalkthrough, 'openssl walkthrough', '≤ 1.1×', t / opensslWalkthrough <= 1.1);
});
safely('walkthrough (b): separate mtlskit commands', () => {
  const t = measure(REPS.walkthrough, () => fresh('commands'), (dir) => {
    const d = join(dir, 'pki');
    let total = 0;
    total += mtlskit(['ca', 'init', '--dir', d, '--config', seed('ca')]).seconds;
    total += mtlskit(['server', 'issue', '--dir', d, '--config', seed('server')]).seconds;
    total += mtlskit(['client', 'issue', '--dir', d, '--config', seed('client')]).seconds;
    total += mtlskit(['export', 'pfx', '--dir', d, '--passout', 'pass:secret']).seconds;
    total += mtlskit(['verify', join(d, 'server.crt'), '--dir', d]).seconds;
    total += mtlskit(['verify', join(d, 'client.crt'), '--dir', d]).seconds;
    return total;
  });
  row('walkthrough (b): 6 mtlskit commands vs openssl script', t, opensslWalkthrough, 'openssl walkthrough', '≤ 2×', t / opensslWalkthrough <= 2);
});

// 3. Batch issuance of 1,000 P-256 client certificates vs a shell loop of openssl commands.
function batchRow(label, base) {
  const n = 1000;
  const loopN = quick ? 30 : 100;
  const csv = ['name,dns', ...Array.from({ length: n }, (_, i) => `client-${i},`)].join('\n') + '\n';
  const ours = measure(REPS.batch, () => {
    const dir = join(base, 'batch');
    rmSync(dir, { recursive: true, force: true });
    mtlskit(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    writeFileSync(join(base, 'batch.csv'), csv);
    return dir;
  }, (dir) => mtlskit(['client', 'issue', '--dir', dir, '--batch', join(base, 'batch.csv'), '--key-type', 'ec:P-256']).seconds);
  const loop = `set -e; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -subj /CN=ca -days 365 2>/dev/null
t0=$(date +%s%N)
for i in $(seq ${loopN}); do openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out c$i.key; openssl req -new -key c$i.key -subj /CN=c$i -out c$i.csr; openssl x509 -req -in c$i.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -out c$i.crt 2>/dev/null; done
echo $(( $(date +%s%N) - t0 ))`;
  const theirs = measure(REPS.batch, () => {
    const dir = join(base, 'openssl-loop');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return dir;
  }, (dir) => (Number(run('bash', ['-c', loop], { cwd: dir }).stdout.trim()) / 1e9) * (n / loopN));
  const speedup = theirs / ours;
  row(`batch: 1,000 P-256 client certs (${label})`, ours, theirs, `openssl loop (${loopN} certs, scaled to 1,000)`, '≥ 20× throughput', speedup >= 20);
}
safely('batch issuance on disk', () => batchRow('disk: bench/out', WORK));
if (existsSync('/dev/shm')) safely('batch issuance on tmpfs', () => batchRow('tmpfs: /dev/shm', (() => { const d = '/dev/shm/mtlskit-bench'; mkdirSync(d, { recursive: true }); return d; })()));

// 4. A CRL with 100,000 revoked entries, and verify --crl against it.
safely('crl gen, 100,000 entries', () => {
  const dir = fresh('crl');
  const ca = join(dir, 'ca');
  mtlskit(['ca', 'init', '--dir', ca, '--key-type', 'rsa:2048']);
  mtlskit(['client', 'issue', 'probe', '--dir', ca, '--key-type', 'ec:P-256']);
  const revoked = '261101000000Z';
  const lines = [];
  for (let i = 0; i < 100_000; i++) lines.push(['R', '271124000000Z', `${revoked},keyCompromise`, (0x100000 + i).toString(16).toUpperCase().padStart(8, '0'), 'unknown', `/CN=device-${i}`].join('\t'));
  const index = readFileSync(join(ca, 'index.txt'), 'utf8') + lines.join('\n') + '\n';
  writeFileSync(join(ca, 'index.txt'), index);
  // openssl ca on the very same index, CA certificate and key.
  const osslDir = join(dir, 'openssl');
  mkdirSync(osslDir);
  writeFileSync(join(osslDir, 'index.txt'), index);
  writeFileSync(join(osslDir, 'crlnumber'), '1000\n');
  writeFileSync(join(osslDir, 'ca.cnf'), `[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = ${join(osslDir, 'index.txt')}\ncrlnumber = ${join(osslDir, 'crlnumber')}\ndefault_md = sha256\ndefault_crl_days = 30\ncrl_extensions = ext\n[ ext ]\nauthorityKeyIdentifier = keyid:always\n`);
  const theirs = measure(REPS.crl, null, () => run('openssl', ['ca', '-gencrl', '-config', join(osslDir, 'ca.cnf'), '-cert', join(ca, 'ca.crt'), '-keyfile', join(ca, 'ca.key'), '-out', join(osslDir, 'crl.pem'), '-batch']).seconds);
  const ours = measure(REPS.crl, null, () => mtlskit(['crl', 'gen', '--dir', ca]).seconds);
  const mem = peakMb(process.execPath, [BIN, 'crl', 'gen', '--dir', ca]);
  row('crl gen: 100,000 entries vs openssl ca -gencrl', ours, theirs, 'openssl ca -gencrl', '≤ 1.0× and ≤ 300 MB', ours / theirs <= 1.0 && (mem === undefined || mem <= 300), mem === undefined ? '' : `peak ${mem.toFixed(0)} MB`);
  const verifyT = measure(REPS.crl, null, () => mtlskit(['verify', join(ca, 'probe.crt'), '--dir', ca, '--crl', join(ca, 'crl.pem')]).seconds);
  const vmem = peakMb(process.execPath, [BIN, 'verify', join(ca, 'probe.crt'), '--dir', ca, '--crl', join(ca, 'crl.pem')]);
  const osslVerify = measure(REPS.crl, null, () => run('openssl', ['verify', '-crl_check', '-CRLfile', join(ca, 'crl.pem'), '-CAfile', join(ca, 'ca.crt'), join(ca, 'probe.crt')]).seconds);
  row('verify --crl against the 100,000-entry CRL', verifyT, osslVerify, 'openssl verify -crl_check', '≤ 0.5 s and ≤ 300 MB', verifyT <= 0.5 && (vmem === undefined || vmem <= 300), vmem === undefined ? '' : `peak ${vmem.toFixed(0)} MB`);
});

const fmt = (v) => (v === undefined ? 'n/a' : v < 1 ? `${(v * 1000).toFixed(0)} ms` : `${v.toFixed(2)} s`);
const opensslVersion = run('openssl', ['version']).stdout.trim();
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM; Node ${process.version}; ${opensslVersion}`;
const table = [
  `mtlskit bench, ${new Date().toISOString().slice(0, 10)}${quick ? ' (--quick)' : ''} — ${machine}`,
  '',
  '| benchmark | mtlskit (median) | baseline (median) | ratio | goal | met | note |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.name} | ${fmt(r.ours)} | ${r.baseline ? `${fmt(r.theirs)} (${r.baseline})` : 'n/a'} | ${r.ratio === undefined ? 'n/a' : /throughput/.test(r.goal ?? '') ? `${(1 / r.ratio).toFixed(1)}× faster` : `${r.ratio.toFixed(2)}×`} | ${r.goal ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : 'no'} | ${r.note ?? ''} |`),
];
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'latest.md'), table.join('\n') + '\n');
writeFileSync(join(OUT, 'latest.json'), JSON.stringify({ date: new Date().toISOString(), machine, quick, rows }, null, 2) + '\n');
rmSync(WORK, { recursive: true, force: true });
rmSync('/dev/shm/mtlskit-bench', { recursive: true, force: true });
console.log(table.join('\n'));
