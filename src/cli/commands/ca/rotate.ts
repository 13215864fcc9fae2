import type { Command } from 'commander';
import { describeCommand, runAction, parseDays, type CommonOptions } from '../../command-kit.js';
import { newPassword, passwordFrom } from '../../inputs.js';
import { out } from '../../output.js';

interface Options extends CommonOptions {
  keyType?: string;
  days: number;
  passin?: string;
  passout?: string;
}

export function registerCaRotate(parent: Command): void {
  const cmd = describeCommand(
    parent.command('rotate'),
    {
      summary: 'replace the root CA key: a new CA certificate, cross-certificates and a bundle for the overlap',
      description:
        "Makes a new key and a new self-signed CA certificate with the same subject (and the old one's extensions), and from then\n" +
        'on DIR issues from it. The old pair is kept as DIR/ca-old.key and DIR/ca-old.crt (recorded in DIR/mtlskit.json), and still\n' +
        'signs the CRL for what it issued: DIR/crl-old.pem (and .der); DIR/crl-bundle.pem holds both CRLs. Partners get, for the\n' +
        'overlap: DIR/ca-bundle.crt (old and new root), DIR/ca-old-signed-by-new.crt (the old CA under the new key: a client with\n' +
        'an old certificate sends it along to a server that already trusts only the new root) and DIR/ca-new-signed-by-old.crt\n' +
        '(the new CA under the old key: for servers that still trust only the old root). Both cross-certificates end with the old CA.\n' +
        "The new key has the old key's type unless --key-type, and the old key's password unless --passout (which then protects\n" +
        'both keys, so one --passin serves revoke and crl gen). Only a root CA is rotated; an intermediate is replaced with\n' +
        "'mtlskit ca init --dir NEWDIR --issuer PARENT'. A folder rotated before needs --force (the oldest CA moves to DIR/retired/).",
      examples: [
        ['mtlskit ca rotate', 'a new key of the same type, a 10-year certificate, the files for the overlap'],
        [
          'mtlskit ca rotate --key-type ec:P-384 --days 1825 --passin env:CA_PASS --passout env:NEW_CA_PASS',
          'move to an ECDSA P-384 key for 5 years; both keys are then encrypted with $NEW_CA_PASS',
        ],
        ['mtlskit ca rotate --json', 'the new and old certificates, cross-certificates and CRLs as JSON, for CI'],
      ],
      exitCodes: [
        [2, 'bad flags, no CA in --dir, an intermediate CA folder (rotate only roots), unreadable files'],
        [
          3,
          'the folder was rotated before and keeps that older CA, or rotation files exist (nothing written; --force)',
        ],
        [4, 'the CA key password is missing or wrong, or a key does not match its certificate'],
        [5, 'the CA certificate cannot sign (expired, not a CA)'],
        [6, 'the CA store stayed locked too long'],
      ],
    },
    { force: true },
  );
  cmd
    .option(
      '--key-type <type>',
      "the new key: rsa:2048, rsa:3072, rsa:4096, ec:P-256, ec:P-384 (default: the old key's type)",
    )
    .option('--days <n>', "the new CA certificate's validity in days", parseDays, 3650)
    .option('--passin <source>', 'password of the current ca.key, if encrypted: pass:TEXT, env:VAR, file:PATH or stdin')
    .option(
      '--passout <source>',
      "encrypt the new key and ca-old.key with this password (default: ca.key's current password)",
    )
    .action(
      runAction<Options>(async (_args, opts, output) => {
        const [{ rotateCa, assertFileKey }, { loadCa }, { CaStore }, { parseKeyType }] = await Promise.all([
          import('../../../ca/rotate-ca.js'),
          import('../../../ca/load-ca.js'),
          import('../../../store/ca-store.js'),
          import('../../../pki/keys.js'),
        ]);
        if (opts.keyType) parseKeyType(opts.keyType);
        const password = passwordFrom(opts.passin);
        const store = new CaStore(opts.dir);
        assertFileKey(store.readSettings());
        const ca = await loadCa(store, password);
        const keyPassword = await newPassword(opts.passout, 'the new ca.key and ca-old.key');
        if (opts.keyType?.startsWith('rsa:4096'))
          output.slowWork('generating an RSA-4096 key; this takes a few seconds ...');
        const r = await rotateCa({
          ca,
          password,
          keyTypeFlag: opts.keyType,
          days: opts.days,
          keyPassword,
          force: opts.force === true,
        });
        r.warnings.forEach((w) => output.warn(w));
        const day = (iso: string) => iso.slice(0, 10);
        output.result({ ...r }, [
          `${out.green('✔')} CA ${out.bold(r.subject)} rotated to a new ${r.keyType} key in ${r.dir}`,
          `  new CA       ${r.current.file}   (key id ${r.current.subjectKeyId}, valid until ${day(r.current.notAfter)}; issues from now on)`,
          `  old CA       ${r.previous.file}   (key id ${r.previous.subjectKeyId}, valid until ${day(r.previous.notAfter)}; signs ${r.crl.previous})`,
          `  for partners ${r.bundle}   (both roots: add it to every trust store now)`,
          `  cross-certs  ${r.crossCertificates.oldSignedByNew.file}, ${r.crossCertificates.newSignedByOld.file}   (until ${day(r.crossCertificates.oldSignedByNew.notAfter)})`,
          `  CRLs         ${r.crl.current}, ${r.crl.previous}, both in ${r.crl.bundle}`,
          ...(r.retired ? [`  retired      the CA before the last rotation, now in ${r.retired}`] : []),
          `  next: re-issue every certificate (mtlskit client issue NAME --force ...), then drop the old root from trust stores`,
        ]);
      }),
    );
}
