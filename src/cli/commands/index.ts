/** The command tree; each file below registers one command and imports its heavy modules lazily. */
import type { Command } from 'commander';
import { registerCaInit } from './ca/init.js';
import { registerServerIssue } from './server/issue.js';
import { registerClientIssue } from './client/issue.js';
import { registerCsrCreate } from './csr/create.js';
import { registerCsrSign } from './csr/sign.js';
import { registerExportPfx } from './export/pfx.js';
import { registerImportPfx } from './import/pfx.js';
import { registerRevoke } from './revoke.js';
import { registerCrlGen } from './crl/gen.js';
import { registerVerify } from './verify.js';
import { registerWizard } from './wizard.js';
import { registerShow } from './show.js';
import { registerList } from './list.js';
import { registerServe } from './serve.js';
import { registerProbe } from './probe.js';

export function registerCommands(program: Command): void {
  const ca = program.command('ca').description('create and manage the certificate authority');
  registerCaInit(ca);
  const server = program.command('server').description('server certificates (what the API gateway presents)');
  registerServerIssue(server);
  const client = program.command('client').description('client certificates (what the integration presents)');
  registerClientIssue(client);
  const csr = program.command('csr').description('certificate signing requests, for another party\'s CA or from elsewhere');
  registerCsrCreate(csr);
  registerCsrSign(csr);
  registerExportPfx(program.command('export').description('bundle keys and certificates for other tools'));
  registerImportPfx(program.command('import').description('unpack bundles made by other tools'));
  registerRevoke(program);
  registerCrlGen(program.command('crl').description('certificate revocation lists'));
  registerVerify(program);
  registerWizard(program);
  registerShow(program);
  registerList(program);
  registerServe(program);
  registerProbe(program);
}
