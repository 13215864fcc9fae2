import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../command-kit.js';
import { out } from '../output.js';

interface Options extends CommonOptions {
  warn: number;
}

export function registerStatus(program: Command): void {
  const cmd = describeCommand(program.command('status'), {
    summary: 'what needs action soon: the CA, certificates and the CRL (exit 1 when something does; for cron and CI)',
    description:
      'Checks the CA certificate and, for an intermediate, its issuers in ca-chain.crt (expires within --warn days, or\n' +
      'expired), every valid certificate in index.txt (the latest of each name: expires within --warn days, or expired\n' +
      'within the last --warn days) and the CRL (nextUpdate within half of --warn days, or past; missing while\n' +
      'certificates are revoked). One line each; --json for scripts.\n' +
      'Exit 0 when nothing needs action, 1 when something does. Only reads the store: no key, no password, no lock.',
    examples: [
      ['mtlskit status', 'is anything about to expire in the next 30 days?'],
      [
        'mtlskit status --warn 14 --json',
        'from CI: fail the job (exit 1) two weeks before something expires, with the details in JSON',
      ],
      [
        '0 8 * * 1 mtlskit status --dir /etc/mtls/pki || mail -s "mTLS: action needed" ops@example.com',
        'a weekly cron line that mails when something needs doing',
      ],
    ],
    exitCodes: [
      [1, 'something needs action: the CA, a certificate or the CRL expires soon or has expired'],
      [2, 'bad flags, no CA in --dir, a malformed CA certificate or CRL'],
    ],
  });
  cmd.option('--warn <days>', 'how many days ahead to warn', parseWarn, 30).action(
    runAction<Options>(async (_args, opts, output) => {
      const [{ checkStatus }, { CaStore }] = await Promise.all([
        import('../../ca/status.js'),
        import('../../store/ca-store.js'),
      ]);
      const r = checkStatus(new CaStore(opts.dir), opts.warn);
      const mark = (needs: boolean) => (needs ? out.red('✘') : out.green('✔'));
      const when = (iso: string, days: number) =>
        `${iso.slice(0, 10)} (${days < 0 ? `${-days} days ago` : `in ${days} days`})`;
      const lines = [
        `${mark(r.ca.state !== 'ok')} CA ${r.ca.subject}: ${r.ca.state === 'expired' ? 'expired' : 'expires'} ${when(r.ca.notAfter, r.ca.daysLeft)}${r.ca.state === 'ok' ? '' : `: renew it (mtlskit ca renew --dir ${opts.dir})`}`,
        ...r.issuers
          .filter((i) => i.state !== 'ok')
          .map(
            (i) =>
              `${mark(true)} issuer ${i.subject}: ${i.state === 'expired' ? 'expired' : 'expires'} ${when(i.notAfter, i.daysLeft)}: renew it in its own folder (mtlskit ca renew), then this CA (mtlskit ca renew --dir ${opts.dir} --issuer PARENT)`,
          ),
        ...r.certificates.map(
          (c) =>
            `${mark(true)} ${c.name || c.subject} (serial ${c.serial}): ${c.state === 'expired' ? 'expired' : 'expires'} ${when(c.notAfter, c.daysLeft)}: ${c.name ? `mtlskit renew ${c.name} --dir ${opts.dir}` : 'renew it'}`,
        ),
      ];
      const crl = r.crl;
      if (crl.state === 'none') lines.push(`${mark(false)} CRL: none yet (no certificate is revoked)`);
      else if (crl.state === 'missing')
        lines.push(
          `${mark(true)} CRL: missing while ${crl.revoked} certificate(s) are revoked: mtlskit crl gen --dir ${opts.dir}`,
        );
      else if (!crl.nextUpdate) lines.push(`${mark(false)} CRL ${crl.file}: no nextUpdate`);
      else
        lines.push(
          `${mark(crl.state !== 'ok')} CRL ${crl.file}: next update ${crl.state === 'expired' ? 'was' : 'due'} ${when(crl.nextUpdate, crl.daysLeft!)}${crl.state === 'ok' ? '' : `: mtlskit crl gen --dir ${opts.dir}`}`,
        );
      lines.push(
        r.needsAction
          ? `${r.certificates.length} of ${r.validCertificates} valid certificate(s) need renewing within ${r.warnDays} days; action needed.`
          : `${r.validCertificates} valid certificate(s); nothing expires within ${r.warnDays} days.`,
      );
      output.result({ ...r }, lines);
      return r.needsAction ? 1 : 0;
    }),
  );
}

function parseWarn(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 36500)
    throw new InvalidArgumentError(`give a whole number of days between 0 and 36500, not '${value}'.`);
  return n;
}
