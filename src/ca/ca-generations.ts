/**
 * CA generations after `ca rotate`: ca.key/ca.crt issue from now on, and the generation before
 * (mtlskit.json `previousCa`, by default ca-old.key/ca-old.crt) keeps signing the CRL for the
 * certificates it issued (crl-old.pem/crl-old.der). Which generation issued a certificate is read
 * from the certificate itself (certs/SERIAL.pem): its authorityKeyIdentifier, else its signature.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MtlsError } from '../errors.js';
import { keyMatchesPublicKey } from '../pki/keys.js';
import { readCertificate, type CertInfo } from '../pki/verify-cert.js';
import { certificateSignedBy } from '../pki/verify-signature.js';
import type { CaSettings, CaStore, PreviousCaSettings } from '../store/ca-store.js';
import type { Revocation, RevocationList } from '../store/index-file.js';
import { readCertificateDers } from './cert-file.js';
import { readKeyFile, type PasswordProvider } from './key-file.js';

/** The file names `ca rotate` gives the generation it retires, relative to the CA folder. */
export const PREVIOUS_CA_FILES = {
  cert: 'ca-old.crt',
  key: 'ca-old.key',
  crlPem: 'crl-old.pem',
  crlDer: 'crl-old.der',
} as const;

/** Files `ca rotate` writes for partners: both roots, and both CRLs in one PEM file (nginx ssl_crl, openssl -CRLfile). */
export const ROTATION_FILES = {
  bundle: 'ca-bundle.crt',
  crlBundle: 'crl-bundle.pem',
  oldSignedByNew: 'ca-old-signed-by-new.crt',
  newSignedByOld: 'ca-new-signed-by-old.crt',
} as const;

export interface PreviousCaPaths {
  cert: string;
  key: string;
  crlPem: string;
  crlDer: string;
}

export interface CaGeneration {
  certificate: CertInfo;
  key: KeyObject;
  paths: PreviousCaPaths;
}

export function previousCaPaths(
  store: CaStore,
  previous: Pick<PreviousCaSettings, keyof PreviousCaPaths>,
): PreviousCaPaths {
  const at = (name: string) => join(store.paths.dir, name);
  return { cert: at(previous.cert), key: at(previous.key), crlPem: at(previous.crlPem), crlDer: at(previous.crlDer) };
}

/** Reads the previous generation's certificate and key (same password provider as ca.key) and checks they belong together. */
export async function loadPreviousCa(
  store: CaStore,
  previous: PreviousCaSettings,
  password: PasswordProvider,
): Promise<CaGeneration> {
  const paths = previousCaPaths(store, previous);
  if (!existsSync(paths.cert) || !existsSync(paths.key)) {
    throw new MtlsError(
      'NOT_FOUND',
      `${store.paths.settings} names the CA before the last rotation (${previous.cert}, ${previous.key}), but ${existsSync(paths.cert) ? paths.key : paths.cert} is missing; restore it from a backup.`,
    );
  }
  const [first] = readCertificateDers(paths.cert);
  const certificate = readCertificate(first!.der, paths.cert);
  const key = await readKeyFile(paths.key, paths.key, password);
  if (!keyMatchesPublicKey(key, certificate.spki)) {
    throw new MtlsError(
      'KEY_MISMATCH',
      `${paths.key} does not belong to ${paths.cert}; restore the matching pair from a backup.`,
    );
  }
  return { certificate, key, paths };
}

/** A loader that reads the previous generation once, on first use; undefined when the folder was never rotated. */
export function previousCaLoader(
  store: CaStore,
  settings: CaSettings,
  password: PasswordProvider,
): (() => Promise<CaGeneration>) | undefined {
  const previous = settings.previousCa;
  if (!previous) return undefined;
  let loaded: Promise<CaGeneration> | undefined;
  return () => (loaded ??= loadPreviousCa(store, previous, password));
}

/** The certificate names `ca` as its issuer and carries its signature. */
export function issuedBy(cert: CertInfo, ca: CertInfo): boolean {
  return cert.issuerDer.equals(ca.subjectDer) && certificateSignedBy(cert, ca.spki);
}

/** Which generation issued the certificate: its AKI when it names one of them, else whose signature it carries. */
function issuedByPrevious(cert: CertInfo, current: CertInfo, previous: CertInfo): boolean {
  if (cert.aki && previous.ski && cert.aki === previous.ski && cert.aki !== current.ski) return true;
  if (cert.aki && current.ski && cert.aki === current.ski && cert.aki !== previous.ski) return false;
  return issuedBy(cert, previous);
}

/**
 * Splits revocations between the two CRLs by the generation that issued each certificate (certs/SERIAL.pem).
 * A serial without its certificate in the store (revoked with --serial) goes into both: serials are unique
 * in the folder, so listing it under the other key revokes nothing else.
 */
export function splitRevocations(
  store: CaStore,
  revocations: RevocationList | Revocation[],
  current: CertInfo,
  previous: CertInfo,
): { current: Revocation[]; previous: Revocation[] } {
  const split = { current: [] as Revocation[], previous: [] as Revocation[] };
  for (const r of revocations) {
    const path = store.certPathForSerial(r.serialHex);
    let cert: CertInfo | undefined;
    if (existsSync(path)) {
      try {
        cert = readCertificate(readCertificateDers(path)[0]!.der, path);
      } catch {
        cert = undefined;
      }
    }
    if (!cert) {
      split.current.push(r);
      split.previous.push(r);
    } else if (issuedByPrevious(cert, current, previous)) split.previous.push(r);
    else split.current.push(r);
  }
  return split;
}

/**
 * The CA file a leaf's chain ends with: DIR/ca-old.crt for a certificate from the key before `ca rotate`
 * (the new root has the same name but is not its issuer), else DIR/ca-chain.crt, else DIR/ca.crt.
 */
export function caChainFileFor(store: CaStore, leafDer: Buffer): string {
  const { paths } = store;
  const current = existsSync(paths.chain) ? paths.chain : paths.cert;
  const previous = store.readSettings().previousCa;
  if (!previous) return current;
  const oldCert = previousCaPaths(store, previous).cert;
  if (!existsSync(oldCert)) return current;
  const old = readCertificate(readCertificateDers(oldCert)[0]!.der, oldCert);
  return issuedBy(readCertificate(leafDer, 'certificate'), old) ? oldCert : current;
}
