import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../command-kit.js';
import { out } from '../output.js';
import { usageError } from '../../errors.js';

interface Options extends CommonOptions {
  expiring?: string;
}

export function registerList(program: Command): void {
  const cmd = describeCommand(program.command('list'), {
    summary: 'list the certificates the CA in --dir has issued, with status and days left',
    description:
      'Reads DIR/index.txt: name, serial, subject, expiry (days left) and status: valid, expired, or revoked with its reason.',
    examples: [
      ['mtlskit list', 'everything this CA issued'],
      ['mtlskit list --expiring 30', 'valid certificates that expire within 30 days: renew these'],
      ['mtlskit list --json', 'the same for scripts'],
    ],
    exitCodes: [[2, 'no CA in --dir, or a malformed index']],
  });
  cmd.option('--expiring <days>', 'only valid certificates expiring within DAYS').action(
    runAction<Options>(async (_args, opts, output) => {
      let expiring: number | undefined;
      if (opts.expiring !== undefined) {
        expiring = Number(opts.expiring);
        if (!Number.isInteger(expiring) || expiring < 0)
          throw usageError(`--expiring must be a whole number of days, not '${opts.expiring}'.`);
      }
      const [{ listCertificates }, { CaStore }] = await Promise.all([
        import('../../ca/list.js'),
        import('../../store/ca-store.js'),
      ]);
      const rows = listCertificates(new CaStore(opts.dir), { expiringWithinDays: expiring });
      const status = (r: (typeof rows)[number]) =>
        r.status === 'revoked'
          ? out.red(`revoked${r.reason ? ` (${r.reason})` : ''}`)
          : r.status === 'expired'
            ? out.red('expired')
            : r.daysLeft < 30
              ? out.yellow('valid')
              : out.green('valid');
      const table = [
        ['NAME', 'SERIAL', 'SUBJECT', 'EXPIRES', 'STATUS'],
        ...rows.map((r) => [r.name, r.serial, r.subject, `${r.notAfter.slice(0, 10)} (${r.daysLeft}d)`, status(r)]),
      ];
      const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => stripAnsi(row[i]!).length)));
      const lines = table.map((row) =>
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - stripAnsi(cell).length)))
          .join('  '),
      );
      output.result(
        { certificates: rows },
        rows.length === 0
          ? ['(no certificates' + (expiring !== undefined ? ` expiring within ${expiring} days)` : ' issued yet)')]
          : lines,
      );
    }),
  );
}

function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
