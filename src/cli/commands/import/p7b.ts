import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../../command-kit.js';
import { out } from '../../output.js';

interface Options extends CommonOptions {
  name?: string;
}

export function registerImportP7b(parent: Command): void {
  const cmd = describeCommand(
    parent.command('p7b').argument('<file>', 'a .p7b / .p7c (DER or PEM) from Windows, Java, openssl or a CA'),
    {
      summary: 'unpack a PKCS#7 certificate chain into one PEM file per certificate and a bundle',
      description:
        'Writes DIR/STEM-1-<common name>.crt for each certificate, leaf first and then each issuer up to the root, and\n' +
        'DIR/STEM-bundle.crt with all of them in that order. STEM is --name, else the file name without its extension.\n' +
        'Nothing is written when any of these files exists, unless --force.',
      examples: [
        [
          'mtlskit import p7b partner-chain.p7b',
          'DIR/partner-chain-1-api.partner.example.crt, ...-2-partner-issuing-ca.crt and DIR/partner-chain-bundle.crt',
        ],
        ['mtlskit import p7b certnew.p7b --name partner --dir partner', 'a chain from a Windows CA web enrolment'],
      ],
      exitCodes: [
        [2, 'not a PKCS#7 certificate chain, or unreadable'],
        [3, 'one of the PEM files exists (use --force)'],
      ],
    },
    { force: true },
  );
  cmd.option('--name <stem>', "file name stem (default: the .p7b's file name)").action(
    runAction<Options>(async ([file], opts, output) => {
      const { importP7b } = await import('../../../ca/p7b.js');
      const r = await importP7b({ file: file!, dir: opts.dir, name: opts.name, force: opts.force === true });
      output.result({ ...r }, [
        `${out.green('✔')} ${file} unpacked: ${r.certificates.length} certificate(s), bundle ${r.bundle}`,
        ...r.certificates.map((c) => `  ${c.file}  ${c.role}: ${c.subject}`),
      ]);
    }),
  );
}
