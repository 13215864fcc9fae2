/**
 * Rotating a root CA's key (`ca rotate`), as RFC 4210 4.4 describes a root CA key update:
 *   - a new key and a new self-signed certificate with the SAME subject name and the old one's extensions
 *     (basicConstraints, keyUsage, name constraints, policies...), a new subjectKeyIdentifier;
 *   - two cross-certificates: the old CA's name and key signed by the new key (ca-old-signed-by-new.crt,
 *     "OldWithNew") and the new CA's name and key signed by the old key (ca-new-signed-by-old.crt, "NewWithOld");
 *     each keeps its subject's SKI and carries an AKI naming the key that signed it;
 *   - ca-bundle.crt (both roots) to hand to partners during the overlap;
 *   - the old pair kept as ca-old.key/ca-old.crt (recorded in mtlskit.json `previousCa`), so revocation
 *     of what it issued goes on: it signs crl-old.pem/crl-old.der, and crl-bundle.pem holds both CRLs.
 * The same subject keeps every partner rule that matches the issuer DN working; OpenSSL, Node and Java build
 * paths by the key identifiers (tested in test/cli/ca-rotate.test.ts). An intermediate CA is not rotated.
 */
import { basename, join } from 'node:path';
import { existsSync } from 'node:fs';
import { MtlsError, badInput } from '../errors.js';
import {
  describeKey,
  generatePrivateKey,
  isEncryptedKey,
  parseKeyType,
  privateKeyToPem,
  type KeyType,
} from '../pki/keys.js';
import type { KeyObject } from 'node:crypto';
import { signCertificateDer, CLOCK_SKEW_BACKDATE_MS } from '../pki/certificate.js';
import { certificateExtensions, crossCertificateDer } from '../pki/cross-certificate.js';
import { readCertificate, type CertInfo } from '../pki/verify-cert.js';
import { derToPem, derToPemBytes } from '../pki/pem.js';
import { nameDerToSlashForm } from '../pki/name-text.js';
import { sha256Fingerprint } from '../pki/fingerprint.js';
import { createCrl } from '../pki/crl.js';
import { assertWritable, makeDirectory, type PlannedFile } from '../store/atomic-write.js';
import type { CaSettings, PreviousCaSettings } from '../store/ca-store.js';
import type { Revocation } from '../store/index-file.js';
import type { LoadedCa } from './load-ca.js';
import type { PasswordProvider } from './key-file.js';
import { planExtensions, NO_SAN } from './extension-plan.js';
import { PREVIOUS_CA_FILES, ROTATION_FILES, previousCaPaths, splitRevocations } from './ca-generations.js';
import { DEFAULT_CA_DAYS } from './init-ca.js';
import { readCertificateDers } from './cert-file.js';

export const DEFAULT_ROTATION_CRL_DAYS = 30;

export interface RotateRequest {
  /** The CA as it is now (loaded with --passin). */
  ca: LoadedCa;
  /** Asked again (cached) for the password of ca.key when the new key should keep it. */
  password: PasswordProvider;
  keyTypeFlag?: string;
  days: number;
  /** --passout: encrypts the new key and the kept old one; default: the old key's password, if it had one. */
  keyPassword?: string;
  /** Replace the files of an earlier rotation (the generation before it is kept under retired/). */
  force: boolean;
  crlDays?: number;
  now?: Date;
}

interface CertSummary {
  file: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  subjectKeyId: string;
  authorityKeyId?: string;
  fingerprintSha256: string;
}

export interface RotateResult {
  dir: string;
  subject: string;
  keyType: string;
  keyEncrypted: boolean;
  current: CertSummary & { key: string };
  previous: CertSummary & { key: string };
  crossCertificates: { oldSignedByNew: CertSummary; newSignedByOld: CertSummary };
  bundle: string;
  crl: { current: string; previous: string; bundle: string; nextUpdate: string };
  retired?: string;
  warnings: string[];
}

/** Whether the CA in the folder is a root (self-issued, no parents in ca-chain.crt). */
function refuseIntermediate(ca: LoadedCa): void {
  const cert = ca.certificate;
  if (ca.parentsDer.length > 0 || cert.issuerKey !== cert.subjectKey) {
    throw badInput(
      `${ca.store.paths.cert} is an intermediate CA issued by '${cert.issuer}', and only a root is rotated (partners trust the root, not it); ` +
        `make a new intermediate with 'mtlskit ca init --dir NEWDIR --issuer PARENTDIR' and issue from there.`,
    );
  }
}

/** The old key's type, at least RSA 2048 (a weaker old key is not carried into the new generation). */
function keyTypeOf(key: KeyObject): KeyType {
  const d = describeKey(key);
  if (d.algorithm === 'ec' && d.curve) return parseKeyType(`ec:${d.curve}`);
  if (d.algorithm === 'rsa') return parseKeyType(`rsa:${d.bits >= 4096 ? 4096 : d.bits >= 3072 ? 3072 : 2048}`);
  throw badInput(`The CA key is ${d.label}; give --key-type for the new key (e.g. ec:P-256 or rsa:3072).`);
}

function second(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

function summary(cert: CertInfo, file: string): CertSummary {
  return {
    file,
    serial: cert.serialHex.toUpperCase(),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    subjectKeyId: cert.ski ?? '',
    authorityKeyId: cert.aki,
    fingerprintSha256: sha256Fingerprint(cert.der),
  };
}

/** Rotation writes ca.key and keeps the old one as ca-old.key: a CA key held in a token is not handled yet. */
export function assertFileKey(settings: CaSettings): void {
  if (settings.pkcs11) {
    throw new MtlsError(
      'USAGE',
      `ca rotate works with a CA key file, and this CA's key is in a PKCS#11 token (${settings.pkcs11.uri}); nothing was written. Make a new CA with 'ca init --pkcs11' in another --dir and hand partners both roots instead.`,
    );
  }
}

export async function rotateCa(req: RotateRequest): Promise<RotateResult> {
  assertFileKey(req.ca.settings);
  const { ca } = req;
  const { store } = ca;
  const { paths } = store;
  const dir = paths.dir;
  const at = (name: string) => join(dir, name);
  refuseIntermediate(ca);
  const old = ca.certificate;
  const warnings: string[] = [];

  const oldPaths = previousCaPaths(store, PREVIOUS_CA_FILES);
  const files = {
    oldSignedByNew: at(ROTATION_FILES.oldSignedByNew),
    newSignedByOld: at(ROTATION_FILES.newSignedByOld),
    bundle: at(ROTATION_FILES.bundle),
    crlBundle: at(ROTATION_FILES.crlBundle),
  };
  const earlier = ca.settings.previousCa;
  if (!req.force) {
    if (earlier) {
      throw new MtlsError(
        'FILE_EXISTS',
        `${dir} was already rotated on ${earlier.rotatedAt.slice(0, 10)} and still keeps that older CA (${earlier.cert}); nothing was written. ` +
          `When its certificates are gone, rotate again with --force (the older CA then moves to ${at('retired')}).`,
      );
    }
    assertWritable([oldPaths.cert, oldPaths.key, oldPaths.crlPem, oldPaths.crlDer, ...Object.values(files)], {
      overwrite: false,
    });
  }

  const oldKeyBytes = store.read(paths.key);
  const oldKeyEncrypted = isEncryptedKey(oldKeyBytes);
  const newPassword = req.keyPassword ?? (oldKeyEncrypted ? await req.password(paths.key) : undefined);
  const keyType = req.keyTypeFlag ? parseKeyType(req.keyTypeFlag) : keyTypeOf(ca.key);
  const newKey = await generatePrivateKey(keyType);
  const now = req.now ?? new Date();
  const notBefore = second(now.getTime() - CLOCK_SKEW_BACKDATE_MS);
  const notAfter = second(now.getTime() + req.days * 86_400_000);
  if (notAfter.getTime() <= old.notAfter.getTime())
    warnings.push(
      `The new CA ends on ${notAfter.toISOString().slice(0, 10)}, before the old one (${old.notAfter.toISOString().slice(0, 10)}), and the cross-certificates with it; a longer --days (default ${DEFAULT_CA_DAYS}) avoids that.`,
    );
  if (old.notAfter.getTime() - now.getTime() < 30 * 86_400_000)
    warnings.push(
      `The old CA expires on ${old.notAfter.toISOString().slice(0, 10)}: the overlap and both cross-certificates end then, so re-issue its certificates before.`,
    );

  // The new root copies the old one's extensions (constraints, policies); SKI and AKI are its own.
  const plan = planExtensions({
    profile: 'ca',
    subjectKey: newKey,
    issuer: { key: newKey },
    requested: certificateExtensions(old.der),
    source: 'conf',
    sourceName: paths.cert,
    san: NO_SAN,
    pathLength: old.pathLength,
  });
  warnings.push(...plan.warnings);

  store.ensureLayout();
  return store.withLock(async () => {
    // Another process may have rotated (or replaced) the CA since it was loaded: then nothing is written.
    if (!readCertificateDers(paths.cert)[0]!.der.equals(old.der)) {
      throw new MtlsError(
        'CA_REFUSED',
        `${paths.cert} changed while this rotation was being prepared (another process rotated or replaced it); nothing was written, run the command again.`,
      );
    }
    const taken = new Set(store.readIndex().map((e) => e.serialHex.toUpperCase()));
    const newSerial = store.newSerial(taken);
    const current = readCertificate(
      signCertificateDer(
        {
          subject: old.subjectDer,
          subjectKey: newKey,
          serialHex: newSerial,
          notBefore,
          notAfter,
          extensions: plan.extensions,
        },
        { key: newKey },
      ),
      paths.cert,
    );
    // A cross-certificate lives no longer than either root: the overlap ends when the old CA does.
    const crossEnd = new Date(Math.min(old.notAfter.getTime(), current.notAfter.getTime()));
    const cross = (subject: CertInfo, issuer: { certificate: CertInfo; key: KeyObject }, file: string) => {
      const serialHex = store.newSerial(taken);
      return readCertificate(crossCertificateDer({ subject, issuer, serialHex, notBefore, notAfter: crossEnd }), file);
    };
    const oldByNew = cross(old, { certificate: current, key: newKey }, files.oldSignedByNew);
    const newByOld = cross(current, { certificate: old, key: ca.key }, files.newSignedByOld);

    // Every revocation so far concerns the old key's certificates; each key signs its own CRL.
    const crlDays = req.crlDays ?? DEFAULT_ROTATION_CRL_DAYS;
    const thisUpdate = second(now.getTime());
    const nextUpdate = new Date(thisUpdate.getTime() + crlDays * 86_400_000);
    const split = splitRevocations(store, store.readRevocations(), current, old);
    // Two CRL numbers from the one counter, advanced in the same transaction as everything else.
    const { number: firstCrlNumber, file: crlNumberFile } = store.nextCrlNumber(2);
    let crlsMade = 0n;
    const crl = (issuer: { certificate: CertInfo; key: KeyObject }, entries: Revocation[]) =>
      createCrl({
        issuerCertificateDer: issuer.certificate.der,
        issuerKey: issuer.key,
        entries,
        crlNumber: firstCrlNumber + crlsMade++,
        thisUpdate,
        nextUpdate,
      });
    const oldCrl = crl({ certificate: old, key: ca.key }, split.previous);
    const newCrl = crl({ certificate: current, key: newKey }, split.current);

    const rotatedAt = now.toISOString();
    const previousCa: PreviousCaSettings = {
      cert: PREVIOUS_CA_FILES.cert,
      key: PREVIOUS_CA_FILES.key,
      crlPem: PREVIOUS_CA_FILES.crlPem,
      crlDer: PREVIOUS_CA_FILES.crlDer,
      subjectKeyId: old.ski,
      rotatedAt,
    };
    const settings: CaSettings = { ...ca.settings, previousCa };
    const certPem = (c: CertInfo) => derToPem(c.der, 'CERTIFICATE');
    const planned: PlannedFile[] = [];
    const retired = req.force
      ? retire(dir, earlier, [oldPaths.cert, oldPaths.key, oldPaths.crlPem], (f) => store.read(f), planned)
      : undefined;
    planned.push(
      // The old generation first: a crash part-way leaves the old key saved before ca.key changes.
      {
        path: oldPaths.key,
        data: req.keyPassword !== undefined ? privateKeyToPem(ca.key, req.keyPassword) : oldKeyBytes,
        mode: 0o600,
      },
      { path: oldPaths.cert, data: certPem(old) },
      { path: paths.key, data: privateKeyToPem(newKey, newPassword), mode: 0o600 },
      { path: paths.cert, data: certPem(current) },
      { path: paths.chain, data: certPem(current) },
      { path: files.oldSignedByNew, data: certPem(oldByNew) },
      { path: files.newSignedByOld, data: certPem(newByOld) },
      { path: store.certPathForSerial(oldByNew.serialHex), data: certPem(oldByNew) },
      { path: store.certPathForSerial(newByOld.serialHex), data: certPem(newByOld) },
      { path: files.bundle, data: certPem(old) + certPem(current) },
      { path: oldPaths.crlPem, data: derToPemBytes(oldCrl, 'X509 CRL') },
      { path: oldPaths.crlDer, data: oldCrl },
      { path: paths.crlPem, data: derToPemBytes(newCrl, 'X509 CRL') },
      { path: paths.crlDer, data: newCrl },
      {
        path: files.crlBundle,
        data: Buffer.concat([derToPemBytes(newCrl, 'X509 CRL'), derToPemBytes(oldCrl, 'X509 CRL')]),
      },
      { path: paths.settings, data: JSON.stringify(settings, null, 2) + '\n' },
    );
    // The cross-certificates are certificates these keys signed: listed, and revocable by name.
    const record = (c: CertInfo, name: string) => ({
      status: 'V' as const,
      notAfter: c.notAfter,
      serialHex: c.serialHex.toUpperCase(),
      name,
      subject: nameDerToSlashForm(c.subjectDer),
    });
    // One transaction through the store's journal: a crash leaves the old generation or the whole new one.
    await store.commit({
      files: [...planned.map((f) => ({ ...f, replace: true })), crlNumberFile],
      append: [record(oldByNew, 'ca-old-signed-by-new'), record(newByOld, 'ca-new-signed-by-old')],
    });
    return {
      dir,
      subject: current.subject,
      keyType: describeKey(newKey).label,
      keyEncrypted: newPassword !== undefined,
      current: { ...summary(current, paths.cert), key: paths.key },
      previous: { ...summary(old, oldPaths.cert), key: oldPaths.key },
      crossCertificates: {
        oldSignedByNew: summary(oldByNew, files.oldSignedByNew),
        newSignedByOld: summary(newByOld, files.newSignedByOld),
      },
      bundle: files.bundle,
      crl: {
        current: paths.crlPem,
        previous: oldPaths.crlPem,
        bundle: files.crlBundle,
        nextUpdate: nextUpdate.toISOString(),
      },
      retired,
      warnings,
    };
  });
}

/**
 * With --force over an earlier rotation: the generation before it (ca-old.*) is copied to
 * retired/<date>-<key id>/ rather than overwritten. Its certificates can no longer be revoked here.
 */
function retire(
  dir: string,
  earlier: PreviousCaSettings | undefined,
  oldFiles: string[],
  read: (path: string) => Buffer,
  planned: PlannedFile[],
): string | undefined {
  const present = oldFiles.filter((f) => existsSync(f));
  if (present.length === 0) return undefined;
  const stamp = (earlier?.rotatedAt ?? new Date().toISOString()).slice(0, 10);
  const target = join(dir, 'retired', `${stamp}-${(earlier?.subjectKeyId ?? 'unknown').slice(0, 8)}`);
  makeDirectory(target);
  for (const f of present) {
    const name = basename(f).replace('-old', '');
    planned.push({ path: join(target, name), data: read(f), mode: name.endsWith('.key') ? 0o600 : 0o644 });
  }
  return target;
}
