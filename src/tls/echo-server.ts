/**
 * `mtlskit serve`: the walkthrough's echo server with mTLS built in. It asks every client for a
 * certificate and checks it against the CA (and the CRL); a client without an acceptable certificate
 * gets 403 with the reason in JSON (and the reason is logged), an accepted one gets its request echoed.
 */
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { explainVerifyError } from './reasons.js';

export interface EchoServerOptions {
  key: Buffer;
  cert: Buffer;
  ca: Buffer;
  crl?: Buffer;
  host: string;
  port: number;
  /** Stop after this many requests (for tests and one-shot checks). */
  maxRequests?: number;
  log: (line: string) => void;
}

export interface RunningEchoServer {
  url: string;
  port: number;
  closed: Promise<void>;
  close(): Promise<void>;
}

interface PeerSummary {
  subject: string;
  serial: string;
  issuer: string;
}

function peerSummary(socket: TLSSocket): PeerSummary | undefined {
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return undefined;
  const dn = (o: Record<string, string | string[]> | undefined) =>
    Object.entries(o ?? {})
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
      .join(', ');
  return { subject: dn(peer.subject as never), serial: peer.serialNumber, issuer: dn(peer.issuer as never) };
}

export function startEchoServer(opts: EchoServerOptions): Promise<RunningEchoServer> {
  let served = 0;
  const server: Server = createServer(
    { key: opts.key, cert: opts.cert, ca: opts.ca, crl: opts.crl, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = peerSummary(socket);
      const from = `${socket.remoteAddress}:${socket.remotePort}`;
      res.setHeader('content-type', 'application/json');
      if (!peer) {
        opts.log(`refused ${from}: no client certificate was sent`);
        res.statusCode = 403;
        res.end(JSON.stringify({ error: 'client certificate required', code: 'NO_CLIENT_CERT', reason: 'no client certificate was sent' }) + '\n');
      } else if (!socket.authorized) {
        const reason = explainVerifyError(String(socket.authorizationError), peer.subject);
        opts.log(`refused ${from}: ${reason.text}`);
        res.statusCode = 403;
        res.end(JSON.stringify({ error: 'client certificate refused', code: reason.code, reason: reason.text, client: peer }) + '\n');
      } else {
        opts.log(`${req.method} ${req.url} from ${peer.subject} (serial ${peer.serial})`);
        res.end(JSON.stringify({ host: req.headers.host, method: req.method, path: req.url, client: peer }) + '\n');
      }
      served++;
      if (opts.maxRequests !== undefined && served >= opts.maxRequests) {
        res.on('finish', () => {
          server.close();
          server.closeAllConnections();
        });
      }
    },
  );
  server.on('tlsClientError', (err: NodeJS.ErrnoException) => {
    // A client that hangs up mid-handshake (e.g. probe reading the CertificateRequest) is not a failure worth a line.
    if (err.code === 'ECONNRESET') return;
    opts.log(`handshake failed: ${err.message.split('\n')[0]}`);
  });
  const closed = new Promise<void>((resolve) => server.on('close', () => resolve()));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      const port = (server.address() as AddressInfo).port;
      const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
      resolve({
        url: `https://${hostPart}:${port}/`,
        port,
        closed,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
