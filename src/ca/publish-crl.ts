/**
 * Publishing the CA's CRL: DIR/crl.pem and DIR/crl.der, signed, with a CRL number that grows with every issue.
 * `crl gen` (from cron, on a 100,000-line index) needs only this and load-ca.ts.
 */
import { createCrl } from '../pki/crl.js';
import { derToPemBytes } from '../pki/pem.js';
import type { StoreFile } from '../store/ca-store.js';
import type { Revocation, RevocationList } from '../store/index-file.js';
import type { LoadedCa } from './load-ca.js';
import { ROTATION_FILES, splitRevocations, type CaGeneration } from './ca-generations.js';
import { join } from 'node:path';

export interface CrlResult {
  crlNumber: string;
  thisUpdate: string;
  nextUpdate: string;
  revokedCount: number;
  files: { pem: string; der: string };
  /**
   * After `ca rotate`: the CRL the previous CA key signed for the certificates it issued (crl-old.pem/.der),
   * and `bundle`, both CRLs in one PEM file.
   */
  previous?: { crlNumber: string; revokedCount: number; files: { pem: string; der: string } };
  bundle?: string;
}

/** What signing a CRL takes from the CA: its store, its certificate and its key (and the generation before a rotation). */
type CrlSigner = Pick<LoadedCa, 'store' | 'certificate' | 'key'> & Pick<Partial<LoadedCa>, 'previous'>;

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
  if (ca.previous) return writeCrlPair(ca, await ca.previous(), revocations, days, alsoWrite);
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

/** Both generations' CRLs (each from its own key, numbers from the one crlnumber counter) and their PEM bundle. */
async function writeCrlPair(
  ca: CrlSigner,
  previous: CaGeneration,
  revocations: RevocationList | Revocation[],
  days: number,
  alsoWrite: StoreFile[],
): Promise<CrlResult> {
  const { store } = ca;
  // Two CRL numbers from the one counter, advanced in the same transaction as both CRLs.
  const { number: firstNumber, file: crlNumberFile } = store.nextCrlNumber(2);
  let taken = 0n;
  const split = splitRevocations(store, revocations, ca.certificate, previous.certificate);
  const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000);
  const nextUpdate = new Date(thisUpdate.getTime() + days * 86_400_000);
  const sign = (issuer: { certificate: { der: Buffer }; key: LoadedCa['key'] }, entries: Revocation[]) => {
    const crlNumber = firstNumber + taken++;
    const der = createCrl({
      issuerCertificateDer: issuer.certificate.der,
      issuerKey: issuer.key,
      entries,
      crlNumber,
      thisUpdate,
      nextUpdate,
    });
    return { crlNumber, der, pem: derToPemBytes(der, 'X509 CRL') };
  };
  const old = sign(previous, split.previous);
  const now = sign(ca, split.current);
  const bundle = join(store.paths.dir, ROTATION_FILES.crlBundle);
  await store.commit({
    files: [
      ...alsoWrite,
      crlNumberFile,
      { path: previous.paths.crlPem, data: old.pem, replace: true },
      { path: previous.paths.crlDer, data: old.der, replace: true },
      { path: store.paths.crlPem, data: now.pem, replace: true },
      { path: store.paths.crlDer, data: now.der, replace: true },
      { path: bundle, data: Buffer.concat([now.pem, old.pem]), replace: true },
    ],
  });
  return {
    crlNumber: now.crlNumber.toString(),
    thisUpdate: thisUpdate.toISOString(),
    nextUpdate: nextUpdate.toISOString(),
    revokedCount: split.current.length,
    files: { pem: store.paths.crlPem, der: store.paths.crlDer },
    previous: {
      crlNumber: old.crlNumber.toString(),
      revokedCount: split.previous.length,
      files: { pem: previous.paths.crlPem, der: previous.paths.crlDer },
    },
    bundle,
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
