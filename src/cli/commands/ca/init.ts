import type { Command } from 'commander';
import { describeCommand, runAction, parseDays, type CommonOptions } from '../../command-kit.js';
import { newPassword, passwordFrom, subjectFrom, tokenAccessFrom } from '../../inputs.js';
import { out } from '../../output.js';
import { usageError } from '../../../errors.js';
import { isTerminal } from '../../stdio.js';

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
  pkcs11?: string;
  pkcs11Module?: string;
  pkcs11Existing?: boolean;
  pin?: string;
  rsaPss?: boolean;
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
        'An existing CA is never replaced without --force.\n' +
        'With --pkcs11 URI the key pair is generated inside a PKCS#11 token (sensitive, never extractable) or, with\n' +
        '--pkcs11-existing, the key pair the URI names is used; no ca.key is written, and DIR/mtlskit.json records the URI\n' +
        'and module so later commands need only --pin.',
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
          "mtlskit ca init --pkcs11 'pkcs11:token=mtlskit;object=ca-key' --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pin env:PIN --key-type ec:P-256",
          'a root whose key is generated inside a SoftHSM2 token; issuing later takes --pin env:PIN',
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
        [2, 'the PKCS#11 module does not exist, or the token or key is not there (the message lists what is)'],
        [3, 'a CA already exists in DIR, or the token already holds a key with that label (nothing changed)'],
        [4, 'a password or token PIN is missing or wrong (one login attempt), or the token key does not match'],
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
    .option('--passin <source>', "password of the --issuer CA's key, if encrypted (or its token PIN)")
    .option('--pathlen <n>', 'how many CA levels may follow below this CA (intermediates default to 0)')
    .option('--crl-url <url>', 'CRL distribution point written into certificates this CA issues')
    .option('--pkcs11 <uri>', 'keep the CA key in a PKCS#11 token: pkcs11:token=LABEL;object=KEY-LABEL (RFC 7512)')
    .option('--pkcs11-module <path>', 'the PKCS#11 module (.so) of the token (default: PKCS11_MODULE)')
    .option('--pkcs11-existing', 'use the key pair the --pkcs11 URI names instead of generating one')
    .option('--pin <source>', "the token's user PIN: pass:, env:, file:, fd:, stdin (else a prompt)")
    .option(
      '--rsa-pss',
      'sign with RSASSA-PSS instead of PKCS#1 v1.5 (RSA keys; recorded for everything this CA signs)',
    )
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
        if (opts.pkcs11 && opts.passout)
          throw usageError('--passout encrypts ca.key, and with --pkcs11 there is no ca.key; leave out --passout.');
        if (!opts.pkcs11 && (opts.pkcs11Existing || opts.pin !== undefined))
          throw usageError(
            `${opts.pkcs11Existing ? '--pkcs11-existing' : '--pin'} goes with --pkcs11 URI; add the token key's URI.`,
          );
        // The --issuer CA's key: --passin is its password, or its token's PIN (the same token is logged into once).
        const parentCa = opts.issuer
          ? await loadCa(
              new CaStore(opts.issuer),
              passwordFrom(opts.passin),
              // A token-held parent: --passin is its PIN, else --pin (the same token is logged into once).
              tokenAccessFrom({
                pin: opts.passin === undefined ? opts.pin : undefined,
                passin: opts.passin,
                pkcs11Module: opts.pkcs11Module,
              }),
            )
          : undefined;
        const keyPassword = await newPassword(opts.passout, 'ca.key');
        let tokenKey;
        if (opts.pkcs11) {
          const { createCaTokenKey } = await import('../../../ca/token-key.js');
          const uri = opts.pkcs11;
          const access = tokenAccessFrom({ pin: opts.pin, pkcs11Module: opts.pkcs11Module });
          tokenKey = async (keyType: import('../../../pki/keys.js').KeyType) => {
            const made = await createCaTokenKey({
              uri,
              access,
              keyType,
              existing: opts.pkcs11Existing === true,
              pss: opts.rsaPss === true,
              fallbackPin: access.askPin!,
            });
            return { publicKey: made.key.publicKey, settings: made.settings, discard: made.discard };
          };
        }
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
          tokenKey,
          rsaPss: opts.rsaPss === true,
        });
        result.warnings.forEach((w) => output.warn(w));
        result.notes.forEach((n) => output.info(`note: ${n}`));
        output.result({ ...result }, [
          `${out.green('✔')} ${parentCa ? 'Intermediate CA' : 'Root CA'} ${out.bold(result.subject)} created in ${result.dir}`,
          `  certificate  ${result.files.certificate}   (serial ${result.serial}, valid until ${result.notAfter.slice(0, 10)})`,
          result.pkcs11
            ? `  private key  ${result.pkcs11.uri}   (${result.keyType}, in the token: sensitive, not extractable)`
            : `  private key  ${result.files.key}   (${result.keyType}${result.keyEncrypted ? ', encrypted' : ', not encrypted: keep it private'})`,
          `  next: mtlskit server issue --dir ${opts.dir} --dns api.example.com   |   mtlskit client issue --dir ${opts.dir}`,
        ]);
        if (!result.pkcs11 && !result.keyEncrypted && isTerminal(0) && isTerminal(1))
          output.info(
            `note: ${result.files.key} is not encrypted; encrypt it later with 'mtlskit ca passwd --dir ${opts.dir}' (or move it into a token with 'mtlskit ca move-to-pkcs11').`,
          );
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
