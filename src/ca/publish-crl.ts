/**
 * Publishing the CA's CRL: DIR/crl.pem and DIR/crl.der, signed, with a CRL number that grows with every issue.
 * Kept apart from load-ca.ts and revoke.ts so that `crl gen` (from cron, on a 100,000-line index) does not load
 * @peculiar/x509: the CA certificate is checked from its DER, and the full loader runs only when something is off.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { MtlsError } from '../errors.js';
import { createCrl } from '../pki/crl.js';
import { issuerFields, certificateFields } from '../pki/cert-fields.js';
import { isEncryptedKey, keyMatchesPublicKey, loadPrivateKey } from '../pki/keys.js';
import { derToPemBytes, readDerObjects } from '../pki/pem.js';
import { readTlv } from '../pki/der.js';
import { writeFilesAtomically } from '../store/atomic-write.js';
import { readInputFile } from '../store/input-file.js';
import type { CaStore } from '../store/ca-store.js';
import type { Revocation, RevocationList } from '../store/index-file.js';
import type { LoadedCa, PasswordProvider } from './load-ca.js';

export interface CrlResult {
  crlNumber: string;
  thisUpdate: string;
  nextUpdate: string;
  revokedCount: number;
  files: { pem: string; der: string };
}

/** What signing a CRL takes: the store, the CA certificate (DER) and its key. */
export interface CrlSigner {
  store: CaStore;
  certificateDer: Buffer;
  key: KeyObject;
}

export function crlSignerOf(ca: LoadedCa): CrlSigner {
  return { store: ca.store, certificateDer: Buffer.from(ca.certificate.rawData), key: ca.key };
}

const CA_CERT_LABELS = ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE'];

/** True when loadCa would accept this store without complaint, judged from DER; false means "ask loadCa". */
function plainlyUsable(store: CaStore, certDer: Buffer, at: Date): boolean {
  try {
    const f = issuerFields(certDer);
    // The conditions of load-ca.ts issuerRefusal, all met.
    if (!f.ca || f.keyCertSign === false || f.notAfter.getTime() <= at.getTime() || f.notBefore.getTime() > at.getTime() + 5 * 60_000) return false;
    // loadCa also reads the chain and the settings: their errors are its to report.
    const { chain, settings } = store.paths;
    if (existsSync(chain)) readDerObjects(readInputFile(chain, 'certificate'), CA_CERT_LABELS, chain, 'certificate').forEach((der) => certificateFields(der));
    if (existsSync(settings)) store.readSettings();
    return readTlv(certDer, 0).end === certDer.length;
  } catch {
    return false;
  }
}

/**
 * The CA as loadCa would give it, for signing a CRL: the same checks (a CA certificate, keyCertSign, within
 * its validity, the key belongs to it) and the same errors, which come from loadCa itself whenever the
 * certificate, chain or settings are anything but plainly usable.
 */
export async function loadCrlSigner(store: CaStore, password: PasswordProvider): Promise<CrlSigner> {
  store.requireCa();
  const { paths } = store;
  const fallback = async () => crlSignerOf(await (await import('./load-ca.js')).loadCa(store, password));
  let certDer: Buffer;
  try {
    [certDer] = readDerObjects(readInputFile(paths.cert, 'certificate'), CA_CERT_LABELS, 'ca.crt', 'certificate') as [Buffer];
  } catch {
    return fallback();
  }
  if (!plainlyUsable(store, certDer, new Date())) return fallback();
  const data = readInputFile(paths.key, 'private key');
  const key = loadPrivateKey(data, isEncryptedKey(data) ? await password(paths.key) : undefined, paths.key);
  if (!keyMatchesPublicKey(key, certificateFields(certDer).spkiDer)) {
    throw new MtlsError('KEY_MISMATCH', `${paths.key} does not belong to ${paths.cert}; restore the matching key or re-create the CA with 'mtlskit ca init --force'.`);
  }
  return { store, certificateDer: certDer, key };
}

/** Re-issues the CRL from the given revocations (call it under the store lock, or through generateCrl). */
export async function writeCrl(ca: CrlSigner, revocations: RevocationList | Revocation[], days: number): Promise<CrlResult> {
  const { store } = ca;
  const crlNumber = store.takeCrlNumber();
  const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000);
  const nextUpdate = new Date(thisUpdate.getTime() + days * 86_400_000);
  const der = createCrl({ issuerCertificateDer: ca.certificateDer, issuerKey: ca.key, entries: revocations, crlNumber, thisUpdate, nextUpdate });
  await writeFilesAtomically(
    [
      { path: store.paths.crlPem, data: derToPemBytes(der, 'X509 CRL') },
      { path: store.paths.crlDer, data: der },
    ],
    { overwrite: true },
  );
  return { crlNumber: crlNumber.toString(), thisUpdate: thisUpdate.toISOString(), nextUpdate: nextUpdate.toISOString(), revokedCount: revocations.length, files: { pem: store.paths.crlPem, der: store.paths.crlDer } };
}

/** `onLarge` is told the number of revoked entries when there are many (for a note on a terminal). */
export async function generateCrl(ca: CrlSigner, days: number, onLarge?: (revoked: number) => void): Promise<CrlResult> {
  ca.store.ensureLayout();
  return ca.store.withLock(async () => {
    const revocations = ca.store.readRevocations();
    if (revocations.length >= 10_000) onLarge?.(revocations.length);
    return writeCrl(ca, revocations, days);
  });
}
