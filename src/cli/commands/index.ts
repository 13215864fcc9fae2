/** The command tree; each file below registers one command and imports its heavy modules lazily. */
import type { Command } from 'commander';
import { registerCaInit } from './ca/init.js';
import { registerCaPasswd } from './ca/passwd.js';
import { registerCaMoveToPkcs11 } from './ca/move-to-pkcs11.js';
import { registerCaAdopt } from './ca/adopt.js';
import { registerCaRenew } from './ca/renew.js';
import { registerRenew } from './renew.js';
import { registerStatus } from './status.js';
import { registerCaRotate } from './ca/rotate.js';
import { registerServerIssue } from './server/issue.js';
import { registerClientIssue } from './client/issue.js';
import { registerCsrCreate } from './csr/create.js';
import { registerCsrSign } from './csr/sign.js';
import { registerExportPfx } from './export/pfx.js';
import { registerExportTruststore } from './export/truststore.js';
import { registerExportP7b } from './export/p7b.js';
import { registerExportKey } from './export/key.js';
import { registerExportCert } from './export/cert.js';
import { registerImportPfx } from './import/pfx.js';
import { registerImportP7b } from './import/p7b.js';
import { registerCompletion } from './completion.js';
import { registerRevoke } from './revoke.js';
import { registerCrlGen } from './crl/gen.js';
import { registerVerify } from './verify.js';
import { registerWizard } from './wizard.js';
import { registerShow } from './show.js';
import { registerList } from './list.js';
import { registerServe } from './serve.js';
import { registerProbe } from './probe.js';
import { registerDoctor } from './doctor.js';

const GROUPS: Record<string, (program: Command) => void> = {
  ca: (program) => {
    const ca = program.command('ca').description('create and manage the certificate authority');
    registerCaInit(ca);
    registerCaPasswd(ca);
    registerCaMoveToPkcs11(ca);
    registerCaAdopt(ca);
    registerCaRenew(ca);
    registerCaRotate(ca);
  },
  server: (program) =>
    registerServerIssue(program.command('server').description('server certificates (what the API gateway presents)')),
  client: (program) =>
    registerClientIssue(program.command('client').description('client certificates (what the integration presents)')),
  csr: (program) => {
    const csr = program
      .command('csr')
      .description("certificate signing requests, for another party's CA or from elsewhere");
    registerCsrCreate(csr);
    registerCsrSign(csr);
  },
  export: (program) => {
    const exp = program.command('export').description('bundle keys and certificates for other tools');
    registerExportPfx(exp);
    registerExportTruststore(exp);
    registerExportP7b(exp);
    registerExportKey(exp);
    registerExportCert(exp);
  },
  import: (program) => {
    const imp = program.command('import').description('unpack bundles made by other tools');
    registerImportPfx(imp);
    registerImportP7b(imp);
  },
  revoke: registerRevoke,
  crl: (program) => registerCrlGen(program.command('crl').description('certificate revocation lists')),
  verify: registerVerify,
  wizard: registerWizard,
  show: registerShow,
  list: registerList,
  serve: registerServe,
  probe: registerProbe,
  doctor: registerDoctor,
  renew: registerRenew,
  status: registerStatus,
  completion: registerCompletion,
};

/**
 * Registers every command, or only `onlyGroup` when it names one: a run such as `mtlskit verify ...`
 * then skips building the rest of the tree. Help, version and unknown commands get the whole tree.
 */
export function registerCommands(program: Command, onlyGroup?: string): void {
  const one = onlyGroup !== undefined && Object.hasOwn(GROUPS, onlyGroup) ? GROUPS[onlyGroup] : undefined;
  if (one) one(program);
  else for (const register of Object.values(GROUPS)) register(program);
}
