/** `server issue` and `client issue` share everything but their profile, help and default SAN flags. */
import type { Command } from 'commander';
import {
  collect,
  describeCommand,
  parseDays,
  runAction,
  type CommandHelp,
  type CommonOptions,
} from '../command-kit.js';
import { addTokenOptions, newPassword, passwordFrom, subjectFrom, tokenAccessFrom } from '../inputs.js';
import { out } from '../output.js';
import { usageError } from '../../errors.js';
import type { Output } from '../output.js';

export interface LeafIssueOptions extends CommonOptions {
  dns: string[];
  ip: string[];
  email: string[];
  uri: string[];
  config?: string;
  subject?: string;
  days: number;
  keyType?: string;
  key?: string;
  passin?: string;
  pin?: string;
  pkcs11Module?: string;
  keyPassin?: string;
  passout?: string;
  batch?: string;
}

export const LEAF_EXIT_CODES: CommandHelp['exitCodes'] = [
  [2, 'bad flags or input: malformed conf (file:line), bad --dns/--ip, bad batch row (line number), no CA in --dir'],
  [3, 'DIR/NAME.* already exists (nothing written; use --force)'],
  [4, 'a password is missing or wrong, or --key does not fit'],
  [5, 'the CA refuses: not a CA, expired'],
  [6, 'another process kept the CA store locked too long'],
];

export function registerLeafIssue(parent: Command, profile: 'server' | 'client', help: CommandHelp): void {
  const cmd = describeCommand(
    parent.command('issue').argument('[name]', `file name stem in --dir (default: ${profile})`),
    help,
    { force: true },
  );
  addTokenOptions(cmd)
    .option('--dns <host>', 'subjectAltName DNS name (repeat or comma-separate)', collect, [])
    .option('--ip <addr>', 'subjectAltName IP address (repeat or comma-separate)', collect, [])
    .option('--email <addr>', 'subjectAltName email (repeat or comma-separate)', collect, [])
    .option('--uri <uri>', 'subjectAltName URI, e.g. spiffe://... (repeat or comma-separate)', collect, [])
    .option('--config <file>', `OpenSSL-style conf: DN and extension section (default: templates/${profile}.conf)`)
    .option('--subject <dn>', 'subject, e.g. "/O=Acme/CN=erp" (replaces the conf\'s DN)')
    .option('--days <n>', "validity in days (never past the CA's own end)", parseDays, 365)
    .option('--key-type <type>', 'rsa:2048 (default), rsa:3072, rsa:4096, ec:P-256, ec:P-384')
    .option('--key <file>', 'reuse this private key (PKCS#8, PKCS#1 or SEC1; PEM or DER) instead of generating one')
    .option('--passin <source>', 'password of the CA key, if encrypted: pass:, env:, file:, stdin')
    .option('--key-passin <source>', 'password of --key, if encrypted (default: the --passin source)')
    .option('--passout <source>', 'encrypt the new NAME.key with this password')
    .option(
      '--batch <file>',
      'issue many: CSV with header name,dns,ip,email,subject (";" between values) or a JSON array',
    )
    .action(runAction<LeafIssueOptions>((args, opts, output) => issueAction(profile, args[0], opts, output)));
}

async function issueAction(
  profile: 'server' | 'client',
  nameArg: string | undefined,
  opts: LeafIssueOptions,
  output: Output,
): Promise<void> {
  if (!opts.batch && !opts.key) {
    const { prefetchKeyFor, caFiles, leafFiles } = await import('../../ca/key-prefetch.js');
    prefetchKeyFor({
      keyTypeFlag: opts.keyType,
      configPath: opts.config,
      template: profile,
      mustExist: caFiles(opts.dir),
      mustNotExist: opts.force ? [] : leafFiles(opts.dir, nameArg ?? profile),
    });
  }
  const [{ loadCa }, { readKeyFile }, { issueLeaves }, { CaStore }] = await Promise.all([
    import('../../ca/load-ca.js'),
    import('../../ca/key-file.js'),
    import('../../ca/issue.js'),
    import('../../store/ca-store.js'),
  ]);
  if (opts.batch && (nameArg || opts.key))
    throw usageError('--batch issues the names in its file; do not give NAME or --key with it.');
  const ca = await loadCa(new CaStore(opts.dir), passwordFrom(opts.passin), tokenAccessFrom(opts));
  const keyPassword = await newPassword(opts.passout, `the new ${profile} key`);
  const common = { profile, configPath: opts.config, days: opts.days, keyTypeFlag: opts.keyType, keyPassword };
  let requests;
  if (opts.batch) {
    const { readBatchFile } = await import('../../ca/batch.js');
    requests = readBatchFile(opts.batch).map((row) => ({
      ...common,
      name: row.name,
      subject: row.subject,
      san: { dns: row.dns, ip: row.ip, email: row.email, uri: row.uri },
    }));
  } else {
    const existingKey = opts.key
      ? await readKeyFile(
          opts.key,
          opts.key,
          passwordFrom(opts.keyPassin ?? opts.passin, opts.keyPassin ? '--key-passin' : '--passin'),
        )
      : undefined;
    requests = [
      {
        ...common,
        name: nameArg ?? profile,
        subject: await subjectFrom(opts.subject),
        existingKey,
        existingKeyPath: opts.key,
        san: { dns: opts.dns, ip: opts.ip, email: opts.email, uri: opts.uri },
      },
    ];
  }
  if ((opts.keyType ?? '').startsWith('rsa:4096'))
    output.slowWork(`generating ${requests.length} RSA-4096 key(s); this takes a few seconds each ...`);
  const issued = await issueLeaves(ca, requests, {
    force: opts.force === true,
    progress: (done, total) => output.progress(done, total),
  });
  for (const cert of issued) {
    cert.warnings.forEach((w) => output.warn(w));
    if (issued.length === 1) cert.notes.forEach((n) => output.info(`note: ${n}`));
  }
  if (issued.length === 1) {
    const c = issued[0]!;
    output.result({ ...c }, [
      `${out.green('✔')} ${profile} certificate ${out.bold(c.name)} issued: ${c.subject}`,
      `  names        ${c.subjectAltNames.join(', ') || '(none)'}`,
      `  certificate  ${c.files.certificate}   (serial ${c.serial}, valid until ${c.notAfter.slice(0, 10)})`,
      ...(c.files.key ? [`  private key  ${c.files.key}`] : []),
      `  chain        ${c.files.chain}   (leaf + intermediates, for servers)`,
    ]);
  } else {
    output.result({ issued }, [`${out.green('✔')} ${issued.length} ${profile} certificates issued into ${opts.dir}`]);
  }
}
