import type { Command } from 'commander';
import { collect, describeCommand, runAction, type CommonOptions } from '../../command-kit.js';
import { newPassword, passwordFrom, subjectFrom } from '../../inputs.js';
import { out } from '../../output.js';
import { usageError } from '../../../errors.js';

interface Options extends CommonOptions {
  dns: string[];
  ip: string[];
  email: string[];
  uri: string[];
  config?: string;
  subject?: string;
  keyType?: string;
  key?: string;
  passin?: string;
  passout?: string;
  profile: string;
}

export function registerCsrCreate(parent: Command): void {
  const cmd = describeCommand(
    parent.command('create').argument('<name>', 'file name stem: writes DIR/NAME.key and DIR/NAME.csr'),
    {
      summary: "make a key and a CSR to send to another party's CA (no CA needed)",
      description:
        'Writes DIR/NAME.key (mode 0600) and DIR/NAME.csr. The DN and extensions come from --config (default: templates/client.conf,\n' +
        'or templates/server.conf with --profile server); --subject and --dns/--ip/--email/--uri override them. Send only the .csr.',
      examples: [
        [
          'mtlskit csr create acme-erp --subject "/O=Acme/CN=acme-erp"',
          "a client CSR for a platform that signs integrators' requests",
        ],
        [
          'mtlskit csr create gateway --profile server --dns api.acme.example',
          "a server CSR with a host name, for a partner's CA",
        ],
        ['mtlskit csr create erp --config client.conf --key erp.key', 'a CSR from your own conf and an existing key'],
      ],
      exitCodes: [
        [2, 'bad flags or a malformed conf (file:line)'],
        [3, 'DIR/NAME.key or DIR/NAME.csr exists (use --force)'],
        [4, 'a password is missing or wrong'],
      ],
    },
    { force: true },
  );
  cmd
    .option('--profile <profile>', 'client (default) or server: which template and purpose', 'client')
    .option('--config <file>', 'OpenSSL-style conf with [ req ], the DN and req_extensions')
    .option('--subject <dn>', 'subject, e.g. "/O=Acme/CN=erp"')
    .option('--dns <host>', 'subjectAltName DNS name (repeatable)', collect, [])
    .option('--ip <addr>', 'subjectAltName IP address (repeatable)', collect, [])
    .option('--email <addr>', 'subjectAltName email (repeatable)', collect, [])
    .option('--uri <uri>', 'subjectAltName URI (repeatable)', collect, [])
    .option('--key-type <type>', 'rsa:2048 (default), rsa:3072, rsa:4096, ec:P-256, ec:P-384')
    .option('--key <file>', 'use this existing private key instead of generating one')
    .option('--passin <source>', 'password of --key, if encrypted')
    .option('--passout <source>', 'encrypt the new NAME.key')
    .action(
      runAction<Options>(async ([name], opts, output) => {
        if (opts.profile !== 'client' && opts.profile !== 'server')
          throw usageError(`--profile must be client or server, not '${opts.profile}'.`);
        if (!opts.key) {
          const { prefetchKeyFor, requestFiles } = await import('../../../ca/key-prefetch.js');
          prefetchKeyFor({
            keyTypeFlag: opts.keyType,
            configPath: opts.config,
            template: opts.profile,
            mustExist: [],
            mustNotExist: opts.force ? [] : requestFiles(opts.dir, name!),
          });
        }
        const [{ createCsrFiles }, { readKeyFile }] = await Promise.all([
          import('../../../ca/csr.js'),
          import('../../../ca/key-file.js'),
        ]);
        const existingKey = opts.key ? await readKeyFile(opts.key, opts.key, passwordFrom(opts.passin)) : undefined;
        const result = await createCsrFiles({
          dir: opts.dir,
          name: name!,
          profile: opts.profile,
          configPath: opts.config,
          subject: await subjectFrom(opts.subject),
          san: { dns: opts.dns, ip: opts.ip, email: opts.email, uri: opts.uri },
          keyTypeFlag: opts.keyType,
          existingKey,
          keyPassword: await newPassword(opts.passout, `${name}.key`),
          force: opts.force === true,
        });
        result.warnings.forEach((w) => (w.startsWith('note: ') ? output.info(w) : output.warn(w)));
        output.result({ ...result }, [
          `${out.green('✔')} CSR for ${out.bold(result.subject)} written to ${result.files.csr}`,
          ...(result.subjectAltNames.length ? [`  names        ${result.subjectAltNames.join(', ')}`] : []),
          ...(result.files.key
            ? [`  private key  ${result.files.key}   (${result.keyType}; keep it here, send only the .csr)`]
            : []),
        ]);
      }),
    );
}
