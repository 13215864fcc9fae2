import type { Command } from 'commander';
import { registerCrlGen } from '../commands/crl/gen.js';

export function registerGroup(program: Command): void {
  registerCrlGen(program.command('crl').description('certificate revocation lists'));
}
