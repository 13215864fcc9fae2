/**
 * The CA key in a PKCS#11 token, end to end with SoftHSM2 in a temporary SOFTHSM2_CONF: what the token
 * holds is checked with OpenSC's pkcs11-tool, what mtlskit signs with openssl.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { BIN, openssl, tempDir, tool, type RunResult } from '../helpers/run.js';
import { newKeyArgs, opensslVerify } from '../helpers/openssl.js';
import { suiteRequiresTool } from '../helpers/tools.js';

const MODULE = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'].find((p) =>
  existsSync(p),
);
const PIN = '1234';
/** SoftHSM2 (the token) and OpenSC's pkcs11-tool (the independent check): without them every test is skipped by name. */
const tokensPresent = suiteRequiresTool('softhsm2-util', 'pkcs11-tool', 'openssl');
/** OpenSC's pkcs11-spy: a module that logs every PKCS#11 call before passing it to PKCS11SPY. */
const SPY = ['/usr/lib/x86_64-linux-gnu/pkcs11-spy.so', '/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so'].find((p) =>
  existsSync(p),
);

let tmp: { dir: string; cleanup: () => void };
let env: Record<string, string>;

function initToken(label: string): void {
  const r = tool('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', PIN, '--so-pin', '5678'], {
    env,
  });
  expect(r.status, r.stderr + r.stdout).toBe(0);
}

beforeAll(() => {
  if (!tokensPresent) return;
  expect(MODULE, 'SoftHSM2 (apt-get install softhsm2) provides libsofthsm2.so').toBeDefined();
  tmp = tempDir('mtlskit-pkcs11-');
  mkdirSync(join(tmp.dir, 'tokens'));
  writeFileSync(
    join(tmp.dir, 'softhsm2.conf'),
    `directories.tokendir = ${join(tmp.dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  env = { SOFTHSM2_CONF: join(tmp.dir, 'softhsm2.conf') };
  initToken('mtlskit');
  initToken('second');
});
afterAll(() => tmp?.cleanup());
// The tests run the CLI synchronously; let the worker's event loop answer vitest between them.
beforeEach(() => new Promise((done) => setTimeout(done, 5)));

/**
 * Runs the CLI without blocking the test worker (a long run of synchronous spawns starves vitest's own
 * messages on a busy machine); the child gets no terminal and an empty stdin.
 */
function run(args: string[], extraEnv: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: { ...process.env, NO_COLOR: '1', ...env, ...extraEnv },
        encoding: 'utf8',
        timeout: 120_000,
        maxBuffer: 1 << 26,
      },
      (err, stdout, stderr) => {
        if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
        resolve({ status: err ? (err as unknown as { code: number }).code : 0, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}
async function ok(args: string[]): Promise<RunResult> {
  const r = await run(args);
  if (r.status !== 0) throw new Error(`mtlskit ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return r;
}
const d = (name: string) => join(tmp.dir, name);
const tokenFlags = ['--pkcs11-module', MODULE!, '--pin', `pass:${PIN}`];
/** The arguments of `mtlskit ca init --dir DIR --pkcs11 URI` with the module and the PIN, then `more`. */
const tokenCaInit = (dir: string, uri: string, ...more: string[]) => [
  'ca',
  'init',
  '--dir',
  dir,
  '--pkcs11',
  uri,
  ...tokenFlags,
  ...more,
];

function listObjects(token = 'mtlskit'): string {
  const r = tool(
    'pkcs11-tool',
    ['--module', MODULE!, '--token-label', token, '--list-objects', '--login', '--pin', PIN],
    { env },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** The pkcs11-tool block of the private key labelled `label`. */
function privateKeyBlock(label: string, token = 'mtlskit'): string {
  const blocks = listObjects(token).split(/\n(?=\S)/);
  const block = blocks.find((b) => b.startsWith('Private Key Object') && b.includes(`label:      ${label}\n`));
  expect(block, `no private key '${label}' in:\n${blocks.join('\n')}`).toBeDefined();
  return block!;
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const name of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = join(sub, name.name);
      if (name.isDirectory()) walk(rel);
      else out[rel] = readFileSync(join(dir, rel), 'latin1');
    }
  };
  walk('');
  return out;
}

describe('ca init --pkcs11 and signing through the token', () => {
  for (const [keyType, label] of [
    ['ec:P-256', 'ca-p256'],
    ['rsa:2048', 'ca-rsa'],
  ] as const) {
    it(`${keyType}: the key is generated in the token (sensitive, never extractable), no ca.key, and everything signs`, async () => {
      const dir = d(`token-${label}`);
      const r = await ok(
        tokenCaInit(
          dir,
          `pkcs11:token=mtlskit;object=${label}`,
          '--key-type',
          keyType,
          '--subject',
          `/O=Token Test/CN=${label} Root`,
          '--json',
        ),
      );
      const result = JSON.parse(r.stdout);
      expect(result.files.key).toBeUndefined();
      expect(result.pkcs11.uri).toMatch(new RegExp(`^pkcs11:token=mtlskit;object=${label};id=(%[0-9a-f]{2})+$`));
      expect(existsSync(join(dir, 'ca.key'))).toBe(false);
      const settings = JSON.parse(readFileSync(join(dir, 'mtlskit.json'), 'utf8'));
      expect(settings.pkcs11).toEqual({ uri: result.pkcs11.uri, module: MODULE });

      const block = privateKeyBlock(label);
      expect(block).toMatch(/Access: +sensitive, always sensitive, never extractable/);
      expect(block).toMatch(/Usage: +sign\n/);
      expect(block).toContain(keyType.startsWith('ec') ? 'EC' : 'RSA');
      expect(openssl(['x509', '-in', join(dir, 'ca.crt'), '-noout', '-text']).stdout).toContain(
        keyType.startsWith('ec') ? 'ecdsa-with-SHA256' : 'sha256WithRSAEncryption',
      );
      expect(opensslVerify(join(dir, 'ca.crt'), join(dir, 'ca.crt')).status).toBe(0);

      // Later commands need only --pin: the module comes from mtlskit.json.
      await ok(['client', 'issue', 'alice', '--dir', dir, '--pin', `pass:${PIN}`]);
      const v = opensslVerify(join(dir, 'ca.crt'), join(dir, 'alice.crt'), { purpose: 'sslclient' });
      expect(v.status, v.stderr).toBe(0);
      await ok(['server', 'issue', '--dir', dir, '--dns', 'api.example.test', '--pin', `pass:${PIN}`]);
      expect(
        opensslVerify(join(dir, 'ca.crt'), join(dir, 'server.crt'), {
          purpose: 'sslserver',
          hostname: 'api.example.test',
        }).status,
      ).toBe(0);

      // revoke + crl gen: a CRL signed by the token that openssl checks against ca.crt.
      await ok(['revoke', 'alice', '--dir', dir, '--reason', 'keyCompromise', '--pin', `pass:${PIN}`]);
      await ok(['crl', 'gen', '--dir', dir, '--pin', `pass:${PIN}`]);
      const crl = openssl(['crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.crt'), '-noout']);
      expect(crl.status, crl.stderr).toBe(0);
      expect(crl.stderr + crl.stdout).toContain('verify OK');
      const revoked = opensslVerify(join(dir, 'ca.crt'), join(dir, 'alice.crt'), {
        strict: false,
        crl: join(dir, 'crl.pem'),
      });
      expect(revoked.status).not.toBe(0);
      expect(revoked.stdout + revoked.stderr).toContain('revoked');

      // csr sign of a CSR made by openssl.
      const csrKey = join(dir, 'partner.key.pem');
      const csr = join(dir, 'partner.csr');
      expect(
        openssl(['req', '-new', ...newKeyArgs(csrKey), '-subj', '/O=Partner/CN=partner-erp', '-out', csr]).status,
      ).toBe(0);
      await ok(['csr', 'sign', csr, '--dir', dir, '--profile', 'client', '--pin', `pass:${PIN}`]);
      expect(opensslVerify(join(dir, 'ca.crt'), join(dir, 'partner.crt'), { purpose: 'sslclient' }).status).toBe(0);
    });
  }

  it('client issue --batch signs every certificate through the token', async () => {
    const dir = d('token-ca-p256');
    const csv = join(tmp.dir, 'batch.csv');
    writeFileSync(csv, 'name\nb1\nb2\nb3\n');
    await ok(['client', 'issue', '--dir', dir, '--batch', csv, '--key-type', 'ec:P-256', '--pin', `pass:${PIN}`]);
    for (const n of ['b1', 'b2', 'b3'])
      expect(opensslVerify(join(dir, 'ca.crt'), join(dir, `${n}.crt`), { purpose: 'sslclient' }).status).toBe(0);
  });

  it('an intermediate with its key in the token chains to a file-key root, and a token root signs a file-key intermediate', async () => {
    const root = d('file-root');
    await ok(['ca', 'init', '--dir', root, '--key-type', 'ec:P-256', '--subject', '/O=Chain/CN=File Root']);
    const inter = d('token-inter');
    await ok(tokenCaInit(inter, 'pkcs11:token=second;object=inter-key', '--issuer', root, '--key-type', 'ec:P-256'));
    expect(existsSync(join(inter, 'ca.key'))).toBe(false);
    expect(privateKeyBlock('inter-key', 'second')).toMatch(/never extractable/);
    await ok(['client', 'issue', 'leaf', '--dir', inter, '--pin', `pass:${PIN}`]);
    const v = opensslVerify(join(root, 'ca.crt'), join(inter, 'leaf.crt'), {
      purpose: 'sslclient',
      untrusted: join(inter, 'ca.crt'),
    });
    expect(v.status, v.stderr).toBe(0);

    // The other way round: the token-held root signs an intermediate whose key is a file (--passin is the PIN).
    const fileInter = d('file-inter');
    await ok(['ca', 'init', '--dir', fileInter, '--issuer', d('token-ca-rsa'), '--passin', `pass:${PIN}`]);
    expect(existsSync(join(fileInter, 'ca.key'))).toBe(true);
    await ok(['server', 'issue', '--dir', fileInter, '--dns', 'x.example.test']);
    expect(
      opensslVerify(join(d('token-ca-rsa'), 'ca.crt'), join(fileInter, 'server.crt'), {
        untrusted: join(fileInter, 'ca.crt'),
      }).status,
    ).toBe(0);
  });

  it('parent and intermediate in the same token: --pin serves both (one login), and --force swaps key kinds cleanly', async () => {
    const root = d('same-token-root');
    await ok(tokenCaInit(root, 'pkcs11:token=second;object=same-root', '--key-type', 'ec:P-384'));
    const inter = d('same-token-inter');
    await ok(tokenCaInit(inter, 'pkcs11:token=second;object=same-inter', '--issuer', root));
    await ok(['server', 'issue', '--dir', inter, '--dns', 'same.example.test', '--pin', `pass:${PIN}`]);
    expect(
      opensslVerify(join(root, 'ca.crt'), join(inter, 'server.crt'), { untrusted: join(inter, 'ca.crt') }).status,
    ).toBe(0);
    expect(openssl(['x509', '-in', join(root, 'ca.crt'), '-noout', '-text']).stdout).toContain('ecdsa-with-SHA384');

    // A file CA replaced (--force) by a token CA loses its ca.key; the reverse drops the token settings.
    const swap = d('swap');
    await ok(['ca', 'init', '--dir', swap, '--crl-url', 'http://crl.example.test/ca.crl']);
    expect((await run(tokenCaInit(swap, 'pkcs11:token=second;object=swap'))).status).toBe(3);
    await ok(tokenCaInit(swap, 'pkcs11:token=second;object=swap', '--force'));
    expect(existsSync(join(swap, 'ca.key'))).toBe(false);
    await ok(['ca', 'init', '--dir', swap, '--force']);
    expect(existsSync(join(swap, 'ca.key'))).toBe(true);
    expect(existsSync(join(swap, 'mtlskit.json'))).toBe(false);
    await ok(['client', 'issue', '--dir', swap]);
  });

  it('--pkcs11-existing uses a key pair made by pkcs11-tool; --rsa-pss signs with RSASSA-PSS', async () => {
    const keygen = tool(
      'pkcs11-tool',
      [
        '--module',
        MODULE!,
        '--token-label',
        'second',
        '--login',
        '--pin',
        PIN,
        '--keypairgen',
        '--key-type',
        'rsa:2048',
        '--label',
        'made-by-opensc',
        '--id',
        'a1b2',
      ],
      { env },
    );
    expect(keygen.status, keygen.stderr).toBe(0);
    const dir = d('existing-pss');
    await ok(tokenCaInit(dir, 'pkcs11:token=second;id=%a1%b2', '--pkcs11-existing', '--rsa-pss'));
    expect(openssl(['x509', '-in', join(dir, 'ca.crt'), '-noout', '-text']).stdout).toContain('rsassaPss');
    await ok(['client', 'issue', '--dir', dir, '--pin', `pass:${PIN}`]);
    const text = openssl(['x509', '-in', join(dir, 'client.crt'), '-noout', '-text']).stdout;
    expect(text).toContain('rsassaPss');
    expect(opensslVerify(join(dir, 'ca.crt'), join(dir, 'client.crt'), { purpose: 'sslclient' }).status).toBe(0);
  });

  it('show pkcs11 lists tokens and key objects with their flags, never key material', async () => {
    const noPin = JSON.parse((await ok(['show', 'pkcs11', '--pkcs11-module', MODULE!, '--json'])).stdout);
    expect(noPin.tokens.map((t: { label: string }) => t.label)).toEqual(expect.arrayContaining(['mtlskit', 'second']));
    const r = await ok([
      'show',
      'pkcs11',
      '--pkcs11-module',
      MODULE!,
      '--pin',
      `pass:${PIN}`,
      '--pkcs11',
      'pkcs11:token=mtlskit',
      '--json',
    ]);
    const view = JSON.parse(r.stdout);
    const token = view.tokens.find((t: { label: string }) => t.label === 'mtlskit');
    const key = token.keys.find((k: { label: string; class: string }) => k.label === 'ca-rsa' && k.class === 'private');
    expect(key.type).toBe('RSA 2048');
    expect(key.flags).toEqual(expect.arrayContaining(['sensitive', 'never-extractable', 'sign']));
    expect(key.flags).not.toContain('extractable');
    // The public modulus is not printed either.
    const modulus = openssl(['x509', '-in', join(d('token-ca-rsa'), 'ca.crt'), '-noout', '-modulus']).stdout;
    const hex = modulus.split('=')[1]!.trim().toLowerCase().slice(0, 32);
    expect(r.stdout.toLowerCase()).not.toContain(hex);
    expect((await ok(['show', 'pkcs11', '--pkcs11-module', MODULE!, '--pin', `pass:${PIN}`])).stdout).toContain(
      "label 'ca-p256'",
    );
  });
});

describe('bad input with a token', () => {
  it('a wrong PIN exits 4 and writes nothing; three wrong-PIN commands leave the token usable', async () => {
    const dir = d('token-ca-p256');
    const before = snapshot(dir);
    for (let i = 0; i < 3; i++) {
      const r = await run(['client', 'issue', `wrong${i}`, '--dir', dir, '--pin', 'pass:0000']);
      expect(r.status).toBe(4);
      expect(r.stderr).toContain("The PIN for token 'mtlskit' is wrong; nothing was written.");
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(snapshot(dir)).toEqual(before);
    }
    const crl = await run(['crl', 'gen', '--dir', dir, '--pin', 'pass:0000']);
    expect(crl.status).toBe(4);
    expect(snapshot(dir)).toEqual(before);
    await ok(['client', 'issue', 'after-wrong-pins', '--dir', dir, '--pin', `pass:${PIN}`]);
    expect(opensslVerify(join(dir, 'ca.crt'), join(dir, 'after-wrong-pins.crt'), { strict: false }).status).toBe(0);
  });

  it('logs into the token exactly once per command, right or wrong PIN (counted by OpenSC pkcs11-spy)', async () => {
    const spy = SPY;
    expect(spy, 'OpenSC (apt-get install opensc) provides pkcs11-spy.so').toBeDefined();
    const log = join(tmp.dir, 'spy.log');
    const spied = async (args: string[]) => {
      writeFileSync(log, '');
      const r = await run([...args, '--pkcs11-module', spy!], { PKCS11SPY: MODULE!, PKCS11SPY_OUTPUT: log });
      return { status: r.status, logins: (readFileSync(log, 'utf8').match(/C_Login\b/g) ?? []).length };
    };
    const dir = d('token-ca-p256');
    expect(await spied(['client', 'issue', 'spy-wrong', '--dir', dir, '--pin', 'pass:0000'])).toEqual({
      status: 4,
      logins: 1,
    });
    const csv = join(tmp.dir, 'spy-batch.csv');
    writeFileSync(csv, 'name\nspy1\nspy2\nspy3\nspy4\n');
    expect(await spied(['client', 'issue', '--dir', dir, '--batch', csv, '--pin', `pass:${PIN}`])).toEqual({
      status: 0,
      logins: 1,
    });
    // Parent and intermediate in the same token: one login serves both keys.
    expect(
      await spied([
        'ca',
        'init',
        '--dir',
        d('spy-inter'),
        '--issuer',
        d('same-token-root'),
        '--pkcs11',
        'pkcs11:token=second;object=spy-inter',
        '--pin',
        `pass:${PIN}`,
      ]),
    ).toEqual({ status: 0, logins: 1 });
  });

  it('ca init with a wrong PIN exits 4 and creates nothing, in the folder or the token', async () => {
    const dir = d('wrong-pin-init');
    const r = await run([
      'ca',
      'init',
      '--dir',
      dir,
      '--pkcs11',
      'pkcs11:token=mtlskit;object=never-made',
      '--pkcs11-module',
      MODULE!,
      '--pin',
      'pass:9999',
    ]);
    expect(r.status).toBe(4);
    expect(existsSync(dir)).toBe(false);
    expect(listObjects()).not.toContain('never-made');
  });

  it('no PIN and no terminal: exit 4 naming --pin', async () => {
    const r = await run(['client', 'issue', 'nopin', '--dir', d('token-ca-p256')]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('--pin');
  });

  it('a missing module exits 2 naming the path', async () => {
    const r = await run([
      'client',
      'issue',
      'x',
      '--dir',
      d('token-ca-p256'),
      '--pin',
      `pass:${PIN}`,
      '--pkcs11-module',
      '/nonexistent/libnope.so',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('/nonexistent/libnope.so');
    const env2 = await run(['show', 'pkcs11']);
    expect(env2.status).toBe(2);
    expect(env2.stderr).toContain('--pkcs11-module');
  });

  it('a token or key that is not there exits 2 listing what exists', async () => {
    const noToken = await run(tokenCaInit(d('no-token'), 'pkcs11:token=nosuch;object=k'));
    expect(noToken.status).toBe(2);
    expect(noToken.stderr).toContain("'mtlskit'");
    expect(noToken.stderr).toContain("'second'");
    const noKey = await run(tokenCaInit(d('no-key'), 'pkcs11:token=mtlskit;object=nosuch', '--pkcs11-existing'));
    expect(noKey.status).toBe(2);
    expect(noKey.stderr).toContain("'ca-p256'");
    expect(existsSync(d('no-key'))).toBe(false);
  });

  it('a token key that does not belong to ca.crt exits 4', async () => {
    const dir = d('token-ca-p256');
    const settingsPath = join(dir, 'mtlskit.json');
    const original = readFileSync(settingsPath, 'utf8');
    const other = JSON.parse(readFileSync(join(d('token-inter'), 'mtlskit.json'), 'utf8'));
    writeFileSync(settingsPath, JSON.stringify({ pkcs11: other.pkcs11 }));
    try {
      const r = await run(['client', 'issue', 'mismatch', '--dir', dir, '--pin', `pass:${PIN}`]);
      expect(r.status).toBe(4);
      expect(r.stderr).toContain('does not belong to');
      expect(existsSync(join(dir, 'mismatch.crt'))).toBe(false);
    } finally {
      writeFileSync(settingsPath, original);
    }
  });

  it('a CA that fails after its key was generated removes the key from the token again', async () => {
    const conf = join(tmp.dir, 'bad-ext.conf');
    writeFileSync(
      conf,
      '[ req ]\nprompt = no\ndistinguished_name = dn\nx509_extensions = ext\n[ dn ]\nCN = Bad\n[ ext ]\nkeyUsage = critical, bogusUsage\n',
    );
    const r = await run(
      [
        'ca',
        'init',
        '--dir',
        d('bad-ext'),
        '--config',
        conf,
        '--pkcs11',
        'pkcs11:token=mtlskit;object=discarded',
        '--pin',
        `pass:${PIN}`,
        '--pkcs11-module',
        SPY!,
      ],
      { PKCS11SPY: MODULE!, PKCS11SPY_OUTPUT: join(tmp.dir, 'discard-spy.log') },
    );
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('bogusUsage');
    const calls = readFileSync(join(tmp.dir, 'discard-spy.log'), 'utf8');
    expect(calls.match(/C_GenerateKeyPair\b/g)).toHaveLength(1);
    expect(calls.match(/C_DestroyObject\b/g)).toHaveLength(2);
    expect(listObjects()).not.toContain('discarded');
    expect(existsSync(join(d('bad-ext'), 'ca.crt'))).toBe(false);
  });

  it('a label that already exists is not overwritten (exit 3)', async () => {
    const r = await run(tokenCaInit(d('dup'), 'pkcs11:token=mtlskit;object=ca-p256'));
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('--pkcs11-existing');
  });
});

describe('ca passwd and ca move-to-pkcs11', () => {
  it('ca passwd sets, changes and removes the password; openssl opens the key with the new one', async () => {
    const dir = d('passwd');
    await ok(['ca', 'init', '--dir', dir, '--key-type', 'ec:P-256']);
    const key = join(dir, 'ca.key');
    await ok(['ca', 'passwd', '--dir', dir, '--passout', 'pass:first-pass']);
    expect(readFileSync(key, 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(openssl(['pkey', '-in', key, '-passin', 'pass:first-pass', '-noout']).status).toBe(0);
    // Issuance now needs the password.
    const noPass = await run(['client', 'issue', 'a', '--dir', dir]);
    expect(noPass.status).toBe(4);
    expect(noPass.stderr).toContain('--passin');
    await ok(['client', 'issue', 'a', '--dir', dir, '--passin', 'pass:first-pass']);

    const wrong = await run(['ca', 'passwd', '--dir', dir, '--passin', 'pass:nope', '--passout', 'pass:x']);
    expect(wrong.status).toBe(4);
    await ok(['ca', 'passwd', '--dir', dir, '--passin', 'pass:first-pass', '--passout', 'pass:second-pass']);
    expect(openssl(['pkey', '-in', key, '-passin', 'pass:second-pass', '-noout']).status).toBe(0);
    expect(openssl(['pkey', '-in', key, '-passin', 'pass:first-pass', '-noout']).status).not.toBe(0);

    const empty = await run(['ca', 'passwd', '--dir', dir, '--passin', 'pass:second-pass', '--passout', 'pass:']);
    expect(empty.status).toBe(2);
    await ok(['ca', 'passwd', '--dir', dir, '--passin', 'pass:second-pass', '--no-password']);
    expect(readFileSync(key, 'utf8')).toContain('BEGIN PRIVATE KEY');
    expect(openssl(['pkey', '-in', key, '-noout']).status).toBe(0);
    await ok(['client', 'issue', 'b', '--dir', dir]);
  });

  it('ca move-to-pkcs11 imports the key as non-extractable and removes ca.key after the token signed', async () => {
    const dir = d('move');
    await ok(['ca', 'init', '--dir', dir, '--key-type', 'rsa:2048', '--passout', 'pass:move-pass']);
    const caCert = readFileSync(join(dir, 'ca.crt'), 'utf8');
    await ok([
      'ca',
      'move-to-pkcs11',
      'pkcs11:token=second;object=moved-ca',
      '--dir',
      dir,
      '--passin',
      'pass:move-pass',
      ...tokenFlags,
    ]);
    expect(existsSync(join(dir, 'ca.key'))).toBe(false);
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(caCert);
    const block = privateKeyBlock('moved-ca', 'second');
    expect(block).toMatch(/Access: +sensitive/);
    const access = /Access: +(.*)/.exec(block)![1]!;
    expect(access.replace('never extractable', '')).not.toContain('extractable');
    await ok(['client', 'issue', '--dir', dir, '--pin', `pass:${PIN}`]);
    expect(opensslVerify(join(dir, 'ca.crt'), join(dir, 'client.crt'), { purpose: 'sslclient' }).status).toBe(0);
    const again = await run(['ca', 'passwd', '--dir', dir]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('token');
  });
});

describe('wizard with a CA password or a token', () => {
  it('wizard --yes --ca-passout writes an encrypted ca.key', async () => {
    const dir = d('wizard-pass');
    await ok([
      'wizard',
      '--yes',
      '--dir',
      dir,
      '--passout',
      'pass:pfx-pass',
      '--ca-passout',
      'pass:wiz-ca',
      '--key-type',
      'ec:P-256',
    ]);
    expect(readFileSync(join(dir, 'ca.key'), 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(openssl(['pkey', '-in', join(dir, 'ca.key'), '-passin', 'pass:wiz-ca', '-noout']).status).toBe(0);
  });

  it('wizard --yes --pkcs11 keeps the CA key in the token', async () => {
    const dir = d('wizard-token');
    const r = await ok([
      'wizard',
      '--yes',
      '--dir',
      dir,
      '--passout',
      'pass:pfx-pass',
      '--key-type',
      'ec:P-256',
      '--pkcs11',
      'pkcs11:token=second;object=wizard-ca',
      ...tokenFlags,
      '--json',
    ]);
    expect(existsSync(join(dir, 'ca.key'))).toBe(false);
    expect(JSON.parse(r.stdout).files.caKeyUri).toMatch(/^pkcs11:token=second;object=wizard-ca;id=/);
    expect(privateKeyBlock('wizard-ca', 'second')).toMatch(/never extractable/);
    expect(opensslVerify(join(dir, 'ca.crt'), join(dir, 'client.crt'), { purpose: 'sslclient' }).status).toBe(0);
  });
});

describe('on a terminal (tmux)', () => {
  function pane(session: string): string {
    return tool('tmux', ['capture-pane', '-p', '-J', '-t', session]).stdout;
  }
  async function waitFor(session: string, text: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const shown = pane(session);
      if (shown.includes(text)) return shown;
      if (Date.now() > deadline) throw new Error(`the terminal never showed '${text}':\n${shown}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  async function inTmux(name: string, command: string, steps: (session: string) => Promise<void>): Promise<string> {
    const cwd = d(`tty-${name}`);
    mkdirSync(cwd, { recursive: true });
    const session = `mtlskit-p11-${name}-${process.pid}`;
    const script = `SOFTHSM2_CONF=${env.SOFTHSM2_CONF} ${command}; echo "EXIT:$?"; sleep 30`;
    expect(tool('tmux', ['new-session', '-d', '-s', session, '-x', '200', '-y', '50', '-c', cwd, script]).status).toBe(
      0,
    );
    try {
      await steps(session);
      return await waitFor(session, 'EXIT:');
    } finally {
      tool('tmux', ['kill-session', '-t', session]);
    }
  }

  it('ca init without --passout says in one line that ca.key is not encrypted and how to encrypt it', async () => {
    const dir = d('tty-plain-ca');
    const shown = await inTmux(
      'plain',
      `${process.execPath} ${BIN} ca init --dir ${dir} --key-type ec:P-256`,
      async () => {},
    );
    expect(shown).toContain('EXIT:0');
    expect(shown).toContain(
      `note: ${dir}/ca.key is not encrypted; encrypt it later with 'mtlskit ca passwd --dir ${dir}'`,
    );
  });

  it('asks for the token PIN once, hidden, and signs with it', async () => {
    const dir = d('token-ca-p256');
    const shown = await inTmux(
      'pin',
      `${process.execPath} ${BIN} client issue tty-pin --dir ${dir}`,
      async (session) => {
        await waitFor(session, "PIN for token 'mtlskit'");
        tool('tmux', ['send-keys', '-t', session, '-l', PIN]);
        tool('tmux', ['send-keys', '-t', session, 'Enter']);
      },
    );
    expect(shown).toContain('EXIT:0');
    const promptLine = shown.split('\n').find((l) => l.includes("PIN for token 'mtlskit'"));
    expect(promptLine).toBeDefined();
    expect(promptLine).not.toContain(PIN);
    expect(opensslVerify(join(dir, 'ca.crt'), join(dir, 'tty-pin.crt'), { strict: false }).status).toBe(0);
  });
});
