import type { Command } from 'commander';
import { describeCommand, parseDays, runAction, type CommonOptions } from '../command-kit.js';
import { addTokenOptions, passwordFrom, tokenAccessFrom } from '../inputs.js';
import { out } from '../output.js';
import { usageError } from '../../errors.js';

interface Options extends CommonOptions {
  serial?: string;
  reason?: string;
  date?: string;
  passin?: string;
  pin?: string;
  pkcs11Module?: string;
  crlDays: number;
}

export function registerRevoke(program: Command): void {
  const cmd = describeCommand(
    program.command('revoke').argument('[name]', 'NAME in --dir (DIR/NAME.crt) or a certificate file'),
    {
      summary: 'revoke a certificate and write a fresh CRL',
      description:
        'Marks the certificate revoked in DIR/index.txt and re-issues DIR/crl.pem and DIR/crl.der. Give NAME, a certificate file\n' +
        '(checked to come from this CA, or from its key before `ca rotate`: that key then re-signs DIR/crl-old.pem), or --serial HEX\n' +
        '(also for certificates this CA signed that the store does not know).\n' +
        'Without --reason no reason is recorded (index.txt holds only the date, as openssl ca -revoke writes it) and the CRL entry\n' +
        'has no reasonCode, which RFC 5280 reads as unspecified; --reason unspecified writes the code anyway (openssl -crl_reason unspecified).',
      examples: [
        ['mtlskit revoke client --reason keyCompromise', 'the client key leaked: revoke DIR/client.crt'],
        [
          'mtlskit revoke --serial 4F3A...C2 --reason affiliationChanged',
          'a partner left; revoke by the serial from mtlskit list',
        ],
        [
          'mtlskit revoke partner.crt --date 2026-11-20T08:00:00Z --passin env:CA_PASS',
          'backdate the revocation to when the key was exposed',
        ],
      ],
      exitCodes: [
        [2, 'bad flags, unknown NAME, malformed input, no CA in --dir'],
        [
          4,
          'the CA key password or token PIN is missing or wrong (one login attempt), or the token key does not match ca.crt',
        ],
        [5, 'already revoked (nothing changed), or the certificate comes from another CA'],
        [6, 'the CA store stayed locked too long'],
      ],
    },
  );
  addTokenOptions(cmd)
    .option('--serial <hex>', 'revoke by serial number instead of NAME')
    .option(
      '--reason <reason>',
      "the CRL entry's reasonCode: keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, unspecified (default: none recorded)",
    )
    .option('--date <iso>', 'when it was revoked (ISO 8601; default now)')
    .option('--crl-days <n>', "days until the new CRL's nextUpdate", parseDays, 30)
    .option('--passin <source>', 'password of the CA key, if encrypted')
    .action(
      runAction<Options>(async ([name], opts, output) => {
        if (!name === !opts.serial)
          throw usageError('Give exactly one of NAME (or a certificate file) and --serial HEX.');
        const [{ revokeCertificate, parseReason }, { loadCa }, { CaStore }] = await Promise.all([
          import('../../ca/revoke.js'),
          import('../../ca/load-ca.js'),
          import('../../store/ca-store.js'),
        ]);
        const reason = opts.reason === undefined ? undefined : parseReason(opts.reason);
        const revokedAt = opts.date ? parseDate(opts.date) : new Date();
        const ca = await loadCa(new CaStore(opts.dir), passwordFrom(opts.passin), tokenAccessFrom(opts));
        const r = await revokeCertificate(ca, {
          nameOrFile: name,
          serialHex: opts.serial,
          reason,
          revokedAt,
          crlDays: opts.crlDays,
        });
        r.warnings.forEach((w) => output.warn(w));
        output.result({ ...r }, [
          `${out.green('✔')} revoked ${out.bold(r.name)} (serial ${r.serial}, ${r.reasonCode ? `reason ${r.reason}` : 'no reason given'})`,
          `  CRL #${r.crl.crlNumber} with ${r.crl.revokedCount} revoked, next update ${r.crl.nextUpdate.slice(0, 10)}: ${r.crl.files.pem} (and ${r.crl.files.der})`,
          ...(r.crl.previous
            ? [
                `  CRL #${r.crl.previous.crlNumber} of the CA before the rotation, ${r.crl.previous.revokedCount} revoked: ${r.crl.previous.files.pem}; both in ${r.crl.bundle}`,
              ]
            : []),
          `  publish the CRL where servers read it (nginx ssl_crl, Node tls 'crl', the crlDistributionPoints URL)`,
        ]);
      }),
    );
}

export function parseDate(text: string): Date {
  const d = /^@\d+$/.test(text) ? new Date(Number(text.slice(1)) * 1000) : new Date(text);
  if (Number.isNaN(d.getTime()))
    throw usageError(`'${text}' is not a date; use ISO 8601 like 2026-11-24T10:00:00Z or @EPOCHSECONDS.`);
  return d;
}
