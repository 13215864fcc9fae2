/**
 * Taking over a CA made elsewhere (the OpenSSL walkthrough, easy-rsa): its key and certificate become the
 * store's ca.key and ca.crt, the original certificate is kept as ca-original.crt, and the certificates it
 * signed are recorded in index.txt so list, revoke and the CRL cover them. A certificate that is not a proper
 * v3 CA is re-issued with the same key, subject and serial number, so what it signed still verifies.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { MtlsError, badInput, usageError } from '../errors.js';
import { authorityKeyIdParts, certificateExtensions } from '../pki/cert-extensions.js';
import { signCertificateDer } from '../pki/certificate.js';
import { derOctetString } from '../pki/der.js';
import { basicConstraintsExtension, keyUsageExtension, KEY_USAGE } from '../pki/extension-values.js';
import { sha256Fingerprint } from '../pki/fingerprint.js';
import { keyIdentifierFor } from '../pki/key-identifier.js';
import { describeKey, isEncryptedKey, keyMatchesPublicKey, loadPrivateKey, privateKeyToPem } from '../pki/keys.js';
import { nameDerToSlashForm } from '../pki/name-text.js';
import { derToPem } from '../pki/pem.js';
import { PROFILE_OIDS } from '../pki/profiles.js';
import { rawExtension, type CertExtension } from '../pki/raw-extension.js';
import { readCertificate, type CertInfo } from '../pki/verify-cert.js';
import { certificateSignedBy } from '../pki/verify-signature.js';
import { assertWritable, type PlannedFile } from '../store/atomic-write.js';
import { CaStore } from '../store/ca-store.js';
import { formatIndexLine, parseIndexText, type IndexEntry } from '../store/index-file.js';
import { readInputFile } from '../store/input-file.js';
import { readCertificateDers } from './cert-file.js';
import { rootWindow } from './init-ca.js';
import type { PasswordProvider } from './key-file.js';
import { checkName, leafPaths } from './leaf-paths.js';

export interface AdoptRequest {
  dir: string;
  keyFile: string;
  certFile: string;
  /** --certs: certificate files, folders of them, or an easy-rsa pki/ folder. */
  certs: string[];
  /** --issuer-chain: the issuers of an intermediate CA, up to the root. */
  issuerChainFile?: string;
  password: PasswordProvider;
  /** A new validity (days from now) for a re-issued root; default: the original's. */
  days?: number;
  force: boolean;
}

export interface AdoptedCertificate {
  name: string;
  serial: string;
  subject: string;
  notAfter: string;
  status: 'V' | 'R' | 'E';
  source: string;
}

export interface AdoptResult {
  dir: string;
  subject: string;
  serial: string;
  kind: 'root' | 'intermediate';
  /** True when ca.crt is a v3 re-issue of the original (kept as ca-original.crt). */
  reissued: boolean;
  /** Why the original was not used as it is. */
  reissueReasons: string[];
  subjectKeyIdentifier?: string;
  notBefore: string;
  notAfter: string;
  keyType: string;
  keyEncrypted: boolean;
  fingerprintSha256: string;
  files: { key: string; certificate: string; original: string; chain: string; index: string };
  adopted: AdoptedCertificate[];
  skipped: { file: string; reason: string }[];
  notes: string[];
  warnings: string[];
}

const O = PROFILE_OIDS;

export async function adoptCa(req: AdoptRequest): Promise<AdoptResult> {
  const store = new CaStore(req.dir);
  const { paths } = store;
  const originalPath = join(paths.dir, 'ca-original.crt');
  // Fail before asking for a password when the folder already holds a CA.
  assertWritable([paths.key, paths.cert, originalPath, paths.index], { overwrite: req.force });
  const notes: string[] = [];
  const warnings: string[] = [];

  const [first, ...rest] = readCertificateDers(req.certFile);
  const original = readCertificate(first!.der, req.certFile);
  if (rest.length > 0)
    warnings.push(
      `${req.certFile} holds ${rest.length + 1} certificates; the first (${original.subject}) was adopted. Give its issuers with --issuer-chain.`,
    );
  const keyData = readInputFile(req.keyFile, 'CA private key');
  const keyPassword = isEncryptedKey(keyData) ? await req.password(req.keyFile) : undefined;
  const key = loadPrivateKey(keyData, keyPassword, req.keyFile);
  if (!keyMatchesPublicKey(key, original.spki)) {
    throw new MtlsError(
      'KEY_MISMATCH',
      `${req.keyFile} does not belong to ${req.certFile} (its public key is another); give the CA's own key. Nothing was written.`,
    );
  }

  const selfIssued = original.subjectKey === original.issuerKey;
  let parents: CertInfo[] = [];
  if (!selfIssued) {
    if (!req.issuerChainFile) {
      throw badInput(
        `${req.certFile} is not self-issued: it is ${whatItIs(original)}; adopt an intermediate with --issuer-chain FILE (its issuers up to the root), or give the root CA's --key and --cert.`,
      );
    }
    parents = readCertificateDers(req.issuerChainFile).map((c) => readCertificate(c.der, req.issuerChainFile!));
    const parent = parents[0]!;
    if (parent.subjectKey !== original.issuerKey || !certificateSignedBy(original, parent.spki)) {
      throw badInput(
        `The first certificate in ${req.issuerChainFile} (${parent.subject}) did not sign ${req.certFile} (issued by '${original.issuer}'); give the chain that starts with its issuer.`,
      );
    }
    const last = parents[parents.length - 1]!;
    if (last.subjectKey !== last.issuerKey)
      warnings.push(
        `${req.issuerChainFile} ends with ${last.subject}, which is not a root; clients need the rest of the chain to trust this CA.`,
      );
  } else if (req.issuerChainFile) {
    throw usageError(
      `${req.certFile} is a self-issued root CA; --issuer-chain is only for an intermediate. Leave it out.`,
    );
  }

  const found = collectCertificates(req.certs, original, warnings);
  const reasons = selfIssued ? rootDefects(original) : [];
  if (!selfIssued) {
    const defects = rootDefects(original).filter((r) => !r.startsWith('basicConstraints is not critical'));
    if (!original.isCa || (original.keyUsage !== undefined && (original.keyUsage & KEY_USAGE.keyCertSign) === 0))
      throw new MtlsError(
        'CA_REFUSED',
        `${req.certFile} cannot sign certificates (${defects.join('; ')}) and, as an intermediate, only its issuer can re-issue it; ask for a proper CA certificate.`,
      );
  }

  let caCert = original;
  let ski = original.ski;
  if (reasons.length > 0) {
    if (!certificateSignedBy(original, original.spki))
      throw badInput(`${req.certFile} is self-issued but not signed by its own key; give the CA's own certificate.`);
    ski = chooseSubjectKeyId(original, found.certs, notes, warnings);
    caCert = reissueRoot(original, key, ski, req.days, warnings);
    notes.push(
      `${basename(req.certFile)} is not a proper v3 CA (${reasons.join('; ')}): re-issued as a v3 CA with the same key, subject and serial number ${original.serialHex}; the original is kept as ca-original.crt`,
    );
  } else if (req.days !== undefined) {
    warnings.push(
      `--days is used only when the CA certificate is re-issued; ${req.certFile} is used as it is (renew it with 'mtlskit ca renew --days N').`,
    );
  }
  if (caCert.notAfter.getTime() <= Date.now())
    warnings.push(
      `The CA certificate expired on ${caCert.notAfter.toISOString()}; renew it with 'mtlskit ca renew --dir ${req.dir}'.`,
    );

  const caPem = derToPem(caCert.der, 'CERTIFICATE');
  const chainPem = caPem + parents.map((p) => derToPem(p.der, 'CERTIFICATE')).join('');
  const files: PlannedFile[] = [
    { path: paths.key, data: privateKeyToPem(key, keyPassword), mode: 0o600 },
    { path: paths.cert, data: caPem },
    { path: originalPath, data: derToPem(original.der, 'CERTIFICATE') },
    { path: paths.chain, data: chainPem },
    { path: paths.index, data: found.records.map((e) => formatIndexLine(e) + '\n').join('') },
    { path: paths.crlNumber, data: found.crlNumber ?? '01\n' },
    // Adopted and renewed certificates may share a subject: `openssl ca` then needs unique_subject = no.
    { path: `${paths.index}.attr`, data: 'unique_subject = no\n' },
  ];
  const intermediatesPem = selfIssued
    ? ''
    : caPem +
      parents
        .slice(0, -1)
        .map((p) => derToPem(p.der, 'CERTIFICATE'))
        .join('');
  for (const c of found.certs) files.push({ path: store.certPathForSerial(c.info.serialHex), data: c.pem });
  files.push(...found.leafFiles(paths.dir, intermediatesPem, notes));
  // Leaves that name the CA by issuer and serial (OpenSSL's choice when the CA has no key identifier) keep
  // verifying only while the CA certificate keeps that serial: `ca renew` is told so.
  const namedBySerial =
    !original.ski || found.certs.some((c) => c.akiSerial?.toUpperCase() === original.serialHex.toUpperCase());
  const settings = { ...(existsSync(paths.settings) && req.force ? store.readSettings() : {}) };
  if (selfIssued && namedBySerial) settings.keepCaSerial = true;
  if (Object.keys(settings).length > 0)
    files.push({ path: paths.settings, data: JSON.stringify(settings, null, 2) + '\n' });
  assertWritable(
    files.map((f) => f.path),
    { overwrite: req.force },
  );
  store.ensureDir();
  // One transaction through the store's journal: a crash leaves the adoption whole or not begun.
  await store.withLock(() => store.commit({ files: files.map((f) => ({ ...f, replace: true })) }));

  return {
    dir: paths.dir,
    subject: caCert.subject,
    serial: caCert.serialHex,
    kind: selfIssued ? 'root' : 'intermediate',
    reissued: caCert !== original,
    reissueReasons: reasons,
    ...(ski ? { subjectKeyIdentifier: ski } : {}),
    notBefore: caCert.notBefore.toISOString(),
    notAfter: caCert.notAfter.toISOString(),
    keyType: describeKey(key).label,
    keyEncrypted: keyPassword !== undefined,
    fingerprintSha256: sha256Fingerprint(caCert.der),
    files: { key: paths.key, certificate: paths.cert, original: originalPath, chain: paths.chain, index: paths.index },
    adopted: found.records.map((e) => ({
      name: e.name,
      serial: e.serialHex,
      subject: e.subject,
      notAfter: e.notAfter.toISOString(),
      status: e.status,
      source: found.sources.get(e.serialHex) ?? 'index.txt',
    })),
    skipped: found.skipped,
    notes,
    warnings,
  };
}

/** A sentence naming a certificate that is not self-issued, for the refusal to adopt it as a root. */
function whatItIs(cert: CertInfo): string {
  if (cert.isCa) return `an intermediate CA certificate issued by '${cert.issuer}'`;
  if (cert.hasBasicConstraints) return `a leaf certificate (CA:FALSE) for '${cert.subject}' issued by '${cert.issuer}'`;
  return `a certificate for '${cert.subject}' issued by '${cert.issuer}' that is not marked as a CA`;
}

/** What keeps a self-issued certificate from being a proper v3 CA mtlskit can issue and sign CRLs with. */
export function rootDefects(cert: CertInfo): string[] {
  const reasons: string[] = [];
  if (cert.version !== 3) reasons.push(`it is an X.509 v${cert.version} certificate`);
  if (!cert.isCa) reasons.push('it has no basicConstraints CA:TRUE');
  else if (!cert.criticalExtensions.includes(O.basicConstraints)) reasons.push('basicConstraints is not critical');
  if (cert.keyUsage === undefined) reasons.push('it has no keyUsage');
  else {
    if ((cert.keyUsage & KEY_USAGE.keyCertSign) === 0) reasons.push('its keyUsage lacks keyCertSign');
    if ((cert.keyUsage & KEY_USAGE.cRLSign) === 0) reasons.push('its keyUsage lacks cRLSign');
  }
  return reasons;
}

/**
 * The re-issued CA's subject key identifier. Leaves point at their CA with authorityKeyIdentifier: by key id
 * (which must then equal the CA's SKI, or OpenSSL refuses the CA) or by issuer name and serial (then any SKI
 * is fine). The CA's own SKI is kept; else the usual SHA-1 of the key, unless the leaves' key ids say otherwise.
 */
function chooseSubjectKeyId(
  original: CertInfo,
  leaves: FoundCertificate[],
  notes: string[],
  warnings: string[],
): string | undefined {
  if (original.ski) return original.ski;
  const computed = keyIdentifierFor(original.spki).toString('hex');
  const ids = new Set(leaves.flatMap((c) => (c.info.aki ? [c.info.aki] : [])));
  if (ids.size === 0 || (ids.size === 1 && ids.has(computed))) return computed;
  if (ids.size === 1) {
    const [id] = [...ids];
    notes.push(`subjectKeyIdentifier ${id} is the key id the adopted certificates name their CA by`);
    return id;
  }
  warnings.push(
    `The adopted certificates name their CA by ${ids.size} different key ids; the re-issued CA has no subjectKeyIdentifier so that each of them still verifies.`,
  );
  return undefined;
}

/** The original self-issued certificate as a v3 CA: same subject, key and serial; validity kept unless --days. */
function reissueRoot(
  original: CertInfo,
  key: KeyObject,
  ski: string | undefined,
  days: number | undefined,
  warnings: string[],
): CertInfo {
  const kept = certificateExtensions(original.der).filter(
    (e) =>
      ![O.basicConstraints, O.keyUsage, O.subjectKeyIdentifier, O.authorityKeyIdentifier].includes(e.type as never),
  );
  const extensions: CertExtension[] = [
    basicConstraintsExtension(true, original.pathLength, true),
    keyUsageExtension((original.keyUsage ?? 0) | KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign, true),
    ...(ski ? [rawExtension(O.subjectKeyIdentifier, false, derOctetString(Buffer.from(ski, 'hex')))] : []),
    ...kept,
  ];
  let notBefore = original.notBefore;
  let notAfter = original.notAfter;
  if (days !== undefined) {
    ({ notBefore, notAfter } = rootWindow(days));
    warnings.push(
      `The re-issued CA is valid until ${notAfter.toISOString()} (--days ${days}); the original ended ${original.notAfter.toISOString()}.`,
    );
  }
  const der = signCertificateDer(
    { subject: original.subjectDer, subjectKey: key, serialHex: original.serialHex, notBefore, notAfter, extensions },
    { key },
  );
  return readCertificate(der, 'ca.crt');
}

interface FoundCertificate {
  info: CertInfo;
  pem: string;
  name: string;
  source: string;
  /** A key file beside the certificate (X/NAME.key, or easy-rsa's private/NAME.key). */
  keyPath?: string;
  akiSerial?: string;
}

interface Found {
  certs: FoundCertificate[];
  records: IndexEntry[];
  sources: Map<string, string>;
  skipped: { file: string; reason: string }[];
  crlNumber?: string;
  leafFiles(dir: string, intermediatesPem: string, notes: string[]): PlannedFile[];
}

const CERT_EXTENSIONS = new Set(['.crt', '.pem', '.cer', '.der', '.cert']);

/** The certificates given with --certs that this CA signed, and the index records for them. */
function collectCertificates(specs: string[], ca: CertInfo, warnings: string[]): Found {
  const certs: FoundCertificate[] = [];
  const bySerial = new Map<string, FoundCertificate>();
  const skipped: { file: string; reason: string }[] = [];
  const easyRsaRecords: IndexEntry[] = [];
  let crlNumber: string | undefined;

  const consider = (file: string, fileName: string, keyPath?: string, byCommonName = false) => {
    let ders;
    try {
      ders = readCertificateDers(file);
    } catch (err) {
      if (err instanceof MtlsError) skipped.push({ file, reason: 'not a certificate file' });
      else throw err;
      return;
    }
    ders.forEach(({ der }, i) => {
      const info = readCertificate(der, file);
      if (info.der.equals(ca.der) || (info.subjectKey === ca.subjectKey && info.spki.equals(ca.spki))) return;
      if (info.issuerKey !== ca.subjectKey || !certificateSignedBy(info, ca.spki)) {
        skipped.push({ file, reason: `not signed by this CA (issuer '${info.issuer}')` });
        return;
      }
      const serial = info.serialHex.toUpperCase();
      if (bySerial.has(serial)) return;
      const aki = certificateExtensions(der).find((e) => e.type === O.authorityKeyIdentifier);
      // easy-rsa's certs_by_serial files are named by serial: their CN names them better.
      const name = byCommonName && info.commonNames[0] ? sanitizedName(info.commonNames[0]) : fileName;
      const found: FoundCertificate = {
        info,
        pem: derToPem(der, 'CERTIFICATE'),
        name: ders.length > 1 ? `${name}-${i + 1}` : name,
        source: file,
        keyPath: ders.length === 1 ? keyPath : undefined,
        akiSerial: aki ? authorityKeyIdParts(aki).issuerSerialHex : undefined,
      };
      bySerial.set(serial, found);
      certs.push(found);
    });
  };

  for (const spec of specs) {
    let isDir: boolean;
    try {
      isDir = statSync(spec).isDirectory();
    } catch {
      throw new MtlsError('NOT_FOUND', `${spec} (--certs) does not exist; give certificate files or folders.`);
    }
    if (!isDir) {
      consider(spec, nameFor(spec), siblingKey(spec));
      continue;
    }
    if (existsSync(join(spec, 'index.txt')) && existsSync(join(spec, 'issued'))) {
      // easy-rsa: issued/NAME.crt, private/NAME.key, revoked/certs_by_serial/SERIAL.crt, certs_by_serial/SERIAL.pem.
      for (const f of listFiles(join(spec, 'issued')))
        consider(f, nameFor(f), keyIfExists(join(spec, 'private', `${basename(f, extname(f))}.key`)));
      for (const sub of ['revoked/certs_by_serial', 'certs_by_serial'])
        for (const f of listFiles(join(spec, sub))) consider(f, nameFor(f), undefined, true);
      const indexPath = join(spec, 'index.txt');
      easyRsaRecords.push(...parseIndexText(readInputFile(indexPath, 'easy-rsa index').toString('utf8'), indexPath));
      const crlPath = join(spec, 'crlnumber');
      if (existsSync(crlPath)) crlNumber = readInputFile(crlPath, 'easy-rsa crlnumber').toString('utf8');
      continue;
    }
    for (const f of listFiles(spec)) consider(f, nameFor(f), siblingKey(f));
  }

  // Records: easy-rsa's own index says what was revoked (and when, and why); the rest are valid.
  const fromIndex = new Map(easyRsaRecords.map((e) => [e.serialHex.toUpperCase(), e]));
  const records: IndexEntry[] = [];
  const sources = new Map<string, string>();
  for (const c of certs) {
    const serial = c.info.serialHex.toUpperCase();
    const known = fromIndex.get(serial);
    const name = known?.name || c.name;
    c.name = name;
    records.push({
      status: known?.status ?? 'V',
      notAfter: c.info.notAfter,
      ...(known?.revokedAt ? { revokedAt: known.revokedAt } : {}),
      ...(known?.reason ? { reason: known.reason } : {}),
      serialHex: serial,
      name,
      subject: nameDerToSlashForm(c.info.subjectDer),
    });
    sources.set(serial, c.source);
    fromIndex.delete(serial);
  }
  // Revocations easy-rsa recorded without keeping the certificate still belong in the CRL.
  for (const e of fromIndex.values()) {
    if (e.status !== 'R') continue;
    records.push(e);
    warnings.push(
      `Serial ${e.serialHex} (${e.subject}) is revoked in the easy-rsa index but its certificate is missing; it was recorded from the index.`,
    );
  }

  return {
    certs,
    records,
    sources,
    skipped,
    crlNumber,
    leafFiles(dir, intermediatesPem, notes) {
      // The newest valid certificate of each NAME becomes DIR/NAME.crt (with its key when one sits beside it),
      // so `revoke NAME` and `renew NAME` find it.
      const files: PlannedFile[] = [];
      const latest = new Map<string, FoundCertificate>();
      for (const c of certs) {
        const record = records.find((r) => r.serialHex === c.info.serialHex.toUpperCase());
        if (record?.status !== 'V' || !validName(c.name)) continue;
        const seen = latest.get(c.name);
        if (!seen || seen.info.notBefore < c.info.notBefore) latest.set(c.name, c);
      }
      for (const c of latest.values()) {
        const p = leafPaths(dir, c.name);
        files.push({ path: p.cert, data: c.pem }, { path: p.chain, data: c.pem + intermediatesPem });
        if (c.keyPath) {
          const data = readInputFile(c.keyPath, 'private key');
          const matches = isEncryptedKey(data) || keyMatches(data, c.info, c.keyPath);
          if (matches) files.push({ path: p.key, data, mode: 0o600 });
        }
      }
      if (latest.size > 0)
        notes.push(
          `copied ${latest.size} certificate(s) to ${dir}/NAME.crt (${[...latest.keys()].slice(0, 5).join(', ')}${latest.size > 5 ? ', ...' : ''}) so revoke NAME and renew NAME find them`,
        );
      return files;
    },
  };
}

function keyMatches(data: Buffer, cert: CertInfo, path: string): boolean {
  try {
    return keyMatchesPublicKey(loadPrivateKey(data, undefined, path), cert.spki);
  } catch {
    return false;
  }
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => CERT_EXTENSIONS.has(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

function siblingKey(certFile: string): string | undefined {
  return keyIfExists(join(certFile, '..', `${basename(certFile, extname(certFile))}.key`));
}

function keyIfExists(path: string): string | undefined {
  return existsSync(path) ? path : undefined;
}

/** NAME for the index: the file's base name, made into a name mtlskit accepts. */
function nameFor(file: string): string {
  return sanitizedName(basename(file, extname(file)));
}

function sanitizedName(text: string): string {
  const stem = text.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  if (!stem) return 'unknown';
  return stem === 'ca' || stem === 'crl' ? `${stem}-cert` : stem.slice(0, 100);
}

function validName(name: string): boolean {
  try {
    checkName(name);
    return true;
  } catch {
    return false;
  }
}
