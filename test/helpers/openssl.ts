/**
 * openssl as the interop tests use it: set-up steps that must succeed (`opensslOk`), the arguments of a new
 * key for `openssl req` (`newKeyArgs`), and the independent check of a certificate (`opensslVerify`).
 */
import { openssl, type RunResult } from './run.js';

/** Runs openssl for a set-up step: throws with the command and its stderr when it exits non-zero. */
export function opensslOk(args: string[], opts: { cwd?: string; input?: string } = {}): RunResult {
  const r = openssl(args, opts);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${r.stderr}`);
  return r;
}

/** DSA domain parameters (1024 bits, which keeps openssl quick) written to `out`. */
export function opensslDsaParams(out: string): RunResult {
  return opensslOk(['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:1024', '-out', out]);
}

/**
 * `openssl req` arguments for a new unencrypted key written to `keyOut`. `keyType` as mtlskit's --key-type:
 * ec:CURVE (ec:P-256 unless given), rsa:BITS or ed25519.
 */
export function newKeyArgs(keyOut: string, keyType = 'ec:P-256'): string[] {
  const [alg, curve] = keyType.split(':');
  const spec = alg === 'ec' ? ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${curve}`] : ['-newkey', keyType];
  return [...spec, '-nodes', '-keyout', keyOut];
}

export interface VerifyOptions {
  /** `-x509_strict` (the default); false only where a test checks openssl without it. */
  strict?: boolean;
  /** `-purpose sslserver|sslclient`. */
  purpose?: 'sslserver' | 'sslclient';
  /** `-verify_hostname NAME`. */
  hostname?: string;
  /** `-crl_check -CRLfile CRL`: the certificate itself is checked against the CRL. */
  crl?: string;
  /** `-untrusted FILE`: intermediates. */
  untrusted?: string;
  cwd?: string;
}

/**
 * `openssl verify [-x509_strict] [-purpose P] [-verify_hostname H] [-crl_check -CRLfile CRL] [-untrusted U]
 * -CAfile CA CERT`: exit status 0 and "CERT: OK" when openssl accepts the certificate.
 */
export function opensslVerify(ca: string, cert: string, opts: VerifyOptions = {}): RunResult {
  const args = ['verify'];
  if (opts.strict ?? true) args.push('-x509_strict');
  if (opts.purpose) args.push('-purpose', opts.purpose);
  if (opts.hostname !== undefined) args.push('-verify_hostname', opts.hostname);
  if (opts.crl !== undefined) args.push('-crl_check', '-CRLfile', opts.crl);
  if (opts.untrusted !== undefined) args.push('-untrusted', opts.untrusted);
  args.push('-CAfile', ca, cert);
  return openssl(args, { cwd: opts.cwd });
}

export interface SignCsrOptions {
  /** The CSR, the CA's certificate and key, and where the certificate goes. */
  csr: string;
  ca: string;
  caKey: string;
  out: string;
  days: number;
  /** The extension lines; `extensions` names their section when the file has sections. */
  extfile: string;
  extensions?: string;
  /** `-set_serial SERIAL`; without it `-CAcreateserial` (a random serial, kept next to the CA). */
  serial?: string;
  /** `-sha256`, `-sha384`, ...: the signature's digest; openssl's default without it. */
  digest?: string;
  /** More arguments, e.g. `-passin` for the CA key or `-sigopt`. */
  extra?: string[];
  cwd?: string;
}

/** `openssl x509 -req`: the CA signs the CSR, as a set-up step that must succeed. */
export function opensslSignCsr(o: SignCsrOptions): RunResult {
  const args = ['x509', '-req', '-in', o.csr, '-CA', o.ca, '-CAkey', o.caKey];
  args.push(...(o.serial === undefined ? ['-CAcreateserial'] : ['-set_serial', o.serial]));
  args.push('-days', String(o.days));
  if (o.digest) args.push(`-${o.digest}`);
  args.push(...(o.extra ?? []), '-extfile', o.extfile);
  if (o.extensions) args.push('-extensions', o.extensions);
  args.push('-out', o.out);
  return opensslOk(args, { cwd: o.cwd });
}
