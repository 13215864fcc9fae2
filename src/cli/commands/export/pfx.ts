import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../../command-kit.js';
import { newPassword, passwordFrom } from '../../inputs.js';
import { out } from '../../output.js';
import { offerValues } from '../../completion-values.js';
import { usageError } from '../../../errors.js';
import { PFX_PLATFORMS } from '../../../pki/pfx-platform-names.js';

/** The platform names, from a module without imports: --help, the check and completion load no crypto. */
export const PFX_FOR_VALUES = PFX_PLATFORMS;

interface Options extends CommonOptions {
  passout?: string;
  passin?: string;
  out?: string;
  legacy?: boolean;
  for?: string;
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
        'Writes DIR/NAME.pfx (mode 0600) for Postman, Windows, Java and other clients that want one file. --for PLATFORM picks\n' +
        "the encryption, MAC and iteration count that importer accepts (the README's platform table gives versions and sources):\n" +
        '  modern (default), openssl, windows, postman: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), HMAC-SHA256 MAC, 2048 iterations\n' +
        '  java: the same with 10000 iterations, as keytool writes (JDK 8u301+, 11.0.12+, 17+)\n' +
        '  macos, ios, android, windows-legacy: pbeWithSHA1And3-KeyTripleDES-CBC and a SHA-1 MAC, 2048 iterations\n' +
        '--legacy is an alias of --for windows-legacy. `mtlskit show FILE.pfx` says which platforms can import a bundle.',
      examples: [
        ['mtlskit export pfx --passout env:PFX_PASS', 'DIR/client.pfx in the OpenSSL 3 format (AES-256, SHA-256 MAC)'],
        ['mtlskit export pfx --for macos --passout env:PFX_PASS', 'a bundle Keychain Access imports (3DES, SHA-1 MAC)'],
        [
          'mtlskit export pfx --for postman --passout env:PFX_PASS',
          'for Postman (Settings → Certificates → PFX file) and Newman',
        ],
        [
          'mtlskit export pfx erp --for windows-legacy --passout file:pfx-pass.txt',
          'a bundle Windows Server 2016 or an old appliance can import (same as --legacy)',
        ],
        ['mtlskit export pfx --out client.p12 --no-chain', 'only the key and the certificate, without the CA chain'],
      ],
      exitCodes: [
        [
          2,
          'bad flags (an unknown --for value), missing or malformed NAME.key/NAME.crt, an empty password without --empty-password',
        ],
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
    .option('--for <platform>', 'who imports the bundle (default modern; see the README platform table)')
    .option('--legacy', 'alias of --for windows-legacy (3DES + SHA-1 MAC)')
    .option('--no-chain', 'leave out the CA certificates')
    .option('--friendly-name <text>', 'the name importers show (default NAME)')
    .option('--empty-password', 'allow an empty password (anyone holding the file gets the key)');
  offerValues(cmd, '--for', PFX_FOR_VALUES);
  cmd.action(
    runAction<Options>(async ([name], opts, output) => {
      const platform = pfxPlatformFrom(opts);
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
        platform,
        includeChain: opts.chain,
        friendlyName: opts.friendlyName,
        force: opts.force === true,
        keyPassword: passwordFrom(opts.passin),
      });
      if (password === '')
        output.warn('The bundle has an empty password: anyone who has the file has the private key.');
      output.result({ ...r }, [
        `${out.green('✔')} ${r.file} written: ${r.subject} with ${r.certificates - 1} CA certificate(s)`,
        `  for ${r.platform}: key ${r.encryption.key}, certificates ${r.encryption.certificates}, MAC ${r.encryption.mac}`,
        `  ${r.iterations} iterations (MAC ${r.macIterations}), friendly name '${r.friendlyName}'`,
      ]);
    }),
  );
}

/** --for, or --legacy (windows-legacy), or the default; an unknown value or a contradiction is a usage error. */
function pfxPlatformFrom(opts: Options): (typeof PFX_FOR_VALUES)[number] {
  const wanted = opts.for;
  if (wanted !== undefined && !(PFX_FOR_VALUES as readonly string[]).includes(wanted))
    throw usageError(`--for '${wanted}' is not a platform mtlskit knows; use one of ${PFX_FOR_VALUES.join(', ')}.`);
  if (opts.legacy && wanted !== undefined && wanted !== 'windows-legacy')
    throw usageError(`--legacy means --for windows-legacy and contradicts --for ${wanted}; give only one of them.`);
  return (wanted ?? (opts.legacy ? 'windows-legacy' : 'modern')) as (typeof PFX_FOR_VALUES)[number];
}
