/**
 * CSRs both ways: `csr create` makes a key and a request for another party's CA (no CA needed);
 * `csr sign` has this CA sign a request made anywhere, trusting only its subject, key and SAN.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readInputFile } from '../store/input-file.js';
import { basename, extname, join } from 'node:path';
import { MtlsError, badInput } from '../errors.js';
import { readCsrDer, type CsrInfo } from '../pki/csr-reader.js';
import { generatePrivateKey, privateKeyToPem, describeKey } from '../pki/keys.js';
import { buildName } from '../pki/name.js';
import { nameDerToText, readNameAttributes } from '../pki/name-text.js';
import { readDerObjects } from '../pki/pem.js';
import { subjectAltNameStrings } from '../pki/extension-values.js';
import { assertWritable, makeDirectory, writeFilesAtomically } from '../store/atomic-write.js';
import type { LoadedCa } from './load-ca.js';
import { mergeSubjectAltName, planExtensions, NO_SAN, type SanRequest } from './extension-plan.js';
import { checkName } from './leaf-paths.js';
import { createCsr, refuseWeakKey, signAndRecord, type IssuedCertificate, type LeafProfile } from './issue.js';
import {
  commonNameOf,
  confExtensions,
  resolveRequest,
  withoutTemplateSan,
  type RequestSource,
} from './request-details.js';

export interface CsrCreateRequest extends RequestSource {
  dir: string;
  name: string;
  /** Picks the template (and its extendedKeyUsage) when no --config is given. */
  profile: LeafProfile;
  san: SanRequest;
  keyTypeFlag?: string;
  existingKey?: KeyObject;
  keyPassword?: string;
  force: boolean;
}

export interface CsrCreateResult {
  name: string;
  subject: string;
  subjectAltNames: string[];
  keyType: string;
  files: { key?: string; csr: string };
  warnings: string[];
}

export async function createCsrFiles(req: CsrCreateRequest): Promise<CsrCreateResult> {
  checkName(req.name);
  const keyPath = join(req.dir, `${req.name}.key`);
  const csrPath = join(req.dir, `${req.name}.csr`);
  const writesKey = req.existingKey === undefined;
  const details = resolveRequest(req.profile, req, req.keyTypeFlag);
  const warnings = [...details.warnings];
  const entries =
    details.usesTemplate && !req.subject
      ? [
          ...details.subject.filter((e) => e.type !== 'CN'),
          { type: 'CN', value: req.profile === 'server' ? (req.san.dns[0] ?? req.san.ip[0] ?? 'localhost') : req.name },
        ]
      : details.subject;
  const subject = buildName(entries);
  assertWritable(writesKey ? [keyPath, csrPath] : [csrPath], { overwrite: req.force });
  const key = req.existingKey ?? (await generatePrivateKey(details.keyType));
  const hasSanFlags = Object.values(req.san).some((v) => v.length > 0);
  const requested = withoutTemplateSan(
    details,
    confExtensions(details, { subjectKey: key, request: true }, warnings),
    hasSanFlags,
  );
  const notes: string[] = [];
  const sanOid = '2.5.29.17';
  const san = mergeSubjectAltName(
    req.profile,
    requested.find((e) => e.type === sanOid),
    req.san,
    commonNameOf(entries),
    notes,
  );
  const extensions = requested.filter((e) => e.type !== sanOid);
  if (san) extensions.push(san);
  const csrPem = createCsr(subject, key, extensions);
  makeDirectory(req.dir);
  await writeFilesAtomically(
    [
      ...(writesKey ? [{ path: keyPath, data: privateKeyToPem(key, req.keyPassword), mode: 0o600 }] : []),
      { path: csrPath, data: csrPem },
    ],
    { overwrite: req.force },
  );
  return {
    name: req.name,
    subject: nameDerToText(subject),
    subjectAltNames: subjectAltNameStrings(san),
    keyType: describeKey(key).label,
    files: { ...(writesKey ? { key: keyPath } : {}), csr: csrPath },
    warnings: [...warnings, ...notes.map((n) => `note: ${n}`)],
  };
}

export function readCsr(path: string): CsrInfo {
  const data = readInputFile(path, 'CSR');
  const [der] = readDerObjects(data, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'], path, 'CSR');
  try {
    return readCsrDer(der!);
  } catch {
    throw badInput(
      `${path} is not a PKCS#10 certificate signing request; give the .csr file made by openssl req or mtlskit csr create.`,
    );
  }
}

export interface CsrSignRequest {
  csrPath: string;
  profile: LeafProfile;
  name?: string;
  days: number;
  force: boolean;
}

export async function signCsrFile(ca: LoadedCa, req: CsrSignRequest): Promise<IssuedCertificate> {
  const csr = readCsr(req.csrPath);
  const name = checkName(req.name ?? basename(req.csrPath, extname(req.csrPath)));
  let subjectKey: KeyObject;
  try {
    subjectKey = createPublicKey({ key: csr.spki, format: 'der', type: 'spki' });
    refuseWeakKey(subjectKey, `the key in ${req.csrPath}`);
    describeKey(subjectKey);
  } catch (err) {
    if (err instanceof MtlsError) throw err;
    throw badInput(`${req.csrPath} holds a public key mtlskit cannot use; ask for an RSA or ECDSA key.`);
  }
  if (!csr.signatureValid) {
    // The requester's key could not sign (damaged), or the request changed after it was signed: exit 4.
    throw new MtlsError(
      'BAD_KEY',
      `The signature of ${req.csrPath} does not verify with the public key it carries: the request was altered, or its key is damaged; ask for a fresh CSR.`,
    );
  }
  const subject = csr.subjectDer;
  const subjectAttributes = readNameAttributes(subject);
  if (subjectAttributes.length === 0 && !csr.extensions.some((e) => e.type === '2.5.29.17')) {
    throw badInput(`${req.csrPath} has neither a subject nor a subjectAltName; ask for a CSR that names its owner.`);
  }
  const issuer = { certificate: ca.certificate, key: ca.key };
  const plan = planExtensions({
    profile: req.profile,
    subjectKey,
    issuer,
    requested: csr.extensions,
    source: 'csr',
    sourceName: basename(req.csrPath),
    san: NO_SAN,
    commonName: commonNameOf(subjectAttributes),
    crlUrl: ca.settings.crlUrl,
  });
  const [issued] = await signAndRecord(
    ca,
    [
      {
        name,
        profile: req.profile,
        subject,
        subjectKey,
        extensions: plan.extensions,
        days: req.days,
        extraFiles: [],
        notes: plan.notes,
        warnings: plan.warnings,
      },
    ],
    { force: req.force },
  );
  return issued!;
}
