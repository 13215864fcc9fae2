/**
 * The four scenarios of issue 9. Each returns table rows; a missing command or a failed run becomes an
 * "n/a: reason" row. Every timed run's output is checked, so a command that silently did less is never timed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN,
  CommandFailed,
  ROOT,
  interleaved,
  mtlskit,
  node,
  peakMemoryMb,
  requireMtlskitCommand,
  requireOpenssl,
  run,
} from './measure.mjs';
import { makeRow, naRow } from './report.mjs';

const BENCH = join(ROOT, 'bench');
const SEED = (n) => join(BENCH, 'seed', `${n}.conf`);

function fresh(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

function mustHave(dir, files) {
  const missing = files.filter((f) => !existsSync(join(dir, f)) || statSync(join(dir, f)).size === 0);
  if (missing.length) throw new CommandFailed(`expected output missing in ${dir}: ${missing.join(', ')}`);
}

/** Peak memory of one extra run; a failure here leaves the memory unmeasured (the timed rows already say why). */
function safeMemory(cmd, args, opts) {
  try {
    return peakMemoryMb(cmd, args, opts);
  } catch {
    return undefined;
  }
}

const attempt = (fn) => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err.message;
  }
};

// 1. Start-up, and single commands against bare Node (issue 19) -------------------------------------------
export function startup({ reps, work }) {
  const sides = {
    node: { time: () => node(['-e', '0']).seconds },
    version: { time: () => mtlskit(['--version']).seconds },
    help: { time: () => mtlskit(['--help']).seconds },
  };
  // One command each, as a CI script or a person runs them: a P-256 CA with a server and a client certificate.
  const dir = fresh(join(work, 'single'));
  const pki = join(dir, 'pki');
  const setupError = attempt(() => {
    for (const words of [['ca', 'init'], ['client', 'issue'], ['export', 'pfx'], ['verify']])
      requireMtlskitCommand(...words);
    mtlskit(['ca', 'init', '--dir', pki, '--key-type', 'ec:P-256']);
    mtlskit(['server', 'issue', 'web', '--dir', pki, '--dns', 'web.example.com', '--key-type', 'ec:P-256']);
    mtlskit(['client', 'issue', 'partner', '--dir', pki, '--key-type', 'ec:P-256']);
  });
  if (!setupError) {
    let serial = 0;
    sides.verify = {
      time: () =>
        mtlskit(['verify', join(pki, 'web.crt'), '--dir', pki, '--purpose', 'server', '--host', 'web.example.com'])
          .seconds,
    };
    sides.pfx = {
      setup: () => rmSync(join(pki, 'partner.pfx'), { force: true }),
      time: () => mtlskit(['export', 'pfx', 'partner', '--dir', pki, '--passout', 'pass:secret']).seconds,
      check: () => mustHave(pki, ['partner.pfx']),
    };
    sides.issue = {
      setup: () => `device-${serial++}`,
      time: (name) => mtlskit(['client', 'issue', name, '--dir', pki, '--key-type', 'ec:P-256']).seconds,
      check: (name) => mustHave(pki, [`${name}.crt`, `${name}.key`]),
    };
  }
  const r = interleaved(reps, sides, { warmup: true });
  const base = r.node;
  const vsNode = (name, ours, limit, note) =>
    makeRow({
      name,
      ours,
      base,
      baseLabel: 'node -e 0',
      kind: 'ratio',
      limit,
      goal: limit === undefined ? 'report' : `≤ ${limit}×`,
      note,
    });
  const single = (name, key, limit, note) =>
    setupError
      ? naRow(name, limit === undefined ? 'report' : `≤ ${limit}×`, setupError)
      : vsNode(name, r[key], limit, note);
  return [
    vsNode('start-up: `mtlskit --version` vs `node -e 0`', r.version, 1.2),
    vsNode('start-up: `mtlskit --help` vs `node -e 0`', r.help, 1.5),
    single('one command: `mtlskit verify` vs `node -e 0`', 'verify', 1.35, ['P-256 chain, --purpose server --host']),
    single('one command: `mtlskit export pfx` vs `node -e 0`', 'pfx', undefined, ['P-256 key, AES-256 PKCS#12']),
    single('one command: `mtlskit client issue --key-type ec:P-256` vs `node -e 0`', 'issue', undefined, [
      'a new key and certificate, index.txt record',
    ]),
  ];
}

// 2. The seed walkthrough, RSA-2048 --------------------------------------------------------------------
export function walkthrough({ reps, work }) {
  const sides = {};
  const unavailable = {};
  const opensslMissing = attempt(requireOpenssl);
  sides.openssl = {
    setup: () => fresh(join(work, 'walk-openssl')),
    time: (dir) => {
      if (opensslMissing) throw new CommandFailed(opensslMissing);
      return run('bash', [join(BENCH, 'openssl-walkthrough.sh'), dir]).seconds;
    },
    check: (dir) => mustHave(dir, ['ca.crt', 'server.crt', 'client.crt', 'client.pfx']),
  };
  unavailable.wizard = attempt(() => requireMtlskitCommand('wizard'));
  if (!unavailable.wizard) {
    sides.wizard = {
      setup: () => fresh(join(work, 'walk-wizard')),
      time: (dir) =>
        mtlskit([
          'wizard',
          '--yes',
          '--dir',
          join(dir, 'pki'),
          '--passout',
          'pass:secret',
          '--dns',
          'api-mtls.example.com',
        ]).seconds,
      check: (dir) =>
        mustHave(join(dir, 'pki'), [
          'ca.crt',
          'ca.key',
          'server.crt',
          'client.crt',
          'client.key',
          'client.pfx',
          'crl.pem',
        ]),
    };
  }
  unavailable.commands = attempt(() => {
    for (const words of [['ca', 'init'], ['server', 'issue'], ['client', 'issue'], ['export', 'pfx'], ['verify']])
      requireMtlskitCommand(...words);
  });
  if (!unavailable.commands) {
    sides.commands = {
      setup: () => fresh(join(work, 'walk-commands')),
      time: (dir) => {
        const d = join(dir, 'pki');
        const steps = [
          ['ca', 'init', '--dir', d, '--config', SEED('ca')],
          ['server', 'issue', '--dir', d, '--config', SEED('server')],
          ['client', 'issue', '--dir', d, '--config', SEED('client')],
          ['export', 'pfx', 'client', '--dir', d, '--passout', 'pass:secret'],
          ['verify', join(d, 'server.crt'), '--dir', d, '--purpose', 'server', '--host', 'api-mtls.example.com'],
          ['verify', join(d, 'client.crt'), '--dir', d, '--purpose', 'client'],
        ];
        return steps.reduce((total, args) => total + mtlskit(args).seconds, 0);
      },
      check: (dir) => mustHave(join(dir, 'pki'), ['ca.crt', 'server.crt', 'client.crt', 'client.pfx']),
    };
  }
  const r = interleaved(reps, sides, { warmup: true });
  const base = r.openssl;
  const label = 'openssl walkthrough';
  return [
    unavailable.wizard
      ? naRow('walkthrough (a): `mtlskit wizard --yes` vs openssl script', '≤ 0.8×', unavailable.wizard)
      : makeRow({
          name: 'walkthrough (a): `mtlskit wizard --yes` vs openssl script',
          ours: r.wizard,
          base,
          baseLabel: label,
          kind: 'ratio',
          limit: 0.8,
          goal: '≤ 0.8×',
          note: ['wizard also writes crl.pem and NEXT-STEPS.md'],
        }),
    unavailable.commands
      ? naRow('walkthrough (b): 6 separate mtlskit commands vs openssl script', '≤ 2×', unavailable.commands)
      : makeRow({
          name: 'walkthrough (b): 6 separate mtlskit commands vs openssl script',
          ours: r.commands,
          base,
          baseLabel: label,
          kind: 'ratio',
          limit: 2,
          goal: '≤ 2×',
          note: ['ca init, server issue, client issue, export pfx, verify ×2'],
        }),
  ];
}

// 3. Batch issuance of 1,000 P-256 client certificates -------------------------------------------------
const BATCH_N = 1000;

export function batch({ reps, loopN, places }) {
  const goal = '≥ 20× throughput';
  const rows = [];
  const missing =
    attempt(() => requireMtlskitCommand('client', 'issue')) ?? attempt(() => requireMtlskitCommand('ca', 'init'));
  const opensslMissing = attempt(requireOpenssl);
  const sides = {};
  for (const [label, base] of Object.entries(places)) {
    const csv = join(base, 'batch.csv');
    sides[`mtlskit ${label}`] = {
      setup: () => {
        const dir = fresh(join(base, 'batch-mtlskit'));
        writeFileSync(
          csv,
          ['name,dns', ...Array.from({ length: BATCH_N }, (_, i) => `client-${i},`)].join('\n') + '\n',
        );
        mtlskit(['ca', 'init', '--dir', join(dir, 'pki'), '--key-type', 'ec:P-256']);
        return join(dir, 'pki');
      },
      time: (dir) => mtlskit(['client', 'issue', '--dir', dir, '--batch', csv, '--key-type', 'ec:P-256']).seconds,
      check: (dir) => {
        const certs = readdirSync(dir).filter((f) => /^client-\d+\.crt$/.test(f)).length;
        const records = readFileSync(join(dir, 'index.txt'), 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('V\t')).length;
        if (certs !== BATCH_N || records !== BATCH_N)
          throw new CommandFailed(
            `batch wrote ${certs} certificates and ${records} index records, expected ${BATCH_N}`,
          );
        if (!opensslMissing)
          run('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, `client-${BATCH_N - 1}.crt`)]);
      },
    };
    sides[`openssl ${label}`] = {
      setup: () => fresh(join(base, 'batch-openssl')),
      time: (dir) => {
        if (opensslMissing) throw new CommandFailed(opensslMissing);
        return (
          (Number(run('bash', [join(BENCH, 'openssl-batch-loop.sh'), String(loopN), dir]).stdout.trim()) / 1e9) *
          (BATCH_N / loopN)
        );
      },
      check: (dir) => mustHave(dir, [`c${loopN}.crt`]),
    };
  }
  if (missing) {
    for (const label of Object.keys(places)) delete sides[`mtlskit ${label}`];
  }
  const r = interleaved(reps, sides);
  for (const label of Object.keys(places)) {
    const name = `batch: 1,000 P-256 client certs in one process (${label})`;
    if (missing) rows.push(naRow(name, goal, missing));
    else {
      rows.push(
        makeRow({
          name,
          ours: r[`mtlskit ${label}`],
          base: r[`openssl ${label}`],
          baseLabel: `openssl loop, ${loopN} certs scaled to 1,000`,
          kind: 'speedup',
          limit: 20,
          goal,
          note: [`openssl loop timed for ${loopN} certificates and scaled to 1,000 (×${(BATCH_N / loopN).toFixed(1)})`],
        }),
      );
    }
  }
  return rows;
}

// 4. A CRL with 100,000 revoked entries ----------------------------------------------------------------
const CRL_N = 100_000;

function crlEntryCount(file, inform) {
  const text = run('openssl', ['crl', '-inform', inform, '-in', file, '-noout', '-text']).stdout;
  return text.match(/Serial Number:/g)?.length ?? 0;
}

export function crl({ reps, work }) {
  const genName = 'crl gen: 100,000 revoked entries vs `openssl ca -gencrl`';
  const verifyName = '`mtlskit verify --crl` against the 100,000-entry CRL';
  const genGoal = '≤ 1.0× and ≤ 300 MB';
  const verifyGoal = '≤ 0.5 s and ≤ 300 MB';
  const missing =
    attempt(requireOpenssl) ??
    attempt(() =>
      ['ca init', 'client issue', 'revoke', 'crl gen', 'verify'].forEach((c) => requireMtlskitCommand(...c.split(' '))),
    );
  if (missing) return [naRow(genName, genGoal, missing), naRow(verifyName, verifyGoal, missing)];

  // One CA (RSA-2048) with two real leaves, one of them revoked, then 100,000 more `R` lines in OpenSSL's index format.
  const dir = fresh(join(work, 'crl'));
  const ca = join(dir, 'pki');
  let setupError = attempt(() => {
    mtlskit(['ca', 'init', '--dir', ca, '--key-type', 'rsa:2048']);
    mtlskit(['client', 'issue', 'probe', '--dir', ca, '--key-type', 'ec:P-256']);
    mtlskit(['client', 'issue', 'gone', '--dir', ca, '--key-type', 'ec:P-256']);
    mtlskit(['revoke', 'gone', '--dir', ca, '--reason', 'keyCompromise']);
  });
  if (setupError) return [naRow(genName, genGoal, setupError), naRow(verifyName, verifyGoal, setupError)];
  const lines = [];
  for (let i = 0; i < CRL_N; i++) {
    const serial = (0x10000000 + i).toString(16).toUpperCase();
    lines.push(
      [
        'R',
        '271124000000Z',
        `261101000000Z,${['keyCompromise', 'superseded', 'cessationOfOperation', ''][i % 4]}`.replace(/,$/, ''),
        serial,
        'unknown',
        `/O=Client Company Name/CN=device-${i}`,
      ].join('\t'),
    );
  }
  const index = readFileSync(join(ca, 'index.txt'), 'utf8') + lines.join('\n') + '\n';
  const expected = index.split('\n').filter((l) => l.startsWith('R\t')).length;
  writeFileSync(join(ca, 'index.txt'), index);
  // openssl ca on the very same index, CA certificate and key, with the same CRL extensions (AKI, CRL number).
  const ossl = join(dir, 'openssl');
  mkdirSync(ossl);
  writeFileSync(join(ossl, 'index.txt'), index);
  writeFileSync(join(ossl, 'crlnumber'), '1000\n');
  const cnf = join(ossl, 'ca.cnf');
  writeFileSync(
    cnf,
    [
      '[ ca ]',
      'default_ca = bench',
      '[ bench ]',
      `database = ${join(ossl, 'index.txt')}`,
      `crlnumber = ${join(ossl, 'crlnumber')}`,
      'default_md = sha256',
      'default_crl_days = 30',
      'crl_extensions = crl_ext',
      '[ crl_ext ]',
      'authorityKeyIdentifier = keyid:always',
      '',
    ].join('\n'),
  );
  const osslArgs = [
    'ca',
    '-gencrl',
    '-config',
    cnf,
    '-cert',
    join(ca, 'ca.crt'),
    '-keyfile',
    join(ca, 'ca.key'),
    '-out',
    join(ossl, 'crl.pem'),
    '-batch',
  ];
  const genArgs = [BIN, 'crl', 'gen', '--dir', ca];
  const gen = interleaved(
    reps,
    {
      mtlskit: { time: () => node(genArgs).seconds },
      openssl: { time: () => run('openssl', osslArgs).seconds },
    },
    { warmup: true },
  );
  // Both CRLs must list every revoked entry.
  const countError = attempt(() => {
    const ours = crlEntryCount(join(ca, 'crl.der'), 'DER');
    const theirs = crlEntryCount(join(ossl, 'crl.pem'), 'PEM');
    if (ours !== expected || theirs !== expected)
      throw new Error(`CRL entry counts: mtlskit ${ours}, openssl ${theirs}, index ${expected}`);
  });
  if (countError) gen.mtlskit.error ??= countError;
  const genMem = safeMemory(process.execPath, genArgs);
  const osslMem = safeMemory('openssl', osslArgs);
  const rows = [
    makeRow({
      name: genName,
      ours: gen.mtlskit,
      base: gen.openssl,
      baseLabel: 'openssl ca -gencrl',
      kind: 'ratio',
      limit: 1.0,
      goal: genGoal,
      memLimitMb: 300,
      memory: genMem,
      baseMemory: osslMem,
      note: [`${expected.toLocaleString('en')} entries in both CRLs`],
    }),
  ];

  // verify --crl: the good leaf passes, and the revoked one is caught (so the CRL is really read).
  const crlPem = join(ca, 'crl.pem');
  const verifyArgs = [BIN, 'verify', join(ca, 'probe.crt'), '--dir', ca, '--crl', crlPem];
  const osslVerifyArgs = [
    'verify',
    '-crl_check',
    '-CRLfile',
    crlPem,
    '-CAfile',
    join(ca, 'ca.crt'),
    join(ca, 'probe.crt'),
  ];
  const v = interleaved(
    reps,
    {
      mtlskit: { time: () => node(verifyArgs).seconds },
      openssl: { time: () => run('openssl', osslVerifyArgs).seconds },
    },
    { warmup: true },
  );
  const revokedError = attempt(() => {
    const r = mtlskit(['verify', join(ca, 'gone.crt'), '--dir', ca, '--crl', crlPem, '--json'], { okStatus: [0, 1] });
    if (r.status !== 1 || !r.stdout.includes('REVOKED'))
      throw new Error('mtlskit verify --crl did not report the revoked certificate as REVOKED');
  });
  if (revokedError) v.mtlskit.error ??= revokedError;
  const vMem = safeMemory(process.execPath, verifyArgs);
  const vOsslMem = safeMemory('openssl', osslVerifyArgs);
  rows.push(
    makeRow({
      name: verifyName,
      ours: v.mtlskit,
      base: v.openssl,
      baseLabel: 'openssl verify -crl_check',
      kind: 'absolute',
      limit: 0.5,
      goal: verifyGoal,
      memLimitMb: 300,
      memory: vMem,
      baseMemory: vOsslMem,
      note: ['a revoked leaf is reported REVOKED'],
    }),
  );
  return rows;
}

// 5. Batch issuance with the CA key in a PKCS#11 token (SoftHSM2) against a file key (issue 17) ------------
const SOFTHSM_MODULE = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'].find(
  (p) => existsSync(p),
);

export function pkcs11({ reps, work }) {
  const name = 'batch: 1,000 P-256 client certs, CA key in SoftHSM2 vs in a file';
  const goal = '≤ 2× the file key';
  const missing =
    attempt(() => requireMtlskitCommand('ca', 'move-to-pkcs11')) ??
    (SOFTHSM_MODULE ? undefined : 'SoftHSM2 is not installed (apt-get install softhsm2)') ??
    attempt(() => run('softhsm2-util', ['--version']));
  if (missing) return [naRow(name, goal, missing)];
  const csv = join(work, 'pkcs11-batch.csv');
  writeFileSync(csv, ['name', ...Array.from({ length: BATCH_N }, (_, i) => `client-${i}`)].join('\n') + '\n');
  const hsmEnv = { SOFTHSM2_CONF: join(work, 'softhsm2.conf') };
  const check = (dir) => {
    const certs = readdirSync(dir).filter((f) => /^client-\d+\.crt$/.test(f)).length;
    if (certs !== BATCH_N) throw new CommandFailed(`batch wrote ${certs} certificates, expected ${BATCH_N}`);
    run('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, `client-${BATCH_N - 1}.crt`)]);
  };
  const r = interleaved(reps, {
    token: {
      setup: () => {
        const dir = fresh(join(work, 'pkcs11-token'));
        const tokens = fresh(join(work, 'softhsm-tokens'));
        writeFileSync(
          hsmEnv.SOFTHSM2_CONF,
          `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`,
        );
        run('softhsm2-util', ['--init-token', '--free', '--label', 'bench', '--pin', '1234', '--so-pin', '5678'], {
          env: hsmEnv,
        });
        mtlskit(
          [
            'ca',
            'init',
            '--dir',
            join(dir, 'pki'),
            '--key-type',
            'ec:P-256',
            '--pkcs11',
            'pkcs11:token=bench;object=ca',
            '--pkcs11-module',
            SOFTHSM_MODULE,
            '--pin',
            'pass:1234',
          ],
          { env: hsmEnv },
        );
        return join(dir, 'pki');
      },
      time: (dir) =>
        mtlskit(['client', 'issue', '--dir', dir, '--batch', csv, '--key-type', 'ec:P-256', '--pin', 'pass:1234'], {
          env: hsmEnv,
        }).seconds,
      check,
    },
    file: {
      setup: () => {
        const dir = fresh(join(work, 'pkcs11-file'));
        mtlskit(['ca', 'init', '--dir', join(dir, 'pki'), '--key-type', 'ec:P-256']);
        return join(dir, 'pki');
      },
      time: (dir) => mtlskit(['client', 'issue', '--dir', dir, '--batch', csv, '--key-type', 'ec:P-256']).seconds,
      check,
    },
  });
  return [
    makeRow({
      name,
      ours: r.token,
      base: r.file,
      baseLabel: 'the same batch, CA key in ca.key',
      kind: 'ratio',
      limit: 2,
      goal,
      note: ['ratio = token time ÷ file-key time; each run logs into the token once'],
    }),
  ];
}

// 6. renew --expiring over 1,000 P-256 client certificates (issue 14) ------------------------------------
const RENEW_N = 1000;

export function renew({ reps, loopN, work }) {
  const name = 'renew --expiring: 1,000 P-256 client certs in one process';
  const goal = '≥ 20× throughput';
  const missing =
    attempt(() => requireMtlskitCommand('renew')) ?? attempt(() => requireMtlskitCommand('client', 'issue'));
  if (missing) return [naRow(name, goal, missing)];
  const opensslMissing = attempt(requireOpenssl);
  const csv = join(work, 'renew.csv');
  const r = interleaved(reps, {
    mtlskit: {
      // Not timed: a CA and 1,000 certificates that expire in 20 days.
      setup: () => {
        const dir = join(fresh(join(work, 'renew-mtlskit')), 'pki');
        writeFileSync(
          csv,
          ['name,dns', ...Array.from({ length: RENEW_N }, (_, i) => `client-${i},`)].join('\n') + '\n',
        );
        mtlskit(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
        mtlskit(['client', 'issue', '--dir', dir, '--batch', csv, '--key-type', 'ec:P-256', '--days', '20']);
        return dir;
      },
      time: (dir) => mtlskit(['renew', '--expiring', '30', '--days', '365', '--dir', dir]).seconds,
      check: (dir) => {
        const lines = readFileSync(join(dir, 'index.txt'), 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('V\t'));
        if (lines.length !== 2 * RENEW_N)
          throw new CommandFailed(`renew left ${lines.length} valid index records, expected ${2 * RENEW_N}`);
        if (!opensslMissing) {
          const text = run('openssl', [
            'x509',
            '-in',
            join(dir, `client-${RENEW_N - 1}.crt`),
            '-noout',
            '-enddate',
          ]).stdout;
          if (Date.parse(text.split('=')[1]) - Date.now() < 300 * 86_400_000)
            throw new CommandFailed(`client-${RENEW_N - 1}.crt was not renewed (${text.trim()})`);
          run('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, `client-${RENEW_N - 1}.crt`)]);
        }
      },
    },
    openssl: {
      setup: () => fresh(join(work, 'renew-openssl')),
      time: (dir) => {
        if (opensslMissing) throw new CommandFailed(opensslMissing);
        return (
          (Number(run('bash', [join(BENCH, 'openssl-renew-loop.sh'), String(loopN), dir]).stdout.trim()) / 1e9) *
          (RENEW_N / loopN)
        );
      },
      check: (dir) => mustHave(dir, [`c${loopN}.crt`]),
    },
  });
  return [
    makeRow({
      name,
      ours: r.mtlskit,
      base: r.openssl,
      baseLabel: `openssl loop, ${loopN} certs scaled to 1,000`,
      kind: 'speedup',
      limit: 20,
      goal,
      note: [
        `same key, subject and extensions, new serial, 365 days; openssl: x509 -x509toreq + x509 -req per certificate, timed for ${loopN} and scaled (×${(RENEW_N / loopN).toFixed(1)}); mtlskit also records 1,000 index lines`,
      ],
    }),
  ];
}

// 7. `status` over an index.txt of 100,000 lines (issue 19; the command comes from issue 14) ----------------
const STATUS_N = 100_000;

export function status({ reps, work }) {
  const name = '`mtlskit status` over a 100,000-line index.txt';
  const goal = '≤ 0.5 s and ≤ 300 MB';
  const missing = attempt(() => requireMtlskitCommand('status'));
  if (missing) return [naRow(name, goal, `command not available: ${missing}`)];
  // A real P-256 CA and CRL, one certificate that expires within the warning period (so status must exit 1
  // and name it), then 100,000 more records: valid for years, every tenth revoked.
  const dir = fresh(join(work, 'status'));
  const ca = join(dir, 'pki');
  const setupError = attempt(() => {
    mtlskit(['ca', 'init', '--dir', ca, '--key-type', 'ec:P-256']);
    mtlskit(['client', 'issue', 'soon', '--dir', ca, '--key-type', 'ec:P-256', '--days', '10']);
    mtlskit(['crl', 'gen', '--dir', ca]);
  });
  if (setupError) return [naRow(name, goal, setupError)];
  const lines = [];
  for (let i = 0; i < STATUS_N - 1; i++) {
    const serial = (0x20000000 + i).toString(16).toUpperCase();
    const revoked = i % 10 === 9;
    lines.push(
      [
        revoked ? 'R' : 'V',
        '301124000000Z',
        revoked ? '261101000000Z,superseded' : '',
        serial,
        'unknown',
        `/O=Client Company Name/CN=device-${i}`,
      ].join('\t'),
    );
  }
  const index = readFileSync(join(ca, 'index.txt'), 'utf8') + lines.join('\n') + '\n';
  writeFileSync(join(ca, 'index.txt'), index);
  const records = index.split('\n').filter((l) => l.trim()).length;
  const args = [BIN, 'status', '--dir', ca];
  const r = interleaved(
    reps,
    {
      mtlskit: {
        time: () => {
          const out = node(args, { okStatus: [0, 1] });
          if (out.status !== 1 || !`${out.stdout}${out.stderr}`.includes('soon'))
            throw new CommandFailed(
              `status exited ${out.status} without naming the certificate that expires in 10 days`,
            );
          return out.seconds;
        },
      },
      node: { time: () => node(['-e', '0']).seconds },
    },
    { warmup: true },
  );
  return [
    makeRow({
      name,
      ours: r.mtlskit,
      base: r.node,
      baseLabel: 'node -e 0',
      kind: 'absolute',
      limit: 0.5,
      goal,
      memLimitMb: 300,
      memory: safeMemory(process.execPath, args, { okStatus: [0, 1] }),
      note: [`${records.toLocaleString('en')} records; exits 1 naming the one expiring in 10 days`],
    }),
  ];
}
