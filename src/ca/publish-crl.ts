/**
 * Publishing the CA's CRL: DIR/crl.pem and DIR/crl.der, signed, with a CRL number that grows with every issue.
 * `crl gen` (from cron, on a 100,000-line index) needs only this and load-ca.ts.
 */
import { createCrl } from '../pki/crl.js';
import { derToPemBytes } from '../pki/pem.js';
import type { StoreFile } from '../store/ca-store.js';
import type { Revocation, RevocationList } from '../store/index-file.js';
import type { LoadedCa } from './load-ca.js';

export interface CrlResult {
  crlNumber: string;
  thisUpdate: string;
  nextUpdate: string;
  revokedCount: number;
  files: { pem: string; der: string };
}

/** What signing a CRL takes from the CA: its store, its certificate and its key. */
type CrlSigner = Pick<LoadedCa, 'store' | 'certificate' | 'key'>;

/**
 * Re-issues the CRL from the given revocations (call it under the store lock, or through generateCrl).
 * The CRL files, the advanced crlnumber and `alsoWrite` (revoke's new index.txt) are one transaction.
 */
export async function writeCrl(
  ca: CrlSigner,
  revocations: RevocationList | Revocation[],
  days: number,
  alsoWrite: StoreFile[] = [],
): Promise<CrlResult> {
  const { store } = ca;
  const { number: crlNumber, file: crlNumberFile } = store.nextCrlNumber();
  const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000);
  const nextUpdate = new Date(thisUpdate.getTime() + days * 86_400_000);
  const der = createCrl({
    issuerCertificateDer: ca.certificate.der,
    issuerKey: ca.key,
    entries: revocations,
    crlNumber,
    thisUpdate,
    nextUpdate,
  });
  await store.commit({
    files: [
      ...alsoWrite,
      crlNumberFile,
      { path: store.paths.crlPem, data: derToPemBytes(der, 'X509 CRL'), replace: true },
      { path: store.paths.crlDer, data: der, replace: true },
    ],
  });
  return {
    crlNumber: crlNumber.toString(),
    thisUpdate: thisUpdate.toISOString(),
    nextUpdate: nextUpdate.toISOString(),
    revokedCount: revocations.length,
    files: { pem: store.paths.crlPem, der: store.paths.crlDer },
  };
}

/** `onLarge` is told the number of revoked entries when there are many (for a note on a terminal). */
export async function generateCrl(
  ca: CrlSigner,
  days: number,
  onLarge?: (revoked: number) => void,
): Promise<CrlResult> {
  ca.store.ensureLayout();
  return ca.store.withLock(async () => {
    const revocations = ca.store.readRevocations();
    if (revocations.length >= 10_000) onLarge?.(revocations.length);
    return writeCrl(ca, revocations, days);
  });
}
