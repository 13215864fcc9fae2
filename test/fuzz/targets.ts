/**
 * What the fuzzer feeds: each target takes one mutated input and runs it through the functions the CLI
 * calls for that kind of input (in process), or through the built CLI itself. The property checked by
 * checkInProcess/checkCli: an MtlsError (a documented exit code and one sentence) or success — never another
 * exception (exit 70, a stack trace), a hang, or runaway memory.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMtlsError } from '../../src/errors.js';
import { verifyFiles } from '../../src/ca/verify-files.js';
import { readCertificateDers } from '../../src/ca/cert-file.js';
import { readCsr } from '../../src/ca/csr.js';
import { importPfx } from '../../src/ca/pfx.js';
import { readBatchFile } from '../../src/ca/batch.js';
import { parseCrl } from '../../src/pki/crl.js';
import { isEncryptedKey, loadPrivateKey } from '../../src/pki/keys.js';
import { decodePfx } from '../../src/pki/pkcs12.js';
import { loadOpensslConf } from '../../src/conf/parse.js';
import { resolveReqConfig } from '../../src/conf/req.js';
import { buildExtensions } from '../../src/conf/extensions.js';
import { parseIndexText, readRevocations } from '../../src/store/index-file.js';
import { readPassSource } from '../../src/cli/pass-source.js';
import { inspectFile } from '../../src/inspect/inspect.js';
import type { Corpus, SeedKind } from './seeds.js';
import { BIN } from '../helpers/run.js';

export interface FuzzEnv {
  corpus: Corpus;
  /** A scratch folder for files a case needs on disk. */
  scratch: string;
  /** A copy of the seed CA the CLI cases may change (issue, list, crl gen). */
  cliPki: string;
  /** A counter for unique names. */
  n: number;
}

export function makeEnv(corpus: Corpus): FuzzEnv {
  const scratch = join(corpus.dir, 'scratch');
  mkdirSync(scratch, { recursive: true });
  const cliPki = join(corpus.dir, 'cli-pki');
  cpSync(corpus.pki, cliPki, { recursive: true });
  return { corpus, scratch, cliPki, n: 0 };
}

const subjectKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const pw = async () => 'pw';

function scratchFile(env: FuzzEnv, name: string, data: Buffer): string {
  const path = join(env.scratch, `${env.n++}-${name}`);
  writeFileSync(path, data);
  return path;
}

async function verifyWith(env: FuzzEnv, over: Partial<Parameters<typeof verifyFiles>[0]>): Promise<void> {
  const { pki } = env.corpus;
  await verifyFiles({
    certFile: join(pki, 'c2.crt'),
    caFile: join(pki, 'ca.crt'),
    dir: pki,
    crlFiles: [join(pki, 'crl.pem')],
    at: new Date(),
    purpose: 'client',
    keyPassword: pw,
    ...over,
  });
}

/**
 * Runs every step, so one input reaches every parser of its kind; the first non-MtlsError is the finding.
 * 'refused' when a step refused the input with an MtlsError (as it should), 'ok' when all accepted it.
 */
async function all(steps: (() => unknown)[]): Promise<'ok' | 'refused'> {
  let refused = false;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      if (!isMtlsError(err)) throw err;
      checkMessage(err.message);
      refused = true;
    }
  }
  return refused ? 'refused' : 'ok';
}

export const IN_PROCESS: Record<SeedKind, (input: Buffer, env: FuzzEnv) => Promise<'ok' | 'refused'>> = {
  certificate: (input, env) => {
    const file = scratchFile(env, 'cert.pem', input);
    return all([
      () => verifyWith(env, { certFile: file, host: 'localhost', purpose: 'server' }),
      () => verifyWith(env, { caFile: file }),
      () => verifyWith(env, { untrustedFile: file, certFile: join(env.corpus.pki, 'sub', 'leaf.crt') }),
      () => readCertificateDers(file),
      () => inspectFile(input, file, pw),
    ]);
  },
  csr: (input, env) => {
    const file = scratchFile(env, 'req.csr', input);
    return all([() => readCsr(file), () => inspectFile(input, file, pw)]);
  },
  crl: (input, env) => {
    const file = scratchFile(env, 'crl.pem', input);
    return all([
      () => parseCrl(input, file),
      () => verifyWith(env, { crlFiles: [file] }),
      () =>
        verifyWith(env, {
          crlFiles: [file, join(env.corpus.pki, 'crl.pem')],
          certFile: join(env.corpus.pki, 'c1.crt'),
        }),
      () => inspectFile(input, file, pw),
    ]);
  },
  key: (input, env) => {
    const file = scratchFile(env, 'x.key', input);
    return all([
      () => loadPrivateKey(input, isEncryptedKey(input) ? 'pw' : undefined, file),
      () => loadPrivateKey(input, 'wrong', file),
      () => verifyWith(env, { keyFile: file }),
      () => inspectFile(input, file, pw),
    ]);
  },
  pkcs12: (input, env) => {
    const file = scratchFile(env, 'x.pfx', input);
    return all([
      () => decodePfx(input, 'pw', file),
      () => inspectFile(input, file, pw),
      () => importPfx({ file, dir: join(env.scratch, `import-${env.n++}`), password: 'pw', force: false }),
    ]);
  },
  conf: (input, env) => {
    // In the folder with the .include targets (a.cnf and b.cnf include each other; inc.d includes fuzz.conf).
    const file = join(env.corpus.dir, 'conf', 'fuzz.conf');
    writeFileSync(file, input);
    return all([
      () => {
        const conf = loadOpensslConf(file);
        const req = resolveReqConfig(conf);
        for (const section of [req.reqExtensions, req.x509Extensions]) {
          if (section) buildExtensions(conf, section, { subjectKey, request: true });
        }
      },
    ]);
  },
  'batch-csv': (input, env) => all([() => readBatchFile(scratchFile(env, 'rows.csv', input))]),
  'batch-json': (input, env) => all([() => readBatchFile(scratchFile(env, 'rows.json', input))]),
  index: (input) =>
    all([() => parseIndexText(input.toString('utf8'), 'index.txt'), () => readRevocations(input, 'index.txt')]),
  'pass-source': (input) => {
    const spec = input.toString('utf8');
    // fd: and stdin would read this process's own descriptors (the test runner's); the CLI cases cover them.
    if (spec.startsWith('fd:') || spec === 'stdin') return Promise.resolve('ok');
    return all([() => readPassSource(spec, '--passin')]);
  },
};

/** An error message is one sentence on one line, with no stack frame in it. */
export function checkMessage(message: string): void {
  if (message.trim() === '') throw new Error('an MtlsError with an empty message');
  if (message.includes('\n'))
    throw new Error(`an MtlsError message spans lines: ${JSON.stringify(message.slice(0, 400))}`);
  if (message.includes('    at '))
    throw new Error(`an MtlsError message holds a stack frame: ${message.slice(0, 400)}`);
}

// ---- through the built CLI ----

/** Exit codes the README documents, other than 70 (a bug) and 130 (Ctrl-C). */
export const DOCUMENTED_EXITS = new Set([0, 1, 2, 3, 4, 5, 6, 7]);
const CLI_TIMEOUT_MS = 10_000;

export interface CliOutcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  argv: string[];
}

/** The command lines each kind of input is given to (FILE is the mutated input, written to disk). */
export const CLI_COMMANDS: Record<SeedKind, ((file: string, env: FuzzEnv) => string[])[]> = {
  certificate: [
    (f) => ['show', f],
    (f, e) => ['verify', f, '--dir', e.corpus.pki, '--purpose', 'server', '--host', 'localhost'],
  ],
  csr: [
    (f, e) => ['csr', 'sign', f, '--profile', 'client', '--name', `fz${e.n++}`, '--dir', e.cliPki],
    (f) => ['show', f],
  ],
  crl: [(f) => ['show', f], (f, e) => ['verify', join(e.corpus.pki, 'c2.crt'), '--dir', e.corpus.pki, '--crl', f]],
  key: [
    (f, e) => ['client', 'issue', `fz${e.n++}`, '--key', f, '--key-passin', 'pass:pw', '--dir', e.cliPki],
    (f) => ['show', f, '--passin', 'pass:pw'],
  ],
  pkcs12: [
    (f, e) => ['import', 'pfx', f, '--passin', 'pass:pw', '--dir', join(e.scratch, `cli-import-${e.n++}`)],
    (f) => ['show', f, '--passin', 'pass:pw'],
  ],
  conf: [(f, e) => ['client', 'issue', `fz${e.n++}`, '--config', f, '--key-type', 'ec:P-256', '--dir', e.cliPki]],
  'batch-csv': [(f, e) => ['client', 'issue', '--batch', f, '--key-type', 'ec:P-256', '--dir', e.cliPki]],
  'batch-json': [(f, e) => ['server', 'issue', '--batch', f, '--key-type', 'ec:P-256', '--dir', e.cliPki]],
  index: [
    (f, e) => {
      const dir = join(e.scratch, `idx-${e.n++}`);
      cpSync(e.corpus.pki, dir, { recursive: true });
      cpSync(f, join(dir, 'index.txt'));
      return ['list', '--dir', dir];
    },
    (f, e) => {
      const dir = join(e.scratch, `idx-${e.n++}`);
      cpSync(e.corpus.pki, dir, { recursive: true });
      cpSync(f, join(dir, 'index.txt'));
      return ['crl', 'gen', '--dir', dir];
    },
  ],
  'pass-source': [(f, e) => ['show', join(e.corpus.dir, 'modern.pfx'), '--passin', readSpec(f)]],
};

function readSpec(file: string): string {
  // argv cannot carry NUL bytes; everything else goes through as it is.
  return readFileSync(file, 'utf8').replace(/\0/g, '');
}

/**
 * Runs the built CLI without blocking this worker's event loop (a long run of spawnSync calls starves
 * vitest's own messages and ends in "Timeout calling onTaskUpdate").
 */
export function runCli(argv: string[]): Promise<CliOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=300', BIN, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', DEBUG: '', MTLSKIT_LOCK_TIMEOUT_MS: '2000' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CLI_TIMEOUT_MS);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, timedOut, argv });
    });
  });
}

/** undefined when the run keeps the promise; else what went wrong. */
export function cliViolation(o: CliOutcome): string | undefined {
  const cmd = `mtlskit ${o.argv.join(' ')}`;
  if (o.timedOut || o.signal) return `${cmd} did not end within ${CLI_TIMEOUT_MS / 1000} s (${o.signal ?? 'timeout'})`;
  if (o.status === null || !DOCUMENTED_EXITS.has(o.status))
    return `${cmd} exited ${o.status} (not a documented exit code): ${o.stderr.slice(0, 600)}`;
  if (o.stderr.includes('    at ') || o.stdout.includes('    at '))
    return `${cmd} printed a stack trace: ${o.stderr.slice(0, 600)}`;
  if (o.status === 1) {
    // A check ran and failed (verify): its report of problems is the output, on stdout.
    if ((o.stdout + o.stderr).trim() === '') return `${cmd} exited 1 and said nothing`;
  } else if (o.status !== 0) {
    const lines = o.stderr.trim().split('\n');
    if (lines.length !== 1 || lines[0] === '')
      return `${cmd} exited ${o.status} without exactly one line on stderr: ${o.stderr.slice(0, 600)}`;
  }
  return undefined;
}
