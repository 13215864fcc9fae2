import type { Command } from 'commander';
import { registerExportCert } from '../commands/export/cert.js';
import { registerExportKey } from '../commands/export/key.js';
import { registerExportP7b } from '../commands/export/p7b.js';
import { registerExportPfx } from '../commands/export/pfx.js';
import { registerExportTruststore } from '../commands/export/truststore.js';

export function registerGroup(program: Command): void {
  const exp = program.command('export').description('bundle keys and certificates for other tools');
  registerExportPfx(exp);
  registerExportTruststore(exp);
  registerExportP7b(exp);
  registerExportKey(exp);
  registerExportCert(exp);
}
