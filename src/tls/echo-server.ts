/**
 * `mtlskit serve`: the walkthrough's echo server with mTLS built in. It asks every client for a
 * certificate and checks it against the CA (and the CRL); a client without an acceptable certificate
 * gets 403 with the reason in JSON (and the reason is logged), an accepted one gets its request echoed.
 *
 * The handshake is allowed to complete for refused clients (rejectUnauthorized: false, then a 403),
 * like nginx's `ssl_verify_client on`: the caller then learns why, instead of seeing a dropped connection.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, unwatchFile, watchFile } from 'node:fs';
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
  /**
   * Where `crl` came from, in the same order: while the server runs, a changed file (revoke, crl gen) is read
   * again and the TLS context swapped before the next handshake, so a client revoked meanwhile is refused.
   */
  crlPaths?: string[];
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
  event: 'request' | 'refused' | 'handshake-failed' | 'crl-reloaded' | 'crl-reload-failed' | 'stopping';
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

/** What identifies one version of a file: a rename into place gives a new inode, an edit a new mtime or size. */
function fileStamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.mtimeMs}:${st.size}`;
  } catch {
    return 'missing';
  }
}

/** How often the CRL files are polled besides the check on every new connection. */
const CRL_POLL_MS = 500;

export function startEchoServer(opts: EchoServerOptions): Promise<RunningEchoServer> {
  const cas = (
    opts.ca.toString('latin1').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [opts.ca]
  ).map((pem) => new X509Certificate(pem));
  let served = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const contextOptions = { key: opts.key, cert: opts.cert, ca: opts.trust ?? opts.ca, crl: opts.crl };
  const server: Server = createServer(
    {
      ...contextOptions,
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
  // The CRLs follow their files: checked on each new TCP connection (before the TLS socket takes the
  // context, hence prependListener) and polled, so the log says when a CRL was reloaded.
  const crlPaths = opts.crlPaths ?? [];
  let crlStamps = crlPaths.map(fileStamp);
  let crlRejected = '';
  const refreshCrl = () => {
    const stamps = crlPaths.map(fileStamp);
    if (stamps.every((s, i) => s === crlStamps[i])) return;
    const changed = crlPaths.filter((_, i) => stamps[i] !== crlStamps[i]);
    try {
      const crl = crlPaths.map((p) => readFileSync(p));
      server.setSecureContext({ ...contextOptions, crl });
      crlStamps = stamps;
      crlRejected = '';
      opts.log({
        event: 'crl-reloaded',
        message: `reloaded ${changed.join(', ')}: revocations apply from the next connection`,
      });
    } catch (err) {
      // Keep the CRL in use; say so once per version of the files.
      const key = stamps.join('|');
      if (crlRejected === key) return;
      crlRejected = key;
      opts.log({
        event: 'crl-reload-failed',
        message: `could not reload ${changed.join(', ')} (${(err as Error).message.split('\n')[0]}); still using the CRL read before`,
      });
    }
  };
  if (crlPaths.length > 0) {
    server.prependListener('connection', refreshCrl);
    for (const p of crlPaths) watchFile(p, { interval: CRL_POLL_MS, persistent: false }, refreshCrl);
    server.on('close', () => crlPaths.forEach((p) => unwatchFile(p, refreshCrl)));
  }
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
