/**
 * Issuing leaf certificates from the CA store: keys and CSRs are made outside the lock (RSA key
 * generation is slow); serials, signing, files and index records happen under it, all or nothing,
 * so parallel CI jobs never share a serial, lose a record or leave a torn file.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { MtlsError, badInput } from '../errors.js';
import { checkName, leafPaths } from './leaf-paths.js';
import { generatePrivateKey, privateKeyToPem, publicKeySpkiDer, type KeyType } from '../pki/keys.js';
import { derBitString, derExplicit, derOid, derSequence, derSet, derSmallInteger } from '../pki/der.js';
import { signatureSchemeFor } from '../pki/signature.js';
import { readExtendedKeyUsage, readSubjectAltName, subjectAltNameStrings } from '../pki/extension-values.js';
import { issuancePlatformWarnings, weakKeyObjectReason } from '../pki/leaf-policy.js';
import { algorithmIdentifierFor } from '../pki/der.js';
import type { CertExtension } from '../pki/raw-extension.js';
import type { CertInfo } from '../pki/verify-cert.js';
import { nameDerToSlashForm, nameDerToText } from '../pki/name-text.js';
import { sha256Fingerprint } from '../pki/fingerprint.js';
import { buildName, type DnEntry } from '../pki/name.js';
import { derToPem } from '../pki/pem.js';
import { CLOCK_SKEW_BACKDATE_MS, signCertificateDer } from '../pki/certificate.js';
import { existingFilesError, listFew, type PlannedFile } from '../store/atomic-write.js';
import type { StoreFile } from '../store/ca-store.js';
import type { IndexEntry } from '../store/index-file.js';
import type { LoadedCa } from './load-ca.js';
import { planExtensions, type SanRequest } from './extension-plan.js';
import {
  commonNameOf,
  confExtensions,
  resolveRequest,
  withoutTemplateSan,
  type RequestSource,
} from './request-details.js';

type Extension = CertExtension;

export type LeafProfile = 'server' | 'client';

export interface LeafRequest extends RequestSource {
  profile: LeafProfile;
  name: string;
  san: SanRequest;
  days: number;
  keyTypeFlag?: string;
  /** --key: reuse this key instead of generating one. */
  existingKey?: KeyObject;
  /** Where --key came from: when it is DIR/NAME.key itself, the key file is left as it is. */
  existingKeyPath?: string;
  /** Encrypt the written key with this password (--passout). */
  keyPassword?: string;
}

/** A leaf about to be signed: subject, key, and extensions are settled. */
export interface PreparedLeaf {
  name: string;
  profile: LeafProfile;
  /** The subject Name's DER. */
  subject: Buffer;
  subjectKey: KeyObject;
  extensions: Extension[];
  days: number;
  /** Files besides the certificate: key and CSR (absent for `csr sign`). */
  extraFiles: PlannedFile[];
  notes: string[];
  warnings: string[];
}

export interface IssuedCertificate {
  name: string;
  profile: LeafProfile;
  serial: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  subjectAltNames: string[];
  fingerprintSha256: string;
  files: { key?: string; csr?: string; certificate: string; chain: string };
  notes: string[];
  warnings: string[];
}

/** Settles everything about a leaf that does not need the lock: key, subject, extensions, CSR. */
export async function prepareLeaf(ca: LoadedCa, req: LeafRequest): Promise<PreparedLeaf> {
  checkName(req.name);
  if (req.existingKey) refuseWeakKey(req.existingKey, req.existingKeyPath ?? 'the --key file');
  const details = resolveRequest(req.profile, req, req.keyTypeFlag);
  const warnings = [...details.warnings];
  const hasSanFlags = req.san.dns.length + req.san.ip.length + req.san.email.length + req.san.uri.length > 0;
  const subjectEntries = defaultSubject(details.subject, details.usesTemplate && !req.subject, req);
  const subject = buildName(subjectEntries);
  const subjectKey = req.existingKey ?? (await generatePrivateKey(details.keyType as KeyType));
  const issuer = { certificate: ca.certificate, key: ca.key };
  const requested = withoutTemplateSan(details, confExtensions(details, { subjectKey, issuer }, warnings), hasSanFlags);
  const plan = planExtensions({
    profile: req.profile,
    subjectKey,
    issuer,
    requested,
    source: details.extensionSection ? 'conf' : 'none',
    sourceName: details.extensionSection
      ? `${details.conf.fileName} [ ${details.extensionSection} ]`
      : details.conf.fileName,
    san: req.san,
    commonName: commonNameOf(subjectEntries),
    crlUrl: ca.settings.crlUrl,
  });
  warnings.push(...plan.warnings);
  const paths = leafPaths(ca.store.paths.dir, req.name);
  const csrPem = createCsr(
    subject,
    subjectKey,
    plan.extensions.filter((e) => e.type !== '2.5.29.35'),
  );
  const keyFile: PlannedFile[] = reusesOwnKeyFile(req, paths.key)
    ? []
    : [{ path: paths.key, data: privateKeyToPem(subjectKey, req.keyPassword), mode: 0o600 }];
  return {
    name: req.name,
    profile: req.profile,
    subject,
    subjectKey,
    extensions: plan.extensions,
    days: req.days,
    extraFiles: [...keyFile, { path: paths.csr, data: csrPem }],
    notes: plan.notes,
    warnings,
  };
}

function reusesOwnKeyFile(req: LeafRequest, keyPath: string): boolean {
  return req.existingKeyPath !== undefined && resolve(req.existingKeyPath) === keyPath;
}

/**
 * With the built-in template and no --subject, the template's sample CN is replaced by something
 * that names this certificate: the first host name for a server, the NAME for a client.
 */
function defaultSubject(entries: DnEntry[], fromTemplate: boolean, req: LeafRequest): DnEntry[] {
  if (!fromTemplate) return entries;
  const cn = req.profile === 'server' ? (req.san.dns[0] ?? req.san.ip[0]) : req.name;
  if (!cn) return entries;
  const others = entries.filter((e) => e.type !== 'CN');
  return [...others, { type: 'CN', value: cn }];
}

/** A PKCS#10 request in DER, signed with node:crypto, returned as PEM text. */
export function createCsr(subject: Buffer, key: KeyObject, extensions: Extension[]): string {
  const scheme = signatureSchemeFor(key);
  const attributes = extensions.length
    ? derExplicit(
        0,
        derSequence(
          derOid('1.2.840.113549.1.9.14'),
          derSet(derSequence(...extensions.map((e) => Buffer.from(e.rawData)))),
        ),
      )
    : derExplicit(0, Buffer.alloc(0));
  const info = derSequence(derSmallInteger(0), subject, publicKeySpkiDer(key), attributes);
  return derToPem(
    derSequence(info, scheme.algorithmIdentifier, derBitString(scheme.sign(info))),
    'CERTIFICATE REQUEST',
  );
}

/** Issuance refuses keys that verify's strict profile (and Go, rustls, browsers) would refuse: exit 5, with the reason. */
export function refuseWeakKey(key: KeyObject, what: string): void {
  const reason = weakKeyObjectReason(key);
  if (reason)
    throw new MtlsError(
      'CA_REFUSED',
      `The CA refuses to certify ${what}: ${reason}; make a new key (RSA 2048 or larger, or ECDSA P-256/P-384).`,
    );
}

/** Apple's, Chrome's and the other platforms' rules a server certificate about to be signed breaks, as warnings. */
function platformWarnings(leaf: PreparedLeaf, window: { notBefore: Date; notAfter: Date }, ca: LoadedCa): string[] {
  if (leaf.profile !== 'server') return [];
  const san = leaf.extensions.find((e) => e.type === '2.5.29.17');
  const eku = leaf.extensions.find((e) => e.type === '2.5.29.37');
  return issuancePlatformWarnings(
    {
      ...window,
      subjectKey: leaf.subjectKey,
      sanNames: san ? readSubjectAltName(san).filter((e) => e.kind === 'dns' || e.kind === 'ip').length : 0,
      extKeyUsage: eku ? readExtendedKeyUsage(eku) : undefined,
      hash: algorithmIdentifierFor(ca.key).hash,
    },
    `${leaf.name}.crt`,
  ).map((w) => `${leaf.name}: ${w}`);
}

/** Validity from now (backdated for clock skew), never past the issuer's own notAfter. */
export function validityWindow(
  issuer: Pick<CertInfo, 'notAfter'>,
  days: number,
  now = new Date(),
): { notBefore: Date; notAfter: Date; clamped: boolean } {
  const notBefore = new Date(Math.floor((now.getTime() - CLOCK_SKEW_BACKDATE_MS) / 1000) * 1000);
  let notAfter = new Date(Math.floor((now.getTime() + days * 86_400_000) / 1000) * 1000);
  let clamped = false;
  if (notAfter.getTime() > issuer.notAfter.getTime()) {
    notAfter = new Date(issuer.notAfter.getTime());
    clamped = true;
  }
  return { notBefore, notAfter, clamped };
}

/** Signs prepared leaves under the store lock and writes every file and record, or none. */
export async function signAndRecord(
  ca: LoadedCa,
  leaves: PreparedLeaf[],
  opts: { force: boolean },
): Promise<IssuedCertificate[]> {
  const targets = checkLeafNames(ca, leaves, opts.force);
  ca.store.ensureLayout();
  return ca.store.withLock(async () => {
    const signed = signLeavesLocked(ca, leaves, targets, opts.force);
    await ca.store.commit({ files: signed.files, append: signed.records });
    return signed.issued;
  });
}

/** The new files and index records of signed leaves, for the caller to commit (with more, in one transaction). */
export interface SignedLeaves {
  files: StoreFile[];
  records: IndexEntry[];
  issued: IssuedCertificate[];
}

/** Names given once each, and (without force) free; the files each name would get. Call before the lock. */
export function checkLeafNames(
  ca: LoadedCa,
  leaves: PreparedLeaf[],
  force: boolean,
): { name: string; paths: string[] }[] {
  const dir = ca.store.paths.dir;
  const names = new Set<string>();
  for (const leaf of leaves) {
    if (names.has(leaf.name))
      throw badInput(`The name '${leaf.name}' appears twice; give every certificate its own name.`);
    names.add(leaf.name);
  }
  const targetPaths = (leaf: PreparedLeaf) => [
    ...leaf.extraFiles.map((f) => f.path),
    leafPaths(dir, leaf.name).cert,
    leafPaths(dir, leaf.name).chain,
  ];
  const targets = leaves.map((leaf) => ({ name: leaf.name, paths: targetPaths(leaf) }));
  assertNamesFree(targets, force);
  return targets;
}

/**
 * Signs prepared leaves with new serials, holding the store lock (`renew --revoke-old` commits them together
 * with the revocations and the CRL); nothing is written yet.
 */
export function signLeavesLocked(
  ca: LoadedCa,
  leaves: PreparedLeaf[],
  targets: { name: string; paths: string[] }[],
  force: boolean,
): SignedLeaves {
  const { store } = ca;
  const dir = store.paths.dir;
  // Checked again under the lock: another job may have taken NAME since the first check.
  assertNamesFree(targets, force);
  const taken = new Set(store.readIndex().map((e) => e.serialHex.toUpperCase()));
  const files: StoreFile[] = [];
  const records: IndexEntry[] = [];
  const issued: IssuedCertificate[] = [];
  const intermediatesPem = ca.chainPem
    .split(/(?=-----BEGIN CERTIFICATE-----)/)
    .slice(0, -1)
    .join('');
  const issuerText = ca.certificate.subject;
  const replace = force;
  for (const leaf of leaves) {
    const serialHex = store.newSerial(taken);
    const window = validityWindow(ca.certificate, leaf.days);
    if (window.clamped)
      leaf.warnings.push(`${leaf.name}: validity shortened to end with the CA on ${window.notAfter.toISOString()}.`);
    leaf.warnings.push(...platformWarnings(leaf, window, ca));
    const der = signCertificateDer(
      { subject: leaf.subject, subjectKey: leaf.subjectKey, serialHex, ...window, extensions: leaf.extensions },
      { certificate: ca.certificate, key: ca.key },
    );
    const pem = derToPem(der, 'CERTIFICATE');
    const paths = leafPaths(dir, leaf.name);
    // The chain a server presents: leaf, then any intermediate CAs (the root stays with the client).
    const chainPem = pem + intermediatesPem;
    files.push(
      ...leaf.extraFiles.map((f) => ({ ...f, replace })),
      // certs/SERIAL.pem is a hard link to the same bytes: no second copy to write and sync; a later
      // --force re-issue replaces NAME.crt but not this link.
      { path: paths.cert, data: pem, replace, links: [store.certPathForSerial(serialHex)] },
      { path: paths.chain, data: chainPem, replace },
    );
    records.push({
      status: 'V',
      notAfter: window.notAfter,
      serialHex,
      name: leaf.name,
      subject: nameDerToSlashForm(leaf.subject),
    });
    issued.push(describeIssued(leaf, der, serialHex, window, issuerText, paths));
  }
  return { files, records, issued };
}

/**
 * Refuses names whose files exist (without --force): one certificate names its files; a batch says how many
 * names clash and shows a few, in a sentence that stays short for thousands (--json carries every one).
 */
export function assertNamesFree(targets: { name: string; paths: string[] }[], force: boolean): void {
  if (force) return;
  const clashes = targets
    .map((t) => ({ name: t.name, existing: t.paths.filter((p) => existsSync(p)) }))
    .filter((c) => c.existing.length > 0);
  if (clashes.length === 0) return;
  const existing = clashes.flatMap((c) => c.existing);
  if (targets.length === 1) throw existingFilesError(existing);
  const names = clashes.map((c) => c.name);
  throw new MtlsError(
    'FILE_EXISTS',
    `${names.length} of ${targets.length} names already exist: ${listFew(names)}; nothing was written; use --force or another --dir.`,
    { names, existing },
  );
}

/** The result for people and --json, from what is already known (no re-parse of the new certificate). */
function describeIssued(
  leaf: PreparedLeaf,
  der: Buffer,
  serial: string,
  window: { notBefore: Date; notAfter: Date },
  issuer: string,
  paths: ReturnType<typeof leafPaths>,
): IssuedCertificate {
  const san = leaf.extensions.find((e) => e.type === '2.5.29.17');
  const names = subjectAltNameStrings(san);
  const hasKey = leaf.extraFiles.some((f) => f.path === paths.key);
  const hasCsr = leaf.extraFiles.some((f) => f.path === paths.csr);
  return {
    name: leaf.name,
    profile: leaf.profile,
    serial,
    subject: nameDerToText(leaf.subject),
    issuer,
    notBefore: window.notBefore.toISOString(),
    notAfter: window.notAfter.toISOString(),
    subjectAltNames: names,
    fingerprintSha256: sha256Fingerprint(der),
    files: {
      ...(hasKey ? { key: paths.key } : {}),
      ...(hasCsr ? { csr: paths.csr } : {}),
      certificate: paths.cert,
      chain: paths.chain,
    },
    notes: leaf.notes,
    warnings: leaf.warnings,
  };
}

export interface IssueOptions {
  force: boolean;
  /** Called as certificates are prepared, for a progress line on a terminal. */
  progress?: (done: number, total: number) => void;
}

export async function issueLeaves(
  ca: LoadedCa,
  requests: LeafRequest[],
  opts: IssueOptions,
): Promise<IssuedCertificate[]> {
  const dir = ca.store.paths.dir;
  // Fail before any slow key generation when a target exists.
  const targets = requests.map((r) => {
    const paths = leafPaths(dir, checkName(r.name));
    return { name: r.name, paths: Object.values(paths).filter((p) => !(p === paths.key && reusesOwnKeyFile(r, p))) };
  });
  assertNamesFree(targets, opts.force);
  // Keys are generated on the thread pool: prepare a few leaves at a time so RSA batches use every core.
  const prepared: PreparedLeaf[] = new Array(requests.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < requests.length) {
      const i = next++;
      prepared[i] = await prepareLeaf(ca, requests[i]!);
      opts.progress?.(++done, requests.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, requests.length) }, worker));
  return signAndRecord(ca, prepared, opts);
}
