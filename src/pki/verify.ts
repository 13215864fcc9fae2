/**
 * Certificate path validation following RFC 5280 section 6, with every problem said in one sentence
 * that names the certificate and what to do. Collects all problems instead of stopping at the first.
 *
 * Choices where implementations differ:
 * - A trust anchor is a certificate from --ca. Its signature is not checked (RFC 5280 trust-anchor
 *   information), but its validity period, keyUsage, pathLenConstraint and name constraints are, as OpenSSL
 *   and TLS stacks do: an expired root is reported as EXPIRED.
 * - v1/v2 certificates are CAs only as trust anchors.
 * - MD5 signatures are rejected; SHA-1 ones are valid by RFC 5280 and a warning (an error with rejectSha1,
 *   as TLS libraries at their default security level treat them).
 * - The subject CN is matched against --host only when the certificate has no subjectAltName at all.
 * - With CRLs given, every certificate below the anchor needs a usable CRL (as openssl -crl_check_all).
 * - Certificate policies are processed with RFC 5280's default inputs (any policy acceptable, nothing
 *   required up front).
 * - The purpose (EKU, keyUsage) is checked on the leaf only (RFC 5280 has no EKU chaining).
 */
import type { KeyObject } from 'node:crypto';
import { badInput } from '../errors.js';
import { keyMatchesPublicKey } from './keys.js';
import { keyDamage } from './key-check.js';
import { SIGNATURE_ALGORITHMS } from './signature.js';
import { readCertificate, type CertInfo, type GeneralNames } from './verify-cert.js';
import { checkRevocation, readCrlInfo, type CrlInfo, type RevocationContext } from './verify-crl.js';
import { dnWithin, dnsWithin, emailWithin, hostMatchesDnsName, ipWithin, uriWithin } from './verify-names.js';
import { ipAddressBytes, isIP } from './ip-address.js';
import { policyProblem } from './verify-policy.js';
import { certificateSignedBy, withInheritedDsaParams } from './verify-signature.js';

export type Purpose = 'server' | 'client';

export interface VerifyInput {
  chain: { der: Buffer; source: string }[];
  trusted: { der: Buffer; source: string }[];
  untrusted: { der: Buffer; source: string }[];
  crls: { der: Buffer; source: string }[];
  at: Date;
  host?: string;
  purpose?: Purpose;
  privateKey?: KeyObject;
  /** Fail on SHA-1 signatures (TLS libraries refuse them at their default security level); otherwise they are a warning. */
  rejectSha1?: boolean;
}

export interface VerifyProblem {
  code: string;
  certificate: string;
  message: string;
}

export interface VerifyResult {
  valid: boolean;
  path: { subject: string; issuer: string; serialHex: string; source: string; notAfter: string }[];
  problems: VerifyProblem[];
  /** Valid by RFC 5280, but worth knowing (SHA-1 signatures unless rejectSha1). */
  warnings: VerifyProblem[];
}

const UNDERSTOOD_EXTENSIONS = new Set([
  '2.5.29.19',
  '2.5.29.15',
  '2.5.29.37',
  '2.5.29.17',
  '2.5.29.14',
  '2.5.29.35',
  '2.5.29.30',
  '2.5.29.31',
  '2.5.29.32',
  '2.5.29.36',
  '2.5.29.54',
  '2.5.29.33',
  '2.5.29.18',
  '2.5.29.46',
  '1.3.6.1.5.5.7.1.1',
]);
const EKU = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2', any: '2.5.29.37.0' };
const KU = { digitalSignature: 1, keyEncipherment: 4, keyAgreement: 16, keyCertSign: 32 };
const BROKEN_HASHES = new Set(['md5', 'md2']);
const MAX_DEPTH = 10;
/** Candidate paths tried at most (cross-certified meshes can have very many). */
const MAX_PATHS = 64;
/** How deep CRL-signer certificates are themselves validated (a signer's CRL signed by yet another signer...). */
const MAX_SIGNER_DEPTH = 3;

const label = (c: CertInfo) => `${c.source} ('${c.subject}')`;
const day = (d: Date) => d.toISOString().replace('.000Z', 'Z');

/** Everything one verifyCertificate call shares between the main path and CRL-signer paths. */
interface Env {
  input: VerifyInput;
  crls: CrlInfo[];
  /** Chain extras and --untrusted: where intermediates come from. */
  pool: CertInfo[];
  trusted: CertInfo[];
  /** CRL signers being validated right now: a CRL-signing certificate may vouch for its own status (PKITS 4.5.6). */
  inProgress: Set<CertInfo>;
  signerVerdicts: Map<CertInfo, boolean>;
}

interface Checked {
  problems: VerifyProblem[];
  warnings: VerifyProblem[];
}

export async function verifyCertificate(input: VerifyInput): Promise<VerifyResult> {
  if (input.chain.length === 0)
    throw badInput('No certificate was given to verify; give a PEM or DER certificate file.');
  const chain = input.chain.map((c) => readCertificate(c.der, c.source));
  const trusted = input.trusted.map((c) => readCertificate(c.der, c.source));
  const pool = [...chain.slice(1), ...input.untrusted.map((c) => readCertificate(c.der, c.source))];
  const crls = input.crls.map((c) => readCrlInfo(c.der, c.source));
  const env: Env = { input, crls, pool, trusted, inProgress: new Set(), signerVerdicts: new Map() };

  let best: ({ path: CertInfo[]; anchor?: CertInfo } & Checked) | undefined;
  for (const candidate of buildPaths(chain[0]!, pool, trusted)) {
    const checked = checkPath(candidate.path, candidate.anchor, env, 0);
    // A path to a trust anchor beats any partial one, whatever the counts; then the fewest problems.
    const better =
      !best ||
      (best.anchor === undefined && candidate.anchor !== undefined) ||
      ((best.anchor === undefined) === (candidate.anchor === undefined) &&
        checked.problems.length < best.problems.length);
    if (better) best = { ...candidate, ...checked };
    if (checked.problems.length === 0) break;
  }
  const chosen = best!;
  const linked = chosen.anchor ? [...chosen.path, chosen.anchor] : chosen.path;
  return {
    valid: chosen.problems.length === 0,
    path: dedupe(linked).map((c) => ({
      subject: c.subject,
      issuer: c.issuer,
      serialHex: c.serialHex,
      source: c.source,
      notAfter: c.notAfter.toISOString(),
    })),
    problems: chosen.problems,
    warnings: chosen.warnings,
  };
}

function dedupe(list: CertInfo[]): CertInfo[] {
  return list.filter((c, i) => list.findIndex((o) => o.der.equals(c.der)) === i);
}

const selfIssued = (c: CertInfo) => c.subjectKey === c.issuerKey;
/** Self-issued and signed by its own key: the top of a chain. A self-issued certificate signed by another key (CA key rollover) is not. */
const selfSigned = (c: CertInfo) => selfIssued(c) && certificateSignedBy(c, c.spki);

/** Issuer candidates by name, those whose key identifier matches first. */
function issuersOf(cert: CertInfo, among: CertInfo[]): CertInfo[] {
  const named = among.filter((c) => c.subjectKey === cert.issuerKey && !c.der.equals(cert.der));
  return named.sort(
    (a, b) => Number(b.ski !== undefined && b.ski === cert.aki) - Number(a.ski !== undefined && a.ski === cert.aki),
  );
}

type Candidate = { path: CertInfo[]; anchor?: CertInfo };

/**
 * Paths from the leaf upward (depth- and count-limited, loop-free); complete ones (ending at an anchor) first,
 * then partial ones, longest first. The cap keeps a mesh of cross-certificates from exploding the search.
 */
function buildPaths(leaf: CertInfo, pool: CertInfo[], trusted: CertInfo[]): Candidate[] {
  const complete: Candidate[] = [];
  const partial: Candidate[] = [];
  const full = () => complete.length + partial.length >= MAX_PATHS;
  const walk = (path: CertInfo[]) => {
    const top = path[path.length - 1]!;
    // The leaf itself may be a trust anchor (verifying ca.crt against ca.crt).
    if (path.length === 1 && trusted.some((t) => t.der.equals(top.der))) {
      complete.push({ path: [], anchor: top });
      return;
    }
    for (const anchor of issuersOf(top, trusted)) if (!full()) complete.push({ path, anchor });
    if (path.length >= MAX_DEPTH || selfSigned(top)) {
      partial.push({ path });
      return;
    }
    const next = issuersOf(top, pool).filter((c) => !path.some((p) => p.der.equals(c.der)));
    if (next.length === 0) partial.push({ path });
    for (const c of next) if (!full()) walk([...path, c]);
  };
  walk([leaf]);
  return [...complete, ...partial.sort((a, b) => b.path.length - a.path.length)];
}

function checkPath(path: CertInfo[], anchor: CertInfo | undefined, env: Env, depth: number): Checked {
  const { input } = env;
  const problems: VerifyProblem[] = [];
  const warnings: VerifyProblem[] = [];
  const add: Add = (code, cert, message) => problems.push({ code, certificate: cert.source, message });
  const all = anchor ? [...path, anchor] : path;
  const leaf = path[0] ?? anchor!;

  if (!anchor) reportUnknownIssuer(path[path.length - 1]!, env.trusted, add);
  checkSignatures(path, all, input.rejectSha1 === true, add, warnings);
  for (const cert of all) {
    if (input.at < cert.notBefore)
      add(
        'NOT_YET_VALID',
        cert,
        `${label(cert)} is not valid until ${day(cert.notBefore)}; check the clocks, or wait.`,
      );
    if (input.at > cert.notAfter)
      add(
        'EXPIRED',
        cert,
        `${label(cert)} expired on ${day(cert.notAfter)}; ${cert === leaf ? 'issue a new certificate' : 'renew this CA and re-issue what it signed'}.`,
      );
    for (const oid of cert.criticalExtensions) {
      if (!UNDERSTOOD_EXTENSIONS.has(oid))
        add(
          'UNKNOWN_CRITICAL_EXTENSION',
          cert,
          `${label(cert)} has a critical extension (${oid}) that verifiers do not understand, so they must reject it; re-issue it without that extension or mark it non-critical.`,
        );
    }
  }
  checkIssuers(path, anchor, add);
  const policy = path.length > 0 ? policyProblem([...path].reverse()) : undefined;
  if (policy) add('POLICY', policy.cert, `${policy.message}.`);
  checkNameConstraints(all, add);
  if (input.purpose) checkPurpose(leaf, input.purpose, add);
  if (input.host) checkHost(leaf, input.host, add);
  if (input.privateKey && !keyMatchesPublicKey(input.privateKey, leaf.spki)) {
    add(
      'KEY_MISMATCH',
      leaf,
      `The private key given does not belong to ${label(leaf)}; use the key the certificate was issued for (NAME.key beside NAME.crt).`,
    );
  } else if (input.privateKey) {
    const damage = keyDamage(input.privateKey);
    if (damage)
      add(
        'BAD_KEY',
        leaf,
        `The private key given for ${label(leaf)} is damaged (${damage}), so its signatures do not verify and TLS handshakes with it fail; use an intact copy of the key or issue a new certificate.`,
      );
  }
  // Without an anchor UNKNOWN_ISSUER already says it all; CRLs of a path that leads nowhere would only add noise.
  if (env.crls.length > 0 && anchor) checkRevocation(path, all, revocationContext(all, anchor, env, depth), add);
  return { problems, warnings };
}

/** The issuer at the top is not given: a missing intermediate when it shares the organization of a trusted CA, else another CA. */
function reportUnknownIssuer(top: CertInfo, trusted: CertInfo[], add: Add): void {
  const given = trusted.map((a) => `'${a.subject}'`).join(', ');
  if (selfSigned(top)) {
    add(
      'UNKNOWN_ISSUER',
      top,
      `${label(top)} is a self-signed CA that is not among the trusted CAs (${given}); pass it with --ca if you trust it.`,
    );
    return;
  }
  const org = organizationOf(top.issuer);
  if (org !== undefined && trusted.some((a) => organizationOf(a.subject) === org)) {
    add(
      'MISSING_INTERMEDIATE',
      top,
      `${label(top)} was issued by '${top.issuer}', which is not among the certificates given (trusted: ${given}); pass that intermediate CA with --untrusted, or append it to ${top.source}.`,
    );
  } else {
    add(
      'UNKNOWN_ISSUER',
      top,
      `${label(top)} was issued by '${top.issuer}', but the CA given is ${given}; pass the CA that signed it with --ca, and any intermediate CA with --untrusted.`,
    );
  }
}

function organizationOf(dnText: string): string | undefined {
  const o = dnText.split(', ').filter((part) => part.startsWith('O='));
  return o.length > 0 ? o.join('+').toLowerCase() : undefined;
}

/** Each certificate's working public key: its SPKI, with DSA parameters inherited from above when it omits them. */
function workingKeys(all: CertInfo[]): Map<CertInfo, Buffer> {
  const keys = new Map<CertInfo, Buffer>();
  let above: Buffer | undefined;
  for (let i = all.length - 1; i >= 0; i--) {
    above = withInheritedDsaParams(all[i]!.spki, above);
    keys.set(all[i]!, above);
  }
  return keys;
}

function checkSignatures(
  path: CertInfo[],
  all: CertInfo[],
  rejectSha1: boolean,
  add: Add,
  warnings: VerifyProblem[],
): void {
  const keys = workingKeys(all);
  for (let i = 0; i < path.length; i++) {
    const cert = path[i]!;
    const issuer = all[i + 1];
    const alg = SIGNATURE_ALGORITHMS[cert.signatureOid];
    if (!alg) {
      add(
        'BAD_SIGNATURE',
        cert,
        `${label(cert)} is signed with an algorithm mtlskit does not know (${cert.signatureOid}); re-issue it with SHA-256.`,
      );
      continue;
    }
    if (issuer && !certificateSignedBy(cert, keys.get(issuer)!)) {
      add(
        'BAD_SIGNATURE',
        cert,
        `${label(cert)} names '${cert.issuer}' as its issuer, but the signature does not verify with ${issuer.source}'s key; it was signed by a different CA with the same name, or it was altered.`,
      );
    }
    if (BROKEN_HASHES.has(alg.hash))
      add(
        'WEAK_SIGNATURE',
        cert,
        `${label(cert)} is signed with ${alg.name}, which is broken; re-issue it with SHA-256.`,
      );
    else if (alg.hash === 'sha1') {
      // RFC 5280 allows SHA-1; TLS libraries at their default security level refuse it.
      const message = `${label(cert)} is signed with ${alg.name}, which TLS libraries refuse at their default security level; re-issue it with SHA-256.`;
      if (rejectSha1) add('WEAK_SIGNATURE', cert, message);
      else warnings.push({ code: 'WEAK_SIGNATURE', certificate: cert.source, message });
    }
  }
}

/**
 * What CRL checking may rely on: issuers in this path sign CRLs for it; any other certificate that signed a
 * CRL must itself validate, revocation included, up to the same trust anchor (RFC 5280 6.3.3 f).
 */
function revocationContext(all: CertInfo[], anchor: CertInfo, env: Env, depth: number): RevocationContext {
  const everyone = dedupe([...all, ...env.pool, ...env.trusted]);
  const issuers = all.slice(1);
  return {
    at: env.input.at,
    crls: env.crls,
    certsNamed: (nameKey) => everyone.filter((c) => c.subjectKey === nameKey),
    signerTrusted: (signer) => {
      if (issuers.some((c) => c.der.equals(signer.der)) || env.inProgress.has(signer)) return true;
      if (depth >= MAX_SIGNER_DEPTH) return false;
      const known = env.signerVerdicts.get(signer);
      if (known !== undefined) return known;
      env.inProgress.add(signer);
      const signerEnv: Env = {
        ...env,
        input: { ...env.input, host: undefined, purpose: undefined, privateKey: undefined },
      };
      const ok = buildPaths(signer, env.pool, [anchor]).some(
        (p) => p.anchor !== undefined && checkPath(p.path, p.anchor, signerEnv, depth + 1).problems.length === 0,
      );
      env.inProgress.delete(signer);
      env.signerVerdicts.set(signer, ok);
      return ok;
    },
  };
}

type Add = (code: string, cert: CertInfo, message: string) => void;

/** Every certificate that signs another must be a CA allowed to sign, within its pathLenConstraint. */
function checkIssuers(path: CertInfo[], anchor: CertInfo | undefined, add: Add): void {
  const issuers = anchor ? [...path.slice(1), anchor] : path.slice(1);
  issuers.forEach((ca, k) => {
    const isAnchor = ca === anchor;
    if (!ca.isCa && !(isAnchor && ca.version < 3)) {
      add(
        'NOT_A_CA',
        ca,
        `${label(ca)} signed another certificate but is not a CA (no basicConstraints CA:TRUE); re-issue it as a CA (mtlskit ca init --issuer) or use the real CA.`,
      );
    }
    if (ca.keyUsage !== undefined && (ca.keyUsage & KU.keyCertSign) === 0) {
      add(
        'KEY_USAGE_NO_CERTSIGN',
        ca,
        `${label(ca)} signed a certificate but its keyUsage lacks keyCertSign; re-issue the CA with keyCertSign.`,
      );
    }
    if (ca.pathLength !== undefined) {
      // CAs between this one and the leaf that are not self-issued count against pathLenConstraint.
      const below = path.slice(1, k + 1).filter((c) => !selfIssued(c)).length;
      if (below > ca.pathLength) {
        add(
          'PATH_LENGTH_EXCEEDED',
          ca,
          `${label(ca)} allows ${ca.pathLength} CA level(s) below it (pathlen:${ca.pathLength}) but ${below} follow; issue the leaf from a CA higher up or re-issue with a larger pathlen.`,
        );
      }
    }
  });
}

function namesOf(cert: CertInfo): GeneralNames {
  const san = cert.san ?? { dns: [], ip: [], email: [], uri: [], dirNames: [] };
  // The subject DN and any directoryName in the SAN; emailAddress attributes of the DN count as rfc822Names.
  return { ...san, email: [...san.email, ...cert.emailInSubject], dirNames: [cert.subjectKey, ...san.dirNames] };
}

/** Name constraints of each CA apply to every certificate below it (RFC 5280 6.1.3 b, c). */
function checkNameConstraints(all: CertInfo[], add: Add): void {
  for (let i = 1; i < all.length; i++) {
    const nc = all[i]!.nameConstraints;
    if (!nc) continue;
    for (let j = 0; j < i; j++) {
      const cert = all[j]!;
      // A self-issued CA certificate inside the path is exempt (RFC 5280 6.1.3 b-c: key rollover keeps the CA's name).
      if (j > 0 && selfIssued(cert)) continue;
      const names = namesOf(cert);
      const violation = firstViolation(names, nc, cert);
      if (violation)
        add(
          'NAME_CONSTRAINTS',
          cert,
          `${label(cert)} has the name ${violation}, which ${all[i]!.source} ('${all[i]!.subject}') does not allow; issue it with a name inside the CA's permitted names.`,
        );
    }
  }
}

/** The first value outside the permitted subtrees (when there are any) or inside an excluded one. */
function outside<T>(
  values: T[],
  permitted: T[],
  excluded: T[],
  within: (value: T, constraint: T) => boolean,
  show: (value: T) => string,
): string | undefined {
  for (const v of values) {
    if (excluded.some((c) => within(v, c))) return show(v);
    if (permitted.length > 0 && !permitted.some((c) => within(v, c))) return show(v);
  }
  return undefined;
}

function firstViolation(
  names: GeneralNames,
  nc: NonNullable<CertInfo['nameConstraints']>,
  cert: CertInfo,
): string | undefined {
  // Without DNS or IP SANs, a host-name-like CN is checked as a DNS name (as OpenSSL does).
  const dnsNames =
    names.dns.length > 0
      ? names.dns
      : names.ip.length === 0 && !cert.san
        ? cert.commonNames.filter((cn) => /^[a-z0-9*-]+(\.[a-z0-9-]+)+$/i.test(cn))
        : [];
  const { permitted: p, excluded: x } = nc;
  return (
    outside(dnsNames, p.dns, x.dns, dnsWithin, (n) => `DNS:${n}`) ??
    outside(names.email, p.email, x.email, emailWithin, (n) => `email:${n}`) ??
    outside(names.ip, p.ip, x.ip, ipWithin, (n) => `IP:${ipText(n)}`) ??
    outside(names.uri, p.uri, x.uri, uriWithin, (n) => `URI:${n}`) ??
    outside(
      names.dirNames.filter((d) => d !== ''),
      p.dirNames,
      x.dirNames,
      dnWithin,
      () => `'${cert.subject}'`,
    )
  );
}

function ipText(b: Buffer): string {
  return b.length === 4 ? [...b].join('.') : b.toString('hex').replace(/(.{4})(?!$)/g, '$1:');
}

function checkPurpose(leaf: CertInfo, purpose: Purpose, add: Add): void {
  const wanted = EKU[purpose];
  const other = purpose === 'server' ? 'client' : 'server';
  if (leaf.extKeyUsage && !leaf.extKeyUsage.includes(wanted) && !leaf.extKeyUsage.includes(EKU.any)) {
    const isOther = leaf.extKeyUsage.includes(EKU[other]);
    add(
      'WRONG_PURPOSE',
      leaf,
      `${label(leaf)} is ${isOther ? `a ${other} certificate` : 'not made for TLS'} (extendedKeyUsage lacks ${purpose}Auth), so it will be refused as a ${purpose} certificate; issue one with 'mtlskit ${purpose} issue'.`,
    );
    return;
  }
  if (leaf.keyUsage !== undefined) {
    const needed =
      purpose === 'server'
        ? KU.digitalSignature | KU.keyEncipherment | KU.keyAgreement
        : KU.digitalSignature | KU.keyAgreement;
    if ((leaf.keyUsage & needed) === 0)
      add(
        'WRONG_PURPOSE',
        leaf,
        `${label(leaf)} has a keyUsage that does not allow TLS ${purpose} authentication (it needs digitalSignature); issue one with 'mtlskit ${purpose} issue'.`,
      );
  }
  if (leaf.isCa && purpose === 'client') {
    // OpenSSL refuses CA certificates as SSL clients unless they are also proper leaves; say so plainly.
    add(
      'WRONG_PURPOSE',
      leaf,
      `${label(leaf)} is a CA certificate, not a client certificate; issue one with 'mtlskit client issue'.`,
    );
  }
}

function checkHost(leaf: CertInfo, host: string, add: Add): void {
  const ip = isIP(host) ? ipAddressBytes(host) : undefined;
  const san = leaf.san;
  let ok: boolean;
  if (ip) ok = (san?.ip ?? []).some((b) => b.equals(ip));
  else if (san && san.dns.length > 0) ok = san.dns.some((d) => hostMatchesDnsName(host, d));
  // The subject CN counts only when there is no subjectAltName at all (stricter than RFC 6125 6.4.4: any SAN disables it).
  else ok = !san && leaf.commonNames.some((cn) => hostMatchesDnsName(host, cn));
  if (!ok) {
    const names = san
      ? [...san.dns.map((d) => `DNS:${d}`), ...san.ip.map((b) => `IP:${ipText(b)}`)]
      : leaf.commonNames.map((cn) => `CN=${cn}`);
    add(
      'HOSTNAME_MISMATCH',
      leaf,
      `${label(leaf)} is not valid for ${ip ? 'the IP address' : 'the host name'} ${host} (its names: ${names.join(', ') || 'none'}); issue it with --${ip ? 'ip' : 'dns'} ${host}, or connect with one of its names.`,
    );
  }
}
