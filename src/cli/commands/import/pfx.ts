import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../../command-kit.js';
import { newPassword, passwordFrom } from '../../inputs.js';
import { out } from '../../output.js';

interface Options extends CommonOptions {
  passin?: string;
  passout?: string;
  name?: string;
}

export function registerImportPfx(parent: Command): void {
  const cmd = describeCommand(
    parent.command('pfx').argument('<file>', 'a .pfx / .p12 made by openssl, Windows, Java or mtlskit'),
    {
      summary: 'unpack a PKCS#12 bundle into DIR/NAME.key, DIR/NAME.crt and DIR/NAME-chain.crt',
      description:
        'Reads modern (PBES2/AES) and legacy (3DES, RC2-40, SHA-1 MAC) bundles. NAME.key is written as PKCS#8 PEM with mode 0600\n' +
        "(encrypted with --passout if given); NAME-chain.crt holds the certificate followed by the bundle's CA certificates.\n" +
        'A wrong password writes nothing.',
      examples: [
        [
          'mtlskit import pfx partner.pfx --passin env:PFX_PASS',
          'DIR/partner.key, DIR/partner.crt and DIR/partner-chain.crt',
        ],
        [
          'mtlskit import pfx old.p12 --name erp --passin stdin < pass.txt',
          'a legacy Windows export, password from standard input',
        ],
      ],
      exitCodes: [
        [2, 'unreadable or malformed bundle'],
        [3, 'NAME.* exists (use --force)'],
        [4, 'the password is missing or wrong'],
      ],
    },
    { force: true },
  );
  cmd
    .option('--passin <source>', "the bundle's password: pass:, env:, file:, stdin (default: ask on a terminal)")
    .option('--passout <source>', 'encrypt the written NAME.key with this password')
    .option('--name <name>', "file name stem (default: the bundle's file name)")
    .action(
      runAction<Options>(async ([file], opts, output) => {
        const { importPfx } = await import('../../../ca/pfx.js');
        const password = await passwordFrom(opts.passin)(file!);
        const r = await importPfx({
          file: file!,
          dir: opts.dir,
          name: opts.name,
          password,
          keyPassword: await newPassword(opts.passout, 'the imported key'),
          force: opts.force === true,
        });
        output.result({ ...r }, [
          `${out.green('✔')} ${file} unpacked: ${out.bold(r.subject)} (issued by ${r.issuer})`,
          `  key ${r.files.key}, certificate ${r.files.certificate}, chain ${r.files.chain} (+${r.chainCertificates} CA certificate(s))`,
          `  bundle used: key ${r.encryption.key}; certificates ${r.encryption.certificates}; MAC ${r.encryption.mac}`,
        ]);
      }),
    );
}
