import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../command-kit.js';
import { passwordFrom } from '../inputs.js';
import { out } from '../output.js';
import type { FileView, ArtifactView } from '../../inspect/inspect.js';
import type { CertificateView } from '../../inspect/describe.js';

interface Options extends Omit<CommonOptions, 'dir'> {
  passin?: string;
  pkcs11Module?: string;
  pin?: string;
  pkcs11?: string;
}

export function registerShow(program: Command): void {
  const cmd = describeCommand(
    program.command('show').argument('<files...>', 'certificates, chains, CSRs, CRLs, keys or PFX files (PEM or DER)'),
    {
      summary: 'show what is in PKI files: names, validity, purposes, keys, fingerprints',
      description:
        'Detects the kind of each file. Certificates: subject, issuer, serial, validity with days left (red when expired or\n' +
        'within 30 days), SANs, key, key usage and purposes, CA or leaf, SHA-256 fingerprint; chains link by link. CSRs: subject,\n' +
        'key, requested extensions and whether the signature is valid. CRLs: issuer, number, updates, revoked serials with reasons.\n' +
        'Keys: type and whether they are encrypted (never the key itself). PFX: the algorithms and the certificates inside.',
      examples: [
        ['mtlskit show pki/client.crt', 'what the gateway will see'],
        ['mtlskit show pki/server-chain.crt pki/crl.pem', 'a chain link by link, and the CRL'],
        ['mtlskit show pki/client.pfx --passin env:PFX_PASS --json', 'what is inside a bundle, for a script'],
        [
          'mtlskit show pkcs11 --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pin env:PIN',
          'the tokens of a PKCS#11 module and their key objects (label, id, type, size, flags; never key material)',
        ],
      ],
      exitCodes: [
        [2, 'a file is unreadable or not a PKI object'],
        [4, 'the PFX password or the token PIN is missing or wrong'],
      ],
    },
    { dir: false },
  );
  cmd
    .option('--passin <source>', 'password of a PFX file: pass:, env:, file:, stdin (default: ask on a terminal)')
    .option('--pkcs11-module <path>', 'show pkcs11: the PKCS#11 module to list (default: PKCS11_MODULE)')
    .option('--pin <source>', 'show pkcs11: log in with this PIN to list private key objects too')
    .option('--pkcs11 <uri>', 'show pkcs11: only the token this URI names, e.g. pkcs11:token=mtlskit')
    .action(
      runAction<Options>(async (files, opts, output) => {
        if (files.length === 1 && files[0] === 'pkcs11' && !(await import('node:fs')).existsSync('pkcs11')) {
          const { showPkcs11 } = await import('./show-pkcs11.js');
          return showPkcs11(opts, output);
        }
        const [{ inspectFile }, { readInputFile }] = await Promise.all([
          import('../../inspect/inspect.js'),
          import('../../store/input-file.js'),
        ]);
        const pfxPassword = passwordFrom(opts.passin);
        const views: FileView[] = [];
        for (const file of files) {
          views.push(await inspectFile(readInputFile(file, 'file to show'), file, () => pfxPassword(file)));
        }
        output.result({ files: views }, views.flatMap(renderFile));
      }),
    );
}

export function renderFile(view: FileView): string[] {
  const header = `${out.bold(view.file)}: ${view.kind === 'chain' ? `chain of ${view.items.length} certificates` : view.kind}`;
  if (view.items.length === 1) return [header, ...renderItem(view.items[0]!, '  '), ''];
  return [
    header,
    ...view.items.flatMap((item, i) => [
      `  [${i + 1}] ${item.type === 'certificate' ? (i === 0 ? 'leaf' : (item as CertificateView).role) : item.type}`,
      ...renderItem(item, '      '),
    ]),
    '',
  ];
}

function validity(notBefore: string, notAfter: string, daysLeft: number, expired: boolean): string {
  const text = `${notBefore.slice(0, 10)} → ${notAfter.slice(0, 10)} (${expired ? `expired ${-daysLeft} days ago` : `${daysLeft} days left`})`;
  return expired || daysLeft < 30 ? out.red(text) : out.green(text);
}

function renderItem(item: ArtifactView, pad: string): string[] {
  const row = (label: string, value: string | undefined) =>
    value === undefined || value === '' ? [] : [`${pad}${label.padEnd(12)} ${value}`];
  switch (item.type) {
    case 'certificate':
      return [
        ...row('subject', item.subject),
        ...row('issuer', item.selfSigned ? `${item.issuer} (self-signed)` : item.issuer),
        ...row('serial', item.serial),
        ...row('valid', validity(item.notBefore, item.notAfter, item.daysLeft, item.expired)),
        ...row(
          'role',
          item.role === 'CA' ? `CA${item.pathLength !== undefined ? ` (pathlen:${item.pathLength})` : ''}` : 'leaf',
        ),
        ...row('key', item.key),
        ...row('signature', item.signatureAlgorithm),
        ...row('names', item.subjectAltNames.join(', ')),
        ...row('key usage', item.keyUsage.join(', ')),
        ...row('purposes', item.extendedKeyUsage.join(', ')),
        ...row('CRL', item.crlDistributionPoints.join(', ')),
        ...row('SHA-256', item.fingerprintSha256),
      ];
    case 'csr':
      return [
        ...row('subject', item.subject),
        ...row('key', item.key),
        ...row(
          'signature',
          item.signatureValid ? out.green('valid') : out.red('INVALID: the request was altered or damaged'),
        ),
        ...row('names', item.subjectAltNames.join(', ')),
        ...row('extensions', item.requestedExtensions.join('; ') || '(none requested)'),
      ];
    case 'crl':
      return [
        ...row('issuer', item.issuer),
        ...row('number', item.crlNumber),
        ...row('updated', item.thisUpdate.slice(0, 19) + 'Z'),
        ...row(
          'next update',
          item.nextUpdate
            ? item.expired
              ? out.red(`${item.nextUpdate.slice(0, 19)}Z (expired)`)
              : `${item.nextUpdate.slice(0, 19)}Z (${item.daysLeft} days left)`
            : 'none',
        ),
        ...row('revoked', String(item.revoked.length)),
        ...item.revoked
          .slice(0, 50)
          .map((r) => `${pad}  ${r.serial}  ${r.revokedAt.slice(0, 19)}Z${r.reason ? `  ${r.reason}` : ''}`),
        ...(item.revoked.length > 50 ? [`${pad}  ... and ${item.revoked.length - 50} more (use --json for all)`] : []),
      ];
    case 'private key':
      return [
        ...row('format', item.format),
        ...row('encrypted', item.encrypted ? 'yes' : out.yellow('no (keep the file private, mode 0600)')),
        ...row('key', item.key ?? '(encrypted: type not shown)'),
      ];
    case 'pfx':
      return [
        ...row('key', item.key),
        ...row('key bag', item.keyEncryption),
        ...row('cert bags', item.certificateEncryption),
        ...row('MAC', item.mac),
        ...row(
          'iterations',
          `key ${item.iterations.key}, certificates ${item.iterations.certificates}, MAC ${item.iterations.mac}`,
        ),
        ...row('imports on', item.importableBy.join(', ') || out.yellow('none of the --for platforms')),
        ...(item.notImportableBy.length ? row('not on', item.notImportableBy.join(', ')) : []),
        ...row('name', item.friendlyName),
        ...(item.javaTrustedCertificates !== undefined
          ? row(
              'java trust',
              `${item.javaTrustedCertificates} of ${item.certificates.length} certificate(s) (trustedCertEntry)`,
            )
          : []),
        ...item.certificates.flatMap((c, i) => [
          `${pad}[${i + 1}] ${i === 0 && item.javaTrustedCertificates === undefined ? 'certificate' : c.role}`,
          ...renderItem(c, pad + '    '),
        ]),
      ];
  }
}
