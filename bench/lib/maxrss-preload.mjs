// Fallback peak-memory probe for machines without GNU time: `node --import THIS bin/mtlskit.js ...`
// writes process.resourceUsage().maxRSS (KiB) of that Node process to $MTLSKIT_BENCH_MAXRSS_FILE on exit.
import { writeFileSync } from 'node:fs';

const file = process.env.MTLSKIT_BENCH_MAXRSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
