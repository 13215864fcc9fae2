import type { Command } from 'commander';
import { registerCsrCreate } from '../commands/csr/create.js';
import { registerCsrSign } from '../commands/csr/sign.js';

export function registerGroup(program: Command): void {
  const csr = program
    .command('csr')
    .description("certificate signing requests, for another party's CA or from elsewhere");
  registerCsrCreate(csr);
  registerCsrSign(csr);
}
