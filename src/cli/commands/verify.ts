import type { Command } from 'commander';
import { collect, describeCommand, runAction, type CommonOptions } from '../command-kit.js';
import { passwordFrom } from '../inputs.js';
import { out } from '../output.js';
import { usageError } from '../../errors.js';
import { parseDate } from './revoke.js';
import type { VerifyProfile } from '../../pki/verify-lint.js';
import type { Platform } from '../../pki/leaf-policy.js';
import { writeOut } from '../stdio.js';

interface Options extends CommonOptions {
  ca?: string;
  untrusted?: string;
  host?: string;
  purpose?: string;
  at?: string;
  crl: string[];
  key?: string;
  passin?: string;
  rejectSha1?: boolean;
  profile?: string;
  platform?: string;
  maxDepth?: string;
}

const PROFILES = ['strict', 'rfc5280', 'openssl'];
const PLATFORM_LIST = ['apple', 'chrome', 'go', 'java', 'windows', 'openssl'];

export function registerVerify(program: Command): void {
  const cmd = describeCommand(
    program.command('verify').argument('<cert>', 'certificate or chain file (leaf first), PEM or DER'),
    {
      summary: 'check a certificate chain the way a TLS peer will, and say in plain words why it would be rejected',
      description:
        'Builds the path from the leaf to a trusted root (--ca, default DIR/ca.crt) through --untrusted intermediates and checks it\n' +
        'following RFC 5280 section 6: signatures, validity at --at, basicConstraints and pathlen, keyUsage, name constraints,\n' +
        'unknown critical extensions; --purpose checks extendedKeyUsage, --host the subjectAltName (RFC 6125 wildcards),\n' +
        '--crl revocation of the leaf and intermediates, --key that the private key belongs to the certificate.\n' +
        'It also checks what certificates MUST and MUST NOT be (RFC 5280 section 4, CA/Browser Forum BR 7.1): serials,\n' +
        'duplicate or malformed extensions, criticality, key identifiers, names, key sizes and curves, EKU.\n' +
        'Profiles: strict (default; OK means Go, rustls, browsers, pyca/cryptography and OpenSSL all accept), rfc5280\n' +
        '(RFC 5280 alone, for old private PKIs), openssl (what nginx, curl, Node and HAProxy accept).\n' +
        'Platform rules (Apple, Chrome, Go, Java, Windows, OpenSSL) are warnings; --platform makes one decide the exit code.',
      examples: [
        ['mtlskit verify pki/client.crt --purpose client', 'will the gateway accept this client certificate?'],
        [
          'mtlskit verify pki/server.crt --purpose server --host api-mtls.example.com',
          'does the server certificate fit the host name clients use?',
        ],
        [
          'mtlskit verify partner.crt --ca partner-root.crt --untrusted partner-int.crt --crl pki/crl.pem',
          "a partner's chain, with revocation",
        ],
        [
          'mtlskit verify pki/client.crt --key pki/client.key --at 2027-06-01T00:00:00Z --json',
          'key match and validity on a future date, for CI',
        ],
        [
          'mtlskit verify pki/server.crt --purpose server --platform apple',
          'fail unless macOS and iOS accept it too (825-day limit, SAN, serverAuth)',
        ],
        ['mtlskit verify legacy.crt --ca old-ca.crt --profile openssl', 'will nginx and curl accept it?'],
      ],
      exitCodes: [
        [1, 'the certificate would be rejected (every problem is listed)'],
        [2, 'unreadable or malformed input, bad flags'],
        [4, 'the --key password is missing or wrong'],
      ],
    },
  );
  cmd
    .option('--ca <file>', 'trusted root(s) (default DIR/ca.crt)')
    .option('--untrusted <file>', 'intermediate CA certificates to build the path with')
    .option('--host <name>', 'the host name or IP address a client connects to')
    .option('--purpose <purpose>', 'server or client')
    .option('--at <time>', 'check validity at this time (ISO 8601 or @epoch; default now)')
    .option('--crl <file>', 'a CRL to check revocation against (repeatable)', collect, [])
    .option('--key <file>', 'check that this private key belongs to the certificate')
    .option('--passin <source>', 'password of --key, if encrypted')
    .option(
      '--reject-sha1',
      'fail on SHA-1 signatures under --profile rfc5280 too (strict and openssl always refuse them)',
    )
    .option('--profile <profile>', 'strict (default), rfc5280 or openssl')
    .option('--platform <platform>', "apple, chrome, go, java, windows or openssl: that platform's rules decide too")
    .option('--max-depth <n>', 'intermediate CAs allowed between the certificate and the trusted CA (default 8)')
    .action(
      runAction<Options>(async ([certFile], opts, output) => {
        if (opts.purpose && opts.purpose !== 'server' && opts.purpose !== 'client')
          throw usageError(`--purpose must be server or client, not '${opts.purpose}'.`);
        if (opts.profile && !PROFILES.includes(opts.profile))
          throw usageError(`--profile must be one of ${PROFILES.join(', ')}, not '${opts.profile}'.`);
        if (opts.platform && !PLATFORM_LIST.includes(opts.platform))
          throw usageError(`--platform must be one of ${PLATFORM_LIST.join(', ')}, not '${opts.platform}'.`);
        const maxDepth = opts.maxDepth === undefined ? undefined : Number(opts.maxDepth);
        if (maxDepth !== undefined && !(Number.isInteger(maxDepth) && maxDepth >= 0 && maxDepth <= 32))
          throw usageError(`--max-depth must be a whole number from 0 to 32, not '${opts.maxDepth}'.`);
        const { verifyFiles } = await import('../../ca/verify-files.js');
        const r = await verifyFiles({
          certFile: certFile!,
          caFile: opts.ca,
          dir: opts.dir,
          untrustedFile: opts.untrusted,
          crlFiles: opts.crl,
          host: opts.host,
          purpose: opts.purpose as 'server' | 'client' | undefined,
          at: opts.at ? parseDate(opts.at) : new Date(),
          keyFile: opts.key,
          keyPassword: passwordFrom(opts.passin),
          rejectSha1: opts.rejectSha1 === true,
          profile: opts.profile as VerifyProfile | undefined,
          platform: opts.platform as Platform | undefined,
          maxDepth,
        });
        r.warnings.forEach((w) => output.warn(w.message));
        const pathText = r.path.map((p) => p.subject).join(' → ');
        if (r.valid) {
          output.result({ valid: true, profile: r.profile, path: r.path, problems: [] }, [
            `${out.green('OK')} ${certFile}: ${pathText}`,
          ]);
          return 0;
        }
        const opensslNote = r.opensslAccepts
          ? "nginx and curl accept this; Go, rustls and browsers refuse it: fix what is listed (for a CA made by the OpenSSL walkthrough, run 'mtlskit ca adopt'), or check with --profile openssl if only OpenSSL-based peers matter."
          : undefined;
        if (output.json) {
          writeOut(
            JSON.stringify(
              {
                ok: false,
                valid: false,
                profile: r.profile,
                opensslAccepts: r.opensslAccepts,
                path: r.path,
                problems: r.problems,
                warnings: r.warnings.map((w) => w.message),
              },
              null,
              2,
            ) + '\n',
          );
        } else {
          writeOut(`${out.red('REJECTED')} ${certFile}${pathText ? `: ${pathText}` : ''}\n`);
          for (const p of r.problems) writeOut(`  ${out.red('✘')} ${p.message} ${out.dim(`[${p.code}]`)}\n`);
          if (opensslNote) writeOut(`  ${opensslNote}\n`);
        }
        return 1;
      }),
    );
}
