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
 * - Profiles (verify-lint.ts): the default, strict, fails what any mainstream validator (Go, rustls/webpki,
 *   browsers, pyca/cryptography, OpenSSL) refuses; rfc5280 only RFC 5280's MUSTs; openssl what OpenSSL-based peers
 *   refuse. A problem the chosen profile tolerates but strict does not is a warning.
 * - The subject CN is never matched against --host under strict (Chrome, Go, rustls); under rfc5280 only when
 *   the certificate has no subjectAltName at all; under openssl when it has no DNS subjectAltName (as OpenSSL).
 * - Bounded work: at most MAX_SIGNATURE_CHECKS signature checks while building paths, MAX_NC_CHECKS name
 *   comparisons per path, --max-depth intermediates (default 8); beyond that the chain is refused, never searched on.
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
import {
  dnWithin,
  dnsMayCover,
  dnsWithin,
  emailWithin,
  hostMatchesDnsName,
  ipWithin,
  uriWithin,
} from './verify-names.js';
import { ipAddressBytes, isIP } from './ip-address.js';
import { policyProblem } from './verify-policy.js';
import { certificateSignedBy, withInheritedDsaParams } from './verify-signature.js';
import { EKU_OIDS, lintCertificate, type Role, type VerifyProfile } from './verify-lint.js';
import { PLATFORM_NAMES, serverPlatformRules, type Platform } from './leaf-policy.js';
import { ipText as ipTextShort } from './extension-values.js';

export type { VerifyProfile } from './verify-lint.js';

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
  /** strict (default), rfc5280 or openssl. */
  profile?: VerifyProfile;
  /** This platform's policy decides too: its rules become problems instead of warnings. */
  platform?: Platform;
  /** Intermediates allowed between the leaf and the trust anchor (default 8). */
  maxDepth?: number;
}

export interface VerifyProblem {
  code: string;
  certificate: string;
  message: string;
  /** For platform rules: which platform refuses. */
  platform?: Platform;
}

export interface VerifyResult {
  valid: boolean;
  path: { subject: string; issuer: string; serialHex: string; source: string; notAfter: string }[];
  problems: VerifyProblem[];
  /** Valid under the profile, but worth knowing: what stricter validators or platforms refuse. */
  warnings: VerifyProblem[];
  profile: VerifyProfile;
  /** Refused by the strict profile but accepted by OpenSSL-based peers (nginx, curl, Node). */
  opensslAccepts: boolean;
}

/** Limits that keep pathological input from costing more than a moment (documented in the README). */
export const LIMITS = {
  /** Signature checks while choosing issuers among same-named candidates. */
  maxSignatureChecks: 256,
  /** Name-constraint comparisons (constraints × names) over one path. */
  maxNameConstraintChecks: 65_536,
  /** Default --max-depth: intermediates between leaf and anchor. */
  defaultMaxDepth: 8,
  /** --max-depth cannot go beyond this. */
  maxDepthCeiling: 32,
} as const;

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
const ALL: VerifyProfile[] = ['strict', 'rfc5280', 'openssl'];
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
  profile: VerifyProfile;
  maxDepth: number;
  /** Signature checks spent on path building (LIMITS.maxSignatureChecks). */
  budget: { signatures: number; exhausted: boolean };
  signedBy: Map<CertInfo, Map<CertInfo, boolean>>;
}

/** A problem and the profiles that refuse it. */
interface Entry extends VerifyProblem {
  refusedBy: VerifyProfile[];
}

interface Checked {
  entries: Entry[];
  problems: VerifyProblem[];
  warnings: VerifyProblem[];
}

const strip = ({ refusedBy: _r, ...p }: Entry): VerifyProblem => p;

/** Splits entries into this profile's problems and the warnings (what another profile or a platform refuses). */
function split(entries: Entry[], profile: VerifyProfile): Checked {
  const problems = entries.filter((e) => e.refusedBy.includes(profile)).map(strip);
  const warnings = entries.filter((e) => !e.refusedBy.includes(profile)).map(strip);
  return { entries, problems, warnings };
}

export async function verifyCertificate(input: VerifyInput): Promise<VerifyResult> {
  if (input.chain.length === 0)
    throw badInput('No certificate was given to verify; give a PEM or DER certificate file.');
  const profile = input.profile ?? (input.platform === 'openssl' ? 'openssl' : 'strict');
  const maxDepth = Math.min(input.maxDepth ?? LIMITS.defaultMaxDepth, LIMITS.maxDepthCeiling);
  // Validity is judged to the second, as certificates state it (a fraction of a second past notAfter is still valid).
  input = { ...input, at: new Date(Math.floor(input.at.getTime() / 1000) * 1000) };
  const chain = input.chain.map((c) => readCertificate(c.der, c.source));
  const trusted = input.trusted.map((c) => readCertificate(c.der, c.source));
  const pool = [...chain.slice(1), ...input.untrusted.map((c) => readCertificate(c.der, c.source))];
  const crls = input.crls.map((c) => readCrlInfo(c.der, c.source));
  const env: Env = {
    input,
    crls,
    pool,
    trusted,
    inProgress: new Set(),
    signerVerdicts: new Map(),
    profile,
    maxDepth,
    budget: { signatures: 0, exhausted: false },
    signedBy: new Map(),
  };

  let best: ({ path: CertInfo[]; anchor?: CertInfo } & Checked) | undefined;
  for (const candidate of buildPaths(chain[0]!, env)) {
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
  if (env.budget.exhausted && chosen.problems.length > 0) {
    const entry: Entry = {
      code: 'TOO_COMPLEX',
      certificate: chain[0]!.source,
      message: `${label(chain[0]!)} comes with too many same-named candidate issuers to try (more than ${LIMITS.maxSignatureChecks} signature checks); give only the intermediates of its chain with --untrusted.`,
      refusedBy: ALL,
    };
    chosen.entries.push(entry);
    chosen.problems.push(strip(entry));
  }
  const platformEntries = platformRules(chosen.path[0] ?? chosen.anchor!, input);
  for (const e of platformEntries) (e.platform === input.platform ? chosen.problems : chosen.warnings).push(e);
  const opensslAccepts =
    profile === 'strict' &&
    chosen.problems.length > 0 &&
    chosen.entries.every((e) => !e.refusedBy.includes('openssl')) &&
    (input.platform === undefined ||
      input.platform === 'openssl' ||
      !platformEntries.some((e) => e.platform === input.platform));
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
    profile,
    opensslAccepts,
  };
}

/** The platforms' rules for a TLS server leaf, as problems for --platform and warnings otherwise. */
function platformRules(leaf: CertInfo, input: VerifyInput): VerifyProblem[] {
  const server =
    input.purpose === 'server' ||
    (input.purpose === undefined && input.host !== undefined) ||
    (input.purpose === undefined && (leaf.extKeyUsage ?? []).includes(EKU_OIDS.server));
  if (!server || leaf.isCa) return [];
  const alg = SIGNATURE_ALGORITHMS[leaf.signatureOid];
  return serverPlatformRules(
    {
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
      sanNames: (leaf.san?.dns.length ?? 0) + (leaf.san?.ip.length ?? 0),
      extKeyUsage: leaf.extKeyUsage,
      key: leaf.form.key,
      signatureHash: alg?.hash ?? '',
    },
    leaf.source,
  ).map((r) => ({ code: r.code, certificate: leaf.source, message: r.message, platform: r.platform }));
}

export const platformName = (p: Platform) => PLATFORM_NAMES[p];

function dedupe(list: CertInfo[]): CertInfo[] {
  return list.filter((c, i) => list.findIndex((o) => o.der.equals(c.der)) === i);
}

const selfIssued = (c: CertInfo) => c.subjectKey === c.issuerKey;
/** Self-issued and signed by its own key: the top of a chain. A self-issued certificate signed by another key (CA key rollover) is not. */
const selfSignedCache = new WeakMap<CertInfo, boolean>();
const selfSigned = (c: CertInfo) => {
  let known = selfSignedCache.get(c);
  if (known === undefined) selfSignedCache.set(c, (known = selfIssued(c) && certificateSignedBy(c, c.spki)));
  return known;
};

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
 * then partial ones, longest first. Among several same-named issuers, only those whose key verifies the
 * signature are followed (while the signature budget lasts); the caps keep a mesh of cross-certificates or a
 * pile of look-alike CAs from exploding the search.
 */
function buildPaths(leaf: CertInfo, env: Env): Candidate[] {
  const { pool, trusted } = env;
  const complete: Candidate[] = [];
  const partial: Candidate[] = [];
  const full = () => complete.length + partial.length >= MAX_PATHS;
  // One more level than allowed, so a chain that is too long is found and reported as such.
  const depthLimit = env.maxDepth + 2;
  const plausible = (child: CertInfo, candidates: CertInfo[]): CertInfo[] => {
    if (candidates.length <= 1) return candidates;
    return candidates.filter((issuer) => {
      let seen = env.signedBy.get(child);
      if (!seen) env.signedBy.set(child, (seen = new Map()));
      let ok = seen.get(issuer);
      if (ok === undefined) {
        if (env.budget.signatures >= LIMITS.maxSignatureChecks) {
          env.budget.exhausted = true;
          return false;
        }
        env.budget.signatures++;
        ok = certificateSignedBy(child, issuer.spki);
        seen.set(issuer, ok);
      }
      return ok;
    });
  };
  const walk = (path: CertInfo[]) => {
    const top = path[path.length - 1]!;
    // The leaf itself may be a trust anchor (verifying ca.crt against ca.crt).
    if (path.length === 1 && trusted.some((t) => t.der.equals(top.der))) {
      complete.push({ path: [], anchor: top });
      return;
    }
    const anchors = issuersOf(top, trusted);
    const good = plausible(top, anchors);
    for (const anchor of good.length > 0 ? good : anchors) if (!full()) complete.push({ path, anchor });
    if (path.length >= depthLimit || selfSigned(top)) {
      partial.push({ path });
      return;
    }
    const named = issuersOf(top, pool).filter((c) => !path.some((p) => p.der.equals(c.der)));
    const verified = plausible(top, named);
    // None verifies: follow the first by name anyway, so the problem is named (BAD_SIGNATURE) instead of lost.
    const next = verified.length > 0 || env.budget.exhausted ? verified : named.slice(0, 1);
    if (next.length === 0) partial.push({ path });
    for (const c of next) if (!full() && !env.budget.exhausted) walk([...path, c]);
  };
  walk([leaf]);
  return [...complete, ...partial.sort((a, b) => b.path.length - a.path.length)];
}

function checkPath(path: CertInfo[], anchor: CertInfo | undefined, env: Env, depth: number): Checked {
  const { input } = env;
  const entries: Entry[] = [];
  const addFor = (refusedBy: VerifyProfile[], code: string, cert: CertInfo, message: string) =>
    entries.push({ code, certificate: cert.source, message, refusedBy });
  const add: Add = (code, cert, message) => addFor(ALL, code, cert, message);
  const all = anchor ? [...path, anchor] : path;
  const leaf = path[0] ?? anchor!;

  if (!anchor) reportUnknownIssuer(path[path.length - 1]!, env.trusted, add);
  if (path.length - 1 > env.maxDepth)
    add(
      'CHAIN_TOO_LONG',
      leaf,
      `${label(leaf)} reaches a trusted CA only through ${path.length - 1} intermediate CAs, more than the ${env.maxDepth} allowed (--max-depth); issue it from a CA closer to the root.`,
    );
  checkSignatures(path, all, input.rejectSha1 === true, addFor);
  // A host name means a TLS server: the CA/Browser Forum's server-certificate rules apply even without --purpose.
  const lintPurpose = input.purpose ?? (input.host !== undefined ? 'server' : undefined);
  for (const cert of all) {
    const role: Role = cert === anchor ? 'anchor' : cert === path[0] ? 'leaf' : 'ca';
    for (const f of lintCertificate(cert, role, lintPurpose, selfSigned(cert)))
      addFor(f.refusedBy, f.code, f.cert, f.message);
    if (role === 'anchor' && cert.version < 3)
      addFor(
        ['strict'],
        'LEGACY_CA',
        cert,
        `${label(cert)} is a version ${cert.version} CA certificate without basicConstraints; nginx and curl accept it as a trust anchor, Go, rustls and browsers refuse it; run 'mtlskit ca adopt' to re-issue it as a proper v3 CA with the same key.`,
      );
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
  checkNameConstraints(all, addFor);
  if (input.purpose) checkPurpose(leaf, input.purpose, addFor);
  if (input.purpose) checkCaPurposes(all.slice(1), input.purpose, add);
  if (input.host) checkHost(leaf, input.host, addFor);
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
  return split(entries, env.profile);
}

/** Go, pyca/cryptography, Windows and OpenSSL read an EKU in a CA certificate as a limit on what it may certify. */
function checkCaPurposes(cas: CertInfo[], purpose: Purpose, add: Add): void {
  for (const ca of cas) {
    const eku = ca.extKeyUsage;
    if (eku && !eku.includes(EKU[purpose]) && !eku.includes(EKU.any))
      add(
        'WRONG_PURPOSE',
        ca,
        `${label(ca)} limits what it certifies with an extendedKeyUsage that lacks ${purpose}Auth, so ${purpose} certificates below it are refused; re-issue the CA without extendedKeyUsage or with ${purpose}Auth.`,
      );
  }
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

/** Signature algorithms Go, rustls, browsers and pyca/cryptography accept (CA/Browser Forum BR 7.1.3.2). */
const STRICT_HASHES = new Set(['sha256', 'sha384', 'sha512']);

function checkSignatures(
  path: CertInfo[],
  all: CertInfo[],
  rejectSha1: boolean,
  addFor: (refusedBy: VerifyProfile[], code: string, cert: CertInfo, message: string) => void,
): void {
  const keys = workingKeys(all);
  for (let i = 0; i < path.length; i++) {
    const cert = path[i]!;
    const issuer = all[i + 1];
    const alg = SIGNATURE_ALGORITHMS[cert.signatureOid];
    if (!alg) {
      addFor(
        ALL,
        'BAD_SIGNATURE',
        cert,
        `${label(cert)} is signed with an algorithm mtlskit does not know (${cert.signatureOid}); re-issue it with SHA-256.`,
      );
      continue;
    }
    if (issuer && !certificateSignedBy(cert, keys.get(issuer)!)) {
      addFor(
        ALL,
        'BAD_SIGNATURE',
        cert,
        `${label(cert)} names '${cert.issuer}' as its issuer, but the signature does not verify with ${issuer.source}'s key; it was signed by a different CA with the same name, or it was altered.`,
      );
    }
    if (BROKEN_HASHES.has(alg.hash))
      addFor(
        ALL,
        'WEAK_SIGNATURE',
        cert,
        `${label(cert)} is signed with ${alg.name}, which is broken; re-issue it with SHA-256.`,
      );
    else if (alg.hash === 'sha1') {
      // RFC 5280 allows SHA-1; TLS libraries at their default security level refuse it.
      const message = `${label(cert)} is signed with ${alg.name}, which TLS libraries refuse at their default security level; re-issue it with SHA-256.`;
      addFor(rejectSha1 ? ALL : ['strict', 'openssl'], 'WEAK_SIGNATURE', cert, message);
    } else if (!STRICT_HASHES.has(alg.hash) || alg.family === 'dsa' || alg.family === 'eddsa')
      addFor(
        ['strict'],
        'WEAK_SIGNATURE',
        cert,
        `${label(cert)} is signed with ${alg.name}, which browsers and pyca/cryptography do not accept (only RSA and ECDSA with SHA-256, SHA-384 or SHA-512); re-issue it with SHA-256.`,
      );
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
    strict: env.profile === 'strict',
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
        trusted: [anchor],
      };
      const ok = buildPaths(signer, signerEnv).some(
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

type AddFor = (refusedBy: VerifyProfile[], code: string, cert: CertInfo, message: string) => void;

const nameCount = (g: GeneralNames) => g.dns.length + g.ip.length + g.email.length + g.uri.length + g.dirNames.length;

/**
 * Name constraints of each CA apply to every certificate below it (RFC 5280 6.1.3 b, c). A constraint on a name
 * form mtlskit cannot judge (otherName, x400Address, ediPartyName, registeredID) refuses the path when a name of
 * that form appears below it (RFC 5280 4.2.1.10). The comparisons are counted first: past
 * LIMITS.maxNameConstraintChecks the chain is refused without comparing anything.
 */
function checkNameConstraints(all: CertInfo[], addFor: AddFor): void {
  let work = 0;
  for (let i = 1; i < all.length; i++) {
    const nc = all[i]!.nameConstraints;
    if (!nc) continue;
    const constraints = nameCount(nc.permitted) + nameCount(nc.excluded) + 1;
    for (let j = 0; j < i; j++) work += constraints * (nameCount(namesOf(all[j]!)) + all[j]!.commonNames.length);
  }
  if (work > LIMITS.maxNameConstraintChecks) {
    const ca = all.slice(1).find((c) => c.nameConstraints)!;
    addFor(
      ALL,
      'TOO_COMPLEX',
      ca,
      `${label(ca)} has name constraints that would take ${work} comparisons against the names below it, more than the ${LIMITS.maxNameConstraintChecks} mtlskit (like Go and rustls) allows; such a chain is refused unchecked.`,
    );
    return;
  }
  for (let i = 1; i < all.length; i++) {
    const ca = all[i]!;
    const nc = ca.nameConstraints;
    if (!nc) continue;
    for (let j = 0; j < i; j++) {
      const cert = all[j]!;
      // A self-issued CA certificate inside the path is exempt (RFC 5280 6.1.3 b-c: key rollover keeps the CA's name).
      if (j > 0 && selfIssued(cert)) continue;
      const unjudged = cert.form.otherSanTags.filter((t) => ca.form.ncOtherTags.includes(t));
      if (unjudged.length > 0)
        addFor(
          ['strict', 'rfc5280'],
          'NAME_CONSTRAINTS',
          cert,
          `${label(cert)} has a subjectAltName of a form (tag [${unjudged[0]! & 0x1f}]) that ${ca.source} ('${ca.subject}') constrains and no validator can judge, so RFC 5280 4.2.1.10 requires refusing it; issue it without that name.`,
        );
      const names = namesOf(cert);
      const violation = firstViolation(names, nc, cert, j === 0);
      if (violation)
        addFor(
          ALL,
          'NAME_CONSTRAINTS',
          cert,
          `${label(cert)} has the name ${violation}, which ${ca.source} ('${ca.subject}') does not allow; issue it with a name inside the CA's permitted names.`,
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
  touches: (value: T, constraint: T) => boolean = within,
): string | undefined {
  for (const v of values) {
    if (excluded.some((c) => touches(v, c))) return show(v);
    if (permitted.length > 0 && !permitted.some((c) => within(v, c))) return show(v);
  }
  return undefined;
}

function firstViolation(
  names: GeneralNames,
  nc: NonNullable<CertInfo['nameConstraints']>,
  cert: CertInfo,
  endEntity: boolean,
): string | undefined {
  // Without DNS or IP SANs, the end-entity's host-name-like CN is checked as a DNS name (as OpenSSL does, for the
  // end-entity only: a CA's CN names no host, and RFC 5280 4.2.1.10 binds dNSName constraints to dNSName entries).
  const dnsNames =
    names.dns.length > 0
      ? names.dns
      : endEntity && names.ip.length === 0 && !cert.san
        ? cert.commonNames.filter((cn) => /^[a-z0-9*-]+(\.[a-z0-9-]+)+$/i.test(cn))
        : [];
  const { permitted: p, excluded: x } = nc;
  return (
    outside(dnsNames, p.dns, x.dns, dnsWithin, (n) => `DNS:${n}`, dnsMayCover) ??
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

function checkPurpose(leaf: CertInfo, purpose: Purpose, addFor: AddFor): void {
  const add: Add = (code, cert, message) => addFor(ALL, code, cert, message);
  const wanted = EKU[purpose];
  const other = purpose === 'server' ? 'client' : 'server';
  if (leaf.extKeyUsage && !leaf.extKeyUsage.includes(wanted)) {
    const isOther = leaf.extKeyUsage.includes(EKU[other]);
    // anyExtendedKeyUsage satisfies RFC 5280 and OpenSSL; the CA/Browser Forum forbids it in leaves (BR 7.1.2.7.10).
    const refusedBy: VerifyProfile[] = leaf.extKeyUsage.includes(EKU.any) ? ['strict'] : ALL;
    addFor(
      refusedBy,
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

/**
 * The host against the leaf's names. IP hosts match iPAddress entries only. DNS hosts match dNSName entries
 * (RFC 6125 wildcards); the subject CN counts under rfc5280 when there is no subjectAltName at all, under openssl
 * when there is no DNS subjectAltName, and never under strict (Chrome, Go, rustls, pyca).
 */
function checkHost(leaf: CertInfo, host: string, addFor: AddFor): void {
  const ip = isIP(host) ? ipAddressBytes(host) : undefined;
  const san = leaf.san;
  const refusedBy: VerifyProfile[] = [];
  if (ip) {
    if (!(san?.ip ?? []).some((b) => b.equals(ip))) refusedBy.push(...ALL);
  } else {
    const bySan = (san?.dns ?? []).some((d) => hostMatchesDnsName(host, d));
    const byCn = leaf.commonNames.some((cn) => hostMatchesDnsName(host, cn));
    if (!bySan) refusedBy.push('strict');
    if (!bySan && !(!san && byCn)) refusedBy.push('rfc5280');
    if (!bySan && !((san?.dns.length ?? 0) === 0 && byCn)) refusedBy.push('openssl');
  }
  if (refusedBy.length === 0) return;
  const names = san
    ? [...san.dns.map((d) => `DNS:${d}`), ...san.ip.map((b) => `IP:${ipTextShort(b)}`)]
    : leaf.commonNames.map((cn) => `CN=${cn}`);
  const cnOnly = !refusedBy.includes('openssl') || !refusedBy.includes('rfc5280');
  addFor(
    refusedBy,
    'HOSTNAME_MISMATCH',
    leaf,
    cnOnly
      ? `${label(leaf)} names ${host} only in its common name; Chrome, Go, rustls and Apple ignore the CN and need the host in subjectAltName; issue it with --${ip ? 'ip' : 'dns'} ${host}.`
      : `${label(leaf)} is not valid for ${ip ? 'the IP address' : 'the host name'} ${host} (its names: ${names.join(', ') || 'none'}); issue it with --${ip ? 'ip' : 'dns'} ${host}, or connect with one of its names.`,
  );
}
