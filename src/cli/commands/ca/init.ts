import type { Command } from 'commander';
import { describeCommand, runAction, parseDays, type CommonOptions } from '../../command-kit.js';
import { newPassword, passwordFrom, subjectFrom } from '../../inputs.js';
import { out } from '../../output.js';
import { usageError } from '../../../errors.js';

interface Options extends CommonOptions {
  config?: string;
  subject?: string;
  keyType?: string;
  days: number;
  passout?: string;
  issuer?: string;
  passin?: string;
  pathlen?: string;
  crlUrl?: string;
}

export function registerCaInit(parent: Command): void {
  const cmd = describeCommand(
    parent.command('init'),
    {
      summary: 'create a CA (a root, or an intermediate with --issuer) in --dir',
      description:
        'Writes DIR/ca.key (PKCS#8, mode 0600), DIR/ca.crt, DIR/ca-chain.crt and the store (index.txt, crlnumber, certs/).\n' +
        'The certificate is an X.509 v3 CA: basicConstraints=critical,CA:TRUE; keyUsage=critical,keyCertSign,cRLSign; subjectKeyIdentifier.\n' +
        'The DN comes from --config (default: templates/ca.conf) unless --subject is given. An intermediate (--issuer) with neither\n' +
        'is named after its issuer with its own CN ("Acme Root CA" becomes "Acme Intermediate CA"); one named like its issuer is refused.\n' +
        'An existing CA is never replaced without --force.',
      examples: [
        ['mtlskit ca init', "a root CA in ./pki with the template's DN, RSA-2048, 10 years"],
        [
          'mtlskit ca init --subject "/O=Acme/CN=Acme mTLS Root" --key-type ec:P-256 --passout env:CA_PASS',
          'an ECDSA root whose key is encrypted with the password in $CA_PASS',
        ],
        ['mtlskit ca init --config ca.conf', "use the walkthrough's ca.conf as it is"],
        [
          'mtlskit ca init --dir pki/partners --issuer pki --passin env:CA_PASS',
          'an intermediate CA signed by the root in ./pki (pathlen:0)',
        ],
        [
          'mtlskit ca init --crl-url http://pki.example.com/crl.der',
          'certificates from this CA will point at where you publish its CRL',
        ],
      ],
      exitCodes: [
        [
          2,
          "bad flags, a malformed conf (the message names file:line), unreadable input, an intermediate with its issuer's name",
        ],
        [3, 'a CA already exists in DIR (nothing changed; use --force)'],
        [4, 'a password is missing or wrong'],
        [5, 'the --issuer CA cannot sign a CA (not a CA, expired, pathlen)'],
      ],
    },
    { force: true },
  );
  cmd
    .option('--config <file>', 'OpenSSL-style conf with [ req ] and the DN (default: templates/ca.conf)')
    .option('--subject <dn>', 'the CA\'s name, e.g. "/O=Acme/CN=Acme Root CA" (replaces the conf\'s DN)')
    .option('--key-type <type>', 'rsa:2048 (default), rsa:3072, rsa:4096, ec:P-256, ec:P-384')
    .option('--days <n>', 'validity in days', parseDays, 3650)
    .option('--passout <source>', 'encrypt ca.key: pass:TEXT, env:VAR, file:PATH or stdin')
    .option('--issuer <dir>', 'make an intermediate CA signed by the CA in this folder')
    .option('--passin <source>', "password of the --issuer CA's key, if encrypted")
    .option('--pathlen <n>', 'how many CA levels may follow below this CA (intermediates default to 0)')
    .option('--crl-url <url>', 'CRL distribution point written into certificates this CA issues')
    .action(
      runAction<Options>(async (_args, opts, output) => {
        const { prefetchKeyFor, caFiles } = await import('../../../ca/key-prefetch.js');
        prefetchKeyFor({
          keyTypeFlag: opts.keyType,
          configPath: opts.config,
          template: 'ca',
          mustExist: [],
          mustNotExist: opts.force ? [] : caFiles(opts.dir),
        });
        const [{ initCa }, { loadCa }, { CaStore }] = await Promise.all([
          import('../../../ca/init-ca.js'),
          import('../../../ca/load-ca.js'),
          import('../../../store/ca-store.js'),
        ]);
        const subject = await subjectFrom(opts.subject);
        const pathLength = opts.pathlen === undefined ? undefined : parsePathLength(opts.pathlen);
        const parentCa = opts.issuer ? await loadCa(new CaStore(opts.issuer), passwordFrom(opts.passin)) : undefined;
        const keyPassword = await newPassword(opts.passout, 'ca.key');
        if (opts.keyType?.startsWith('rsa:4096'))
          output.slowWork('generating an RSA-4096 key; this takes a few seconds ...');
        const result = await initCa({
          dir: opts.dir,
          configPath: opts.config,
          subject,
          keyTypeFlag: opts.keyType,
          days: opts.days,
          keyPassword,
          force: opts.force === true,
          parent: parentCa,
          pathLength,
          crlUrl: opts.crlUrl,
        });
        result.warnings.forEach((w) => output.warn(w));
        result.notes.forEach((n) => output.info(`note: ${n}`));
        output.result({ ...result }, [
          `${out.green('✔')} ${parentCa ? 'Intermediate CA' : 'Root CA'} ${out.bold(result.subject)} created in ${result.dir}`,
          `  certificate  ${result.files.certificate}   (serial ${result.serial}, valid until ${result.notAfter.slice(0, 10)})`,
          `  private key  ${result.files.key}   (${result.keyType}${result.keyEncrypted ? ', encrypted' : ', not encrypted: keep it private'})`,
          `  next: mtlskit server issue --dir ${opts.dir} --dns api.example.com   |   mtlskit client issue --dir ${opts.dir}`,
        ]);
      }),
    );
}

function parsePathLength(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 10) {
    throw usageError(`--pathlen must be a whole number from 0 to 10, not '${text}'.`);
  }
  return n;
}
