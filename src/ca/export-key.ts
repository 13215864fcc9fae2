/** `export key` and `export cert`: NAME.key and NAME.crt in the other containers and encodings tools ask for. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MtlsError } from '../errors.js';
import { checkKeyFormat, encodePrivateKey, type KeyFormat } from '../pki/key-formats.js';
import { describeKey } from '../pki/keys.js';
import { derToPem } from '../pki/pem.js';
import { nameDerToText } from '../pki/name-text.js';
import { writeFilesAtomically } from '../store/atomic-write.js';
import { readCertificateDers } from './cert-file.js';
import { readKeyFile, type PasswordProvider } from './key-file.js';
import { checkName, issuedLeafPaths, leafPaths } from './leaf-paths.js';

export interface ExportKeyRequest {
  dir: string;
  name: string;
  format: KeyFormat;
  der: boolean;
  /** Encrypt the output with this password. */
  password?: string;
  keyPassword: PasswordProvider;
  out?: string;
  force: boolean;
}

export interface ExportKeyResult {
  file: string;
  format: KeyFormat;
  encoding: 'PEM' | 'DER';
  encrypted: boolean;
  key: string;
}

export function defaultKeyOut(dir: string, name: string, format: KeyFormat, der: boolean): string {
  return join(dir, `${name}.${format}.${der ? 'der' : 'pem'}`);
}

export async function exportKey(req: ExportKeyRequest): Promise<ExportKeyResult> {
  checkName(req.name);
  const paths = leafPaths(req.dir, req.name);
  if (!existsSync(paths.key)) {
    throw new MtlsError(
      'NOT_FOUND',
      `${paths.key} does not exist, so there is no key for ${req.name}; check NAME and --dir (a CSR signed elsewhere has no key here).`,
    );
  }
  const key = await readKeyFile(paths.key, paths.key, req.keyPassword);
  const enc = { format: req.format, der: req.der, password: req.password };
  checkKeyFormat(key, enc, paths.key);
  const data = encodePrivateKey(key, enc);
  const file = req.out ?? defaultKeyOut(req.dir, req.name, req.format, req.der);
  await writeFilesAtomically([{ path: file, data, mode: 0o600 }], { overwrite: req.force });
  return {
    file,
    format: req.format,
    encoding: req.der ? 'DER' : 'PEM',
    encrypted: req.password !== undefined,
    key: describeKey(key).label,
  };
}

export interface ExportCertRequest {
  dir: string;
  name: string;
  der: boolean;
  out?: string;
  force: boolean;
}

export async function exportCert(
  req: ExportCertRequest,
): Promise<{ file: string; encoding: 'PEM' | 'DER'; subject: string }> {
  const paths = issuedLeafPaths(req.dir, req.name);
  const [cert] = readCertificateDers(paths.cert);
  const file = req.out ?? join(req.dir, `${req.name}.${req.der ? 'der' : 'pem'}`);
  const data = req.der ? cert!.der : Buffer.from(derToPem(cert!.der, 'CERTIFICATE'), 'latin1');
  await writeFilesAtomically([{ path: file, data }], { overwrite: req.force });
  return { file, encoding: req.der ? 'DER' : 'PEM', subject: nameDerToText(cert!.fields.subjectDer) };
}
