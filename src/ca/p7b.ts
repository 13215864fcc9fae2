/**
 * `export p7b` and `import p7b`: certificate chains as certificates-only PKCS#7, the .p7b Windows
 * ("Cryptographic Message Syntax Standard"), Java keytool and `openssl pkcs7` read.
 */
import { basename, extname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { MtlsError } from '../errors.js';
import { derToPem } from '../pki/pem.js';
import { nameDerToText, readNameAttributes } from '../pki/name-text.js';
import { decodePkcs7Certificates, encodeCertsOnlyPkcs7, pkcs7ToPem } from '../pki/pkcs7.js';
import { makeDirectory, writeFilesAtomically } from '../store/atomic-write.js';
import { caPaths } from '../store/ca-store.js';
import { readInputFile } from '../store/input-file.js';
import { certificateFieldsOf, readCertificateDers } from './cert-file.js';
import { checkName, issuedLeafPaths } from './leaf-paths.js';
import { chainFor } from './pfx.js';

export interface ExportP7bRequest {
  dir: string;
  /** A leaf: NAME.crt and its chain; without it, the CA chain. */
  name?: string;
  out?: string;
  includeChain: boolean;
  pem: boolean;
  force: boolean;
}

export interface ExportP7bResult {
  file: string;
  encoding: 'DER' | 'PEM';
  certificates: string[];
}

export async function exportP7b(req: ExportP7bRequest): Promise<ExportP7bResult> {
  let certs: Buffer[];
  let stem: string;
  if (req.name !== undefined) {
    const paths = issuedLeafPaths(req.dir, req.name);
    const leaf = readCertificateDers(paths.cert)[0]!.der;
    certs = [leaf, ...(req.includeChain ? chainFor(req.dir, req.name, leaf) : [])];
    stem = req.name;
  } else {
    const ca = caPaths(req.dir);
    const source = existsSync(ca.chain) ? ca.chain : ca.cert;
    if (!existsSync(source))
      throw new MtlsError(
        'NOT_FOUND',
        `${ca.cert} does not exist; create the CA first (mtlskit ca init) or pass the right --dir.`,
      );
    const all = readCertificateDers(source).map((c) => c.der);
    certs = req.includeChain ? all : all.slice(0, 1);
    stem = 'ca-chain';
  }
  const der = encodeCertsOnlyPkcs7(certs);
  const file = req.out ?? join(req.dir, `${stem}.p7b`);
  await writeFilesAtomically([{ path: file, data: req.pem ? Buffer.from(pkcs7ToPem(der), 'latin1') : der }], {
    overwrite: req.force,
  });
  return {
    file,
    encoding: req.pem ? 'PEM' : 'DER',
    certificates: certs.map((c) => nameDerToText(certificateFieldsOf(c, file).subjectDer)),
  };
}

export interface ImportP7bRequest {
  file: string;
  /** Where the PEM files go. */
  dir: string;
  /** File name stem (default: the .p7b's own). */
  name?: string;
  force: boolean;
}

export interface ImportP7bResult {
  certificates: Array<{
    file: string;
    subject: string;
    issuer: string;
    role: 'leaf' | 'intermediate' | 'root' | 'certificate';
  }>;
  bundle: string;
}

/** Leaf first, then each one's issuer; certificates outside the chain keep their file order at the end. */
export function orderLeafFirst<T extends { subject: string; issuer: string }>(certs: T[]): T[] {
  const issuers = new Set(certs.filter((c) => c.subject !== c.issuer).map((c) => c.issuer));
  const leaf = certs.find((c) => !issuers.has(c.subject)) ?? certs[0];
  if (!leaf) return [];
  const ordered = [leaf];
  const rest = certs.filter((c) => c !== leaf);
  for (let cur = leaf; cur.subject !== cur.issuer;) {
    const i = rest.findIndex((c) => c.subject === cur.issuer);
    if (i < 0) break;
    cur = rest.splice(i, 1)[0]!;
    ordered.push(cur);
  }
  return [...ordered, ...rest];
}

function slug(subjectDer: Buffer): string {
  const cn = readNameAttributes(subjectDer).find((a) => a.type === 'CN')?.value ?? 'certificate';
  return (
    cn
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'certificate'
  );
}

export async function importP7b(req: ImportP7bRequest): Promise<ImportP7bResult> {
  const data = readInputFile(req.file, 'PKCS#7 file');
  const stem = checkName(req.name ?? basename(req.file, extname(req.file)));
  const ders = decodePkcs7Certificates(data, req.file);
  if (ders.length === 0)
    throw new MtlsError('BAD_INPUT', `${req.file} holds no certificates; ask for a .p7b that includes the chain.`);
  const parsed = ders.map((der) => {
    const f = certificateFieldsOf(der, req.file);
    return { der, f, subject: f.subjectDer.toString('hex'), issuer: f.issuerDer.toString('hex') };
  });
  const ordered = orderLeafFirst(parsed);
  const files = ordered.map((c, i) => {
    const selfSigned = c.subject === c.issuer;
    const role =
      ordered.length === 1 ? 'certificate' : i === 0 && !selfSigned ? 'leaf' : selfSigned ? 'root' : 'intermediate';
    return {
      path: join(req.dir, `${stem}-${i + 1}-${slug(c.f.subjectDer)}.crt`),
      pem: derToPem(c.der, 'CERTIFICATE'),
      subject: nameDerToText(c.f.subjectDer),
      issuer: nameDerToText(c.f.issuerDer),
      role: role as ImportP7bResult['certificates'][number]['role'],
    };
  });
  const bundle = join(req.dir, `${stem}-bundle.crt`);
  makeDirectory(req.dir);
  await writeFilesAtomically(
    [...files.map((f) => ({ path: f.path, data: f.pem })), { path: bundle, data: files.map((f) => f.pem).join('') }],
    { overwrite: req.force },
  );
  return {
    certificates: files.map((f) => ({ file: f.path, subject: f.subject, issuer: f.issuer, role: f.role })),
    bundle,
  };
}
