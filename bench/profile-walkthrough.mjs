#!/usr/bin/env node
/**
 * Scratch diagnosis for walkthrough (b): median wall time of each separate mtlskit command, and of each
 * openssl step of the baseline, so a missed goal can be traced to a step. Not part of `npm run bench`.
 *   node bench/profile-walkthrough.mjs [REPS]
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, median, mtlskit, node, run } from './lib/measure.mjs';

const reps = Number(process.argv[2] ?? 7);
const work = join(ROOT, 'bench', 'out', 'profile');
const seed = (n) => join(ROOT, 'bench', 'seed', `${n}.conf`);
const times = {};
const add = (k, s) => (times[k] ??= []).push(s);
for (let i = 0; i < reps; i++) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const d = join(work, 'pki');
  add('node -e 0', node(['-e', '0']).seconds);
  add('mtlskit --version', mtlskit(['--version']).seconds);
  add('ca init', mtlskit(['ca', 'init', '--dir', d, '--config', seed('ca')]).seconds);
  add('server issue', mtlskit(['server', 'issue', '--dir', d, '--config', seed('server')]).seconds);
  add('client issue', mtlskit(['client', 'issue', '--dir', d, '--config', seed('client')]).seconds);
  add('export pfx', mtlskit(['export', 'pfx', 'client', '--dir', d, '--passout', 'pass:secret']).seconds);
  add(
    'verify server',
    mtlskit(['verify', join(d, 'server.crt'), '--dir', d, '--purpose', 'server', '--host', 'api-mtls.example.com'])
      .seconds,
  );
  add('verify client', mtlskit(['verify', join(d, 'client.crt'), '--dir', d, '--purpose', 'client']).seconds);
  const o = join(work, 'o');
  mkdirSync(o);
  add('openssl genrsa 2048', run('openssl', ['genrsa', '-out', join(o, 'k'), '2048']).seconds);
  add('openssl version (exec cost)', run('openssl', ['version']).seconds);
  // The certificate the export needs is made first and not timed.
  run('openssl', ['req', '-x509', '-new', '-key', join(o, 'k'), '-subj', '/CN=x', '-out', join(o, 'c')]);
  add(
    'openssl pkcs12 -export',
    run('openssl', [
      'pkcs12',
      '-export',
      '-inkey',
      join(o, 'k'),
      '-in',
      join(o, 'c'),
      '-out',
      join(o, 'p'),
      '-passout',
      'pass:secret',
    ]).seconds,
  );
  add('openssl verify', run('openssl', ['verify', '-CAfile', join(o, 'c'), join(o, 'c')]).seconds);
}
rmSync(work, { recursive: true, force: true });
for (const [k, v] of Object.entries(times))
  console.log(
    `${k.padEnd(28)} ${(median(v) * 1000).toFixed(0).padStart(5)} ms  (min ${(Math.min(...v) * 1000).toFixed(0)})`,
  );
