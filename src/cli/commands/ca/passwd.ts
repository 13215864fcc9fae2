import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../../command-kit.js';
import { newPassword, passwordFrom } from '../../inputs.js';
import { out } from '../../output.js';
import { usageError } from '../../../errors.js';

interface Options extends CommonOptions {
  passin?: string;
  passout?: string;
  password?: boolean;
}

export function registerCaPasswd(parent: Command): void {
  const cmd = describeCommand(parent.command('passwd'), {
    summary: "set, change or remove the password of the CA's key (DIR/ca.key)",
    description:
      'Reads ca.key (with --passin when it is encrypted), checks it still belongs to ca.crt, and writes it again as PKCS#8,\n' +
      'encrypted with the new password (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC; what openssl pkey -passin reads), mode 0600.\n' +
      'The new password comes from --passout, or is asked twice on a terminal. --no-password writes the key without one;\n' +
      'an empty --passout is refused, so a password is never removed by an empty variable. A CA key in a PKCS#11 token has\n' +
      "no password here: its PIN is changed with the token's tools.",
    examples: [
      ['mtlskit ca passwd', 'on a terminal: asks for the current password (if any) and the new one twice'],
      ['mtlskit ca passwd --passin env:OLD_PASS --passout env:NEW_PASS', 'change it in a script'],
      ['mtlskit ca passwd --passout file:ca-pass.txt', 'encrypt a key that has no password yet'],
      ['mtlskit ca passwd --passin env:CA_PASS --no-password', 'remove the password (the key is then plain PEM)'],
    ],
    exitCodes: [
      [2, 'no CA in --dir, bad flags (--passout with --no-password, an empty password), the key is in a token'],
      [4, 'the current password is missing or wrong, or ca.key does not belong to ca.crt'],
      [6, 'the CA store stayed locked too long'],
    ],
  });
  cmd
    .option('--passin <source>', 'current password of ca.key, if encrypted: pass:, env:, file:, fd:, stdin')
    .option('--passout <source>', 'the new password: pass:, env:, file:, fd:, stdin (default: ask twice on a terminal)')
    .option('--no-password', 'write ca.key without a password')
    .action(
      runAction<Options>(async (_args, opts, output) => {
        if (opts.password === false && opts.passout !== undefined)
          throw usageError('--passout sets a password and --no-password removes it; give one of them.');
        const [{ changeCaKeyPassword }, { CaStore }] = await Promise.all([
          import('../../../ca/ca-key.js'),
          import('../../../store/ca-store.js'),
        ]);
        const store = new CaStore(opts.dir);
        store.requireCa();
        // The current password first (if the key has one), then the new one; nothing is written before both.
        const result = await changeCaKeyPassword(store, passwordFrom(opts.passin), () =>
          opts.password === false
            ? Promise.resolve(undefined)
            : newPassword(opts.passout, 'ca.key', { required: true }),
        );
        output.result({ ...result }, [
          `${out.green('✔')} ${result.key} ${result.encrypted ? (result.wasEncrypted ? 'has a new password' : 'is now encrypted') : 'is now stored without a password: keep it private (mode 0600)'}`,
        ]);
      }),
    );
}
