/** Recognises a PKI file (PEM or DER) and describes every object in it. */
import { createPrivateKey } from 'node:crypto';
import { MtlsError, badInput } from '../errors.js';
import { readPemBlocks, looksLikePem } from '../pki/pem.js';
import { describeKey } from '../pki/keys.js';
import { readTlv, children } from '../pki/der.js';
import {
  describeCertificate,
  describeCrl,
  describeCsr,
  type CertificateView,
  type CrlView,
  type CsrView,
  type KeyView,
  type PfxView,
} from './describe.js';

export type ArtifactView = CertificateView | CsrView | CrlView | KeyView | PfxView;

export interface FileView {
  file: string;
  kind: 'certificate' | 'chain' | 'csr' | 'crl' | 'private key' | 'pfx' | 'mixed';
  items: ArtifactView[];
}

const CERT_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const CSR_LABELS = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
const KEY_LABELS: Record<string, string> = {
  'PRIVATE KEY': 'PKCS#8',
  'ENCRYPTED PRIVATE KEY': 'PKCS#8 (encrypted)',
  'RSA PRIVATE KEY': 'PKCS#1',
  'EC PRIVATE KEY': 'SEC1',
};

export async function inspectFile(data: Buffer, file: string, pfxPassword: () => Promise<string>): Promise<FileView> {
  const items: ArtifactView[] = [];
  if (looksLikePem(data)) {
    const text = data.toString('latin1');
    for (const block of readPemBlocks(text)) items.push(await describePemBlock(block.label, block.der, file, text));
    if (items.length === 0) {
      const unterminated = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text);
      if (unterminated && !text.includes(`-----END ${unterminated[1]}-----`))
        throw badInput(
          `${file} has a "${unterminated[1]}" block without its END line: the file is truncated; copy it again.`,
        );
      throw badInput(`${file} has PEM armour but no block mtlskit knows (certificate, CSR, CRL, private key).`);
    }
  } else {
    items.push(await describeDer(data, file, pfxPassword));
  }
  return { file, kind: kindOf(items), items };
}

function kindOf(items: ArtifactView[]): FileView['kind'] {
  const types = new Set(items.map((i) => i.type));
  if (types.size > 1) return 'mixed';
  const only = items[0]!.type;
  if (only === 'certificate' && items.length > 1) return 'chain';
  return only;
}

async function describePemBlock(label: string, der: Buffer, file: string, text: string): Promise<ArtifactView> {
  try {
    if (CERT_LABELS.has(label)) return describeCertificate(der);
    if (CSR_LABELS.has(label)) return await describeCsr(der);
    if (label === 'X509 CRL') return describeCrl(der, file);
    if (label in KEY_LABELS) return describeKeyBlock(label, der, text);
  } catch (err) {
    if (err instanceof MtlsError) throw err;
    throw badInput(`${file} has a "${label}" block that cannot be read; the file may be truncated or damaged.`);
  }
  throw badInput(
    `${file} holds a "${label}" block, which mtlskit does not show; give a certificate, CSR, CRL, key or PFX.`,
  );
}

function describeKeyBlock(label: string, der: Buffer, text: string): KeyView {
  const legacyEncrypted = /Proc-Type: 4,ENCRYPTED/.test(text);
  const encrypted = label === 'ENCRYPTED PRIVATE KEY' || legacyEncrypted;
  const view: KeyView = {
    type: 'private key',
    format: KEY_LABELS[label]! + (legacyEncrypted ? ' (legacy PEM encryption)' : ''),
    encrypted,
  };
  if (!encrypted) {
    const type = label === 'RSA PRIVATE KEY' ? 'pkcs1' : label === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs8';
    view.key = describeKey(createPrivateKey({ key: der, format: 'der', type })).label;
  }
  return view;
}

/** DER has no label: try each structure in turn, from the most common. */
async function describeDer(data: Buffer, file: string, pfxPassword: () => Promise<string>): Promise<ArtifactView> {
  if (data.length < 4 || data[0] !== 0x30)
    throw badInput(`${file} is neither PEM nor DER; give a certificate, CSR, CRL, key or PFX file.`);
  if (looksLikePfx(data)) return describePfx(data, file, await pfxPassword());
  const attempts: (() => ArtifactView | Promise<ArtifactView>)[] = [
    () => describeCertificate(data),
    () => describeCsr(data),
    () => describeCrl(data, file),
    () => ({
      type: 'private key',
      format: 'PKCS#8',
      encrypted: false,
      key: describeKey(createPrivateKey({ key: data, format: 'der', type: 'pkcs8' })).label,
    }),
    () => ({
      type: 'private key',
      format: 'PKCS#1',
      encrypted: false,
      key: describeKey(createPrivateKey({ key: data, format: 'der', type: 'pkcs1' })).label,
    }),
    () => ({
      type: 'private key',
      format: 'SEC1',
      encrypted: false,
      key: describeKey(createPrivateKey({ key: data, format: 'der', type: 'sec1' })).label,
    }),
  ];
  for (const attempt of attempts) {
    try {
      return await attempt();
    } catch {
      // not this kind; try the next
    }
  }
  if (isEncryptedPkcs8(data)) return { type: 'private key', format: 'PKCS#8 (encrypted)', encrypted: true };
  throw badInput(`${file} is DER but not a certificate, CSR, CRL, key or PFX mtlskit can read.`);
}

/** PFX: SEQUENCE { INTEGER 3, SEQUENCE { OID pkcs7-data ... } ... }. */
function looksLikePfx(data: Buffer): boolean {
  try {
    const top = readTlv(data, 0);
    const [version] = children(data, top);
    return version!.tag === 0x02 && version!.end - version!.start === 1 && data[version!.start] === 3;
  } catch {
    return false;
  }
}

function isEncryptedPkcs8(data: Buffer): boolean {
  try {
    const parts = children(data, readTlv(data, 0));
    return parts.length === 2 && parts[0]!.tag === 0x30 && parts[1]!.tag === 0x04;
  } catch {
    return false;
  }
}

async function describePfx(data: Buffer, file: string, password: string): Promise<PfxView> {
  const { decodePfxOrTruststore } = await import('../pki/pkcs12.js');
  const { platformsFor } = await import('../pki/pfx-platforms.js');
  const { bundle, truststore } = await decodePfxOrTruststore(data, password, file);
  const found = bundle ?? truststore!;
  const platforms = platformsFor(found, bundle !== undefined);
  const common = {
    type: 'pfx' as const,
    keyEncryption: found.keyEncryption,
    certificateEncryption: found.certEncryption,
    mac: found.macAlgorithm,
    iterations: { key: found.keyIterations, certificates: found.certIterations, mac: found.macIterations },
    importableBy: platforms.accepted,
    notImportableBy: platforms.refused,
  };
  if (truststore) {
    return {
      ...common,
      key: '(none: a truststore)',
      friendlyName: truststore.certificates[0]?.friendlyName,
      javaTrustedCertificates: truststore.certificates.filter((c) => c.javaTrustedUsages !== undefined).length,
      certificates: truststore.certificates.map((c) => describeCertificate(c.der)),
    };
  }
  const key = describeKey(createPrivateKey({ key: bundle!.keyPkcs8Der, format: 'der', type: 'pkcs8' })).label;
  return {
    ...common,
    friendlyName: bundle!.friendlyName,
    key,
    certificates: [bundle!.certificateDer, ...bundle!.chainDer].map((d) => describeCertificate(d)),
  };
}
