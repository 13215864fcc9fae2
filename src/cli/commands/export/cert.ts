import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../../command-kit.js';
import { out } from '../../output.js';

interface Options extends CommonOptions {
  der?: boolean;
  out?: string;
}

export function registerExportCert(parent: Command): void {
  const cmd = describeCommand(
    parent.command('cert').argument('<name>', 'which DIR/NAME.crt'),
    {
      summary: 'NAME.crt as DER (--der) or PEM, for tools that want one certificate file',
      description:
        'Writes the certificate alone, as `openssl x509 -outform DER` (with --der) or as PEM, to DIR/NAME.der or\n' +
        'DIR/NAME.pem unless --out.',
      examples: [
        ['mtlskit export cert client --der', 'DIR/client.der for Java, Windows or an appliance upload form'],
        ['mtlskit export cert server --der --out server.cer', 'a .cer file Windows opens on double-click'],
      ],
      exitCodes: [
        [2, 'NAME.crt missing or unreadable'],
        [3, 'the output file exists (use --force)'],
      ],
    },
    { force: true },
  );
  cmd
    .option('--der', 'DER instead of PEM')
    .option('--out <file>', 'where to write (default DIR/NAME.der or DIR/NAME.pem)')
    .action(
      runAction<Options>(async ([name], opts, output) => {
        const { exportCert } = await import('../../../ca/export-key.js');
        const r = await exportCert({
          dir: opts.dir,
          name: name!,
          der: opts.der === true,
          out: opts.out,
          force: opts.force === true,
        });
        output.result({ ...r }, [`${out.green('✔')} ${r.file} written (${r.encoding}): ${r.subject}`]);
      }),
    );
}
