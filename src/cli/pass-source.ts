/**
 * Passwords from OpenSSL-style sources: `pass:TEXT`, `env:VAR`, `file:PATH` (first line),
 * `fd:N`, `stdin` (one line per use, so --passin stdin --passout stdin reads two lines as OpenSSL does),
 * or a hidden prompt on a TTY.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { MtlsError, usageError } from '../errors.js';
import { isTerminal } from './stdio.js';

let stdinLines: string[] | undefined;

function nextStdinLine(): string {
  if (stdinLines === undefined) {
    let text = '';
    try {
      text = readFileSync(0, 'utf8');
    } catch {
      text = '';
    }
    stdinLines = text.split(/\r?\n/);
  }
  const line = stdinLines.shift();
  if (line === undefined)
    throw usageError(
      'Standard input ran out of lines while reading a password; give one line per "stdin" password source.',
    );
  return line;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? '';
}

/** No password is longer: reading stops here, so file:/dev/zero or an endless pipe cannot fill memory. */
const MAX_PASSWORD_BYTES = 64 * 1024;

/** The first line of a file or descriptor, reading no further than its end of line (or 64 KiB). */
function readFirstLine(source: string | number): string {
  const fd = typeof source === 'number' ? source : openSync(source, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.alloc(4096);
    while (total < MAX_PASSWORD_BYTES) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(Buffer.from(chunk.subarray(0, n)));
      total += n;
      if (chunk.subarray(0, n).includes(10)) break;
    }
    return firstLine(Buffer.concat(chunks).toString('utf8'));
  } finally {
    if (typeof source !== 'number') closeSync(fd);
  }
}

export function readPassSource(spec: string, flag: string): string {
  if (spec.startsWith('pass:')) return spec.slice(5);
  if (spec.startsWith('env:')) {
    const name = spec.slice(4);
    const value = process.env[name];
    if (value === undefined)
      throw usageError(
        `${flag} env:${name}: the environment variable ${name} is not set; export it or use another source.`,
      );
    return value;
  }
  if (spec.startsWith('file:')) {
    const path = spec.slice(5);
    try {
      return readFirstLine(path);
    } catch {
      throw usageError(`${flag} file:${path}: the file cannot be read; check the path and its permissions.`);
    }
  }
  if (spec.startsWith('fd:')) {
    const fd = Number(spec.slice(3));
    try {
      if (!Number.isInteger(fd) || fd < 0) throw new Error('not a descriptor');
      return readFirstLine(fd);
    } catch {
      throw usageError(`${flag} ${spec}: file descriptor ${spec.slice(3)} cannot be read.`);
    }
  }
  if (spec === 'stdin') return nextStdinLine();
  throw usageError(`${flag} '${spec}' is not a password source; use pass:TEXT, env:VAR, file:PATH, fd:N or stdin.`);
}

export interface PasswordRequest {
  /** The flag's source, e.g. the value of --passin; undefined means prompt on a TTY. */
  source?: string;
  flag: string;
  /** Prompt text, e.g. "Password for pki/ca.key". */
  prompt: string;
  /** Ask twice on a TTY (for new passwords). */
  confirm?: boolean;
  allowEmpty?: boolean;
}

export async function obtainPassword(req: PasswordRequest): Promise<string> {
  let password: string;
  if (req.source !== undefined) {
    password = readPassSource(req.source, req.flag);
  } else if (isTerminal(0) && isTerminal(1)) {
    password = await promptPassword(req);
  } else {
    throw new MtlsError(
      'PASSWORD_REQUIRED',
      `${req.prompt} is needed and there is no terminal to ask on; give it with ${req.flag} (pass:, env:, file: or stdin).`,
    );
  }
  if (password === '' && !req.allowEmpty) {
    throw usageError(`${req.flag}: the password is empty; give a non-empty password.`);
  }
  return password;
}

async function promptPassword(req: PasswordRequest): Promise<string> {
  const { password } = await import('@inquirer/prompts');
  const first = await password({ message: req.prompt, mask: '*' });
  if (req.confirm) {
    const second = await password({ message: 'Repeat the password', mask: '*' });
    if (first !== second)
      throw usageError('The two passwords differ; run the command again and type the same password twice.');
  }
  return first;
}
