/**
 * `mtlskit probe`: connects to an mTLS endpoint and reports, step by step, what happened, ending with
 * the most likely cause of a failure in one sentence. Exit 0 only when the mTLS request succeeded.
 */
import { checkServerIdentity, connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { request } from 'node:https';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { x509 } from '../pki/x509-runtime.js';
import { nameObjectToText as nameToText } from '../pki/name-text.js';
import { badInput } from '../errors.js';
import { observeCertificateRequest, type CertificateRequestInfo } from './certificate-request.js';
import { alertFromError } from './reasons.js';

export interface ProbeInput {
  url: URL;
  /** Trusted roots for the server certificate; undefined = Node's built-in roots. */
  ca?: Buffer;
  /** Our client certificate (PEM, leaf first, then any intermediates) and its key (PEM). */
  cert?: Buffer;
  key?: Buffer;
  /** The client certificate, for local checks (leaf DER). */
  clientCertDer?: Buffer;
  timeoutMs?: number;
}

export interface ProbeStep {
  step: string;
  ok: boolean | null;
  detail: string;
}

export interface ProbeResult {
  ok: boolean;
  steps: ProbeStep[];
  /** What the server's handshake said about client certificates. */
  certificateRequest: {
    visibility: CertificateRequestInfo['visibility'];
    requested?: boolean;
    acceptedCas: string[];
    note?: string;
  };
  cause?: { code: string; message: string };
  status?: number;
  body?: string;
}

interface ClientCertFacts {
  subject: string;
  issuer: string;
  issuerDer: Buffer;
  expired: boolean;
  notYetValid: boolean;
  clientAuth: boolean;
}

function clientFacts(der: Buffer | undefined): ClientCertFacts | undefined {
  if (!der) return undefined;
  const cert = new x509.X509Certificate(new Uint8Array(der));
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const now = new Date();
  return {
    subject: nameToText(cert.subjectName),
    issuer: nameToText(cert.issuerName),
    issuerDer: Buffer.from(cert.issuerName.toArrayBuffer()),
    expired: cert.notAfter < now,
    notYetValid: cert.notBefore > now,
    clientAuth: !eku || eku.usages.map(String).some((u) => u === '1.3.6.1.5.5.7.3.2' || u === '2.5.29.37.0'),
  };
}

interface HandshakeOutcome {
  socket?: TLSSocket;
  error?: NodeJS.ErrnoException;
  /** The TCP connection itself failed: there is no TLS to diagnose. */
  unreachable?: boolean;
  peer?: PeerCertificate;
  authorized?: boolean;
  authorizationError?: string;
  /** What the server's handshake said about client certificates (read from the bytes received so far). */
  observe: () => CertificateRequestInfo;
}

/** Enough of the server's bytes for its handshake; the HTTP body after it is not kept. */
const CAPTURE_LIMIT = 1 << 20;

/** A pass-through stream over the TCP socket that keeps a copy of what the server sends. */
function tappedStream(raw: Socket, received: Buffer[]): Duplex {
  let kept = 0;
  const stream = new Duplex({
    read: () => void raw.resume(),
    write: (chunk: Buffer, _encoding, done) => void raw.write(chunk, done),
    final: (done) => {
      raw.end();
      done();
    },
    destroy: (error, done) => {
      raw.destroy();
      done(error);
    },
  });
  raw.on('data', (chunk: Buffer) => {
    if (kept < CAPTURE_LIMIT) {
      received.push(chunk);
      kept += chunk.length;
    }
    if (!stream.push(chunk)) raw.pause();
  });
  raw.on('end', () => stream.push(null));
  raw.on('error', (error) => stream.destroy(error));
  return stream;
}

function openTcp(host: string, port: number, timeoutMs: number): Promise<Socket | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const raw = connectTcp({ host, port });
    const timer = setTimeout(
      () => raw.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    raw.once('connect', () => {
      clearTimeout(timer);
      raw.removeAllListeners('error');
      resolve(raw);
    });
    raw.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error);
    });
  });
}

async function handshake(input: ProbeInput, host: string, port: number): Promise<HandshakeOutcome> {
  const timeoutMs = input.timeoutMs ?? 10_000;
  const raw = await openTcp(host, port, timeoutMs);
  if (raw instanceof Error)
    return {
      error: raw,
      unreachable: true,
      observe: () => ({ visibility: 'unavailable', acceptedCas: [], note: 'no connection' }),
    };
  const received: Buffer[] = [];
  const keylog: string[] = [];
  const observe = () => observeCertificateRequest(Buffer.concat(received), keylog);
  let socket: TLSSocket;
  try {
    socket = connect({
      socket: tappedStream(raw, received),
      servername: isIP(host) ? undefined : host,
      ca: input.ca,
      cert: input.cert,
      key: input.key,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
  } catch (error) {
    raw.destroy();
    // OpenSSL refused our own inputs before anything was sent (e.g. a CA file it cannot parse).
    throw badInput(
      `The TLS client could not be set up (${(error as Error).message.split('\n')[0]}); check --ca, --cert and --key.`,
    );
  }
  // Our own connection's secrets: they let us read the server's encrypted TLS 1.3 CertificateRequest.
  socket.on('keylog', (line: Buffer) => keylog.push(line.toString('latin1')));
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => socket.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve({
        socket,
        observe,
        peer: socket.getPeerCertificate(true),
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined,
      });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ error, observe });
    });
  });
}

function httpGet(
  socket: TLSSocket,
  url: URL,
  timeoutMs: number,
): Promise<{ status?: number; body?: string; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const req = request(
      {
        createConnection: () => socket,
        host: url.hostname,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { host: url.host, connection: 'close' },
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
        res.on('error', (error) => resolve({ error }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error }));
    req.end();
  });
}

function chainText(peer: PeerCertificate | undefined): string {
  const names: string[] = [];
  type Linked = PeerCertificate & { issuerCertificate?: Linked };
  let current = peer as Linked | undefined;
  const seen = new Set<string>();
  while (current && Object.keys(current).length > 0 && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    names.push(String(current.subject?.CN ?? current.subject?.O ?? '(no name)'));
    current = current.issuerCertificate;
  }
  return names.join(' ← ');
}

export async function runProbe(input: ProbeInput): Promise<ProbeResult> {
  const steps: ProbeStep[] = [];
  const url = input.url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  const facts = clientFacts(input.clientCertDer);

  const outcome = await handshake(input, host, port);
  const info = outcome.observe();
  const certificateRequest = requestSummary(info);
  const fail: Fail = (code, message, extra = {}) => ({
    ok: false,
    steps,
    certificateRequest,
    cause: { code, message },
    ...extra,
  });
  const clientSteps = () => {
    steps.push(requestStep(info));
    if (facts) steps.push(ourCertificateStep(facts, info));
  };

  if (!outcome.socket) {
    const error = outcome.error!;
    steps.push({
      step: outcome.unreachable ? 'TCP connection' : 'TLS handshake',
      ok: false,
      detail: `${error.code ?? ''} ${error.message.split('\n')[0]}`.trim(),
    });
    if (outcome.unreachable || error.code === 'ETIMEDOUT') {
      return fail(
        'UNREACHABLE',
        `Nothing answered at ${host}:${port} (${error.code}); check the URL, the port and that the server runs.`,
      );
    }
    clientSteps();
    return diagnoseRefusal(alertFromError(error.code), error, info, facts, input, fail);
  }
  const socket = outcome.socket;
  // Server side: is its certificate trusted, and does it carry the host name?
  const identityError = outcome.peer ? checkServerIdentity(host, outcome.peer as never) : new Error('no certificate');
  // Node reports a host-name mismatch as an authorization error too; the chain itself may still be trusted.
  const chainTrusted = outcome.authorized === true || outcome.authorizationError === 'ERR_TLS_CERT_ALTNAME_INVALID';
  steps.push({
    step: 'server certificate',
    ok: chainTrusted && !identityError,
    detail: `${chainText(outcome.peer)}${chainTrusted ? ', trusted' : `, NOT trusted (${outcome.authorizationError})`}${identityError ? `; ${identityError.message}` : `; valid for ${host}`}`,
  });
  clientSteps();
  if (!chainTrusted) {
    socket.destroy();
    return fail(
      'SERVER_NOT_TRUSTED',
      `The server's certificate is not trusted (${outcome.authorizationError}); pass the CA that signed it with --ca.`,
    );
  }
  if (identityError) {
    socket.destroy();
    return fail(
      'SERVER_HOSTNAME_MISMATCH',
      `The server's certificate is not valid for ${host} (${identityError.message}); connect with a name it carries or re-issue it with --dns ${host}.`,
    );
  }
  const response = await httpGet(socket, url, input.timeoutMs ?? 10_000);
  if (response.error) {
    // TLS 1.3: the server checks our certificate after the handshake, so its alert arrives here.
    steps.push({
      step: 'HTTP request',
      ok: false,
      detail: `${response.error.code ?? ''} ${response.error.message.split('\n')[0]}`.trim(),
    });
    return diagnoseRefusal(alertFromError(response.error.code), response.error, info, facts, input, fail);
  }
  const status = response.status!;
  steps.push({ step: 'HTTP request', ok: status < 400, detail: `GET ${url.pathname}${url.search} → ${status}` });
  const answered = { status, body: response.body };
  if (status === 403 || status === 400 || status === 495 || status === 496) {
    return {
      ...diagnoseRefusal(undefined, undefined, info, facts, input, fail, reasonFromBody(response.body)),
      ...answered,
    };
  }
  if (status >= 400)
    return fail('HTTP_ERROR', `The mTLS handshake worked, but the server answered ${status}.`, answered);
  if (info.requested === false) {
    return fail(
      'MTLS_NOT_REQUIRED',
      `The request succeeded, but the server never asked for a client certificate, so this is not mutual TLS; turn on client certificate verification on the server.`,
      answered,
    );
  }
  if (input.cert === undefined) {
    return fail(
      'NO_CLIENT_CERT',
      'The request succeeded without a client certificate, so mutual TLS was not tested; pass --cert and --key (or --pfx).',
      answered,
    );
  }
  return { ok: true, steps, certificateRequest, ...answered };
}

function requestSummary(info: CertificateRequestInfo): ProbeResult['certificateRequest'] {
  return {
    visibility: info.visibility,
    requested: info.requested,
    acceptedCas: info.acceptedCas.map((c) => c.name),
    ...(info.note ? { note: info.note } : {}),
  };
}

function reasonFromBody(body: string | undefined): { code?: string; text?: string } {
  if (!body) return {};
  try {
    const json = JSON.parse(body) as { code?: string; reason?: string };
    return { code: json.code, text: json.reason };
  } catch {
    if (/No required SSL certificate was sent/i.test(body)) return { code: 'NO_CLIENT_CERT' };
    if (/SSL certificate error/i.test(body)) return { code: 'CLIENT_CERT_REFUSED' };
    return {};
  }
}

function requestStep(info: CertificateRequestInfo): ProbeStep {
  if (info.visibility === 'unavailable')
    return { step: 'client certificate request', ok: null, detail: `could not be observed: ${info.note}` };
  const over = info.visibility === 'tls1.3' ? 'TLS 1.3' : 'TLS 1.2';
  if (!info.requested)
    return {
      step: 'client certificate request',
      ok: false,
      detail: `the server does not ask for a client certificate (${over}; no mTLS)`,
    };
  const names = info.acceptedCas.map((c) => `'${c.name}'`).join(', ');
  return {
    step: 'client certificate request',
    ok: true,
    detail: `requested (${over}); accepted CAs: ${names || '(any: the server sent no names)'}`,
  };
}

function ourCertificateStep(facts: ClientCertFacts, info: CertificateRequestInfo): ProbeStep {
  const problems: string[] = [];
  if (facts.expired) problems.push('expired');
  if (facts.notYetValid) problems.push('not valid yet');
  if (!facts.clientAuth) problems.push('not a client certificate (no clientAuth)');
  const matches = info.acceptedCas.length === 0 || info.acceptedCas.some((c) => c.der.equals(facts.issuerDer));
  if (!matches) problems.push(`issued by '${facts.issuer}', which the server does not list`);
  return {
    step: 'our client certificate',
    ok: problems.length === 0,
    detail: `${facts.subject}, issued by '${facts.issuer}'${problems.length ? `: ${problems.join('; ')}` : ''}`,
  };
}

type Fail = (code: string, message: string, extra?: Partial<ProbeResult>) => ProbeResult;

/** The one-sentence cause: the server's alert (or 403 reason) combined with what we know of our certificate. */
function diagnoseRefusal(
  alert: string | undefined,
  error: NodeJS.ErrnoException | undefined,
  info: CertificateRequestInfo,
  facts: ClientCertFacts | undefined,
  input: ProbeInput,
  fail: Fail,
  reason: { code?: string; text?: string } = {},
): ProbeResult {
  const sentClient = input.cert !== undefined;
  if (
    !sentClient &&
    (alert === 'certificate_required' ||
      alert === 'handshake_failure' ||
      reason.code === 'NO_CLIENT_CERT' ||
      info.requested)
  ) {
    return fail(
      'NO_CLIENT_CERT',
      'No client certificate was sent, but the server requires one; pass --cert and --key (or --pfx).',
    );
  }
  if (facts?.expired || alert === 'certificate_expired' || reason.code === 'CLIENT_CERT_EXPIRED') {
    return fail(
      'CLIENT_CERT_EXPIRED',
      `The client certificate${facts ? ` (${facts.subject})` : ''} has expired; issue a new one (mtlskit client issue --force).`,
    );
  }
  if (alert === 'certificate_revoked' || reason.code === 'CLIENT_CERT_REVOKED') {
    return fail(
      'CLIENT_CERT_REVOKED',
      `The client certificate${facts ? ` (${facts.subject})` : ''} is revoked; issue a new one.`,
    );
  }
  if ((facts && !facts.clientAuth) || alert === 'unsupported_certificate' || reason.code === 'WRONG_PURPOSE') {
    return fail(
      'WRONG_PURPOSE',
      `The certificate sent${facts ? ` (${facts.subject})` : ''} is not a client certificate (no clientAuth purpose); use one from 'mtlskit client issue'.`,
    );
  }
  const listed =
    info.acceptedCas.length > 0 && facts ? info.acceptedCas.some((c) => c.der.equals(facts.issuerDer)) : undefined;
  const unknownCa =
    alert === 'unknown_ca' || alert === 'bad_certificate' || alert === 'decrypt_error' || reason.code === 'UNKNOWN_CA';
  if (listed === true && unknownCa) {
    return fail(
      'UNKNOWN_CA',
      `The client certificate names '${facts!.issuer}' as its issuer, a CA the server accepts, but was signed by another key: it comes from a different CA with the same name; get a certificate from the server's CA.`,
    );
  }
  if (listed === false || unknownCa) {
    const accepted = info.acceptedCas.map((c) => `'${c.name}'`).join(', ');
    return fail(
      'UNKNOWN_CA',
      `The client certificate was issued by '${facts?.issuer ?? 'another CA'}', which the server does not trust${accepted ? ` (it accepts ${accepted})` : ''}; get a certificate from the server's CA or have it trust yours.`,
    );
  }
  if (reason.text)
    return fail(reason.code ?? 'CLIENT_CERT_REFUSED', `The server refused the client certificate: ${reason.text}.`);
  const detail = error ? ` (${error.code ?? error.message})` : '';
  return fail(
    'CLIENT_CERT_REFUSED',
    `The server closed the connection after the handshake${detail}: it most likely refused the client certificate; check it with 'mtlskit verify CERT --purpose client --ca THEIR-CA'.`,
  );
}
