import type { Command } from 'commander';
import { registerCaAdopt } from '../commands/ca/adopt.js';
import { registerCaInit } from '../commands/ca/init.js';
import { registerCaMoveToPkcs11 } from '../commands/ca/move-to-pkcs11.js';
import { registerCaPasswd } from '../commands/ca/passwd.js';
import { registerCaRenew } from '../commands/ca/renew.js';
import { registerCaRotate } from '../commands/ca/rotate.js';

export function registerGroup(program: Command): void {
  const ca = program.command('ca').description('create and manage the certificate authority');
  registerCaInit(ca);
  registerCaPasswd(ca);
  registerCaMoveToPkcs11(ca);
  registerCaAdopt(ca);
  registerCaRenew(ca);
  registerCaRotate(ca);
}
