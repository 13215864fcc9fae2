import type { Command } from 'commander';
import { describeCommand, parseDays, runAction, type CommonOptions } from '../command-kit.js';
import { addTokenOptions, newPassword, passwordFrom, tokenAccessFrom } from '../inputs.js';
import { out } from '../output.js';
import { usageError } from '../../errors.js';

interface Options extends CommonOptions {
  rekey?: boolean;
  days?: number;
  revokeOld?: boolean;
  expiring?: string;
  passin?: string;
  pin?: string;
  pkcs11Module?: string;
  keyPassin?: string;
  keyPassout?: string;
  passout?: string;
  crlDays: number;
}

export function registerRenew(program: Command): void {
  const cmd = describeCommand(program.command('renew').argument('[name]', 'the certificate to renew (DIR/NAME.crt)'), {
    summary: 'issue a certificate again before it expires: same subject, names and extensions, new serial',
    description:
      'Reads DIR/NAME.crt and issues it again with its subject, subjectAltNames, profile and extensions, a new serial and a\n' +
      "validity from now (default: as long as the current one's; never past the CA's end, shortened with a warning), signed\n" +
      'by the CA in --dir. The same key is kept (taken from the certificate: NAME.key is not read, so a certificate signed\n' +
      'from a CSR renews too) unless --rekey makes a new one of the same type (DIR/NAME.key and NAME.csr). NAME.crt and\n' +
      'NAME-chain.crt are replaced; the old certificate stays in index.txt and certs/ (and valid) unless --revoke-old revokes\n' +
      'it (reason superseded) and writes a fresh CRL. NAME.pfx, when there is one, is written again (its password as in\n' +
      "'export pfx': --passout, or asked on a terminal).\n" +
      '--expiring DAYS renews every valid certificate that expires within DAYS (the latest of each name) in one run, under\n' +
      'one lock, all or nothing: when one of them cannot be renewed, none is.',
    examples: [
      ['mtlskit renew api', 'api.crt again for as long as before, same key'],
      ['mtlskit renew partner-erp --rekey --revoke-old', 'a new key, and the old certificate revoked (superseded)'],
      [
        'mtlskit renew --expiring 30 --passin env:CA_PASS --json',
        'from cron or CI: renew everything that expires within 30 days',
      ],
      [
        'mtlskit renew client --passout env:PFX_PASS',
        'client.crt and client.pfx, the bundle with the password in $PFX_PASS',
      ],
    ],
    exitCodes: [
      [2, 'bad flags, unknown NAME (no DIR/NAME.crt), no CA in --dir'],
      [4, 'a password is missing or wrong (the CA key, or NAME.pfx without --passout and no terminal)'],
      [
        5,
        "the CA refuses: NAME is revoked, not issued by this CA, or a CA; NAME.crt is not index.txt's latest record (--expiring); the CA is expired",
      ],
      [6, 'the CA store stayed locked too long'],
    ],
  });
  addTokenOptions(cmd)
    .option('--rekey', 'a new key of the same type (written to DIR/NAME.key) instead of the current one')
    .option('--days <n>', "validity in days (default: the current certificate's)", parseDays)
    .option('--revoke-old', 'revoke the replaced certificate (reason superseded) and write a fresh CRL')
    .option('--expiring <days>', 'renew every valid certificate that expires within DAYS')
    .option('--passin <source>', 'password of the CA key, if encrypted: pass:, env:, file:, stdin')
    .option(
      '--key-passin <source>',
      'password of NAME.key for the re-written NAME.pfx, if encrypted (default: --passin)',
    )
    .option('--key-passout <source>', 'with --rekey: encrypt the new NAME.key with this password')
    .option('--passout <source>', 'password for the re-written NAME.pfx, when one exists (default: ask)')
    .option('--crl-days <n>', "with --revoke-old: days until the CRL's nextUpdate", parseDays, 30)
    .action(
      runAction<Options>(async ([nameArg], opts, output) => {
        let expiring: number | undefined;
        if (opts.expiring !== undefined) {
          expiring = Number(opts.expiring);
          if (!Number.isInteger(expiring) || expiring < 0)
            throw usageError(`--expiring must be a whole number of days, not '${opts.expiring}'.`);
          if (nameArg) throw usageError(`Give either NAME or --expiring DAYS, not both.`);
        } else if (!nameArg) throw usageError('Give the NAME to renew, or --expiring DAYS to renew what expires soon.');
        const [
          { renewCertificates, expiringCertificates, reexportPfx },
          { loadCa },
          { CaStore },
          { existsSync },
          { join },
        ] = await Promise.all([
          import('../../ca/renew.js'),
          import('../../ca/load-ca.js'),
          import('../../store/ca-store.js'),
          import('node:fs'),
          import('node:path'),
        ]);
        const ca = await loadCa(new CaStore(opts.dir), passwordFrom(opts.passin), tokenAccessFrom(opts));
        const chosen =
          expiring === undefined
            ? { names: [nameArg!], expectedSerials: undefined, skipped: [] }
            : expiringCertificates(ca, expiring);
        for (const s of chosen.skipped) output.warn(`${s.name} (serial ${s.serial}) not renewed: ${s.reason}.`);
        const withPfx = chosen.names.filter((n) => existsSync(join(opts.dir, `${n}.pfx`)));
        const pfxPassword = withPfx.length
          ? await newPassword(opts.passout, withPfx.length === 1 ? `${withPfx[0]}.pfx` : 'the .pfx bundles', {
              required: true,
            })
          : undefined;
        const newKeyPassword =
          opts.rekey && opts.keyPassout
            ? await newPassword(opts.keyPassout, 'the new key', { flag: '--key-passout' })
            : undefined;
        const keyPassword = passwordFrom(opts.keyPassin ?? opts.passin, opts.keyPassin ? '--key-passin' : '--passin');
        const r = await renewCertificates(ca, {
          names: chosen.names,
          rekey: opts.rekey === true,
          days: opts.days,
          revokeOld: opts.revokeOld === true,
          crlDays: opts.crlDays,
          newKeyPassword,
          expectedSerials: chosen.expectedSerials,
        });
        const pfx = [];
        for (const name of withPfx) {
          const provider = newKeyPassword !== undefined ? async () => newKeyPassword : keyPassword;
          pfx.push(await reexportPfx(opts.dir, name, pfxPassword!, provider));
        }
        r.renewed.forEach((c) => c.warnings.forEach((w) => output.warn(w)));
        const lines = r.renewed.map(
          (c) =>
            `${out.green('✔')} ${out.bold(c.name)} renewed: serial ${c.serial} (was ${c.previousSerial}), valid until ${c.notAfter.slice(0, 10)}${c.rekeyed ? ', new key' : ', same key'}${c.subjectAltNames.length ? `; ${c.subjectAltNames.join(', ')}` : ''}`,
        );
        if (r.renewed.length === 0)
          lines.push(`nothing to renew: no valid certificate expires within ${expiring} days`);
        if (r.crl)
          lines.push(
            `  revoked ${r.revoked.length} replaced certificate(s) (superseded); CRL #${r.crl.crlNumber} written to ${r.crl.files.pem}, next update ${r.crl.nextUpdate.slice(0, 10)}`,
          );
        for (const p of pfx) lines.push(`  ${p.file} written again (${p.format})`);
        output.result(
          {
            renewed: r.renewed,
            revoked: r.revoked,
            ...(r.crl ? { crl: r.crl } : {}),
            pfx: pfx.map((p) => ({ name: p.name, file: p.file, format: p.format })),
            skipped: chosen.skipped,
          },
          lines,
        );
      }),
    );
}
