import type { Command } from 'commander';
import { collect, describeCommand, parseDays, runAction, type CommonOptions } from '../command-kit.js';
import { readPassSource } from '../pass-source.js';
import { out, type Output } from '../output.js';
import { MtlsError, usageError } from '../../errors.js';
import { isTerminal, writeErr } from '../stdio.js';

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
  caPassout?: string;
  caPassword?: boolean;
  pkcs11?: string;
  pkcs11Module?: string;
  pin?: string;
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
        ['mtlskit wizard --yes --passout env:PFX_PASS --ca-passout env:CA_PASS', 'scripted, with ca.key encrypted'],
        [
          "mtlskit wizard --pkcs11 'pkcs11:token=mtlskit;object=partner-ca' --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pin env:PIN",
          'the CA key is generated inside a PKCS#11 token; no ca.key is written',
        ],
      ],
      exitCodes: [
        [2, 'bad flags, or no terminal for the questions (use --yes); the PKCS#11 module or token is not there'],
        [3, 'DIR already holds files (use --force, or answer yes when asked)'],
        [4, 'the token PIN is wrong (one login attempt; nothing written)'],
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
    .option('--ca-passout <source>', 'encrypt ca.key with this password (on a terminal the wizard asks; default yes)')
    .option('--no-ca-password', 'on a terminal, do not ask to protect ca.key with a password')
    .option(
      '--pkcs11 <uri>',
      'generate the CA key inside a PKCS#11 token (pkcs11:token=LABEL;object=KEY-LABEL); no ca.key',
    )
    .option('--pkcs11-module <path>', 'the PKCS#11 module (.so) of the token (default: PKCS11_MODULE)')
    .option('--pin <source>', "the token's user PIN: pass:, env:, file:, fd:, stdin (else a prompt)")
    .action(runAction<Options>((_args, opts, output) => wizardAction(opts, output)));
}

async function wizardAction(opts: Options, output: Output): Promise<void> {
  const wizard = await import('../../ca/wizard.js');
  const interactive = !opts.yes;
  if (interactive && !(isTerminal(0) && isTerminal(1))) {
    throw usageError(
      'The wizard asks questions and there is no terminal; run it with --yes (and flags for the answers) in scripts and CI.',
    );
  }
  const d = wizard.WIZARD_DEFAULTS;
  let answers: import('../../ca/wizard.js').WizardAnswers;
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
  if (opts.pkcs11 && opts.caPassout !== undefined)
    throw usageError('--ca-passout encrypts ca.key, and with --pkcs11 there is no ca.key; leave out --ca-passout.');
  if (opts.pkcs11) {
    const { pinFrom } = await import('../inputs.js');
    // Read once, before any work: the token is logged into with it exactly once.
    answers.pkcs11 = {
      uri: opts.pkcs11,
      module: opts.pkcs11Module,
      pin: await pinFrom(opts.pin)(`the token of ${opts.pkcs11}`),
    };
  } else if (opts.caPassout !== undefined) {
    answers.caPassword = readPassSource(opts.caPassout, '--ca-passout');
    if (answers.caPassword === '')
      throw usageError('--ca-passout gives an empty password; give one, or leave the flag out.');
  } else if (interactive && opts.caPassword !== false) {
    answers.caPassword = await askCaPassword();
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
      writeErr('\ncancelled; nothing was written.\n');
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
    ...fileLines(result.files),
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

/** What each file is, in the words of the README's folder table (the JSON keeps its field names). */
const FILE_WORDS: [key: string, words: string][] = [
  ['caKey', "the CA's private key"],
  ['caCert', "the CA's certificate"],
  ['serverKey', "the server's private key"],
  ['serverCert', "the server's certificate"],
  ['serverChain', "the server's certificate + intermediate CAs"],
  ['clientKey', "the client's private key"],
  ['clientCert', "the client's certificate"],
  ['clientPfx', "the client's PKCS#12 bundle"],
  ['crl', 'the latest CRL'],
  ['nextSteps', 'what to do next'],
];

function fileLines(files: Record<string, string>): string[] {
  const known = FILE_WORDS.filter(([k]) => files[k] !== undefined);
  const width = Math.max(...known.map(([, w]) => w.length));
  return known.map(([k, words]) => `  ${words.padEnd(width)}  ${files[k]}`);
}

/** On a terminal: protect ca.key with a password? (default yes), then the password twice. */
async function askCaPassword(): Promise<string | undefined> {
  const { confirm, password } = await import('@inquirer/prompts');
  if (!(await confirm({ message: 'Protect the CA key (ca.key) with a password?', default: true }))) return undefined;
  for (;;) {
    const first = await password({ message: 'Password for ca.key', mask: '*' });
    const again = await password({ message: 'Repeat the ca.key password', mask: '*' });
    if (first === '') writeErr('The password cannot be empty.\n');
    else if (first !== again) writeErr('The two passwords differ; try again.\n');
    else return first;
  }
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
      if (pfxPassword === '') writeErr('The password cannot be empty.\n');
      else if (pfxPassword !== again) writeErr('The two passwords differ; try again.\n');
      else break;
    }
  }
  const dir = opts.dir ?? (await input({ message: 'Output folder', default: d.dir }));
  return { name, direction, caOrg, dns, ip, clientOrg, keyType, days, pfxPassword, dir };
}
