/**
 * Creating a CA: a self-signed root, or an intermediate signed by another mtlskit CA (--issuer),
 * and the store around it (index, CRL number, settings, chain).
 */
import type { KeyObject } from 'node:crypto';
import { existsSync, unlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { MtlsError, badInput } from '../errors.js';
import { describeKey, generatePrivateKey, privateKeyToPem, type KeyType } from '../pki/keys.js';
import { attributeOid, buildName, type DnEntry } from '../pki/name.js';
import { canonicalName, nameDerToSlashForm, nameDerToText, readNameAttributes } from '../pki/name-text.js';
import { signCertificateDer, type Issuer } from '../pki/certificate.js';
import { readCertificate, type CertInfo } from '../pki/verify-cert.js';
import { derToPem } from '../pki/pem.js';
import { assertWritable, type PlannedFile } from '../store/atomic-write.js';
import { CaStore, randomSerialHex, type CaPkcs11Settings, type CaSettings } from '../store/ca-store.js';
import { attachSigner, keySigner } from '../pki/signer.js';
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
  /**
   * The CA key in a PKCS#11 token (`ca init --pkcs11`): called once the request has been checked, it makes
   * or opens the key and returns its public KeyObject (with the token's Signer attached). No ca.key is written.
   */
  tokenKey?: (
    keyType: KeyType,
  ) => Promise<{ publicKey: KeyObject; settings: CaPkcs11Settings; discard?: () => Promise<void> }>;
  /** Sign with RSASSA-PSS (recorded in mtlskit.json for everything this CA signs later). */
  rsaPss?: boolean;
}

export interface CaInitResult {
  dir: string;
  /** `key` is ca.key's path; absent when the key is in a token (then `pkcs11` says where). */
  files: { key?: string; certificate: string; chain: string; index: string };
  pkcs11?: CaPkcs11Settings;
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
  const made: { discard?: () => Promise<void> } = {};
  try {
    return await createCa(req, made);
  } catch (err) {
    // A key pair generated in a token for a CA that was not created is removed again.
    await made.discard?.().catch(() => undefined);
    throw err;
  }
}

async function createCa(req: CaInitRequest, made: { discard?: () => Promise<void> }): Promise<CaInitResult> {
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
  let tokenSettings: CaPkcs11Settings | undefined;
  let key: KeyObject;
  if (req.tokenKey) {
    const tokenKey = await req.tokenKey(details.keyType);
    made.discard = tokenKey.discard;
    key = tokenKey.publicKey;
    tokenSettings = tokenKey.settings;
  } else {
    key = req.existingKey ?? (await generatePrivateKey(details.keyType));
    if (req.rsaPss && !req.parent) attachSigner(key, keySigner(key, { pss: true }, paths.key));
  }
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
      await parentStore.commit({
        files: [{ path: parentStore.certPathForSerial(serial), data: pem, replace: true }],
        append: [
          {
            status: 'V',
            notAfter: signed.notAfter,
            serialHex: serial,
            name: basename(paths.dir),
            subject: nameDerToSlashForm(subject),
          },
        ],
      });
      return [signed, serial] as const;
    });
  } else {
    serialHex = randomSerialHex();
    cert = await sign(serialHex);
  }

  const certPem = derToPem(cert.der, 'CERTIFICATE');
  const chainPem = certPem + (req.parent ? req.parent.chainPem : '');
  const files: PlannedFile[] = [
    ...(tokenSettings ? [] : [{ path: paths.key, data: privateKeyToPem(key, req.keyPassword), mode: 0o600 }]),
    { path: paths.cert, data: certPem },
    { path: paths.chain, data: chainPem },
    { path: paths.index, data: '' },
    { path: paths.crlNumber, data: '01\n' },
  ];
  const settings: CaSettings = {
    ...(req.crlUrl ? { crlUrl: req.crlUrl } : {}),
    ...(tokenSettings ? { pkcs11: tokenSettings } : {}),
    ...(req.rsaPss ? { rsaPss: true } : {}),
  };
  if (Object.keys(settings).length > 0)
    files.push({ path: paths.settings, data: JSON.stringify(settings, null, 2) + '\n' });
  store.ensureDir();
  // A new CA starts a new store: with --force the old index and CRL number go too (they belong to the old key).
  // One transaction: a crash leaves the old CA or the new one, never a key of one with the certificate of the other.
  await store.withLock(async () => {
    await store.commit({ files: files.map((f) => ({ ...f, replace: true })) });
    // ...and an old CA's key file or token settings that the new CA does not replace go too.
    if (tokenSettings && existsSync(paths.key)) unlinkSync(paths.key);
    if (Object.keys(settings).length === 0 && existsSync(paths.settings)) unlinkSync(paths.settings);
  });

  return {
    dir: paths.dir,
    files: {
      ...(tokenSettings ? {} : { key: paths.key }),
      certificate: paths.cert,
      chain: paths.chain,
      index: paths.index,
    },
    ...(tokenSettings ? { pkcs11: tokenSettings } : {}),
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

/** A root's validity: from a few minutes ago (clock skew) for `days` days. */
export function rootWindow(days: number) {
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
