import type { Command } from 'commander';
import { describeCommand, parseDays, runAction, type CommonOptions } from '../../command-kit.js';
import { addTokenOptions, passwordFrom, tokenAccessFrom } from '../../inputs.js';
import { out } from '../../output.js';

interface Options extends CommonOptions {
  days: number;
  passin?: string;
  pin?: string;
  pkcs11Module?: string;
}

export function registerCrlGen(parent: Command): void {
  const cmd = describeCommand(parent.command('gen'), {
    summary: 'issue a fresh CRL from the CA store',
    description:
      'Writes DIR/crl.pem and DIR/crl.der: a v2 CRL signed by the CA with thisUpdate/nextUpdate, a CRL number that grows\n' +
      'with every CRL, the authority key identifier, and each revoked serial with its date and reason. Run it before nextUpdate\n' +
      '(e.g. from cron) so servers that check CRLs keep accepting clients: the output says when it expires and gives a\n' +
      "crontab line (--json: cron). 'mtlskit status' exits 1 when the CRL is due within half its warning window.\n" +
      'After `ca rotate` the old key also re-signs DIR/crl-old.pem (and .der) for the certificates it issued, and\n' +
      'DIR/crl-bundle.pem holds both CRLs.',
    examples: [
      ['mtlskit crl gen', 'a CRL valid for 30 days'],
      ['mtlskit crl gen --days 7 --passin env:CA_PASS --json', 'a weekly CRL from CI, CA key password in $CA_PASS'],
    ],
    exitCodes: [
      [2, 'bad flags, no CA in --dir, malformed index'],
      [
        4,
        'the CA key password or token PIN is missing or wrong (one login attempt), or the token key does not match ca.crt',
      ],
      [6, 'the CA store stayed locked too long'],
    ],
  });
  addTokenOptions(cmd)
    .option('--days <n>', 'days until nextUpdate', parseDays, 30)
    .option('--passin <source>', 'password of the CA key, if encrypted')
    .action(
      runAction<Options>(async (_args, opts, output) => {
        const [{ generateCrl }, { loadCa }, { CaStore }, { crlSchedule }] = await Promise.all([
          import('../../../ca/publish-crl.js'),
          import('../../../ca/load-ca.js'),
          import('../../../store/ca-store.js'),
          import('../../../ca/crl-schedule.js'),
        ]);
        const ca = await loadCa(new CaStore(opts.dir), passwordFrom(opts.passin), tokenAccessFrom(opts));
        const r = await generateCrl(ca, opts.days, (n) =>
          output.slowWork(`signing a CRL with ${n} revoked certificates ...`),
        );
        const schedule = crlSchedule(opts.dir, opts.days);
        output.result({ ...r, cron: schedule.cron }, [
          `${out.green('✔')} CRL #${r.crlNumber} (${r.revokedCount} revoked, next update ${r.nextUpdate.slice(0, 10)}) written to ${r.files.pem} and ${r.files.der}`,
          `  expires ${r.nextUpdate.slice(0, 16).replace('T', ' ')} UTC: servers that check it refuse every client after that. Keep it fresh from cron:`,
          `  ${schedule.cron}`,
          ...(r.previous
            ? [
                `  and CRL #${r.previous.crlNumber} of the CA before the rotation (${r.previous.revokedCount} revoked) to ${r.previous.files.pem}; both in ${r.bundle}`,
              ]
            : []),
        ]);
      }),
    );
}
