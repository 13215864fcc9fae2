/**
 * `export truststore`: the CA's certificates (DIR/ca-chain.crt, else DIR/ca.crt, plus the roots in
 * DIR/ca-bundle.crt when a CA rotation wrote one) as a PKCS#12 truststore Java lists as
 * trustedCertEntry, a PEM bundle, or a JKS file.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MtlsError } from '../errors.js';
import { derToPem } from '../pki/pem.js';
import { nameDerToText, readNameAttributes } from '../pki/name-text.js';
import { writeFilesAtomically } from '../store/atomic-write.js';
import { caPaths } from '../store/ca-store.js';
import { readCertificateDers, type CertificateDer } from './cert-file.js';

export type TruststoreFormat = 'p12' | 'pem' | 'jks';
export const TRUSTSTORE_FORMATS: readonly TruststoreFormat[] = ['p12', 'pem', 'jks'];

export interface TruststoreRequest {
  dir: string;
  format: TruststoreFormat;
  out?: string;
  /** Required for p12 and jks; unused for pem. */
  password?: string;
  force: boolean;
}

export interface TruststoreResult {
  file: string;
  format: TruststoreFormat;
  certificates: Array<{ alias: string; subject: string }>;
  sources: string[];
}

/** The CA chain, then any other roots of ca-bundle.crt, without duplicates. */
export function truststoreCertificates(dir: string): { certs: CertificateDer[]; sources: string[] } {
  const ca = caPaths(dir);
  const first = existsSync(ca.chain) ? ca.chain : ca.cert;
  if (!existsSync(first)) {
    throw new MtlsError(
      'NOT_FOUND',
      `${ca.cert} does not exist; create the CA first (mtlskit ca init) or pass the right --dir.`,
    );
  }
  const bundle = join(ca.dir, 'ca-bundle.crt');
  const sources = [first, ...(existsSync(bundle) ? [bundle] : [])];
  const seen = new Set<string>();
  const certs: CertificateDer[] = [];
  for (const source of sources) {
    for (const c of readCertificateDers(source)) {
      const id = c.der.toString('base64');
      if (seen.has(id)) continue;
      seen.add(id);
      certs.push(c);
    }
  }
  return { certs, sources };
}

/** keytool aliases are lower case; one per certificate, from its CN (else "ca"), numbered when they repeat. */
export function aliasesFor(certs: CertificateDer[]): string[] {
  const used = new Map<string, number>();
  return certs.map((c) => {
    const cn = readNameAttributes(c.fields.subjectDer).find((a) => a.type === 'CN')?.value;
    const base =
      (cn ?? 'ca')
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/^-+|-+$/g, '') || 'ca';
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

export async function exportTruststore(req: TruststoreRequest): Promise<TruststoreResult> {
  const { certs, sources } = truststoreCertificates(req.dir);
  const aliases = aliasesFor(certs);
  const file = req.out ?? join(req.dir, `truststore.${req.format}`);
  let data: Buffer;
  if (req.format === 'pem') {
    data = Buffer.from(certs.map((c) => derToPem(c.der, 'CERTIFICATE')).join(''), 'latin1');
  } else if (req.format === 'jks') {
    const { encodeJksTruststore } = await import('../pki/jks.js');
    data = encodeJksTruststore(
      certs.map((c, i) => ({ alias: aliases[i]!, der: c.der })),
      req.password ?? '',
    );
  } else {
    const { encodeTruststore } = await import('../pki/pkcs12.js');
    data = encodeTruststore(
      certs.map((c, i) => ({ alias: aliases[i]!, der: c.der })),
      req.password ?? '',
    );
  }
  await writeFilesAtomically([{ path: file, data }], { overwrite: req.force });
  return {
    file,
    format: req.format,
    certificates: certs.map((c, i) => ({ alias: aliases[i]!, subject: nameDerToText(c.fields.subjectDer) })),
    sources,
  };
}
