import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../command-kit.js';
import { out } from '../output.js';
import { MtlsError, usageError } from '../../errors.js';

interface Options extends CommonOptions {
  port: string;
  host: string;
  cert: string;
  crl?: boolean;
  maxRequests?: string;
}

export function registerServe(program: Command): void {
  const cmd = describeCommand(program.command('serve'), {
    summary: 'run a local HTTPS echo server that requires client certificates from the CA in --dir',
    description:
      'Presents DIR/NAME-chain.crt with DIR/NAME.key (NAME from --cert, default server), asks every client for a certificate and\n' +
      'checks it against DIR/ca.crt (and DIR/crl.pem with --crl). Accepted requests get JSON: host, method, path and the client\n' +
      'certificate\'s subject, serial and issuer. Refused clients get 403 with the reason, and the reason is logged. Ctrl-C stops it.',
    examples: [
      ['mtlskit serve', 'https://127.0.0.1:8443/ with ./pki/server.crt'],
      ['mtlskit serve --crl --port 9443', 'also refuse revoked client certificates'],
      ['curl --cacert pki/ca.crt --cert pki/client.crt --key pki/client.key https://localhost:8443/', 'what to run against it'],
    ],
    exitCodes: [
      [2, 'missing server certificate, key, CA or CRL in --dir; bad port'],
      [7, 'the port cannot be opened (in use, or needs privileges)'],
    ],
  });
  cmd
    .option('--port <port>', 'TCP port', '8443')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--cert <name>', 'which DIR/NAME.crt + NAME.key to present', 'server')
    .option('--crl', 'refuse client certificates revoked in DIR/crl.pem')
    .option('--max-requests <n>', 'stop after N requests (for scripts and tests)')
    .action(
      runAction<Options>(async (_args, opts, output) => {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`--port must be a port number, not '${opts.port}'.`);
        const maxRequests = opts.maxRequests === undefined ? undefined : Number(opts.maxRequests);
        const [{ startEchoServer }, { readFileSync, existsSync }, { join }] = await Promise.all([import('../../tls/echo-server.js'), import('node:fs'), import('node:path')]);
        const file = (name: string, what: string) => {
          const path = join(opts.dir, name);
          if (!existsSync(path)) throw new MtlsError('NOT_FOUND', `${path} (${what}) does not exist; run 'mtlskit wizard' or issue it first, or pass the right --dir.`);
          return readFileSync(path);
        };
        const chainName = existsSync(join(opts.dir, `${opts.cert}-chain.crt`)) ? `${opts.cert}-chain.crt` : `${opts.cert}.crt`;
        const log = (line: string) => {
          if (output.json) process.stdout.write(JSON.stringify({ time: new Date().toISOString(), log: line }) + '\n');
          else process.stderr.write(`${new Date().toISOString()} ${line}\n`);
        };
        let server;
        try {
          server = await startEchoServer({
            key: file(`${opts.cert}.key`, 'server key'),
            cert: file(chainName, 'server certificate'),
            ca: file('ca.crt', 'CA certificate'),
            crl: opts.crl ? file('crl.pem', 'CRL') : undefined,
            host: opts.host,
            port,
            maxRequests,
            log,
          });
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          if (e.code === 'EADDRINUSE' || e.code === 'EACCES') throw new MtlsError('IO_ERROR', `Cannot listen on ${opts.host}:${port} (${e.code}); choose another --port.`);
          throw err;
        }
        if (output.json) process.stdout.write(JSON.stringify({ listening: true, url: server.url }) + '\n');
        else process.stderr.write(`${out.green('✔')} listening on ${server.url} — requires a client certificate from ${join(opts.dir, 'ca.crt')}${opts.crl ? ', checks crl.pem' : ''}. Ctrl-C stops.\n`);
        const stop = () => void server.close();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await server.closed;
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }),
    );
}
