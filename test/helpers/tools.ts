/**
 * The outside tools interop tests check mtlskit against (openssl, curl, keytool, NSS, nginx, ...).
 *
 * A test that needs one calls `requireTool('pk12util')` as its first line (or `suiteRequiresTool(...)` in a
 * describe body, which does it before each test). When the tool is missing, the test is skipped with a note
 * that names the tool and the line that installs it, and the run ends with a summary of every skipped test
 * (test/helpers/missing-tools-reporter.ts). CI sets MTLSKIT_REQUIRE_TOOLS=1: there a missing tool fails the
 * test instead, with the same sentence. Never a silent skip, never a missing tool reported as a failed
 * connection.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach } from 'vitest';
import { getCurrentTest } from 'vitest/suite';

interface ToolInfo {
  /** How to ask whether it is there (exit status 0 = present). */
  probe: [string, string[]];
  /** The Debian line that installs it. */
  install: string;
}

export const TOOLS = {
  openssl: { probe: ['openssl', ['version']], install: 'apt-get install openssl' },
  curl: { probe: ['curl', ['--version']], install: 'apt-get install curl' },
  keytool: { probe: ['keytool', ['-help']], install: 'apt-get install default-jre-headless' },
  pk12util: { probe: ['pk12util', ['-h']], install: 'apt-get install libnss3-tools' },
  certutil: { probe: ['certutil', ['-H']], install: 'apt-get install libnss3-tools' },
  nginx: { probe: ['nginx', ['-v']], install: 'apt-get install nginx-light' },
  python3: { probe: ['python3', ['--version']], install: 'apt-get install python3' },
  'python3-cryptography': {
    // The API the tests use (CRL and PKCS#12 readers, time fields) is that of cryptography >= 42; Debian 12 has 38.
    probe: ['python3', ['-c', 'from cryptography.x509 import verification']],
    install: "python3 -m pip install 'cryptography>=42' (Debian 12's python3-cryptography is 38)",
  },
  certtool: { probe: ['certtool', ['--version']], install: 'apt-get install gnutls-bin' },
  'softhsm2-util': { probe: ['softhsm2-util', ['--version']], install: 'apt-get install softhsm2' },
  'pkcs11-tool': { probe: ['pkcs11-tool', ['--show-info']], install: 'apt-get install opensc' },
  tmux: { probe: ['tmux', ['-V']], install: 'apt-get install tmux' },
  java: { probe: ['java', ['-version']], install: 'apt-get install default-jre-headless' },
  zsh: { probe: ['zsh', ['--version']], install: 'apt-get install zsh' },
  fish: { probe: ['fish', ['--version']], install: 'apt-get install fish' },
  easyrsa: { probe: [easyrsaPath(), ['--version']], install: 'apt-get install easy-rsa' },
  'pyca-verification': {
    probe: [pycaPython(), ['-c', 'from cryptography.x509 import verification']],
    install:
      "python3 -m pip install 'cryptography>=42' (Debian 12's python3-cryptography is 38, without x509.verification)",
  },
} satisfies Record<string, ToolInfo>;

/** Debian installs easy-rsa outside PATH. */
export function easyrsaPath(): string {
  const candidates = [
    '/usr/share/easy-rsa/easyrsa',
    ...(process.env.PATH ?? '').split(':').map((p) => join(p, 'easyrsa')),
  ];
  return candidates.find((p) => existsSync(p)) ?? 'easyrsa';
}

/** A python3 whose cryptography has x509.verification (>= 42): the pyenv one where it exists, else python3. */
export function pycaPython(): string {
  const pyenv = '/root/.pyenv/versions/3.11.7/bin/python3';
  return existsSync(pyenv) ? pyenv : 'python3';
}

export type ToolName = keyof typeof TOOLS;

/** The prefix of every skip note, which the summary reporter looks for. */
export const MISSING_TOOL_NOTE = 'missing tool:';

const present = new Map<ToolName, boolean>();

/** Exit status of a probe; ENOENT or 127 means "not installed" (pk12util -h and certutil -H exit non-zero). */
function probe(name: ToolName): boolean {
  const [cmd, args] = TOOLS[name].probe as [string, string[]];
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
  if (r.error) return false;
  if (name === 'python3-cryptography' || name === 'pyca-verification' || name === 'openssl' || name === 'curl')
    return r.status === 0;
  return r.status !== 127;
}

export function hasTool(name: ToolName): boolean {
  if (!present.has(name)) present.set(name, probe(name));
  return present.get(name)!;
}

/** undefined when every tool is there; else one sentence naming the missing ones and their install lines. */
export function missingToolsNote(names: readonly ToolName[]): string | undefined {
  const missing = [...new Set(names)].filter((n) => !hasTool(n));
  if (missing.length === 0) return undefined;
  const installs = [...new Set(missing.map((n) => TOOLS[n].install))].join('; ');
  const verb = missing.length === 1 ? 'is' : 'are';
  return `${MISSING_TOOL_NOTE} ${missing.join(' and ')} ${verb} not installed (${installs})`;
}

export function toolsRequired(): boolean {
  return process.env.MTLSKIT_REQUIRE_TOOLS === '1';
}

/**
 * First line of a test that spawns `names`: skips the running test with a visible note when one is missing
 * (fails it when MTLSKIT_REQUIRE_TOOLS=1). Outside a test (beforeAll, collection) a missing tool throws the
 * same sentence, so the failure names the tool instead of an ENOENT or a refused connection.
 */
export function requireTool(...names: ToolName[]): void {
  const note = missingToolsNote(names);
  if (note === undefined) return;
  const test = getCurrentTest();
  if (toolsRequired() || !test) {
    throw new Error(`${note}${toolsRequired() ? ' — MTLSKIT_REQUIRE_TOOLS=1 requires every interop tool' : ''}`);
  }
  test.context.skip(note);
}

/**
 * In a describe body (or at the top of a file): every test below needs `names`. Returns true when they are all
 * present, so a beforeAll that spawns them can return early instead of failing.
 */
export function suiteRequiresTool(...names: ToolName[]): boolean {
  beforeEach(() => requireTool(...names));
  return names.every(hasTool);
}

/** Maps a command that failed to spawn with ENOENT to its tool, for the helpers' safety net. */
export function toolForCommand(cmd: string): ToolName | undefined {
  if (cmd === 'python3' || cmd.endsWith('/python3')) return 'python3-cryptography';
  return cmd in TOOLS ? (cmd as ToolName) : undefined;
}

/** Called by the spawn helpers when a command could not start: names the missing tool (skip or fail). */
export function spawnFailed(cmd: string, err: NodeJS.ErrnoException): never {
  const name = err.code === 'ENOENT' ? toolForCommand(cmd) : undefined;
  if (name) {
    present.set(name, false);
    requireTool(name);
  }
  throw err;
}
