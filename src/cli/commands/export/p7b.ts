import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../../command-kit.js';
import { out } from '../../output.js';
import { usageError } from '../../../errors.js';

interface Options extends CommonOptions {
  out?: string;
  chain: boolean;
  pem?: boolean;
  der?: boolean;
}

export function registerExportP7b(parent: Command): void {
  const cmd = describeCommand(
    parent.command('p7b').argument('[name]', 'a leaf: DIR/NAME.crt and its chain (default: the CA chain only)'),
    {
      summary: 'a certificate chain as certificates-only PKCS#7 (.p7b) for Windows, Java keytool and openssl',
      description:
        'Writes NAME.crt followed by its CA certificates up to the root (or, without NAME, DIR/ca-chain.crt / DIR/ca.crt)\n' +
        'as a PKCS#7 SignedData with no signers, exactly as `openssl crl2pkcs7 -nocrl` does. The default encoding is DER,\n' +
        "what Windows' certificate export writes as .p7b and what certmgr, keytool -importcert and `openssl pkcs7 -inform DER`\n" +
        'read; --pem writes "-----BEGIN PKCS7-----" text instead (openssl pkcs7 default, also read by keytool and Windows).',
      examples: [
        ['mtlskit export p7b server', 'DIR/server.p7b: the server certificate and its CA chain, for IIS or Windows'],
        ['mtlskit export p7b --out ca.p7b', 'only the CA chain, for a Windows trust store or a Java keytool import'],
        ['mtlskit export p7b client --no-chain --pem --out client.p7b', 'just the certificate, PEM-armoured'],
      ],
      exitCodes: [
        [2, 'bad flags, NAME.crt or the CA missing'],
        [3, 'the output file exists (use --force)'],
      ],
    },
    { force: true },
  );
  cmd
    .option('--out <file>', 'where to write (default DIR/NAME.p7b or DIR/ca-chain.p7b)')
    .option('--no-chain', 'only NAME.crt (or only DIR/ca.crt), no issuers')
    .option('--pem', 'PEM ("-----BEGIN PKCS7-----") instead of DER')
    .option('--der', 'DER (the default; for scripts that want to say so)')
    .action(
      runAction<Options>(async ([name], opts, output) => {
        if (opts.pem && opts.der) throw usageError('--pem and --der contradict each other; give one of them.');
        const { exportP7b } = await import('../../../ca/p7b.js');
        const r = await exportP7b({
          dir: opts.dir,
          name,
          out: opts.out,
          includeChain: opts.chain,
          pem: opts.pem === true,
          force: opts.force === true,
        });
        output.result({ ...r }, [
          `${out.green('✔')} ${r.file} written (PKCS#7, ${r.encoding}) with ${r.certificates.length} certificate(s):`,
          ...r.certificates.map((s) => `  ${s}`),
        ]);
      }),
    );
}
