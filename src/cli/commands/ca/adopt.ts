import type { Command } from 'commander';
import { describeCommand, parseDays, runAction, type CommonOptions } from '../../command-kit.js';
import { passwordFrom } from '../../inputs.js';
import { out } from '../../output.js';
import { usageError } from '../../../errors.js';

interface Options extends CommonOptions {
  key?: string;
  cert?: string;
  certs: string[];
  issuerChain?: string;
  passin?: string;
  days?: number;
}

export function registerCaAdopt(parent: Command): void {
  const cmd = describeCommand(
    parent.command('adopt'),
    {
      summary: 'take over a CA made elsewhere (OpenSSL, easy-rsa) into --dir, keeping what it issued valid',
      description:
        'Checks that --key belongs to --cert, then writes DIR/ca.key (PKCS#8, mode 0600; encrypted again with the same password\n' +
        'when it was encrypted), DIR/ca.crt, DIR/ca-original.crt (the certificate as given) and the store. A certificate that is\n' +
        'not a proper v3 CA (v1/v2, no critical basicConstraints CA:TRUE, no keyCertSign/cRLSign) is re-issued self-signed with\n' +
        'the same key, subject and serial number, so certificates that name their CA by issuer and serial (OpenSSL does so when\n' +
        'the CA has no key identifier) still verify; its validity is kept unless --days is given.\n' +
        'Certificates given with --certs (files, folders, or an easy-rsa pki/ folder with index.txt, issued/ and revoked/) that\n' +
        'this CA signed are recorded in index.txt under their file names, so list, revoke and the CRL cover them; the newest\n' +
        'of each name is copied to DIR/NAME.crt, with NAME.key when a matching key file sits beside it.\n' +
        'An intermediate CA is adopted with its issuers (--issuer-chain); a CA certificate that is not self-issued is not\n' +
        'taken as a root. Nothing is written when a check fails.',
      examples: [
        [
          'mtlskit ca adopt --key ca.key --cert ca.crt --certs server.crt --certs client.crt',
          "the OpenSSL walkthrough's v1 CA becomes a v3 CA in ./pki; partners that trust ca.crt keep working",
        ],
        [
          'mtlskit ca adopt --key easyrsa/pki/private/ca.key --cert easyrsa/pki/ca.crt --certs easyrsa/pki --passin env:CA_PASS',
          "an easy-rsa CA with everything it issued and revoked (the next 'mtlskit crl gen' lists the same revocations)",
        ],
        [
          'mtlskit ca adopt --dir pki/sub --key sub.key --cert sub.crt --issuer-chain root.crt',
          'an intermediate CA with its issuer, written to ca-chain.crt',
        ],
      ],
      exitCodes: [
        [
          2,
          'bad flags, unreadable or malformed files, a CA certificate that is not self-issued without --issuer-chain (the message says what it is)',
        ],
        [3, 'DIR already holds a CA (nothing written; use --force)'],
        [4, 'the key does not belong to the certificate, or its password is missing or wrong (nothing written)'],
        [5, 'an intermediate that may not sign certificates (only its issuer can fix it)'],
        [6, 'the CA store stayed locked too long'],
      ],
    },
    { force: true },
  );
  cmd
    .option('--key <file>', "the CA's private key (PEM or DER; PKCS#8, PKCS#1 or SEC1)")
    .option('--cert <file>', "the CA's certificate")
    .option(
      '--certs <file|dir>',
      'certificates this CA issued: files, folders, or an easy-rsa pki/ folder (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
      [],
    )
    .option('--issuer-chain <file>', "an intermediate's issuers up to the root (PEM)")
    .option('--passin <source>', 'password of --key, if encrypted: pass:, env:, file:, stdin')
    .option(
      '--days <n>',
      'when the certificate is re-issued: validity in days from now (default: keep the original)',
      parseDays,
    )
    .action(
      runAction<Options>(async (_args, opts, output) => {
        if (!opts.key || !opts.cert)
          throw usageError("Give the CA's key and certificate: mtlskit ca adopt --key ca.key --cert ca.crt.");
        const { adoptCa } = await import('../../../ca/adopt-ca.js');
        const r = await adoptCa({
          dir: opts.dir,
          keyFile: opts.key,
          certFile: opts.cert,
          certs: opts.certs,
          issuerChainFile: opts.issuerChain,
          password: passwordFrom(opts.passin),
          days: opts.days,
          force: opts.force === true,
        });
        r.warnings.forEach((w) => output.warn(w));
        r.notes.forEach((n) => output.info(`note: ${n}`));
        const revoked = r.adopted.filter((a) => a.status === 'R').length;
        output.result({ ...r }, [
          `${out.green('✔')} ${r.kind === 'root' ? 'Root CA' : 'Intermediate CA'} ${out.bold(r.subject)} adopted into ${r.dir}${r.reissued ? ' (re-issued as a v3 CA, same key, subject and serial)' : ''}`,
          `  certificate  ${r.files.certificate}   (serial ${r.serial}, valid until ${r.notAfter.slice(0, 10)}; original kept as ${r.files.original})`,
          `  private key  ${r.files.key}   (${r.keyType}${r.keyEncrypted ? ', encrypted' : ', not encrypted: keep it private'})`,
          `  recorded     ${r.adopted.length} certificate(s) in ${r.files.index}${revoked ? ` (${revoked} revoked)` : ''}${r.skipped.length ? `; ${r.skipped.length} file(s) skipped` : ''}`,
          ...r.skipped.slice(0, 10).map((s) => `    skipped ${s.file}: ${s.reason}`),
          `  next: mtlskit list --dir ${opts.dir}   |   mtlskit crl gen --dir ${opts.dir}   |   mtlskit client issue NAME --dir ${opts.dir}`,
        ]);
      }),
    );
}
