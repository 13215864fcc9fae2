/** TLS test servers on loopback that stop by themselves: openssl s_server and Node https. */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createServer as createNetServer, connect } from 'node:net';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, spawnFailed } from './tools.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function waitForPort(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`server exited early with ${child.exitCode}`));
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export interface RunningServer {
  port: number;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * startOpensslServer arguments for the mTLS server of a PKI folder: DIR/server.crt (or `cert`) and DIR/server.key,
 * a client certificate required and checked against DIR/ca.crt (-Verify 1 -verify_return_error), and against
 * `crl` too when given (-CRL CRL -crl_check).
 */
export function opensslMtlsServerArgs(dir: string, opts: { cert?: string; crl?: string } = {}): string[] {
  const args = ['-cert', join(dir, opts.cert ?? 'server.crt'), '-key', join(dir, 'server.key')];
  args.push('-CAfile', join(dir, 'ca.crt'));
  if (opts.crl !== undefined) args.push('-CRL', opts.crl, '-crl_check');
  return [...args, '-Verify', '1', '-verify_return_error'];
}

/** `openssl s_server -www` with the given extra arguments (e.g. -Verify 1 -verify_return_error -CAfile ca.crt). */
export async function startOpensslServer(args: string[], cwd?: string): Promise<RunningServer> {
  requireTool('openssl');
  const port = await freePort();
  const child = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-www', '-naccept', '50', ...args], {
    cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 110_000);
  await waitForPort(port, child);
  return {
    port,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        clearTimeout(killer);
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * startNodeServer options for the mTLS server of a PKI folder: DIR/NAME.key and DIR/NAME.crt (NAME "server"),
 * trusting DIR/ca.crt (or the `ca` files of DIR given), a client certificate required.
 */
export function mtlsServerOptions(dir: string, opts: { name?: string; ca?: string[] } = {}): ServerOptions {
  const name = opts.name ?? 'server';
  return {
    key: readFileSync(join(dir, `${name}.key`)),
    cert: readFileSync(join(dir, `${name}.crt`)),
    ca: (opts.ca ?? ['ca.crt']).map((f) => readFileSync(join(dir, f))),
    requestCert: true,
    rejectUnauthorized: true,
  };
}

/** A Node https server that answers 200 "hello <client CN>" to authorised clients. */
export async function startNodeServer(options: ServerOptions): Promise<RunningServer> {
  let log = '';
  const server = createHttpsServer(options, (req, res) => {
    const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
    res.end(`hello ${peer?.subject?.CN ?? peer?.subject?.O ?? 'anonymous'}\n`);
  });
  server.on('tlsClientError', (err) => (log += `${err.message}\n`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const killer = setTimeout(() => server.close(), 110_000);
  return {
    port,
    output: () => log,
    stop: () =>
      new Promise((resolve) => {
        clearTimeout(killer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface AsyncResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command without blocking the event loop (an in-process server must keep answering); it is killed after
 * `timeoutMs` (30 s unless given), which reads as a non-zero status.
 */
export function runAsync(
  cmd: string,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<AsyncResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, timeout: opts.timeoutMs ?? 30_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
          try {
            spawnFailed(cmd, err as NodeJS.ErrnoException);
          } catch (e) {
            reject(e);
          }
          return;
        }
        const status = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

/** curl over mTLS to https://127.0.0.1:PORT/ with the given extra args. */
export function curl(port: number, args: string[], host = '127.0.0.1'): Promise<AsyncResult> {
  requireTool('curl');
  const resolve = host === '127.0.0.1' ? [] : ['--resolve', `${host}:${port}:127.0.0.1`];
  return runAsync('curl', ['-sS', '--max-time', '10', ...resolve, ...args, `https://${host}:${port}/`]);
}
