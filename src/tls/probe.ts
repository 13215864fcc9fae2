/**
 * `mtlskit probe`: connects to an mTLS endpoint and reports, step by step, what happened, ending with
 * the most likely cause of a failure in one sentence. Exit 0 only when the mTLS request succeeded.
 */
import { checkServerIdentity, connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { request } from 'node:https';
import { isIP } from 'node:net';
import { x509 } from '../pki/x509-runtime.js';
import { nameToText } from '../pki/name.js';
import { readCertificateRequest, type CertificateRequestInfo } from './certificate-request.js';
import { alertFromError } from './reasons.js';

export interface ProbeInput {
  url: URL;
  /** Trusted roots for the server certificate; undefined = Node's built-in roots. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  pfx?: Buffer;
  passphrase?: string;
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
  peer?: PeerCertificate;
  authorized?: boolean;
  authorizationError?: string;
}

function handshake(input: ProbeInput, host: string, port: number): Promise<HandshakeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      ca: input.ca,
      cert: input.cert,
      key: input.key,
      pfx: input.pfx,
      passphrase: input.passphrase,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), input.timeoutMs ?? 10_000);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve({ socket, peer: socket.getPeerCertificate(true), authorized: socket.authorized, authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ error });
    });
  });
}

function httpGet(socket: TLSSocket, url: URL, timeoutMs: number): Promise<{ status?: number; body?: string; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const req = request({ createConnection: () => socket, host: url.hostname, path: `${url.pathname}${url.search}`, method: 'GET', headers: { host: url.host, connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (error) => resolve({ error }));
    });
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
  const fail = (code: string, message: string, extra: Partial<ProbeResult> = {}): ProbeResult => ({ ok: false, steps, cause: { code, message }, ...extra });

  const requestInfo: CertificateRequestInfo = await readCertificateRequest(host, port, input.timeoutMs ?? 5000);
  const outcome = await handshake(input, host, port);
  if (outcome.error && !outcome.socket) {
    const alert = alertFromError(outcome.error.code);
    steps.push({ step: 'TLS handshake', ok: false, detail: `${outcome.error.code ?? ''} ${outcome.error.message.split('\n')[0]}`.trim() });
    if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(outcome.error.code ?? '')) {
      return fail('UNREACHABLE', `Nothing answered at ${host}:${port} (${outcome.error.code}); check the URL, the port and that the server runs.`);
    }
    return diagnoseRefusal(alert, outcome.error, requestInfo, facts, input, fail);
  }
  const socket = outcome.socket!;
  // Server side: is its certificate trusted, and does it carry the host name?
  const identityError = outcome.peer ? checkServerIdentity(host, outcome.peer as never) : new Error('no certificate');
  // Node reports a host-name mismatch as an authorization error too; the chain itself may still be trusted.
  const chainTrusted = outcome.authorized === true || outcome.authorizationError === 'ERR_TLS_CERT_ALTNAME_INVALID';
  const serverOk = chainTrusted && !identityError;
  steps.push({ step: 'server certificate', ok: serverOk, detail: `${chainText(outcome.peer)}${chainTrusted ? ', trusted' : `, NOT trusted (${outcome.authorizationError})`}${identityError ? `; ${identityError.message}` : `; valid for ${host}`}` });
  steps.push(requestStep(requestInfo));
  if (facts) steps.push(ourCertificateStep(facts, requestInfo));
  if (!chainTrusted) {
    socket.destroy();
    return fail('SERVER_NOT_TRUSTED', `The server's certificate is not trusted (${outcome.authorizationError}); pass the CA that signed it with --ca.`);
  }
  if (identityError) {
    socket.destroy();
    return fail('SERVER_HOSTNAME_MISMATCH', `The server's certificate is not valid for ${host} (${identityError.message}); connect with a name it carries or re-issue it with --dns ${host}.`);
  }
  const response = await httpGet(socket, url, input.timeoutMs ?? 10_000);
  if (response.error) {
    steps.push({ step: 'HTTP request', ok: false, detail: `${response.error.code ?? ''} ${response.error.message.split('\n')[0]}`.trim() });
    return diagnoseRefusal(alertFromError(response.error.code), response.error, requestInfo, facts, input, fail);
  }
  steps.push({ step: 'HTTP request', ok: response.status! < 400, detail: `GET ${url.pathname} → ${response.status}` });
  if (response.status === 403 || response.status === 400 || response.status === 495 || response.status === 496) {
    const reason = reasonFromBody(response.body);
    const refusal = diagnoseRefusal(undefined, undefined, requestInfo, facts, input, fail, reason);
    return { ...refusal, status: response.status, body: response.body };
  }
  return { ok: response.status! < 400, steps, status: response.status, body: response.body, ...(response.status! >= 400 ? { cause: { code: 'HTTP_ERROR', message: `The mTLS handshake worked, but the server answered ${response.status}.` } } : {}) };
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
  if (info.visibility === 'unavailable') return { step: 'client certificate request', ok: null, detail: `could not be observed (${info.note}); TLS 1.3 hides it` };
  if (!info.requested) return { step: 'client certificate request', ok: false, detail: 'the server does not ask for a client certificate (no mTLS)' };
  const names = info.acceptedCas.map((c) => `'${c.name}'`).join(', ');
  return { step: 'client certificate request', ok: true, detail: `requested; accepted CAs: ${names || '(any: the server sent no names)'}` };
}

function ourCertificateStep(facts: ClientCertFacts, info: CertificateRequestInfo): ProbeStep {
  const problems: string[] = [];
  if (facts.expired) problems.push('expired');
  if (facts.notYetValid) problems.push('not valid yet');
  if (!facts.clientAuth) problems.push('not a client certificate (no clientAuth)');
  const matches = info.acceptedCas.length === 0 || info.acceptedCas.some((c) => c.der.equals(facts.issuerDer));
  if (!matches) problems.push(`issued by '${facts.issuer}', which the server does not list`);
  return { step: 'our client certificate', ok: problems.length === 0, detail: `${facts.subject}, issued by '${facts.issuer}'${problems.length ? `: ${problems.join('; ')}` : ''}` };
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
  const sentClient = input.cert !== undefined || input.pfx !== undefined;
  if (!sentClient && (alert === 'certificate_required' || alert === 'handshake_failure' || reason.code === 'NO_CLIENT_CERT' || info.requested)) {
    return fail('NO_CLIENT_CERT', 'No client certificate was sent, but the server requires one; pass --cert and --key (or --pfx).');
  }
  if (facts?.expired || alert === 'certificate_expired' || reason.code === 'CLIENT_CERT_EXPIRED') {
    return fail('CLIENT_CERT_EXPIRED', `The client certificate${facts ? ` (${facts.subject})` : ''} has expired; issue a new one (mtlskit client issue --force).`);
  }
  if (alert === 'certificate_revoked' || reason.code === 'CLIENT_CERT_REVOKED') {
    return fail('CLIENT_CERT_REVOKED', `The client certificate${facts ? ` (${facts.subject})` : ''} is revoked; issue a new one.`);
  }
  if ((facts && !facts.clientAuth) || alert === 'unsupported_certificate' || reason.code === 'WRONG_PURPOSE') {
    return fail('WRONG_PURPOSE', `The certificate sent${facts ? ` (${facts.subject})` : ''} is not a client certificate (no clientAuth purpose); use one from 'mtlskit client issue'.`);
  }
  const listed = info.acceptedCas.length > 0 && facts ? info.acceptedCas.some((c) => c.der.equals(facts.issuerDer)) : undefined;
  const unknownCa = alert === 'unknown_ca' || alert === 'bad_certificate' || alert === 'decrypt_error' || reason.code === 'UNKNOWN_CA';
  if (listed === true && unknownCa) {
    return fail('UNKNOWN_CA', `The client certificate names '${facts!.issuer}' as its issuer, a CA the server accepts, but was signed by another key: it comes from a different CA with the same name; get a certificate from the server's CA.`);
  }
  if (listed === false || unknownCa) {
    const accepted = info.acceptedCas.map((c) => `'${c.name}'`).join(', ');
    return fail('UNKNOWN_CA', `The client certificate was issued by '${facts?.issuer ?? 'another CA'}', which the server does not trust${accepted ? ` (it accepts ${accepted})` : ''}; get a certificate from the server's CA or have it trust yours.`);
  }
  if (reason.text) return fail(reason.code ?? 'CLIENT_CERT_REFUSED', `The server refused the client certificate: ${reason.text}.`);
  const detail = error ? ` (${error.code ?? error.message})` : '';
  return fail('CLIENT_CERT_REFUSED', `The server closed the connection after the handshake${detail}: it most likely refused the client certificate; check it with 'mtlskit verify CERT --purpose client --ca THEIR-CA'.`);
}
