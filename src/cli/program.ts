/**
 * The commander program every entry point shares: name, version, help and exit codes. The command tree itself
 * comes from the caller: the whole tree (src/cli/main.ts) or one command group (the per-group bundles that
 * scripts/bundle.mjs builds from src/cli/groups/, so that `mtlskit verify` reads and compiles only verify's code).
 */
import { readFileSync } from 'node:fs';
import { Command, type CommanderError } from 'commander';
import { EXIT_CODES } from '../errors.js';
import { outputQueued, writeErr, writeOut } from './stdio.js';

/** Adds commands to the program: one group or all of them. */
export type RegisterCommands = (program: Command) => void;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(register: RegisterCommands): Command {
  const program = new Command('mtlskit');
  program
    .description(
      'A PKI toolkit for mutual TLS: CA, server and client certificates, CSRs, PKCS#12, CRLs and verification.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showSuggestionAfterError(true)
    // Help and usage errors go through stdio.ts too: a reader that closes the pipe early ends the run quietly.
    .configureOutput({ writeOut, writeErr })
    // Usage errors (unknown flag, missing argument) exit 2, as documented; help and version exit 0.
    .exitOverride((err: CommanderError) => {
      const quiet =
        err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      process.exit(quiet ? EXIT_CODES.OK : EXIT_CODES.USAGE);
    });
  program.addHelpText(
    'after',
    [
      '',
      'Start here:',
      '  $ mtlskit wizard --yes          # a CA, server and client certificates, client.pfx and a CRL in ./pki',
      '  $ mtlskit <command> --help      # every command lists examples and exit codes',
      '',
    ].join('\n'),
  );
  register(program);
  return program;
}

/** Runs the command line of this process. */
export function runProgram(register: RegisterCommands): void {
  // Batch writes sync files in parallel on libuv's pool; four threads would serialise them. Set before first use.
  process.env.UV_THREADPOOL_SIZE ??= '16';
  // Not awaited at the top level: the bundles are CommonJS (see scripts/bundle.mjs), which has no top-level await.
  void buildProgram(register)
    .parseAsync(process.argv)
    .then(() => {
      // The command has finished (serve finishes when its server closes) and its output is written: end now rather
      // than wait for Node's idle work (a garbage collection, a key generated ahead that was not used), which
      // costs a few milliseconds on every run. 'exit' handlers (PKCS#11 C_Finalize, the code cache) still run.
      if (!outputQueued()) process.exit();
    });
}
