import type { Command } from 'commander';
import { describeCommand, parseDays, runAction, type CommonOptions } from '../../command-kit.js';
import { addTokenOptions, passwordFrom, tokenAccessFrom } from '../../inputs.js';
import { out } from '../../output.js';
import { usageError } from '../../../errors.js';

interface Options extends CommonOptions {
  profile?: string;
  name?: string;
  days: number;
  passin?: string;
  pin?: string;
  pkcs11Module?: string;
}

export function registerCsrSign(parent: Command): void {
  const cmd = describeCommand(
    parent.command('sign').argument('<file>', 'the CSR (PEM or DER), made by openssl, mtlskit or any other tool'),
    {
      summary: 'sign a CSR with the CA in --dir, as a server or client certificate',
      description:
        "Checks the CSR's signature, copies its subject and subjectAltName (as OpenSSL's copy_extensions = copy) and nothing else:\n" +
        'basicConstraints, keyUsage and extendedKeyUsage come from --profile, so a request for CA:TRUE still gets a leaf.\n' +
        'Writes DIR/NAME.crt and DIR/NAME-chain.crt (NAME defaults to the CSR file name without extension) and records it.',
      examples: [
        ['mtlskit csr sign partner.csr --profile client', 'a client certificate for a partner who sent partner.csr'],
        [
          'mtlskit csr sign gw.csr --profile server --name gateway --days 90',
          'a 90-day server certificate written to DIR/gateway.crt',
        ],
      ],
      exitCodes: [
        [2, 'bad flags, unreadable or malformed CSR, bad CSR signature, no CA in --dir'],
        [3, 'DIR/NAME.crt exists (use --force)'],
        [4, 'the CA key password is missing or wrong'],
        [5, 'the CA refuses: not a CA, expired'],
        [6, 'the CA store stayed locked too long'],
      ],
    },
    { force: true },
  );
  addTokenOptions(cmd)
    .option('--profile <profile>', 'server or client (required): decides keyUsage and extendedKeyUsage')
    .option('--name <name>', "file name stem for the certificate (default: the CSR file's name)")
    .option('--days <n>', "validity in days (never past the CA's own end)", parseDays, 365)
    .option('--passin <source>', 'password of the CA key, if encrypted')
    .action(
      runAction<Options>(async ([file], opts, output) => {
        if (opts.profile !== 'client' && opts.profile !== 'server')
          throw usageError(
            '--profile server or --profile client is required: it decides what the certificate may be used for.',
          );
        const [{ signCsrFile }, { loadCa }, { CaStore }] = await Promise.all([
          import('../../../ca/csr.js'),
          import('../../../ca/load-ca.js'),
          import('../../../store/ca-store.js'),
        ]);
        const ca = await loadCa(new CaStore(opts.dir), passwordFrom(opts.passin), tokenAccessFrom(opts));
        const c = await signCsrFile(ca, {
          csrPath: file!,
          profile: opts.profile,
          name: opts.name,
          days: opts.days,
          force: opts.force === true,
        });
        c.warnings.forEach((w) => output.warn(w));
        c.notes.forEach((n) => output.info(`note: ${n}`));
        output.result({ ...c }, [
          `${out.green('✔')} ${c.profile} certificate ${out.bold(c.name)} signed: ${c.subject}`,
          `  names        ${c.subjectAltNames.join(', ') || '(none)'}`,
          `  certificate  ${c.files.certificate}   (serial ${c.serial}, valid until ${c.notAfter.slice(0, 10)})`,
        ]);
      }),
    );
}
