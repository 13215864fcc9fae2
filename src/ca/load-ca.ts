/**
 * Opening a CA for signing: its certificate, its private key (asking for the password only when
 * the key is encrypted) and its chain, with the checks that make a CA refuse to sign.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readInputFile } from '../store/input-file.js';
import { MtlsError } from '../errors.js';
import { keyMatchesPublicKey } from '../pki/keys.js';
import { readKeyFile, type PasswordProvider } from './key-file.js';
import { readDerObjects, derToPem } from '../pki/pem.js';
import { x509 } from '../pki/x509-runtime.js';
import { nameToText } from '../pki/name.js';
import type { CaSettings, CaStore } from '../store/ca-store.js';

type Certificate = InstanceType<typeof x509.X509Certificate>;


export interface LoadedCa {
  store: CaStore;
  certificate: Certificate;
  key: KeyObject;
  /** PEM of this CA and its issuers up to the root (ca-chain.crt, or ca.crt for a root). */
  chainPem: string;
  /** DER of the issuers above this CA (empty for a root). */
  parentsDer: Buffer[];
  /** DIR/mtlskit.json, read once (a batch would otherwise read it per certificate). */
  settings: CaSettings;
}

export function readCertificateFile(path: string, describe = path): Certificate[] {
  const data = readInputFile(path, 'certificate');
  return readDerObjects(data, ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE'], describe, 'certificate').map((der) => {
    try {
      return new x509.X509Certificate(new Uint8Array(der));
    } catch {
      throw new MtlsError('BAD_INPUT', `${describe} holds something that is not an X.509 certificate; give a PEM or DER certificate.`);
    }
  });
}

/** Why a certificate cannot act as an issuer, or undefined when it can. */
export function issuerRefusal(cert: Certificate, describe: string, at = new Date()): string | undefined {
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (!bc || !bc.ca) return `${describe} is not a CA certificate (no basicConstraints CA:TRUE); sign with a CA made by 'mtlskit ca init'.`;
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  if (ku && (ku.usages & x509.KeyUsageFlags.keyCertSign) === 0) return `${describe} may not sign certificates (its keyUsage lacks keyCertSign); use a CA certificate that allows it.`;
  if (cert.notAfter.getTime() <= at.getTime()) return `${describe} expired on ${cert.notAfter.toISOString()}; create a new CA (mtlskit ca init --force) or renew it before issuing.`;
  if (cert.notBefore.getTime() > at.getTime() + 5 * 60_000) return `${describe} is not valid until ${cert.notBefore.toISOString()}; check the system clock.`;
  return undefined;
}

export async function loadCa(store: CaStore, password: PasswordProvider): Promise<LoadedCa> {
  store.requireCa();
  const { paths } = store;
  const [certificate] = readCertificateFile(paths.cert, 'ca.crt');
  const refusal = issuerRefusal(certificate!, `${paths.cert} (${nameToText(certificate!.subjectName)})`);
  if (refusal) throw new MtlsError('CA_REFUSED', refusal);
  const key = await readKeyFile(paths.key, paths.key, password);
  if (!keyMatchesPublicKey(key, new Uint8Array(certificate!.publicKey.rawData))) {
    throw new MtlsError('KEY_MISMATCH', `${paths.key} does not belong to ${paths.cert}; restore the matching key or re-create the CA with 'mtlskit ca init --force'.`);
  }
  const chain = existsSync(paths.chain) ? readCertificateFile(paths.chain, paths.chain) : [certificate!];
  const parentsDer = chain.slice(1).map((c) => Buffer.from(c.rawData));
  const chainPem = chain.map((c) => derToPem(new Uint8Array(c.rawData), 'CERTIFICATE')).join('');
  return { store, certificate: certificate!, key, chainPem, parentsDer, settings: store.readSettings() };
}
