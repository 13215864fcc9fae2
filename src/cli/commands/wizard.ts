import type { Command } from 'commander';
import { collect, describeCommand, parseDays, runAction, type CommonOptions } from '../command-kit.js';
import { readPassSource } from '../pass-source.js';
import { out, type Output } from '../output.js';
import { MtlsError, usageError } from '../../errors.js';

interface Options extends Omit<CommonOptions, 'dir'> {
  dir?: string;
  yes?: boolean;
  passout?: string;
  name?: string;
  direction?: string;
  caOrg?: string;
  dns: string[];
  ip: string[];
  clientOrg?: string;
  keyType?: string;
  days?: number;
}

export function registerWizard(program: Command): void {
  const cmd = describeCommand(
    program.command('wizard'),
    {
      summary:
        'set up a new mTLS integration in one go: CA, server and client certificates, client.pfx, CRL, next steps',
      description:
        'Asks a few questions (defaults shown; press Enter to accept), or with --yes takes every default without a terminal.\n' +
        'Every answer can also be given as a flag. Writes DIR/ca.*, server.*, client.*, client.pfx, crl.pem and NEXT-STEPS.md,\n' +
        'checks them with mtlskit verify, and prints the curl command, Postman settings and server snippets with the real paths.\n' +
        'The files are made in a staging folder and moved into DIR at the end: Ctrl-C leaves nothing half-written.',
      examples: [
        ['mtlskit wizard', 'answer the questions in a terminal'],
        [
          'mtlskit wizard --yes',
          'all defaults into ./pki (localhost + 127.0.0.1); a generated PFX password is printed once',
        ],
        [
          'mtlskit wizard --yes --dir pki/acme --passout env:PFX_PASS --name acme-erp --dns api.acme.example --ca-org Acme --client-org "Acme ERP"',
          'scripted, for CI',
        ],
      ],
      exitCodes: [
        [2, 'bad flags, or no terminal for the questions (use --yes)'],
        [3, 'DIR already holds files (use --force, or answer yes when asked)'],
        [130, 'cancelled with Ctrl-C; nothing written'],
      ],
    },
    { dir: false, force: true },
  );
  cmd
    .option('--dir <dir>', 'output folder (default ./pki)')
    .option('-y, --yes', 'accept every default; no questions')
    .option('--passout <source>', 'the client.pfx password: pass:, env:, file:, stdin')
    .option('--name <name>', "integration name (used as the client certificate's CN)")
    .option('--direction <who>', 'inbound (partner calls us), outbound (we call the partner) or both')
    .option('--ca-org <org>', 'organisation that runs the CA (and the server)')
    .option('--dns <host>', 'server host name (repeatable)', collect, [])
    .option('--ip <addr>', 'server IP address (repeatable)', collect, [])
    .option('--client-org <org>', 'organisation of the client')
    .option('--key-type <type>', 'rsa:2048 (default, widest compatibility) or ec:P-256')
    .option('--days <n>', 'validity of the server and client certificates in days', parseDays)
    .action(runAction<Options>((_args, opts, output) => wizardAction(opts, output)));
}

async function wizardAction(opts: Options, output: Output): Promise<void> {
  const wizard = await import('../../ca/wizard.js');
  const interactive = !opts.yes;
  if (interactive && !(process.stdin.isTTY && process.stdout.isTTY)) {
    throw usageError(
      'The wizard asks questions and there is no terminal; run it with --yes (and flags for the answers) in scripts and CI.',
    );
  }
  const d = wizard.WIZARD_DEFAULTS;
  let answers;
  let generatedPassword = false;
  if (interactive) {
    answers = await askQuestions(opts, d, wizard.DIRECTIONS);
  } else {
    let pfxPassword = opts.passout !== undefined ? readPassSource(opts.passout, '--passout') : undefined;
    if (pfxPassword === undefined) {
      pfxPassword = wizard.generatePassword();
      generatedPassword = true;
    }
    if (pfxPassword === '') throw usageError('--passout gives an empty password; client.pfx needs one.');
    answers = {
      name: opts.name ?? d.name,
      direction: checkDirection(opts.direction ?? d.direction),
      caOrg: opts.caOrg ?? d.caOrg,
      dns: opts.dns.length || opts.ip.length ? opts.dns : d.dns,
      ip: opts.dns.length || opts.ip.length ? opts.ip : d.ip,
      clientOrg: opts.clientOrg ?? d.clientOrg,
      keyType: opts.keyType ?? d.keyType,
      days: opts.days ?? d.days,
      pfxPassword,
      dir: opts.dir ?? d.dir,
    };
  }
  let force = opts.force === true;
  if (interactive && !force && wizard.dirHasContent(answers.dir)) {
    const { confirm } = await import('@inquirer/prompts');
    force = await confirm({ message: `${answers.dir} already holds files. Replace everything in it?`, default: false });
    if (!force)
      throw new MtlsError('FILE_EXISTS', `${answers.dir} was left as it is; choose another folder or answer yes.`);
  }
  output.info(`Creating the ${answers.name} set in ${answers.dir} ...`);
  const run = wizard.startWizard(answers, { force });
  const onInterrupt = () => {
    import('node:fs').then(({ rmSync }) => {
      rmSync(run.staging, { recursive: true, force: true });
      process.stderr.write('\ncancelled; nothing was written.\n');
      process.exit(130);
    });
  };
  process.once('SIGINT', onInterrupt);
  const { warnings: issueWarnings, ...result } = await run.done.finally(() => process.off('SIGINT', onInterrupt));
  issueWarnings.forEach((w) => output.warn(w));
  if (generatedPassword) output.warn(`client.pfx password (shown once, not stored): ${answers.pfxPassword}`);
  const { curlCommand } = await import('../../ca/next-steps.js');
  const host = answers.dns[0] ?? answers.ip[0] ?? 'localhost';
  output.result({ ...result, ...(generatedPassword ? { pfxPassword: answers.pfxPassword } : {}) }, [
    `${out.green('✔')} mTLS set for ${out.bold(answers.name)} in ${result.dir} (all checked with mtlskit verify)`,
    ...Object.entries(result.files).map(([k, v]) => `  ${k.padEnd(12)} ${v}`),
    '',
    'Next steps (also in NEXT-STEPS.md):',
    ...(answers.direction !== 'outbound'
      ? [
          `  1. start a test server:  mtlskit serve --dir ${answers.dir} --crl    (nginx and Node snippets in NEXT-STEPS.md)`,
        ]
      : []),
    `  ${answers.direction !== 'outbound' ? 2 : 1}. call it:  ${curlCommand({ dir: result.dir, name: answers.name, direction: answers.direction, host, port: 8443, wantsServer: true })}`,
    `  Postman: Settings → Certificates → PFX file ${result.files.clientPfx}, CA certificate ${result.files.caCert}`,
  ]);
}

function checkDirection(text: string): 'inbound' | 'outbound' | 'both' {
  if (text === 'inbound' || text === 'outbound' || text === 'both') return text;
  throw usageError(`--direction must be inbound, outbound or both, not '${text}'.`);
}

async function askQuestions(
  opts: Options,
  d: typeof import('../../ca/wizard.js').WIZARD_DEFAULTS,
  directions: Record<string, string>,
) {
  const { input, select, password } = await import('@inquirer/prompts');
  const list = (text: string) => text.split(/[\s,]+/).filter((s) => s.length > 0);
  const name = opts.name ?? (await input({ message: 'Integration name', default: d.name }));
  const direction = checkDirection(
    opts.direction ??
      (await select({
        message: 'Who calls whom?',
        default: d.direction,
        choices: Object.entries(directions).map(([value, name]) => ({ value, name })),
      })),
  );
  const caOrg = opts.caOrg ?? (await input({ message: 'Organisation that runs the CA', default: d.caOrg }));
  let dns = opts.dns;
  let ip = opts.ip;
  if (direction !== 'outbound' && dns.length === 0 && ip.length === 0) {
    dns = list(await input({ message: 'Server host names (comma-separated)', default: d.dns.join(', ') }));
    ip = list(
      await input({ message: 'Server IP addresses (comma-separated, may be empty)', default: d.ip.join(', ') }),
    );
  }
  const clientOrg = opts.clientOrg ?? (await input({ message: 'Organisation of the client', default: d.clientOrg }));
  const keyType: string =
    opts.keyType ??
    (await select<string>({
      message: 'Key type',
      default: d.keyType,
      choices: [
        { value: 'rsa:2048', name: 'RSA 2048 (widest compatibility)' },
        { value: 'ec:P-256', name: 'ECDSA P-256 (smaller, faster)' },
      ],
    }));
  const days =
    opts.days ?? parseDays(await input({ message: 'Validity of the certificates in days', default: String(d.days) }));
  let pfxPassword: string;
  if (opts.passout !== undefined) pfxPassword = readPassSource(opts.passout, '--passout');
  else {
    for (;;) {
      pfxPassword = await password({ message: 'Password for client.pfx', mask: '*' });
      const again = await password({ message: 'Repeat the password', mask: '*' });
      if (pfxPassword === '') process.stderr.write('The password cannot be empty.\n');
      else if (pfxPassword !== again) process.stderr.write('The two passwords differ; try again.\n');
      else break;
    }
  }
  const dir = opts.dir ?? (await input({ message: 'Output folder', default: d.dir }));
  return { name, direction, caOrg, dns, ip, clientOrg, keyType, days, pfxPassword, dir };
}
