import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../../command-kit.js';
import { newPassword, passwordFrom } from '../../inputs.js';
import { out } from '../../output.js';
import { usageError } from '../../../errors.js';

interface Options extends CommonOptions {
  passout?: string;
  passin?: string;
  out?: string;
  legacy?: boolean;
  chain: boolean;
  friendlyName?: string;
  emptyPassword?: boolean;
}

export function registerExportPfx(parent: Command): void {
  const cmd = describeCommand(
    parent.command('pfx').argument('[name]', 'which DIR/NAME.key + DIR/NAME.crt to bundle', 'client'),
    {
      summary: 'bundle NAME.key, NAME.crt and the chain into a password-protected PKCS#12 (.pfx) file',
      description:
        'Writes DIR/NAME.pfx (mode 0600) for Postman, Windows, Java and other clients that want one file. Default format is what\n' +
        'OpenSSL 3 writes: PBES2 (PBKDF2-HMAC-SHA256, 2048 iterations, AES-256-CBC) for key and certificates, HMAC-SHA256 MAC.\n' +
        '--legacy uses pbeWithSHA1And3-KeyTripleDES-CBC and a SHA-1 MAC, for older macOS keychains, Windows Server 2016 and Java 8.',
      examples: [
        [
          'mtlskit export pfx --passout env:PFX_PASS',
          'DIR/client.pfx for Postman (Settings → Certificates → PFX file)',
        ],
        [
          'mtlskit export pfx erp --legacy --passout file:pfx-pass.txt',
          'a bundle an old Windows server or Java 8 can import',
        ],
        ['mtlskit export pfx --out client.p12 --no-chain', 'only the key and the certificate, without the CA chain'],
      ],
      exitCodes: [
        [2, 'bad flags, missing or malformed NAME.key/NAME.crt, an empty password without --empty-password'],
        [3, 'the .pfx exists (use --force)'],
        [4, 'a password is missing or wrong, or NAME.key does not belong to NAME.crt'],
      ],
    },
    { force: true },
  );
  cmd
    .option('--passout <source>', "the bundle's password: pass:, env:, file:, stdin (default: ask twice on a terminal)")
    .option('--passin <source>', 'password of NAME.key, if encrypted')
    .option('--out <file>', 'where to write (default DIR/NAME.pfx)')
    .option('--legacy', '3DES + SHA-1 MAC for old importers')
    .option('--no-chain', 'leave out the CA certificates')
    .option('--friendly-name <text>', 'the name importers show (default NAME)')
    .option('--empty-password', 'allow an empty password (anyone holding the file gets the key)')
    .action(
      runAction<Options>(async ([name], opts, output) => {
        const { exportPfx } = await import('../../../ca/pfx.js');
        const password = await newPassword(opts.passout, `${name}.pfx`, { required: true, allowEmpty: true });
        if (password === '' && !opts.emptyPassword)
          throw usageError(
            'The PFX password is empty; give one, or pass --empty-password if you really want an unprotected bundle.',
          );
        const r = await exportPfx({
          dir: opts.dir,
          name: name!,
          out: opts.out,
          password: password!,
          legacy: opts.legacy === true,
          includeChain: opts.chain,
          friendlyName: opts.friendlyName,
          force: opts.force === true,
          keyPassword: passwordFrom(opts.passin),
        });
        if (password === '')
          output.warn('The bundle has an empty password: anyone who has the file has the private key.');
        output.result({ ...r }, [
          `${out.green('✔')} ${r.file} written: ${r.subject} with ${r.certificates - 1} CA certificate(s)`,
          `  format ${r.format}, ${r.iterations} iterations, friendly name '${r.friendlyName}'`,
        ]);
      }),
    );
}
