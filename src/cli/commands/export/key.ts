import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../../command-kit.js';
import { newPassword, passwordFrom } from '../../inputs.js';
import { out } from '../../output.js';
import { offerValues } from '../../completion-values.js';
import { usageError } from '../../../errors.js';

export const KEY_FORMAT_VALUES = ['pkcs8', 'pkcs1', 'sec1'] as const;

interface Options extends CommonOptions {
  format?: string;
  der?: boolean;
  passout?: string;
  passin?: string;
  out?: string;
}

export function registerExportKey(parent: Command): void {
  const cmd = describeCommand(
    parent.command('key').argument('<name>', 'which DIR/NAME.key to convert'),
    {
      summary: 'NAME.key as PKCS#8, PKCS#1 (RSA) or SEC1 (EC), PEM or DER, encrypted or not',
      description:
        'The conversions usually done with openssl, with the same bytes as output:\n' +
        '  --format pkcs8 (default)  "PRIVATE KEY", as `openssl pkey` (DER: `openssl pkcs8 -topk8 -nocrypt -outform DER`)\n' +
        '  --format pkcs1            "RSA PRIVATE KEY", as `openssl rsa -traditional` (RSA keys only)\n' +
        '  --format sec1             "EC PRIVATE KEY", as `openssl ec` (EC keys only)\n' +
        '--der writes DER. With --passout the key is encrypted: PKCS#8 with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC),\n' +
        'PKCS#1/SEC1 with PEM encryption (AES-256-CBC); `openssl pkey -passin` opens both. Written with mode 0600 to\n' +
        'DIR/NAME.FORMAT.pem (or .der) unless --out.',
      examples: [
        ['mtlskit export key server --format pkcs1', 'DIR/server.pkcs1.pem for software that wants "RSA PRIVATE KEY"'],
        ['mtlskit export key client --der --out client.key.der', 'an unencrypted PKCS#8 DER key (Java, .NET)'],
        [
          'mtlskit export key client --passout env:KEY_PASS --out client-enc.key',
          'an encrypted PKCS#8 PEM key for a partner',
        ],
      ],
      exitCodes: [
        [2, 'an unknown --format, a format the key type cannot have, NAME.key missing, a failing --passout source'],
        [3, 'the output file exists (use --force)'],
        [4, "NAME.key's password is missing or wrong"],
      ],
    },
    { force: true },
  );
  cmd
    .option('--format <format>', `the container (default pkcs8)`)
    .option('--der', 'DER instead of PEM')
    .option('--passout <source>', 'encrypt the output: pass:, env:, file:, stdin')
    .option('--passin <source>', 'password of NAME.key, if encrypted')
    .option('--out <file>', 'where to write (default DIR/NAME.FORMAT.pem or .der)');
  offerValues(cmd, '--format', KEY_FORMAT_VALUES);
  cmd.action(
    runAction<Options>(async ([name], opts, output) => {
      const format = opts.format ?? 'pkcs8';
      if (!(KEY_FORMAT_VALUES as readonly string[]).includes(format))
        throw usageError(`--format '${format}' is not a key format; use one of ${KEY_FORMAT_VALUES.join(', ')}.`);
      const password = await newPassword(opts.passout, `the exported key`);
      const { exportKey } = await import('../../../ca/export-key.js');
      const r = await exportKey({
        dir: opts.dir,
        name: name!,
        format: format as (typeof KEY_FORMAT_VALUES)[number],
        der: opts.der === true,
        password,
        keyPassword: passwordFrom(opts.passin),
        out: opts.out,
        force: opts.force === true,
      });
      output.result({ ...r }, [
        `${out.green('✔')} ${r.file} written: ${r.key}, ${r.format.toUpperCase()} ${r.encoding}${r.encrypted ? ', encrypted' : ''} (mode 0600)`,
      ]);
    }),
  );
}
