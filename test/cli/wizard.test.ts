import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, mtlskit, mtlskitOk, openssl, tempDir, tool } from '../helpers/run.js';
import { opensslVerify } from '../helpers/openssl.js';
import { freePort, runAsync } from '../helpers/tls.js';
import { requireTool, suiteRequiresTool } from '../helpers/tools.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

const SET = [
  'ca.key',
  'ca.crt',
  'server.key',
  'server.crt',
  'client.key',
  'client.crt',
  'client.pfx',
  'crl.pem',
  'NEXT-STEPS.md',
];

function checkSet(dir: string, password: string) {
  for (const f of SET) expect(existsSync(join(dir, f)), f).toBe(true);
  for (const f of ['ca.key', 'server.key', 'client.key', 'client.pfx'])
    expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
  const ca = join(dir, 'ca.crt');
  expect(opensslVerify(ca, join(dir, 'server.crt'), { purpose: 'sslserver', hostname: 'localhost' }).status).toBe(0);
  expect(opensslVerify(ca, join(dir, 'client.crt'), { purpose: 'sslclient', crl: join(dir, 'crl.pem') }).status).toBe(
    0,
  );
  const info = openssl(['pkcs12', '-info', '-in', join(dir, 'client.pfx'), '-passin', `pass:${password}`, '-noout']);
  expect(info.status).toBe(0);
  expect(info.stderr).toContain('AES-256-CBC');
}

describe('mtlskit wizard --yes', () => {
  it('writes the complete set, checked by openssl, and a curl command that works against the printed nginx snippet', async () => {
    requireTool('openssl', 'nginx', 'curl');
    const dir = join(tmp.dir, 'yes');
    const r = mtlskitOk(['wizard', '--yes', '--dir', dir, '--passout', 'pass:X-pfx-1']);
    checkSet(dir, 'X-pfx-1');
    const steps = readFileSync(join(dir, 'NEXT-STEPS.md'), 'utf8');
    expect(r.stdout).toContain(
      `curl --cacert ${dir}/ca.crt --cert ${dir}/client.crt --key ${dir}/client.key https://localhost:8443/`,
    );
    expect(readdirSync(tmp.dir).filter((n) => n.includes('mtlskit-'))).toEqual([]);

    // Configure nginx exactly as the snippet says (only the port changes), then run the printed curl command.
    const port = await freePort();
    const snippet = /```nginx\n([\s\S]*?)```/
      .exec(steps)![1]!
      .replace('listen 8443 ssl;', `listen 127.0.0.1:${port} ssl;`);
    const prefix = join(tmp.dir, 'nginx');
    mkdirSync(join(prefix, 'logs'), { recursive: true });
    writeFileSync(
      join(prefix, 'nginx.conf'),
      `daemon off;\nmaster_process off;\npid ${prefix}/nginx.pid;\nerror_log ${prefix}/logs/error.log;\nevents {}\nhttp {\n  access_log off;\n` +
        ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${prefix}/${t};\n`).join('') +
        snippet +
        '\n}\n',
    );
    const nginx = spawn(
      'nginx',
      ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'logs', 'error.log')],
      { stdio: 'ignore' },
    );
    const killer = setTimeout(() => nginx.kill('SIGKILL'), 60_000);
    try {
      const curlLine = /^curl .*$/m.exec(steps)![0].replace(':8443/', `:${port}/`);
      let res = { status: 1, stdout: '', stderr: '' };
      for (let i = 0; i < 50 && res.status !== 0; i++) {
        res = await runAsync('sh', ['-c', curlLine + ' -sS --max-time 5']);
        if (res.status !== 0) await new Promise((ok) => setTimeout(ok, 100));
      }
      expect(res.stderr).toBe('');
      expect(res.stdout).toContain('hello');
      expect(res.stdout).toContain('CN=partner');
      const anonymous = await runAsync('curl', [
        '-sS',
        '--max-time',
        '5',
        '--cacert',
        join(dir, 'ca.crt'),
        `https://localhost:${port}/`,
      ]);
      expect(anonymous.stdout).toContain('400');
      expect(anonymous.stdout).toContain('No required SSL certificate was sent');
    } finally {
      clearTimeout(killer);
      nginx.kill('SIGTERM');
    }
  });

  it('generates a password when none is given and prints it once, with a warning', () => {
    const dir = join(tmp.dir, 'genpass');
    const r = mtlskitOk(['wizard', '--yes', '--dir', dir]);
    const m = /client\.pfx password \(shown once, not stored\): (\S+)/.exec(r.stderr);
    expect(m).not.toBeNull();
    checkSet(dir, m![1]!);
    expect(readFileSync(join(dir, 'NEXT-STEPS.md'), 'utf8')).not.toContain(m![1]!);
  });

  it('never replaces an existing folder without --force, and takes every answer as a flag', () => {
    const dir = join(tmp.dir, 'flags');
    const args = [
      'wizard',
      '--yes',
      '--dir',
      dir,
      '--passout',
      'pass:pw',
      '--name',
      'acme-erp',
      '--ca-org',
      'Acme',
      '--client-org',
      'Acme ERP',
      '--dns',
      'api.acme.example',
      '--key-type',
      'ec:P-256',
      '--days',
      '90',
      '--json',
    ];
    const first = JSON.parse(mtlskitOk(args).stdout);
    expect(first.ok).toBe(true);
    expect(first.verified.every((v: { valid: boolean }) => v.valid)).toBe(true);
    const subject = openssl(['x509', '-in', join(dir, 'client.crt'), '-noout', '-subject']).stdout.trim();
    expect(subject).toBe('subject=O = Acme ERP, CN = acme-erp');
    expect(openssl(['x509', '-in', join(dir, 'server.crt'), '-noout', '-ext', 'subjectAltName']).stdout).toContain(
      'DNS:api.acme.example',
    );
    expect(openssl(['x509', '-in', join(dir, 'server.crt'), '-noout', '-text']).stdout).toContain('id-ecPublicKey');
    const before = readFileSync(join(dir, 'ca.crt'));
    const again = mtlskit(args);
    expect(again.status).toBe(3);
    expect(readFileSync(join(dir, 'ca.crt')).equals(before)).toBe(true);
    mtlskitOk([...args, '--force']);
    expect(readFileSync(join(dir, 'ca.crt')).equals(before)).toBe(false);
  });

  it('outbound: only a client certificate, and the hand-over says to send ca.crt', () => {
    const dir = join(tmp.dir, 'outbound');
    mtlskitOk(['wizard', '--yes', '--dir', dir, '--passout', 'pass:pw', '--direction', 'outbound']);
    expect(existsSync(join(dir, 'server.crt'))).toBe(false);
    expect(existsSync(join(dir, 'client.pfx'))).toBe(true);
    expect(readFileSync(join(dir, 'NEXT-STEPS.md'), 'utf8')).toContain(`Send the partner \`${dir}/ca.crt\``);
  });

  it('refuses to ask questions without a terminal', () => {
    const r = mtlskit(['wizard', '--dir', join(tmp.dir, 'notty')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--yes');
  });
});

describe('mtlskit wizard in a real terminal (tmux)', () => {
  suiteRequiresTool('tmux');

  function pane(session: string): string {
    return tool('tmux', ['capture-pane', '-p', '-t', session]).stdout;
  }

  async function waitFor(session: string, text: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pane(session).includes(text)) {
      if (Date.now() > deadline) throw new Error(`the terminal never showed '${text}':\n${pane(session)}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }

  it('finishes by pressing Enter at every prompt and typing the passwords twice; ca.key is encrypted (default yes)', async () => {
    const cwd = join(tmp.dir, 'interactive');
    mkdirSync(cwd);
    const session = `mtlskit-wizard-${process.pid}`;
    const script = `${process.execPath} ${BIN} wizard; echo "EXIT:$?" > ${cwd}/exit-status; sleep 30`;
    expect(tool('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '50', '-c', cwd, script]).status).toBe(
      0,
    );
    try {
      const prompts = [
        'Integration name',
        'Who calls whom',
        'Organisation that runs the CA',
        'Server host names',
        'Server IP addresses',
        'Organisation of the client',
        'Key type',
        'Validity',
        'Password for client.pfx',
        'Repeat the password',
        'Output folder',
        'Protect the CA key (ca.key) with a password?',
        'Password for ca.key',
        'Repeat the ca.key password',
      ];
      for (const prompt of prompts) {
        await waitFor(session, prompt);
        if (prompt.includes('ca.key password') || prompt === 'Password for ca.key')
          tool('tmux', ['send-keys', '-t', session, '-l', 'ca-secret']);
        else if (prompt.startsWith('Password') || prompt.startsWith('Repeat'))
          tool('tmux', ['send-keys', '-t', session, '-l', 'tty-secret']);
        tool('tmux', ['send-keys', '-t', session, 'Enter']);
      }
      const deadline = Date.now() + 60_000;
      while (!existsSync(join(cwd, 'exit-status')) && Date.now() < deadline)
        await new Promise((ok) => setTimeout(ok, 200));
      expect(readFileSync(join(cwd, 'exit-status'), 'utf8').trim()).toBe('EXIT:0');
      checkSet(join(cwd, 'pki'), 'tty-secret');
      const caKey = join(cwd, 'pki', 'ca.key');
      expect(readFileSync(caKey, 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');
      expect(openssl(['pkey', '-in', caKey, '-passin', 'pass:ca-secret', '-noout']).status).toBe(0);
      expect(openssl(['pkey', '-in', caKey, '-passin', 'pass:wrong', '-noout']).status).not.toBe(0);
    } finally {
      tool('tmux', ['kill-session', '-t', session]);
    }
  });

  it('Ctrl-C at a prompt exits 130 and writes nothing', async () => {
    const cwd = join(tmp.dir, 'interrupted');
    mkdirSync(cwd);
    const session = `mtlskit-wizard-cc-${process.pid}`;
    const script = `${process.execPath} ${BIN} wizard; echo "EXIT:$?" > ${cwd}/exit-status; sleep 30`;
    expect(tool('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '50', '-c', cwd, script]).status).toBe(
      0,
    );
    try {
      await waitFor(session, 'Integration name');
      tool('tmux', ['send-keys', '-t', session, 'Enter']);
      await waitFor(session, 'Who calls whom');
      tool('tmux', ['send-keys', '-t', session, 'C-c']);
      const deadline = Date.now() + 20_000;
      while (!existsSync(join(cwd, 'exit-status')) && Date.now() < deadline)
        await new Promise((ok) => setTimeout(ok, 100));
      expect(readFileSync(join(cwd, 'exit-status'), 'utf8').trim()).toBe('EXIT:130');
      expect(readdirSync(cwd).sort()).toEqual(['exit-status']);
    } finally {
      tool('tmux', ['kill-session', '-t', session]);
    }
  });
});
