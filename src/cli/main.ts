/**
 * The mtlskit entry point: builds the command tree and runs it. Only commander and the small
 * command files load here; each command imports the heavy crypto modules inside its action,
 * so `mtlskit --version` and `--help` cost little more than starting Node.
 */
import { readFileSync } from 'node:fs';

// Batch writes sync files in parallel on libuv's pool; four threads would serialise them. Must be set before first use.
process.env.UV_THREADPOOL_SIZE ??= '16';
import { Command, CommanderError } from 'commander';
import { EXIT_CODES } from '../errors.js';
import { registerCommands } from './commands/index.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The program; with `onlyGroup` (the first argument) only that command group is registered. */
export function buildProgram(onlyGroup?: string): Command {
  const program = new Command('mtlskit');
  program
    .description(
      'A PKI toolkit for mutual TLS: CA, server and client certificates, CSRs, PKCS#12, CRLs and verification.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showSuggestionAfterError(true)
    // Usage errors (unknown flag, missing argument) exit 2, as documented; help and version exit 0.
    .exitOverride((err: CommanderError) => {
      const quiet =
        err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      process.exit(quiet ? EXIT_CODES.OK : EXIT_CODES.USAGE);
    });
  program.addHelpText(
    'after',
    `\nStart here:\n  $ mtlskit wizard --yes          # a CA, server and client certificates, client.pfx and a CRL in ./pki\n  $ mtlskit <command> --help      # every command lists examples and exit codes\n`,
  );
  registerCommands(program, onlyGroup);
  return program;
}

// `mtlskit show x | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

// Not awaited at the top level: the bundle is CommonJS (see scripts/bundle.mjs), which has no top-level await.
void buildProgram(process.argv[2]).parseAsync(process.argv);
