import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../../command-kit.js';
import { newPassword } from '../../inputs.js';
import { out } from '../../output.js';
import { offerValues } from '../../completion-values.js';
import { usageError } from '../../../errors.js';

export const TRUSTSTORE_FORMAT_VALUES = ['p12', 'pem', 'jks'] as const;

interface Options extends CommonOptions {
  out?: string;
  passout?: string;
  format?: string;
  emptyPassword?: boolean;
}

export function registerExportTruststore(parent: Command): void {
  const cmd = describeCommand(
    parent.command('truststore'),
    {
      summary: "the CA's certificates as a truststore for Java and other clients: PKCS#12, PEM or JKS",
      description:
        'Writes DIR/ca-chain.crt (else DIR/ca.crt), plus the roots in DIR/ca-bundle.crt after a CA rotation, as:\n' +
        "  p12 (default): a PKCS#12 truststore whose certificate bags carry Java's trustedKeyUsage attribute\n" +
        '       (anyExtendedKeyUsage, as OpenSSL 3.2 `pkcs12 -jdktrust` writes), so keytool and Java list each CA as a\n' +
        '       trustedCertEntry; AES-256 encrypted, HMAC-SHA256 MAC.\n' +
        '  jks: a Java KeyStore (version 2, trusted certificates, keyed SHA-1 digest) for Java 8 and older tools.\n' +
        '  pem: the certificates one after another (curl --cacert, nginx ssl_client_certificate, Postman CA file).\n' +
        "Aliases come from the CAs' common names. p12 and jks need a store password (--passout).",
      examples: [
        [
          'mtlskit export truststore --passout pass:changeit',
          'DIR/truststore.p12 for -Djavax.net.ssl.trustStore (store type PKCS12)',
        ],
        [
          'mtlskit export truststore --format jks --out trust.jks --passout env:STORE_PASS',
          'a JKS truststore for Java 8 and older application servers',
        ],
        ['mtlskit export truststore --format pem --out ca-bundle.pem', 'a PEM bundle for curl, nginx or Postman'],
      ],
      exitCodes: [
        [2, 'an unknown --format, no CA in --dir, --passout with --format pem'],
        [3, 'the output file exists (use --force)'],
        [4, 'no password source and no terminal to ask on'],
      ],
    },
    { force: true },
  );
  cmd
    .option('--format <format>', `the container (default p12)`)
    .option('--out <file>', 'where to write (default DIR/truststore.p12, .jks or .pem)')
    .option('--passout <source>', 'the store password for p12/jks: pass:, env:, file:, stdin (default: ask twice)')
    .option('--empty-password', 'allow an empty store password');
  offerValues(cmd, '--format', TRUSTSTORE_FORMAT_VALUES);
  cmd.action(
    runAction<Options>(async (_args, opts, output) => {
      const format = opts.format ?? 'p12';
      if (!(TRUSTSTORE_FORMAT_VALUES as readonly string[]).includes(format))
        throw usageError(
          `--format '${format}' is not a truststore format; use one of ${TRUSTSTORE_FORMAT_VALUES.join(', ')}.`,
        );
      if (format === 'pem' && opts.passout !== undefined)
        throw usageError('--passout does not apply to --format pem, which holds only public certificates; drop it.');
      let password: string | undefined;
      if (format !== 'pem') {
        password = await newPassword(opts.passout, `the ${format} truststore`, { required: true, allowEmpty: true });
        if (password === '' && !opts.emptyPassword)
          throw usageError('The truststore password is empty; give one, or pass --empty-password if you mean it.');
      }
      const { exportTruststore } = await import('../../../ca/truststore.js');
      const r = await exportTruststore({
        dir: opts.dir,
        format: format as (typeof TRUSTSTORE_FORMAT_VALUES)[number],
        out: opts.out,
        password,
        force: opts.force === true,
      });
      output.result({ ...r }, [
        `${out.green('✔')} ${r.file} written (${r.format}) with ${r.certificates.length} CA certificate(s):`,
        ...r.certificates.map((c) => `  ${c.alias}: ${c.subject}`),
      ]);
    }),
  );
}
