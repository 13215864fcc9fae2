/** Rows, goals, the markdown table and the machine description. */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

export const fmtTime = (v) => (v === undefined ? 'n/a' : v < 1 ? `${(v * 1000).toFixed(0)} ms` : `${v.toFixed(2)} s`);

/**
 * One table row. `kind`:
 *  - 'ratio': mtlskit time / baseline time must be <= limit
 *  - 'speedup': baseline time / mtlskit time must be >= limit (throughput)
 *  - 'absolute': mtlskit time must be <= limit seconds (the baseline is shown for context)
 * `memLimitMb` with `memory` ({ mb, method }) adds a peak-memory condition.
 * A failed side never yields a number: the row says n/a and why.
 */
export function makeRow({ name, ours, base, baseLabel, kind, limit, goal, memLimitMb, memory, baseMemory, note = [] }) {
  const notes = [...note];
  const row = {
    name,
    mtlskit: ours?.median,
    baseline: base?.median,
    baselineLabel: baseLabel,
    samples: { mtlskit: ours?.samples ?? [], baseline: base?.samples ?? [] },
    kind,
    goal,
    met: undefined,
    ratio: undefined,
    memoryMb: memory?.mb,
    baselineMemoryMb: baseMemory?.mb,
    memoryMethod: memory?.method,
  };
  if (!ours || ours.error || ours.median === undefined) {
    row.mtlskit = undefined;
    row.na = `n/a: ${ours?.error ?? 'not measured'}`;
    return row;
  }
  const baseOk = base && !base.error && base.median !== undefined;
  if (!baseOk) {
    row.baseline = undefined;
    notes.push(`baseline n/a: ${base?.error ?? 'not measured'}`);
  }
  if (baseOk) row.ratio = kind === 'speedup' ? base.median / ours.median : ours.median / base.median;
  if (limit === undefined)
    row.met = undefined; // a row that reports a figure without a goal
  else if (kind === 'absolute') row.met = ours.median <= limit;
  else if (baseOk) row.met = kind === 'speedup' ? row.ratio >= limit : row.ratio <= limit;
  if (memLimitMb !== undefined) {
    if (memory) {
      notes.push(`peak ${memory.mb.toFixed(0)} MB${baseMemory ? ` (openssl ${baseMemory.mb.toFixed(0)} MB)` : ''}`);
      if (row.met !== undefined) row.met = row.met && memory.mb <= memLimitMb;
    } else {
      notes.push('peak memory not measured (no GNU time, or the extra run failed)');
      row.met = undefined;
    }
  }
  const spread = (s) => (s.length > 1 ? `${fmtTime(Math.min(...s))}–${fmtTime(Math.max(...s))}` : '');
  const n = row.samples.mtlskit.length;
  if (n > 1)
    notes.push(
      `n=${n}, mtlskit ${spread(row.samples.mtlskit)}${row.samples.baseline.length > 1 ? `, baseline ${spread(row.samples.baseline)}` : ''}`,
    );
  row.note = notes.join('; ');
  return row;
}

/** A row for a scenario that could not run at all. */
export const naRow = (name, goal, reason) => ({
  name,
  goal,
  na: `n/a: ${reason}`,
  samples: { mtlskit: [], baseline: [] },
});

export function ratioText(row) {
  if (row.ratio === undefined) return 'n/a';
  return row.kind === 'speedup' ? `${row.ratio.toFixed(1)}× faster` : `${row.ratio.toFixed(2)}×`;
}

export function markdownTable(rows) {
  return [
    '| benchmark | mtlskit (median) | openssl / node (median) | ratio | goal | met? | notes |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) =>
      r.na
        ? `| ${r.name} | ${r.na} | | | ${r.goal} | | |`
        : `| ${r.name} | ${fmtTime(r.mtlskit)} | ${r.baseline === undefined ? 'n/a' : `${fmtTime(r.baseline)} (${r.baselineLabel})`} | ${ratioText(r)} | ${r.goal} | ${r.met === undefined ? 'n/a' : r.met ? 'yes' : '**no**'} | ${r.note ?? ''} |`,
    ),
  ].join('\n');
}

function fsType(path) {
  const r = spawnSync('stat', ['-f', '-c', '%T', path], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

export function machineInfo(paths) {
  let cpuModel = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m && m[1].length > cpuModel.length) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  const ossl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return {
    cpu: cpuModel,
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
    openssl: ossl.status === 0 ? ossl.stdout.trim() : 'not installed',
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    filesystems: Object.fromEntries(Object.entries(paths).map(([k, p]) => [k, `${p} (${fsType(p)})`])),
  };
}

export const machineLine = (m) =>
  `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB RAM; ${m.os}; Node ${m.node}; ${m.openssl}; load average ${m.loadAverageAtStart.join(' ')} at start, ${m.loadAverageAtEnd?.join(' ') ?? '?'} at end`;
