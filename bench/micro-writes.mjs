#!/usr/bin/env node
/**
 * Scratch experiment behind the batch suggestions: the file pattern of a 1,000-certificate batch
 * (src/store/atomic-write.ts: temp file opened 'wx', written, synced, closed, then link + unlink into place),
 * with variants, on a folder given as argument. Not part of `npm run bench`.
 *   UV_THREADPOOL_SIZE=16 node bench/micro-writes.mjs DIR [ROUNDS]   (variants interleaved; medians)
 */
import { linkSync, mkdirSync, rmSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

const base = process.argv[2];
const data = Buffer.alloc(1200, 65);
const results = {};
const rounds = Number(process.argv[3] ?? 3);

async function pattern(label, files, { limit = 32, sync = 'fsync' } = {}) {
  const dir = join(base, 'micro-writes');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t = performance.now();
  let next = 0;
  const temps = new Array(files);
  const worker = async () => {
    while (next < files) {
      const i = next++;
      const tmp = join(dir, `.f${i}.tmp`);
      const h = await open(tmp, 'wx', 0o644);
      await h.writeFile(data);
      if (sync === 'fsync') await h.sync();
      else if (sync === 'fdatasync') await h.datasync();
      await h.close();
      temps[i] = tmp;
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  temps.forEach((tmp, i) => {
    linkSync(tmp, join(dir, `f${i}`));
    unlinkSync(tmp);
  });
  const ms = performance.now() - t;
  rmSync(dir, { recursive: true, force: true });
  (results[label] ??= []).push(ms);
  return ms;
}

console.log(`folder ${base}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 4}`);
for (let round = 0; round < rounds; round++) {
  await pattern('4,000 files (key, csr, crt, chain), fsync each, 32 in flight', 4000);
  await pattern('2,000 files (key, crt: csr skipped, chain linked), fsync', 2000);
  await pattern('4,000 files, fdatasync each', 4000, { sync: 'fdatasync' });
  await pattern('4,000 files, 128 in flight', 4000, { limit: 128 });
  await pattern('4,000 files, no sync (upper bound of the gain)', 4000, { sync: 'none' });
}
for (const [label, v] of Object.entries(results)) {
  const m = [...v].sort((a, b) => a - b)[v.length >> 1];
  console.log(`${label.padEnd(62)} median ${m.toFixed(0).padStart(5)} ms  (${v.map((x) => x.toFixed(0)).join(', ')})`);
}
