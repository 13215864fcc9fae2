/**
 * Renewing leaf certificates: NAME is issued again from its current certificate (subject, SANs, extensions,
 * profile), with a new serial and by default the same key. Many certificates (`renew --expiring`) are prepared
 * first, then signed under one store lock through the same code as issuance (signLeavesLocked), and written and
 * recorded as one transaction, all or nothing; the old records stay in index.txt, or are revoked as superseded
 * with a fresh CRL in that same transaction.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MtlsError } from '../errors.js';
import { certificateExtensions } from '../pki/cert-extensions.js';
import {
  authorityKeyIdentifierExtension,
  mergeExtensions,
  PROFILE_OIDS,
  subjectKeyIdentifierExtension,
} from '../pki/certificate.js';
import { EKU } from '../pki/extension-values.js';
import {
  describeKey,
  generatePrivateKey,
  privateKeyToPem,
  publicKeyFromSpki,
  KEY_TYPES,
  type KeyType,
} from '../pki/keys.js';
import { readCertificate, type CertInfo } from '../pki/verify-cert.js';
import { certificateSignedBy } from '../pki/verify-signature.js';
import type { IndexEntry } from '../store/index-file.js';
import type { StoreFile } from '../store/ca-store.js';
import { readCertificateDers } from './cert-file.js';
import { exportPfx, type ExportPfxResult } from './pfx.js';
import { decodePfx } from '../pki/pkcs12.js';
import { readInputFile } from '../store/input-file.js';
import {
  checkLeafNames,
  createCsr,
  signLeavesLocked,
  type IssuedCertificate,
  type LeafProfile,
  type PreparedLeaf,
} from './issue.js';
import type { PasswordProvider } from './key-file.js';
import { checkName, leafPaths } from './leaf-paths.js';
import type { LoadedCa } from './load-ca.js';
import type { CrlResult } from './publish-crl.js';
import { revokeSerialsLocked } from './revoke.js';

export interface RenewRequest {
  names: string[];
  /** A new key of the same type instead of the current one. */
  rekey: boolean;
  /** Validity in days; default: the current certificate's lifetime. */
  days?: number;
  /** Revoke each previous certificate (reason superseded) and publish a fresh CRL. */
  revokeOld: boolean;
  crlDays: number;
  /** Encrypts a new key (--rekey) with this password. */
  newKeyPassword?: string;
  /** `renew --expiring`: the serial each NAME.crt must still have (the index's record of it). */
  expectedSerials?: Map<string, string>;
}

export interface RenewedCertificate extends IssuedCertificate {
  previousSerial: string;
  previousNotAfter: string;
  rekeyed: boolean;
}

export interface RenewResult {
  renewed: RenewedCertificate[];
  /** Serials revoked as superseded (--revoke-old). */
  revoked: string[];
  crl?: CrlResult;
}

interface Prepared {
  leaf: PreparedLeaf;
  previous: CertInfo;
}

export async function renewCertificates(ca: LoadedCa, req: RenewRequest): Promise<RenewResult> {
  const index = ca.store.readIndex();
  const bySerial = new Map(index.map((e) => [e.serialHex.toUpperCase(), e]));
  // Everything that can fail is settled before the lock and before any file is written.
  const prepared: Prepared[] = [];
  for (const name of req.names) prepared.push(await prepareRenewal(ca, name, req, bySerial));
  if (prepared.length === 0) return { renewed: [], revoked: [] };
  const { store } = ca;
  const leaves = prepared.map((p) => p.leaf);
  const targets = checkLeafNames(ca, leaves, true);
  store.ensureLayout();
  return store.withLock(async () => {
    // One transaction: the new certificates and their records, index.txt.attr when it is new, and with
    // --revoke-old the revocations and the CRL; a crash at any moment leaves all of it or none.
    const signed = signLeavesLocked(ca, leaves, targets, true);
    const files = [...signed.files, ...allowRepeatedSubjects(store)];
    const renewed = signed.issued.map((c, i) => ({
      ...c,
      previousSerial: prepared[i]!.previous.serialHex,
      previousNotAfter: prepared[i]!.previous.notAfter.toISOString(),
      rekeyed: req.rekey,
    }));
    if (!req.revokeOld) {
      await store.commit({ files, append: signed.records });
      return { renewed, revoked: [] };
    }
    const previous = prepared.map((p) => p.previous);
    const crl = await revokeSerialsLocked(
      ca,
      previous.map((c) => ({ serialHex: c.serialHex, notAfter: c.notAfter, subjectDer: c.subjectDer })),
      prepared.map((p) => p.leaf.name),
      'superseded',
      new Date(),
      req.crlDays,
      { records: signed.records, files },
    );
    return { renewed, revoked: previous.map((c) => c.serialHex), crl };
  });
}

async function prepareRenewal(
  ca: LoadedCa,
  name: string,
  req: RenewRequest,
  bySerial: Map<string, IndexEntry>,
): Promise<Prepared> {
  checkName(name);
  const dir = ca.store.paths.dir;
  const paths = leafPaths(dir, name);
  if (!existsSync(paths.cert))
    throw new MtlsError(
      'NOT_FOUND',
      `There is no certificate named '${name}' in ${dir} (no ${paths.cert}); give a NAME from 'mtlskit list --dir ${dir}'.`,
    );
  const [first] = readCertificateDers(paths.cert);
  const cert = readCertificate(first!.der, paths.cert);
  // Issued by this CA: its name, and the CA's key id in the authorityKeyIdentifier (what path building matches,
  // and what every certificate mtlskit issues carries); the signature is checked only when the key id cannot tell.
  const ski = ca.certificate.ski;
  const byKeyId = ski !== undefined && cert.aki === ski;
  if (cert.issuerKey !== ca.certificate.subjectKey || !(byKeyId || certificateSignedBy(cert, ca.certificate.spki)))
    throw new MtlsError(
      'CA_REFUSED',
      `${paths.cert} was issued by '${cert.issuer}', not by the CA in ${dir} ('${ca.certificate.subject}'); renew it with the CA that signed it.`,
    );
  const expected = req.expectedSerials?.get(name);
  if (expected && expected.toUpperCase() !== cert.serialHex.toUpperCase())
    throw new MtlsError(
      'CA_REFUSED',
      `${paths.cert} has serial ${cert.serialHex}, not ${expected} as index.txt's latest record for '${name}'; check the folder (mtlskit list) and renew it by name.`,
    );
  const record = bySerial.get(cert.serialHex.toUpperCase());
  if (record?.status === 'R')
    throw new MtlsError(
      'CA_REFUSED',
      `'${name}' (serial ${cert.serialHex}) was revoked on ${record.revokedAt?.toISOString().slice(0, 10) ?? 'an earlier date'}${record.reason ? ` (${record.reason})` : ''}; a revoked certificate is not renewed: issue a new one with --force.`,
    );
  if (cert.isCa)
    throw new MtlsError(
      'CA_REFUSED',
      `${paths.cert} is a CA certificate; renew a CA with 'mtlskit ca renew --dir ITS_FOLDER'.`,
    );

  const warnings: string[] = [];
  // Same key: the certificate's own public key is all signing needs, so NAME.key is not read (and may live
  // elsewhere, as for a certificate signed from a CSR).
  const subjectKey: KeyObject = req.rekey
    ? await generatePrivateKey(sameKeyType(cert, paths.cert))
    : publicKeyFromSpki(cert.spki);
  if (!record)
    warnings.push(`${name}: serial ${cert.serialHex} was not in ${ca.store.paths.index}; the renewed one is recorded.`);

  // The current certificate's extensions as they are, with key identifiers for the (new) key and this CA.
  const extensions = mergeExtensions(certificateExtensions(cert.der), [
    subjectKeyIdentifierExtension(subjectKey),
    authorityKeyIdentifierExtension({ certificate: ca.certificate, key: ca.key }, subjectKey),
  ]);
  const days = req.days ?? Math.max(1, Math.round((cert.notAfter.getTime() - cert.notBefore.getTime()) / 86_400_000));
  const extraFiles = req.rekey
    ? [
        { path: paths.key, data: privateKeyToPem(subjectKey, req.newKeyPassword), mode: 0o600 },
        {
          path: paths.csr,
          data: createCsr(
            cert.subjectDer,
            subjectKey,
            extensions.filter((e) => e.type !== PROFILE_OIDS.authorityKeyIdentifier),
          ),
        },
      ]
    : [];
  return {
    previous: cert,
    leaf: {
      name,
      profile: profileOf(cert),
      subject: cert.subjectDer,
      subjectKey,
      extensions,
      days,
      extraFiles,
      notes: [],
      warnings,
    },
  };
}

/**
 * A renewed certificate has the subject of the one before it: `openssl ca` reads such an index only with
 * unique_subject = no in index.txt.attr (the file it writes itself next to the index). Committed with the
 * renewal's index change, never on its own.
 */
function allowRepeatedSubjects(store: LoadedCa['store']): StoreFile[] {
  const attr = `${store.paths.index}.attr`;
  return existsSync(attr) ? [] : [{ path: attr, data: 'unique_subject = no\n' }];
}

/** server when the certificate is for TLS servers (serverAuth, or no EKU but host names), else client. */
function profileOf(cert: CertInfo): LeafProfile {
  if (cert.extKeyUsage?.includes(EKU.serverAuth)) return 'server';
  if (cert.extKeyUsage?.includes(EKU.clientAuth)) return 'client';
  return cert.san && cert.san.dns.length + cert.san.ip.length > 0 ? 'server' : 'client';
}

function sameKeyType(cert: CertInfo, describe: string): KeyType {
  const d = describeKey(publicKeyFromSpki(cert.spki));
  const type = d.algorithm === 'rsa' ? `rsa:${d.bits}` : d.algorithm === 'ec' ? `ec:${d.curve}` : undefined;
  if (!type || !(KEY_TYPES as readonly string[]).includes(type))
    throw new MtlsError(
      'BAD_INPUT',
      `${describe} has a ${d.label} key, which --rekey cannot make; issue a new certificate with --key-type instead.`,
    );
  return type as KeyType;
}

/** `renew --expiring DAYS`: the latest record of every NAME that is valid and expires within DAYS. */
export function expiringCertificates(
  ca: Pick<LoadedCa, 'store'>,
  days: number,
  now = new Date(),
): {
  names: string[];
  expectedSerials: Map<string, string>;
  skipped: { name: string; serial: string; reason: string }[];
} {
  const latest = new Map<string, IndexEntry>();
  for (const e of ca.store.readIndex()) if (e.name) latest.set(e.name, e);
  const until = now.getTime() + days * 86_400_000;
  const names: string[] = [];
  const expectedSerials = new Map<string, string>();
  const skipped: { name: string; serial: string; reason: string }[] = [];
  for (const [name, e] of latest) {
    const t = e.notAfter.getTime();
    if (e.status !== 'V' || t <= now.getTime() || t > until) continue;
    const file = join(ca.store.paths.dir, `${name}.crt`);
    if (!existsSync(file)) {
      skipped.push({
        name,
        serial: e.serialHex,
        reason: `no ${name}.crt in the folder (an intermediate CA is renewed with 'mtlskit ca renew --issuer')`,
      });
      continue;
    }
    // CA certificates in the folder (the cross-certificates of `ca rotate`) end with the CA they bridge.
    if (readCertificate(readCertificateDers(file)[0]!.der, file).isCa) {
      skipped.push({
        name,
        serial: e.serialHex,
        reason: `${name}.crt is a CA certificate (a cross-certificate of 'ca rotate' ends with the old root); a CA is renewed with 'mtlskit ca renew'`,
      });
      continue;
    }
    names.push(name);
    expectedSerials.set(name, e.serialHex);
  }
  return { names, expectedSerials, skipped };
}

/**
 * Writes NAME.pfx again for the renewed certificate, in the format the old bundle had (legacy 3DES or
 * AES) when it opens with `password`, else in the default format.
 */
export async function reexportPfx(
  dir: string,
  name: string,
  password: string,
  keyPassword: PasswordProvider,
): Promise<ExportPfxResult> {
  const file = join(dir, `${name}.pfx`);
  let legacy = false;
  let includeChain = true;
  try {
    const old = await decodePfx(readInputFile(file, 'PKCS#12 bundle'), password, file);
    legacy = !/AES|PBES2/i.test(old.keyEncryption);
    includeChain = old.chainDer.length > 0;
  } catch {
    // Another password than the old bundle's: the new one gets the default format.
  }
  return exportPfx({ dir, name, password, legacy, includeChain, force: true, keyPassword });
}
