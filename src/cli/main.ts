/**
 * The mtlskit entry point with the whole command tree (for `--help`, `help`, unknown commands and a run from
 * dist/ without the bundles). A run such as `mtlskit verify ...` registers only that group; the installed
 * executable goes further and loads a bundle holding only that group (see scripts/bundle.mjs).
 * Each command imports the heavy crypto modules inside its action.
 */
import { registerCommands } from './commands/index.js';
import { runProgram } from './program.js';

runProgram((program) => registerCommands(program, process.argv[2]));
