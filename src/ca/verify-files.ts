/** `verify` from files: reads the certificate, trust anchors, intermediates, CRLs and key, then validates the path. */
import { existsSync } from 'node:fs';
import { readInputFile } from '../store/input-file.js';
import { basename } from 'node:path';
import { MtlsError } from '../errors.js';
import { readDerObjects } from '../pki/pem.js';
import { verifyCertificate, type Purpose, type VerifyProfile, type VerifyResult } from '../pki/verify.js';
import type { Platform } from '../pki/leaf-policy.js';
import { caPaths } from '../store/ca-store.js';
import { readKeyFile, type PasswordProvider } from './key-file.js';

export interface VerifyFilesRequest {
  certFile: string;
  caFile?: string;
  dir: string;
  untrustedFile?: string;
  crlFiles: string[];
  host?: string;
  purpose?: Purpose;
  at: Date;
  keyFile?: string;
  keyPassword: PasswordProvider;
  rejectSha1?: boolean;
  profile?: VerifyProfile;
  platform?: Platform;
  maxDepth?: number;
}

const readFile = readInputFile;

function certificates(path: string, role: string): { der: Buffer; source: string }[] {
  const source = basename(path);
  return readDerObjects(
    readFile(path, role),
    ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE'],
    path,
    'certificate',
  ).map((der) => ({ der, source }));
}

export async function verifyFiles(req: VerifyFilesRequest): Promise<VerifyResult> {
  const caFile = req.caFile ?? caPaths(req.dir).cert;
  if (!req.caFile && !existsSync(caFile)) {
    throw new MtlsError(
      'NOT_FOUND',
      `No trusted CA given and ${caFile} does not exist; pass --ca FILE with the root certificate(s) or the right --dir.`,
    );
  }
  const crls = req.crlFiles.flatMap((path) =>
    readDerObjects(readFile(path, 'CRL'), ['X509 CRL'], path, 'CRL').map((der) => ({ der, source: basename(path) })),
  );
  const privateKey = req.keyFile
    ? await readKeyFile(req.keyFile, req.keyFile, req.keyPassword, { checkSigns: false }) // verify reports a damaged key as BAD_KEY
    : undefined;
  return verifyCertificate({
    chain: certificates(req.certFile, 'certificate'),
    trusted: certificates(caFile, 'trusted CA'),
    untrusted: req.untrustedFile ? certificates(req.untrustedFile, 'intermediates') : [],
    crls,
    at: req.at,
    host: req.host,
    purpose: req.purpose,
    privateKey,
    rejectSha1: req.rejectSha1,
    profile: req.profile,
    platform: req.platform,
    maxDepth: req.maxDepth,
  });
}
