import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../../command-kit.js';
import { passwordFrom, pinFrom, tokenAccessFrom } from '../../inputs.js';
import { out } from '../../output.js';

interface Options extends CommonOptions {
  passin?: string;
  pin?: string;
  pkcs11Module?: string;
}

export function registerCaMoveToPkcs11(parent: Command): void {
  const cmd = describeCommand(
    parent.command('move-to-pkcs11').argument('<uri>', 'where the key goes: pkcs11:token=LABEL;object=KEY-LABEL'),
    {
      summary: "import the CA's file key into a PKCS#11 token, then remove ca.key",
      description:
        'Imports DIR/ca.key into the token as a private key that is sensitive and not extractable (with its public key beside\n' +
        'it), has the token sign a throw-away test certificate that must verify with ca.crt, records the URI and module in\n' +
        'DIR/mtlskit.json, and only then deletes ca.key. If the token refuses key import (many HSMs allow only keys made inside\n' +
        'them) or the test fails, ca.key is kept. Copies of ca.key elsewhere (backups) are not touched: destroy them yourself.',
      examples: [
        [
          "mtlskit ca move-to-pkcs11 'pkcs11:token=mtlskit;object=ca-key' --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pin env:PIN",
          'move the CA key into a SoftHSM2 token; later commands take --pin env:PIN',
        ],
      ],
      exitCodes: [
        [2, 'bad URI, the module or token does not exist, the token refused the import, the key is already in a token'],
        [3, 'the token already holds a key with that label'],
        [4, 'the ca.key password or the token PIN is missing or wrong, or the test signature failed'],
      ],
    },
  );
  cmd
    .option('--passin <source>', 'password of ca.key, if encrypted')
    .option('--pin <source>', "the token's user PIN: pass:, env:, file:, fd:, stdin (else a prompt)")
    .option('--pkcs11-module <path>', 'the PKCS#11 module (.so) of the token (default: PKCS11_MODULE)')
    .action(
      runAction<Options>(async (args, opts, output) => {
        const [{ moveCaKeyToToken }, { CaStore }] = await Promise.all([
          import('../../../ca/ca-key.js'),
          import('../../../store/ca-store.js'),
        ]);
        const result = await moveCaKeyToToken({
          store: new CaStore(opts.dir),
          password: passwordFrom(opts.passin),
          uri: args[0]!,
          access: tokenAccessFrom({ pin: opts.pin, pkcs11Module: opts.pkcs11Module }),
          fallbackPin: pinFrom(undefined),
        });
        output.result({ ...result }, [
          `${out.green('✔')} the CA key is now in the token: ${result.uri}`,
          `  the token signed a test certificate that verifies with ca.crt; ${result.removed} was removed`,
          `  later commands need only --pin (module ${result.module}, recorded in mtlskit.json)`,
        ]);
      }),
    );
}
