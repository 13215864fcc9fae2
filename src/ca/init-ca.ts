/**
 * Creating a CA: a self-signed root, or an intermediate signed by another mtlskit CA (--issuer),
 * and the store around it (index, CRL number, settings, chain).
 */
import type { KeyObject } from 'node:crypto';
import { basename } from 'node:path';
import { MtlsError, badInput } from '../errors.js';
import { describeKey, generatePrivateKey, privateKeyToPem } from '../pki/keys.js';
import { attributeOid, buildName, type DnEntry } from '../pki/name.js';
import { canonicalName, nameDerToSlashForm, nameDerToText, readNameAttributes } from '../pki/name-text.js';
import { signCertificateDer, type Issuer } from '../pki/certificate.js';
import { readCertificate, type CertInfo } from '../pki/verify-cert.js';
import { derToPem } from '../pki/pem.js';
import { assertWritable, writeFilesAtomically, type PlannedFile } from '../store/atomic-write.js';
import { CaStore, randomSerialHex } from '../store/ca-store.js';
import type { LoadedCa } from './load-ca.js';
import { planExtensions, NO_SAN } from './extension-plan.js';
import { confExtensions, resolveRequest, type RequestSource } from './request-details.js';
import { validityWindow } from './issue.js';
import { CLOCK_SKEW_BACKDATE_MS } from '../pki/certificate.js';
import { sha256Fingerprint } from '../pki/fingerprint.js';

export const DEFAULT_CA_DAYS = 3650;

export interface CaInitRequest extends RequestSource {
  dir: string;
  keyTypeFlag?: string;
  days: number;
  /** Encrypts ca.key (--passout). */
  keyPassword?: string;
  force: boolean;
  /** The parent CA for an intermediate (--issuer). */
  parent?: LoadedCa;
  /** pathLenConstraint; intermediates default to 0 (they sign leaves only). */
  pathLength?: number;
  /** Where the CRL will be published; written into every certificate this CA issues. */
  crlUrl?: string;
  existingKey?: KeyObject;
}

export interface CaInitResult {
  dir: string;
  files: { key: string; certificate: string; chain: string; index: string };
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  keyType: string;
  keyEncrypted: boolean;
  pathLength?: number;
  fingerprintSha256: string;
  notes: string[];
  warnings: string[];
}

export async function initCa(req: CaInitRequest): Promise<CaInitResult> {
  const store = new CaStore(req.dir);
  const { paths } = store;
  assertWritable([paths.key, paths.cert], { overwrite: req.force });
  const pathLength = req.pathLength ?? (req.parent ? parentAllowsPathLength(req.parent) : undefined);
  if (req.parent && req.pathLength !== undefined) checkPathLengthUnderParent(req.parent, req.pathLength);
  const details = resolveRequest('ca', req, req.keyTypeFlag, true);
  const warnings = [...details.warnings];
  // An intermediate without --subject or --config is named after its issuer, not the template's root DN.
  const subject = buildName(
    req.parent && details.usesTemplate && !req.subject ? intermediateSubject(req.parent) : details.subject,
  );
  if (req.parent && canonicalName(subject) === req.parent.certificate.subjectKey) {
    throw badInput(
      `The intermediate's subject (${nameDerToText(subject)}) is the same as its issuer's, so it would look self-issued and confuse path building; ` +
        `give it its own name, e.g. --subject "${nameDerToSlashForm(buildName(intermediateSubject(req.parent)))}".`,
    );
  }
  const key = req.existingKey ?? (await generatePrivateKey(details.keyType));
  const issuer: Issuer = req.parent ? { certificate: req.parent.certificate, key: req.parent.key } : { key };
  const plan = planExtensions({
    profile: 'ca',
    subjectKey: key,
    issuer,
    requested: confExtensions(details, { subjectKey: key, issuer: req.parent ? issuer : undefined }, warnings),
    source: details.extensionSection ? 'conf' : 'none',
    sourceName: details.extensionSection
      ? `${details.conf.fileName} [ ${details.extensionSection} ]`
      : details.conf.fileName,
    san: NO_SAN,
    pathLength,
  });
  warnings.push(...plan.warnings);

  const sign = async (serialHex: string) => {
    const window = req.parent ? validityWindow(req.parent.certificate, req.days) : rootWindow(req.days);
    if (window.clamped)
      warnings.push(
        `The intermediate's validity was shortened to end with its issuer on ${window.notAfter.toISOString()}.`,
      );
    const der = signCertificateDer(
      {
        subject,
        subjectKey: key,
        serialHex,
        notBefore: window.notBefore,
        notAfter: window.notAfter,
        extensions: plan.extensions,
      },
      issuer,
    );
    return readCertificate(der, paths.cert);
  };

  let cert: CertInfo;
  let serialHex: string;
  if (req.parent) {
    // The parent records the intermediate like any certificate it signs, so it can be listed and revoked.
    const parentStore = req.parent.store;
    parentStore.ensureLayout();
    [cert, serialHex] = await parentStore.withLock(async () => {
      const taken = new Set(parentStore.readIndex().map((e) => e.serialHex.toUpperCase()));
      const serial = parentStore.newSerial(taken);
      const signed = await sign(serial);
      const pem = derToPem(signed.der, 'CERTIFICATE');
      await writeFilesAtomically([{ path: parentStore.certPathForSerial(serial), data: pem }], { overwrite: true });
      parentStore.appendIndex([
        {
          status: 'V',
          notAfter: signed.notAfter,
          serialHex: serial,
          name: basename(paths.dir),
          subject: nameDerToSlashForm(subject),
        },
      ]);
      return [signed, serial] as const;
    });
  } else {
    serialHex = randomSerialHex();
    cert = await sign(serialHex);
  }

  const certPem = derToPem(cert.der, 'CERTIFICATE');
  const chainPem = certPem + (req.parent ? req.parent.chainPem : '');
  const files: PlannedFile[] = [
    { path: paths.key, data: privateKeyToPem(key, req.keyPassword), mode: 0o600 },
    { path: paths.cert, data: certPem },
    { path: paths.chain, data: chainPem },
    { path: paths.index, data: '' },
    { path: paths.crlNumber, data: '01\n' },
  ];
  if (req.crlUrl) files.push({ path: paths.settings, data: JSON.stringify({ crlUrl: req.crlUrl }, null, 2) + '\n' });
  else if (store.readSettings().previousCa) {
    // A CA made over a rotated folder (--force) does not inherit the old generation (ca-old.*) of the one it replaces.
    const { previousCa: _, ...rest } = store.readSettings();
    files.push({ path: paths.settings, data: JSON.stringify(rest, null, 2) + '\n' });
  }
  store.ensureDir();
  // A new CA starts a new store: with --force the old index and CRL number go too (they belong to the old key).
  await writeFilesAtomically(files, { overwrite: true });

  return {
    dir: paths.dir,
    files: { key: paths.key, certificate: paths.cert, chain: paths.chain, index: paths.index },
    subject: cert.subject,
    issuer: cert.issuer,
    serial: serialHex,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    keyType: describeKey(key).label,
    keyEncrypted: req.keyPassword !== undefined,
    pathLength,
    fingerprintSha256: sha256Fingerprint(cert.der),
    notes: plan.notes,
    warnings,
  };
}

/**
 * The default name of an intermediate: its issuer's DN with the last CN made its own, a trailing
 * "Root CA" / "Root" / "CA" replaced by "Intermediate CA" ("Acme Root CA" → "Acme Intermediate CA");
 * CN=Intermediate CA is added when the issuer has no CN.
 */
export function intermediateSubject(parent: LoadedCa): DnEntry[] {
  const entries: DnEntry[] = readNameAttributes(parent.certificate.subjectDer);
  const cn = entries.map((e) => attributeOid(e.type)).lastIndexOf('2.5.4.3');
  if (cn < 0) return [...entries, { type: 'CN', value: 'Intermediate CA' }];
  const base = entries[cn]!.value.trim()
    .replace(/(^|\s+)(Root\s+CA|Root|CA)$/i, '')
    .trim();
  entries[cn] = { type: 'CN', value: base ? `${base} Intermediate CA` : 'Intermediate CA' };
  return entries;
}

function rootWindow(days: number) {
  const now = Date.now();
  return {
    notBefore: new Date(Math.floor((now - CLOCK_SKEW_BACKDATE_MS) / 1000) * 1000),
    notAfter: new Date(Math.floor((now + days * 86_400_000) / 1000) * 1000),
    clamped: false,
  };
}

function parentPathLength(parent: LoadedCa): number | undefined {
  return parent.certificate.pathLength;
}

/** An intermediate gets pathlen:0 by default: it signs leaves, not further CAs. */
function parentAllowsPathLength(parent: LoadedCa): number {
  checkPathLengthUnderParent(parent, 0);
  return 0;
}

function checkPathLengthUnderParent(parent: LoadedCa, pathLength: number): void {
  const limit = parentPathLength(parent);
  if (limit === undefined) return;
  if (limit === 0) {
    throw new MtlsError(
      'CA_REFUSED',
      `${parent.store.paths.cert} has pathlen:0, so it may sign leaf certificates but no CA; issue the intermediate from a CA without that limit.`,
    );
  }
  if (pathLength > limit - 1) {
    throw new MtlsError(
      'CA_REFUSED',
      `--pathlen ${pathLength} is more than ${parent.store.paths.cert} allows below it (${limit - 1}); choose ${limit - 1} or less.`,
    );
  }
}
