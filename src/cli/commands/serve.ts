import type { Command } from 'commander';
import { collect, describeCommand, runAction, type CommonOptions } from '../command-kit.js';
import { passwordFrom } from '../inputs.js';
import { out } from '../output.js';
import { MtlsError, usageError } from '../../errors.js';
import type { LogEntry } from '../../tls/echo-server.js';
import { writeErr, writeOut } from '../stdio.js';

interface Options extends CommonOptions {
  port: string;
  host: string;
  cert: string;
  crl?: boolean;
  crlFile: string[];
  passin?: string;
  maxRequests?: string;
  idleTimeout?: string;
}

function wholeNumber(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw usageError(`${flag} must be a whole number of at least ${min}, not '${value}'.`);
  return n;
}

/**
 * Node checks the revocation of every CA in the client's chain (OpenSSL's crl_check_all), so an
 * intermediate CA folder needs the CRLs of the CAs above it too; without them every client is refused.
 */
function crlsFor(
  opts: Options,
  ownCrl: Buffer,
  chainPem: Buffer | undefined,
  read: (path: string, role: string) => Buffer,
): Buffer[] {
  const above = chainPem ? chainPem.toString('latin1').split('-----BEGIN CERTIFICATE-----').length - 2 : 0;
  if (above > 0 && opts.crlFile.length === 0) {
    throw usageError(
      `${opts.dir} holds an intermediate CA, and TLS checks the CRL of every CA in a client's chain; add --crl-file with the CRL of each CA above it (e.g. the root folder's crl.pem).`,
    );
  }
  return [ownCrl, ...opts.crlFile.map((f) => read(f, 'CRL'))];
}

export function registerServe(program: Command): void {
  const cmd = describeCommand(program.command('serve'), {
    summary: 'run a local HTTPS echo server that requires client certificates from the CA in --dir',
    description:
      'Presents DIR/NAME-chain.crt with DIR/NAME.key (NAME from --cert, default server), asks every client for a certificate and\n' +
      'accepts only those signed by DIR/ca.crt (and not revoked in DIR/crl.pem with --crl). Accepted requests get JSON: host,\n' +
      "method, path and the client certificate's subject, serial and issuer. Refused clients get 403 with the reason, and every\n" +
      'refusal or failed handshake is logged on stderr in one line (with --json: one JSON line per event on stdout).\n' +
      'With --crl the CRL files are followed: one rewritten while serve runs (revoke, crl gen) is reloaded before the next\n' +
      'connection, and the log says so (event crl-reloaded).\n' +
      'Ctrl-C (SIGINT) or SIGTERM stops it; --max-requests and --idle-timeout make it stop by itself.',
    examples: [
      ['mtlskit serve', 'https://127.0.0.1:8443/ with ./pki/server.crt'],
      ['mtlskit serve --crl --port 9443', 'also refuse revoked client certificates'],
      [
        'mtlskit serve --dir pki/partners --crl --crl-file pki/crl.pem',
        "an intermediate CA folder: TLS also wants the root's CRL",
      ],
      [
        'curl --cacert pki/ca.crt --cert pki/client.crt --key pki/client.key https://localhost:8443/',
        'what to run against it',
      ],
      [
        'mtlskit serve --port 0 --json --max-requests 1 --idle-timeout 30',
        'in a script: a free port, the URL as JSON, stops after one request',
      ],
    ],
    exitCodes: [
      [2, 'missing server certificate, key, CA or CRL in --dir; bad port or number'],
      [4, 'the server key is encrypted and its password is missing or wrong'],
      [7, 'the port cannot be opened (in use, or needs privileges)'],
    ],
  });
  cmd
    .option('--port <port>', 'TCP port (0: any free port)', '8443')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--cert <name>', 'which DIR/NAME.crt + NAME.key to present', 'server')
    .option('--crl', 'refuse client certificates revoked in DIR/crl.pem')
    .option(
      '--crl-file <file>',
      "with --crl: the CRL of a CA above DIR's CA (repeat; needed when DIR holds an intermediate CA)",
      collect,
      [],
    )
    .option('--passin <source>', 'password of DIR/NAME.key, if it is encrypted')
    .option('--max-requests <n>', 'stop after N requests (for scripts and tests)')
    .option('--idle-timeout <seconds>', 'stop when no connection has arrived for this long')
    .action(
      runAction<Options>(async (_args, opts, output) => {
        if (opts.crlFile.length > 0 && !opts.crl) throw usageError('--crl-file adds CRLs to --crl; give --crl too.');
        const port = wholeNumber(opts.port, '--port', 0)!;
        if (port > 65535) throw usageError(`--port must be a port number, not '${opts.port}'.`);
        const maxRequests = wholeNumber(opts.maxRequests, '--max-requests', 1);
        const idleSeconds = wholeNumber(opts.idleTimeout, '--idle-timeout', 1);
        const [
          { startEchoServer },
          { readFileSync, existsSync },
          { join },
          { readKeyFile },
          { privateKeyToPem },
          { readInputFile },
        ] = await Promise.all([
          import('../../tls/echo-server.js'),
          import('node:fs'),
          import('node:path'),
          import('../../ca/key-file.js'),
          import('../../pki/keys.js'),
          import('../../store/input-file.js'),
        ]);
        const path = (name: string, what: string) => {
          const p = join(opts.dir, name);
          if (!existsSync(p))
            throw new MtlsError(
              'NOT_FOUND',
              `${p} (${what}) does not exist; run 'mtlskit wizard' or issue it first, or pass the right --dir.`,
            );
          return p;
        };
        const optional = (name: string) =>
          existsSync(join(opts.dir, name)) ? readFileSync(join(opts.dir, name)) : undefined;
        const caFile = path('ca.crt', 'CA certificate');
        // After `ca rotate`: clients of the previous CA key are accepted too, and its CRL is read with --crl.
        const previousCa = optional('ca-old.crt');
        const key = await readKeyFile(
          path(`${opts.cert}.key`, 'server key'),
          join(opts.dir, `${opts.cert}.key`),
          passwordFrom(opts.passin),
        );
        const log = (entry: LogEntry) => {
          const time = new Date().toISOString();
          if (output.json) writeOut(JSON.stringify({ time, ...entry }) + '\n');
          else
            writeErr(
              `${time} ${entry.event === 'request' ? entry.message : entry.event === 'stopping' ? entry.message : out.red(entry.message)}\n`,
            );
        };
        let server;
        try {
          server = await startEchoServer({
            key: Buffer.from(privateKeyToPem(key)),
            // The chain file (leaf + intermediates) when there is one: clients need the intermediates.
            cert: optional(`${opts.cert}-chain.crt`) ?? readFileSync(path(`${opts.cert}.crt`, 'server certificate')),
            ca: previousCa ? Buffer.concat([readFileSync(caFile), previousCa]) : readFileSync(caFile),
            trust: previousCa ? undefined : optional('ca-chain.crt'),
            // What a client should trust: the chain up to the root when this CA is an intermediate.
            caFile: existsSync(join(opts.dir, 'ca-chain.crt')) ? join(opts.dir, 'ca-chain.crt') : caFile,
            // After `ca rotate` the old key's CRL is followed too, or its clients would become CRL_MISSING on reload.
            crlPaths: opts.crl
              ? [join(opts.dir, 'crl.pem'), ...opts.crlFile, ...(previousCa ? [join(opts.dir, 'crl-old.pem')] : [])]
              : undefined,
            crl: opts.crl
              ? [
                  ...crlsFor(
                    opts,
                    readFileSync(path('crl.pem', 'CRL; run mtlskit crl gen')),
                    optional('ca-chain.crt'),
                    readInputFile,
                  ),
                  ...(previousCa ? [readFileSync(path('crl-old.pem', 'CRL of the CA before the rotation'))] : []),
                ]
              : undefined,
            host: opts.host,
            port,
            maxRequests,
            idleTimeoutMs: idleSeconds === undefined ? undefined : idleSeconds * 1000,
            log,
          });
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          if (e.code === 'EADDRINUSE' || e.code === 'EACCES')
            throw new MtlsError(
              'IO_ERROR',
              `Cannot listen on ${opts.host}:${port} (${e.code}); choose another --port.`,
            );
          if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND')
            throw usageError(
              `Cannot listen on ${opts.host}: no such address on this machine; give --host 127.0.0.1 or another local address.`,
            );
          if (e instanceof MtlsError) throw e;
          // OpenSSL refused the files themselves (e.g. a certificate that does not match the key).
          throw new MtlsError(
            'BAD_INPUT',
            `The TLS server could not be set up from ${opts.dir} (${e.message.split('\n')[0]}); check ${opts.cert}.crt and ${opts.cert}.key belong together.`,
          );
        }
        if (output.json) writeOut(JSON.stringify({ listening: true, url: server.url }) + '\n');
        else
          writeErr(
            `${out.green('✔')} listening on ${server.url} — requires a client certificate from ${caFile}${opts.crl ? ', checks crl.pem' : ''}. Ctrl-C stops.\n`,
          );
        const onSignal = (signal: NodeJS.Signals) => void server.close(`${signal} received`);
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        await server.closed;
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }),
    );
}
