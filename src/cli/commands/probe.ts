import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../command-kit.js';
import { passwordFrom } from '../inputs.js';
import { out } from '../output.js';
import { usageError } from '../../errors.js';
import { writeOut } from '../stdio.js';

interface Options extends CommonOptions {
  ca?: string;
  cert?: string;
  key?: string;
  pfx?: string;
  passin?: string;
  timeout: string;
}

export function registerProbe(program: Command): void {
  const cmd = describeCommand(program.command('probe').argument('<url>', 'https://host[:port]/path'), {
    summary: 'connect to an mTLS endpoint and say, step by step, whether and why it works',
    description:
      'Reports the server certificate chain and host-name check, whether the server asks for a client certificate and which CAs\n' +
      'it accepts (read from the handshake itself, TLS 1.2 or 1.3), whether our client certificate fits, and the HTTP result.\n' +
      'On failure it names the most likely cause in one sentence: no client certificate sent, a CA the server does not trust,\n' +
      'expired, revoked, wrong purpose, server certificate not trusted or not valid for the host, or a server that does not ask\n' +
      'for client certificates at all (then even a successful request is not mutual TLS).',
    examples: [
      [
        'mtlskit probe https://localhost:8443/ --cert pki/client.crt --key pki/client.key',
        'test the integration before calling the partner',
      ],
      [
        'mtlskit probe https://api.partner.example/ --pfx pki/client.pfx --passin env:PFX_PASS --ca partner-root.crt',
        'with the bundle Postman uses',
      ],
    ],
    exitCodes: [
      [1, 'the mTLS request did not succeed (the cause is printed)'],
      [2, 'bad URL or unreadable files'],
      [4, 'the key or PFX password is missing or wrong, or the key does not belong to the certificate'],
    ],
  });
  cmd
    .option(
      '--ca <file>',
      'trusted root(s) for the server certificate (default DIR/ca-chain.crt or DIR/ca.crt if present, else the system roots)',
    )
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client private key')
    .option('--pfx <file>', 'client PKCS#12 bundle instead of --cert/--key')
    .option('--passin <source>', 'password of --key or --pfx')
    .option('--timeout <ms>', 'per-step timeout in milliseconds', '10000')
    .action(
      runAction<Options>(async ([urlText], opts, output) => {
        let url: URL;
        try {
          url = new URL(urlText!);
        } catch {
          throw usageError(`'${urlText}' is not a URL; give one like https://localhost:8443/.`);
        }
        if (url.protocol !== 'https:')
          throw usageError(`probe speaks HTTPS only; use https:// instead of ${url.protocol}//.`);
        if (opts.pfx && (opts.cert || opts.key)) throw usageError('Give either --pfx or --cert with --key, not both.');
        if (!!opts.cert !== !!opts.key) throw usageError('--cert and --key go together; give both (or --pfx).');
        const [{ runProbe }, { existsSync }, { join }, { readInputFile: read }, { loadClientCredentials }] =
          await Promise.all([
            import('../../tls/probe.js'),
            import('node:fs'),
            import('node:path'),
            import('../../store/input-file.js'),
            import('../../tls/client-credentials.js'),
          ]);
        // An intermediate CA alone is not a trust anchor for Node: its ca-chain.crt reaches the root.
        const defaultCa = [join(opts.dir, 'ca-chain.crt'), join(opts.dir, 'ca.crt')].find((f) => existsSync(f));
        const ca = opts.ca ? read(opts.ca, '--ca') : defaultCa ? read(defaultCa, 'CA certificate') : undefined;
        const password = passwordFrom(opts.passin);
        const credentials = opts.pfx
          ? await loadClientCredentials({ pfx: opts.pfx }, password)
          : opts.cert && opts.key
            ? await loadClientCredentials({ cert: opts.cert, key: opts.key }, password)
            : undefined;
        const timeoutMs = Number(opts.timeout);
        if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
          throw usageError(`--timeout must be a whole number of milliseconds, not '${opts.timeout}'.`);
        const result = await runProbe({ url, ca, ...credentials, timeoutMs });
        const mark = (ok: boolean | null) => (ok === null ? out.yellow('?') : ok ? out.green('✔') : out.red('✘'));
        const lines = [
          ...result.steps.map((s) => `${mark(s.ok)} ${s.step.padEnd(27)} ${s.detail}`),
          result.ok
            ? `${out.green('OK')} mTLS request to ${url.href} succeeded (HTTP ${result.status}).`
            : `${out.red('FAILED')} ${result.cause?.message ?? 'the mTLS request did not succeed.'}`,
        ];
        if (output.json) writeOut(JSON.stringify({ url: url.href, ...result }, null, 2) + '\n');
        else for (const l of lines) writeOut(l + '\n');
        return result.ok ? 0 : 1;
      }),
    );
}
