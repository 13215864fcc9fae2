import type { Command } from 'commander';
import { registerImportP7b } from '../commands/import/p7b.js';
import { registerImportPfx } from '../commands/import/pfx.js';

export function registerGroup(program: Command): void {
  const imp = program.command('import').description('unpack bundles made by other tools');
  registerImportPfx(imp);
  registerImportP7b(imp);
}
