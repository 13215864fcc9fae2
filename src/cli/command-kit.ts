/**
 * What every command shares: the common flags (--dir, --json), help text with examples and exit
 * codes, and one action wrapper that renders errors at the edge and sets the exit status.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { Output, renderError } from './output.js';

export interface CommandHelp {
  /** One line, shown in `mtlskit --help`. */
  summary: string;
  /** A paragraph for `mtlskit <cmd> --help`. */
  description?: string;
  /** Real invocations, each with one sentence of why. */
  examples: Array<[command: string, why: string]>;
  /** Exit statuses this command uses besides 0, with their meaning. */
  exitCodes: Array<[status: number, meaning: string]>;
}

export interface CommonOptions {
  dir: string;
  json?: boolean;
  force?: boolean;
}

export const DEFAULT_DIR = './pki';

/** Registers help and common flags; returns the command for its own flags. */
export function describeCommand(
  cmd: Command,
  help: CommandHelp,
  common: { dir?: boolean; force?: boolean } = {},
): Command {
  cmd.summary(help.summary).description(help.description ? `${help.summary}\n\n${help.description}` : help.summary);
  if (common.dir !== false) cmd.option('--dir <dir>', 'the CA / PKI folder', DEFAULT_DIR);
  cmd.option('--json', 'print one JSON object (stable, for CI) instead of human text');
  if (common.force) cmd.option('--force', 'replace files that already exist');
  const examples = help.examples.map(([c, why]) => `  $ ${c}\n      ${why}`).join('\n');
  const codes = [[0, 'success'] as [number, string], ...help.exitCodes]
    .map(([s, m]) => `  ${String(s).padEnd(3)} ${m}`)
    .join('\n');
  cmd.addHelpText('after', `\nExamples:\n${examples}\n\nExit codes:\n${codes}\n`);
  return cmd;
}

/**
 * Wraps an action: builds the Output from --json, runs, and renders any error once.
 * Commander passes positional args first, then the options object, then the command.
 */
export function runAction<O extends { json?: boolean }>(
  fn: (args: string[], opts: O, output: Output) => Promise<number | void>,
): (...params: unknown[]) => Promise<void> {
  return async (...params: unknown[]) => {
    const cmd = params[params.length - 1] as Command;
    const opts = cmd.opts() as O;
    const args = params
      .slice(0, -2)
      .flat()
      .filter((a): a is string => typeof a === 'string');
    const output = new Output({ json: opts.json });
    try {
      const status = await fn(args, opts, output);
      process.exitCode = status ?? 0;
    } catch (error) {
      process.exitCode = renderError(error, opts.json === true);
    }
  };
}

/** Collects a repeatable flag (--dns a --dns b) and comma lists (--dns a,b). */
export function collect(value: string, previous: string[] = []): string[] {
  return previous.concat(
    value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v.length > 0),
  );
}

/** Parses a positive whole number of days. */
export function parseDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 36500) {
    throw new InvalidArgumentError(`give a whole number of days between 1 and 36500, not '${value}'.`);
  }
  return n;
}
