import type { Command } from 'commander';
import { describeCommand, parseDays, runAction, type CommonOptions } from '../../command-kit.js';
import { addTokenOptions, passwordFrom, tokenAccessFrom } from '../../inputs.js';
import { out } from '../../output.js';

interface Options extends CommonOptions {
  days: number;
  issuer?: string;
  passin?: string;
  pin?: string;
  pkcs11Module?: string;
  issuerPassin?: string;
}

export function registerCaRenew(parent: Command): void {
  const cmd = describeCommand(parent.command('renew'), {
    summary: 'renew the CA certificate: same key, subject and key identifier, new validity',
    description:
      'Re-issues DIR/ca.crt (and ca-chain.crt) with the same key, subject and extensions, the subject key identifier\n' +
      'included, and a validity from now for --days days, so every certificate issued before still verifies against it.\n' +
      'Hand the new ca.crt to the partners that trust the old one before the old one expires. A root signs itself (it keeps\n' +
      'its serial number when it was adopted and older certificates name it by serial); an intermediate is signed again by\n' +
      'its parent (--issuer, as for ca init), which records it in its index. An expired CA can be renewed.',
    examples: [
      ['mtlskit ca renew', 'the root CA in ./pki, valid for another 10 years from today'],
      ['mtlskit ca renew --days 730 --passin env:CA_PASS', 'two more years; the CA key is encrypted'],
      [
        'mtlskit ca renew --dir pki/partners --issuer pki --issuer-passin env:ROOT_PASS',
        'an intermediate, signed again by the root in ./pki (its validity ends no later than the root)',
      ],
    ],
    exitCodes: [
      [2, 'bad flags, no CA in --dir, an intermediate without --issuer (or a root with it)'],
      [4, 'a CA key password is missing or wrong, or ca.key does not belong to ca.crt'],
      [5, 'the --issuer CA did not issue this CA, or cannot sign (not a CA, expired)'],
      [6, 'a CA store stayed locked too long'],
    ],
  });
  addTokenOptions(cmd)
    .option('--days <n>', 'validity of the renewed certificate in days from now', parseDays, 3650)
    .option('--issuer <dir>', "an intermediate's parent CA folder, which signs the renewed certificate")
    .option('--passin <source>', "password of this CA's key, if encrypted")
    .option('--issuer-passin <source>', "password of the --issuer CA's key (default: the --passin source)")
    .action(
      runAction<Options>(async (_args, opts, output) => {
        const [{ renewCa }, { loadCa }, { CaStore }] = await Promise.all([
          import('../../../ca/renew-ca.js'),
          import('../../../ca/load-ca.js'),
          import('../../../store/ca-store.js'),
        ]);
        const ca = await loadCa(new CaStore(opts.dir), passwordFrom(opts.passin), {
          ...tokenAccessFrom(opts),
          renewing: true,
        });
        const parentCa = opts.issuer
          ? await loadCa(new CaStore(opts.issuer), passwordFrom(opts.issuerPassin ?? opts.passin))
          : undefined;
        const r = await renewCa(ca, parentCa, opts.days);
        r.warnings.forEach((w) => output.warn(w));
        r.notes.forEach((n) => output.info(`note: ${n}`));
        output.result({ ...r }, [
          `${out.green('✔')} CA ${out.bold(r.subject)} renewed: valid until ${r.notAfter.slice(0, 10)} (was ${r.previousNotAfter.slice(0, 10)})`,
          `  certificate  ${r.files.certificate}   (serial ${r.serial}${r.keptSerial ? ', kept' : ''}; same key and key identifier${r.subjectKeyIdentifier ? ` ${r.subjectKeyIdentifier}` : ''})`,
          `  next: give the new ca.crt to everyone who trusts the old one; certificates issued before keep verifying`,
        ]);
      }),
    );
}
