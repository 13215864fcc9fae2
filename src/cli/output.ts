/**
 * Everything the CLI prints goes through here: human output (coloured only on a TTY, never when
 * NO_COLOR is set) or one JSON object on stdout with --json, the stable contract for CI.
 */
import { EXIT_CODES, MtlsError } from '../errors.js';
import { isTerminal, writeErr, writeOut } from './stdio.js';

/** The few styles mtlskit uses; identity functions when colour is off. */
export interface Palette {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

function colourEnabled(fd: 1 | 2): boolean {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  const forced = process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0';
  return !noColor && (forced || isTerminal(fd));
}

const plain: Palette = { green: (t) => t, red: (t) => t, yellow: (t) => t, bold: (t) => t, dim: (t) => t };

/**
 * One ANSI style (16-colour level, as chalk at level 1 writes it): a close code met inside the text re-opens
 * the style, so `green('a ' + bold('b') + ' c')` stays green, and a line break closes and re-opens it. Written here rather than loading chalk, so
 * that no module is loaded, and nothing awaited, when the CLI starts.
 */
function ansi(open: number, close: number): (text: string) => string {
  const on = `\u001b[${open}m`;
  const off = `\u001b[${close}m`;
  return (text) => (text === '' ? '' : on + text.replaceAll(off, off + on).replace(/\r?\n/g, `${off}$&${on}`) + off);
}

/** The styles when colour is on (exported for the test that compares them with chalk). */
export const ANSI: Palette = {
  green: ansi(32, 39),
  red: ansi(31, 39),
  yellow: ansi(33, 39),
  bold: ansi(1, 22),
  dim: ansi(2, 22),
};

function paletteFor(fd: 1 | 2): Palette {
  return colourEnabled(fd) ? ANSI : plain;
}

export const out = paletteFor(1);
export const err = paletteFor(2);

export interface OutputOptions {
  json?: boolean;
}

export class Output {
  readonly json: boolean;
  private readonly warnings: string[] = [];

  constructor(opts: OutputOptions) {
    this.json = opts.json === true;
  }

  /** A warning goes to stderr in human mode, and into the JSON result's `warnings` array. */
  warn(message: string): void {
    // A batch repeats the conf's warnings for every certificate: say each once.
    if (this.warnings.includes(message)) return;
    this.warnings.push(message);
    if (!this.json) writeErr(`${err.yellow('warning:')} ${message}\n`);
  }

  /** Progress or detail lines for humans; silent under --json. */
  info(message: string): void {
    if (!this.json) writeErr(`${message}\n`);
  }

  /** A one-off note before slow work (RSA-4096 keys, big CRLs): only on a terminal, never under --json. */
  slowWork(message: string): void {
    if (!this.json && isTerminal(2)) writeErr(`${message}\n`);
  }

  /** A progress line for long work, only on a terminal (stderr) and never under --json. */
  progress(done: number, total: number, what = 'done'): void {
    if (this.json || !isTerminal(2) || total < 20) return;
    if (done !== total && done % Math.max(1, Math.floor(total / 100)) !== 0) return;
    writeErr(`\r${done}/${total} ${what}${done === total ? '\n' : ''}`);
  }

  /** The command's result: human lines, or the JSON object (with ok: true and any warnings). */
  result(jsonResult: Record<string, unknown>, humanLines: string[]): void {
    if (this.json) {
      writeOut(JSON.stringify({ ok: true, ...jsonResult, warnings: this.warnings }, null, 2) + '\n');
    } else {
      for (const line of humanLines) writeOut(line + '\n');
    }
  }
}

/** Renders an error once, at the edge, and returns the exit status. */
export function renderError(error: unknown, json: boolean): number {
  const e =
    error instanceof MtlsError
      ? error
      : (error as Error)?.name === 'ExitPromptError'
        ? new MtlsError('CANCELLED', 'Cancelled; nothing was written.')
        : new MtlsError(
            'INTERNAL',
            `Unexpected error: ${(error as Error)?.message ?? String(error)}. This is a bug in mtlskit; run again with DEBUG=mtlskit and report the output.`,
          );
  if (json) {
    writeOut(
      JSON.stringify(
        { ok: false, error: { code: e.code, exitCode: e.exitCode, message: e.message, ...e.details } },
        null,
        2,
      ) + '\n',
    );
  } else {
    writeErr(`${err.red('error:')} ${e.message}\n`);
  }
  if (process.env.DEBUG?.split(',').includes('mtlskit') && error instanceof Error) {
    writeErr(`${error.stack}\n`);
  }
  return e.exitCode ?? EXIT_CODES.INTERNAL;
}

export function bold(text: string): string {
  return out.bold(text);
}
