/**
 * PKCS#12 bundles from and to the PKI folder: `export pfx` packs NAME.key, NAME.crt and the chain up
 * to the root; `import pfx` unpacks a bundle made by openssl, Windows or Java into NAME.* files.
 */
import { sha256Fingerprint } from '../pki/fingerprint.js';
import { existsSync } from 'node:fs';
import { readInputFile } from '../store/input-file.js';
import { basename, extname, join } from 'node:path';
import { MtlsError } from '../errors.js';
import { keyMatchesPublicKey, privateKeyFromPkcs8, privateKeyToPem, privateKeyToPkcs8Der } from '../pki/keys.js';
import { derToPem } from '../pki/pem.js';
import { nameDerToText } from '../pki/name-text.js';
import { decodePfx, encodePfx } from '../pki/pkcs12.js';
import {
  DEFAULT_PFX_PLATFORM,
  LEGACY_ALIAS,
  describeProfile,
  ruleFor,
  type PfxPlatform,
} from '../pki/pfx-platforms.js';
import { makeDirectory, writeFilesAtomically } from '../store/atomic-write.js';
import { CaStore } from '../store/ca-store.js';
import { caChainFileFor } from './ca-generations.js';
import { readKeyFile, type PasswordProvider } from './key-file.js';
import { certificateFieldsOf, readCertificateDers } from './cert-file.js';
import { checkName, issuedLeafPaths, leafPaths } from './leaf-paths.js';

export interface ExportPfxRequest {
  dir: string;
  name: string;
  out?: string;
  password: string;
  /** `--legacy`: the same as platform windows-legacy. */
  legacy: boolean;
  /** `--for`: which importer the bundle is for (default modern). */
  platform?: PfxPlatform;
  includeChain: boolean;
  friendlyName?: string;
  force: boolean;
  keyPassword: PasswordProvider;
}

export interface ExportPfxResult {
  file: string;
  name: string;
  subject: string;
  certificates: number;
  platform: PfxPlatform;
  format: string;
  encryption: { key: string; certificates: string; mac: string };
  iterations: number;
  macIterations: number;
  friendlyName: string;
}

/** The leaf's issuers up to the root: NAME-chain.crt's intermediates, then the CA folder's chain. */
export function chainFor(dir: string, name: string, leafDer: Buffer): Buffer[] {
  const paths = leafPaths(dir, name);
  const sources = [paths.chain, caChainFileFor(new CaStore(dir), leafDer)].filter((p) => existsSync(p));
  const seen = new Set<string>([leafDer.toString('base64')]);
  const chain: Buffer[] = [];
  for (const source of sources) {
    for (const { der } of readCertificateDers(source)) {
      const id = der.toString('base64');
      if (!seen.has(id)) {
        seen.add(id);
        chain.push(der);
      }
    }
  }
  return chain;
}

export async function exportPfx(req: ExportPfxRequest): Promise<ExportPfxResult> {
  const paths = issuedLeafPaths(req.dir, req.name);
  const out = req.out ?? join(req.dir, `${req.name}.pfx`);
  const [leaf] = readCertificateDers(paths.cert);
  const key = await readKeyFile(paths.key, paths.key, req.keyPassword);
  if (!keyMatchesPublicKey(key, leaf!.fields.spkiDer)) {
    throw new MtlsError(
      'KEY_MISMATCH',
      `${paths.key} does not belong to ${paths.cert}; re-issue the certificate or restore the matching key.`,
    );
  }
  const leafDer = leaf!.der;
  const chainDer = req.includeChain ? chainFor(req.dir, req.name, leafDer) : [];
  const friendlyName = req.friendlyName ?? req.name;
  const platform = req.platform ?? (req.legacy ? LEGACY_ALIAS : DEFAULT_PFX_PLATFORM);
  const profile = ruleFor(platform).profile;
  const pfx = await encodePfx({
    keyPkcs8Der: privateKeyToPkcs8Der(key),
    certificateDer: leafDer,
    chainDer,
    password: req.password,
    friendlyName,
    profile,
  });
  const encryption = describeProfile(profile);
  await writeFilesAtomically([{ path: out, data: pfx, mode: 0o600 }], { overwrite: req.force });
  return {
    file: out,
    name: req.name,
    subject: nameDerToText(leaf!.fields.subjectDer),
    certificates: 1 + chainDer.length,
    platform,
    format:
      profile.keyCipher === '3des'
        ? 'legacy: pbeWithSHA1And3-KeyTripleDES-CBC, SHA-1 MAC'
        : 'PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), HMAC-SHA256 MAC',
    encryption,
    iterations: profile.iterations,
    macIterations: profile.macIterations,
    friendlyName,
  };
}

export interface ImportPfxRequest {
  file: string;
  dir: string;
  name?: string;
  password: string;
  keyPassword?: string;
  force: boolean;
}

export interface ImportPfxResult {
  name: string;
  subject: string;
  issuer: string;
  fingerprintSha256: string;
  chainCertificates: number;
  files: { key: string; certificate: string; chain: string };
  encryption: { key: string; certificates: string; mac: string };
}

export async function importPfx(req: ImportPfxRequest): Promise<ImportPfxResult> {
  const data = readInputFile(req.file, 'PKCS#12 bundle');
  const name = checkName(req.name ?? basename(req.file, extname(req.file)));
  const contents = await decodePfx(data, req.password, req.file);
  const key = privateKeyFromPkcs8(contents.keyPkcs8Der, req.file);
  const leaf = certificateFieldsOf(contents.certificateDer, `The certificate in ${req.file}`);
  if (!keyMatchesPublicKey(key, leaf.spkiDer)) {
    throw new MtlsError(
      'KEY_MISMATCH',
      `The key in ${req.file} does not belong to its certificate; ask for a new bundle.`,
    );
  }
  const paths = leafPaths(req.dir, name);
  const certPem = derToPem(contents.certificateDer, 'CERTIFICATE');
  makeDirectory(req.dir);
  await writeFilesAtomically(
    [
      { path: paths.key, data: privateKeyToPem(key, req.keyPassword), mode: 0o600 },
      { path: paths.cert, data: certPem },
      { path: paths.chain, data: certPem + contents.chainDer.map((d) => derToPem(d, 'CERTIFICATE')).join('') },
    ],
    { overwrite: req.force },
  );
  return {
    name,
    subject: nameDerToText(leaf.subjectDer),
    issuer: nameDerToText(leaf.issuerDer),
    fingerprintSha256: sha256Fingerprint(contents.certificateDer),
    chainCertificates: contents.chainDer.length,
    files: { key: paths.key, certificate: paths.cert, chain: paths.chain },
    encryption: { key: contents.keyEncryption, certificates: contents.certEncryption, mac: contents.macAlgorithm },
  };
}
