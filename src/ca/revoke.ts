/**
 * Revocation: marking a certificate revoked in the store's index and publishing a fresh CRL
 * (publish-crl.ts) that lists it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MtlsError, badInput } from '../errors.js';
import { REVOCATION_REASONS, type RevocationReason } from '../pki/crl.js';
import { readDerObjects } from '../pki/pem.js';
import { nameDerToSlashForm } from '../pki/name-text.js';
import { readCertificate } from '../pki/verify-cert.js';
import { issuedBy } from './ca-generations.js';
import type { LoadedCa } from './load-ca.js';
import { writeCrl, type CrlResult } from './publish-crl.js';
import type { IndexEntry } from '../store/index-file.js';
import type { StoreFile } from '../store/ca-store.js';

export const DEFAULT_CRL_DAYS = 30;

export interface RevokeTarget {
  /** NAME in the store, or a certificate file path. */
  nameOrFile?: string;
  serialHex?: string;
}

export interface RevokeRequest extends RevokeTarget {
  /**
   * Undefined: no reason is recorded (index.txt holds only the date, as `openssl ca -revoke` without
   * -crl_reason writes it) and the CRL entry has no reasonCode, as RFC 5280 5.3.1 prefers for unspecified.
   */
  reason?: RevocationReason;
  revokedAt: Date;
  crlDays: number;
}

export interface RevokeResult {
  serial: string;
  name: string;
  subject: string;
  /** The reason given, else 'unspecified' (what a CRL entry without reasonCode means). */
  reason: RevocationReason;
  /** Whether the CRL entry carries a reasonCode: false when no reason was given. */
  reasonCode: boolean;
  revokedAt: string;
  crl: CrlResult;
  warnings: string[];
}

export function parseReason(text: string): RevocationReason {
  const match = REVOCATION_REASONS.find((r) => r && r.toLowerCase() === text.toLowerCase());
  if (!match || match === 'removeFromCRL') {
    throw badInput(
      `'${text}' is not a revocation reason; use one of ${REVOCATION_REASONS.filter((r) => r && r !== 'removeFromCRL').join(', ')}.`,
    );
  }
  return match;
}

export function normalizeSerial(text: string): string {
  const hex = text.replace(/^0x/i, '').replace(/:/g, '').toUpperCase();
  if (!/^[0-9A-F]+$/.test(hex))
    throw badInput(
      `--serial '${text}' is not a hexadecimal serial number; copy it from 'mtlskit list' or 'openssl x509 -serial'.`,
    );
  const trimmed = hex.replace(/^(00)+(?=[0-9A-F]{2})/, '');
  return trimmed.length % 2 ? `0${trimmed}` : trimmed;
}

/** The certificate to revoke, proven to come from this CA when it is given by name or file. */
async function resolveTarget(
  ca: LoadedCa,
  target: RevokeTarget,
): Promise<{ serialHex: string; subject?: string; name?: string }> {
  if (target.serialHex) return { serialHex: normalizeSerial(target.serialHex) };
  const spec = target.nameOrFile!;
  const path = existsSync(spec) ? spec : join(ca.store.paths.dir, `${spec}.crt`);
  if (!existsSync(path)) {
    throw new MtlsError(
      'NOT_FOUND',
      `There is no certificate named '${spec}' in ${ca.store.paths.dir} (no ${path}); give a NAME from 'mtlskit list', a .crt file, or --serial HEX.`,
    );
  }
  const [der] = readDerObjects(readFileSync(path), ['CERTIFICATE'], path, 'certificate');
  const cert = readCertificate(der!, path);
  // After `ca rotate` a certificate from the previous CA key is this folder's too (its CRL is crl-old.pem).
  const issuedByUs =
    issuedBy(cert, ca.certificate) || (ca.previous !== undefined && issuedBy(cert, (await ca.previous()).certificate));
  if (!issuedByUs) {
    throw new MtlsError(
      'CA_REFUSED',
      `${path} was issued by '${cert.issuer}', not by this CA ('${ca.certificate.subject}'); revoke it with the CA that signed it.`,
    );
  }
  return {
    serialHex: normalizeSerial(cert.serialHex),
    subject: nameDerToSlashForm(cert.subjectDer),
    name: existsSync(spec) ? undefined : spec,
  };
}

export async function revokeCertificate(ca: LoadedCa, req: RevokeRequest): Promise<RevokeResult> {
  const target = await resolveTarget(ca, req);
  const { store } = ca;
  const warnings: string[] = [];
  store.ensureLayout();
  return store.withLock(async () => {
    const index = store.readIndex();
    let entry = index.find((e) => normalizeSerial(e.serialHex) === target.serialHex);
    if (entry?.status === 'R') {
      throw new MtlsError(
        'ALREADY_REVOKED',
        `Serial ${target.serialHex} (${entry.name}) was already revoked on ${entry.revokedAt?.toISOString() ?? 'an earlier date'}; nothing changed.`,
      );
    }
    if (!entry) {
      warnings.push(
        `Serial ${target.serialHex} is not in ${store.paths.index}; it was recorded as revoked by serial (as for a certificate signed elsewhere with this CA's key).`,
      );
      entry = {
        status: 'V',
        notAfter: ca.certificate.notAfter,
        serialHex: target.serialHex,
        name: target.name ?? 'unknown',
        subject: target.subject ?? '/',
      };
      index.push(entry);
    }
    entry.status = 'R';
    entry.revokedAt = req.revokedAt;
    if (req.reason) entry.reason = req.reason;
    else delete entry.reason;
    // The new index and the CRL that lists the revocation are written together, or neither.
    const crl = await writeCrl(
      ca,
      index.flatMap((e) =>
        e.status === 'R' ? [{ serialHex: e.serialHex, revokedAt: e.revokedAt ?? req.revokedAt, reason: e.reason }] : [],
      ),
      req.crlDays,
      [store.indexFile(index)],
    );
    return {
      serial: entry.serialHex,
      name: entry.name,
      subject: entry.subject,
      reason: req.reason ?? 'unspecified',
      reasonCode: req.reason !== undefined,
      revokedAt: req.revokedAt.toISOString(),
      crl,
      warnings,
    };
  });
}

/**
 * Revokes certificates by serial in the index (adding a record for one that has none) and publishes a fresh
 * CRL, for a caller that holds the store lock: `renew --revoke-old` revokes what it just replaced. `also`: new
 * records and files (the renewed certificates) that go into the same transaction as the revocations and CRL.
 */
export async function revokeSerialsLocked(
  ca: LoadedCa,
  certificates: { serialHex: string; notAfter: Date; subjectDer: Buffer }[],
  names: string[],
  reason: RevocationReason | undefined,
  revokedAt: Date,
  crlDays: number,
  also: { records?: IndexEntry[]; files?: StoreFile[] } = {},
): Promise<CrlResult> {
  const { store } = ca;
  const index = [...store.readIndex(), ...(also.records ?? [])];
  const bySerial = new Map(index.map((e) => [normalizeSerial(e.serialHex), e]));
  certificates.forEach((c, i) => {
    const serialHex = normalizeSerial(c.serialHex);
    let entry = bySerial.get(serialHex);
    if (!entry) {
      entry = {
        status: 'V',
        notAfter: c.notAfter,
        serialHex,
        name: names[i] ?? 'unknown',
        subject: nameDerToSlashForm(c.subjectDer),
      };
      index.push(entry);
    }
    if (entry.status === 'R') return;
    entry.status = 'R';
    entry.revokedAt = revokedAt;
    if (reason) entry.reason = reason;
  });
  // The new index and the CRL that lists the revocations are one transaction, as in revoke.
  return writeCrl(
    ca,
    index.flatMap((e) =>
      e.status === 'R' ? [{ serialHex: e.serialHex, revokedAt: e.revokedAt ?? revokedAt, reason: e.reason }] : [],
    ),
    crlDays,
    [...(also.files ?? []), store.indexFile(index)],
  );
}
