/**
 * `mtlskit serve`: the walkthrough's echo server with mTLS built in. It asks every client for a
 * certificate and checks it against the CA (and the CRL); a client without an acceptable certificate
 * gets 403 with the reason in JSON (and the reason is logged), an accepted one gets its request echoed.
 *
 * The handshake is allowed to complete for refused clients (rejectUnauthorized: false, then a 403),
 * like nginx's `ssl_verify_client on`: the caller then learns why, instead of seeing a dropped connection.
 */
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import { explainHandshakeFailure, explainVerifyError, type Reason } from './reasons.js';

export interface EchoServerOptions {
  key: Buffer;
  /** PEM: our certificate, then any intermediates. */
  cert: Buffer;
  /** PEM: the CA whose clients are accepted (it must have signed them directly); after `ca rotate`, both generations. */
  ca: Buffer;
  /** PEM: that CA and its issuers up to the root (DIR/ca-chain.crt), for an intermediate CA; default `ca`. */
  trust?: Buffer;
  /** Where the CA certificate is, for advice in the log. */
  caFile?: string;
  crl?: Buffer[];
  host: string;
  port: number;
  /** Stop after this many requests (for tests and one-shot checks). */
  maxRequests?: number;
  /** Stop when no connection has arrived for this long. */
  idleTimeoutMs?: number;
  log: (entry: LogEntry) => void;
}

export interface PeerSummary {
  subject: string;
  serial: string;
  issuer: string;
}

export interface LogEntry {
  event: 'request' | 'refused' | 'handshake-failed' | 'stopping';
  message: string;
  code?: string;
  from?: string;
  client?: PeerSummary;
}

export interface RunningEchoServer {
  url: string;
  port: number;
  closed: Promise<void>;
  /** Stops listening and ends open connections; `why` goes into the log. */
  close(why?: string): Promise<void>;
}

function dnText(o: Record<string, string | string[]> | undefined): string {
  return Object.entries(o ?? {})
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

function peerSummary(socket: TLSSocket): { summary: PeerSummary; raw: Buffer } | undefined {
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return undefined;
  return {
    summary: {
      subject: dnText(peer.subject as never),
      serial: peer.serialNumber,
      issuer: dnText(peer.issuer as never),
    },
    raw: peer.raw,
  };
}

/** Why the client is refused, or undefined when it is accepted. */
function refusalOf(
  socket: TLSSocket,
  peer: { summary: PeerSummary; raw: Buffer } | undefined,
  cas: X509Certificate[],
): Reason | undefined {
  if (!peer) return { code: 'NO_CLIENT_CERT', text: 'no client certificate was sent' };
  if (!socket.authorized) return explainVerifyError(String(socket.authorizationError), peer.summary.subject);
  // The chain reached a trusted root; serve promises more: this folder's CA signed the certificate itself.
  const leaf = new X509Certificate(peer.raw);
  if (!cas.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey))) {
    return {
      code: 'UNKNOWN_CA',
      text: `the client certificate (${peer.summary.subject}) was issued by '${peer.summary.issuer}', not by this server's CA`,
    };
  }
  return undefined;
}

export function startEchoServer(opts: EchoServerOptions): Promise<RunningEchoServer> {
  const cas = (
    opts.ca.toString('latin1').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [opts.ca]
  ).map((pem) => new X509Certificate(pem));
  let served = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const server: Server = createServer(
    {
      key: opts.key,
      cert: opts.cert,
      ca: opts.trust ?? opts.ca,
      crl: opts.crl,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = peerSummary(socket);
      const from = `${socket.remoteAddress}:${socket.remotePort}`;
      const refusal = refusalOf(socket, peer, cas);
      res.setHeader('content-type', 'application/json');
      if (refusal) {
        opts.log({
          event: 'refused',
          message: `refused ${from}: ${refusal.text}`,
          code: refusal.code,
          from,
          client: peer?.summary,
        });
        res.statusCode = 403;
        res.end(
          JSON.stringify({
            error: 'client certificate refused',
            code: refusal.code,
            reason: refusal.text,
            ...(peer ? { client: peer.summary } : {}),
          }) + '\n',
        );
      } else {
        opts.log({
          event: 'request',
          message: `${req.method} ${req.url} from ${peer!.summary.subject} (serial ${peer!.summary.serial})`,
          from,
          client: peer!.summary,
        });
        res.end(
          JSON.stringify({ host: req.headers.host, method: req.method, path: req.url, client: peer!.summary }) + '\n',
        );
      }
      served++;
      if (opts.maxRequests !== undefined && served >= opts.maxRequests) {
        res.on('finish', () => stop(`served ${served} request${served === 1 ? '' : 's'} (--max-requests)`));
      }
    },
  );
  const stop = (why: string) => {
    if (!server.listening) return;
    opts.log({ event: 'stopping', message: `stopping: ${why}` });
    server.close();
    server.closeAllConnections();
  };
  const armIdleTimer = () => {
    if (opts.idleTimeoutMs === undefined) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(
      () => stop(`no connection for ${opts.idleTimeoutMs! / 1000} s (--idle-timeout)`),
      opts.idleTimeoutMs,
    );
  };
  // A socket refused by an alert is already closed when 'tlsClientError' fires and no longer knows its
  // peer: note each peer when its TCP connection arrives.
  const peers = new WeakMap<Socket, string>();
  server.on('connection', (raw: Socket) => {
    peers.set(raw, `${raw.remoteAddress}:${raw.remotePort}`);
    armIdleTimer();
  });
  server.on('tlsClientError', (err: NodeJS.ErrnoException & { reason?: string }, socket: TLSSocket) => {
    const reason = explainHandshakeFailure(err, opts.caFile);
    if (!reason) return;
    const raw = (socket as unknown as { _parent?: Socket })._parent;
    const from =
      (raw && peers.get(raw)) ?? (socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : 'a client');
    opts.log({
      event: 'handshake-failed',
      message: `handshake with ${from} failed: ${reason.text}`,
      code: reason.code,
      from,
    });
  });
  const closed = new Promise<void>((resolve) =>
    server.on('close', () => {
      clearTimeout(idleTimer);
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      armIdleTimer();
      const port = (server.address() as AddressInfo).port;
      const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
      resolve({
        url: `https://${hostPart}:${port}/`,
        port,
        closed,
        close: async (why = 'asked to stop') => {
          stop(why);
          await closed;
        },
      });
    });
  });
}
