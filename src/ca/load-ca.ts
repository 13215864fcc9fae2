/**
 * Opening a CA for signing: its certificate, its private key (asking for the password only when
 * the key is encrypted) and its chain, with the checks that make a CA refuse to sign.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { MtlsError } from '../errors.js';
import { keyMatchesPublicKey } from '../pki/keys.js';
import { derToPem } from '../pki/pem.js';
import { readCertificate, type CertInfo } from '../pki/verify-cert.js';
import { KEY_USAGE } from '../pki/extension-values.js';
import type { CaSettings, CaStore } from '../store/ca-store.js';
import { readCertificateDers } from './cert-file.js';
import { readKeyFile, type PasswordProvider } from './key-file.js';
import { attachSigner, keySigner, type Signer } from '../pki/signer.js';
import type { TokenAccess } from './token-key.js';
import { previousCaLoader, type CaGeneration } from './ca-generations.js';

export type { TokenAccess };

export interface LoadedCa {
  store: CaStore;
  certificate: CertInfo;
  /**
   * The CA key for signCertificateDer/createCrl: the private key of ca.key, or for a key in a PKCS#11
   * token its public KeyObject with the token's Signer attached (either way, `signer` signs).
   */
  key: KeyObject;
  /** How this CA signs: node:crypto over ca.key, or the token. */
  signer: Signer;
  /** Where the key is: ca.key's path, or the token key's PKCS#11 URI. */
  keyLocation: string;
  /** PEM of this CA and its issuers up to the root (ca-chain.crt, or ca.crt for a root). */
  chainPem: string;
  /** DER of the issuers above this CA (empty for a root). */
  parentsDer: Buffer[];
  /** DIR/mtlskit.json, read once (a batch would otherwise read it per certificate). */
  settings: CaSettings;
  /** After `ca rotate`: the previous CA generation (its key signs the CRL of what it issued), read on first use. */
  previous?: () => Promise<CaGeneration>;
}

/** Why a certificate cannot act as an issuer, or undefined when it can. */
export function issuerRefusal(cert: CertInfo, describe: string, at = new Date()): string | undefined {
  if (!cert.isCa)
    return `${describe} is not a CA certificate (no basicConstraints CA:TRUE); sign with a CA made by 'mtlskit ca init'.`;
  if (cert.keyUsage !== undefined && (cert.keyUsage & KEY_USAGE.keyCertSign) === 0)
    return `${describe} may not sign certificates (its keyUsage lacks keyCertSign); use a CA certificate that allows it.`;
  if (cert.notAfter.getTime() <= at.getTime())
    return `${describe} expired on ${cert.notAfter.toISOString()}; create a new CA (mtlskit ca init --force) or renew it before issuing.`;
  if (cert.notBefore.getTime() > at.getTime() + 5 * 60_000)
    return `${describe} is not valid until ${cert.notBefore.toISOString()}; check the system clock.`;
  return undefined;
}

/**
 * Opens the CA in `store` for signing. A file key is read from ca.key (asking `password` only when it is
 * encrypted); a token key (mtlskit.json records its URI) is opened with `opts.pin`, else the token's URI
 * pin attributes, else `password` — logging in once, never retrying a wrong PIN. `opts.renewing` (`ca renew`):
 * an expired or not yet valid CA certificate is what is being replaced, so it is judged at its own notBefore.
 */
export async function loadCa(
  store: CaStore,
  password: PasswordProvider,
  opts: TokenAccess & { renewing?: boolean } = {},
): Promise<LoadedCa> {
  const token: TokenAccess = opts;
  store.requireCa();
  const { paths } = store;
  const [first] = readCertificateDers(paths.cert, 'ca.crt');
  const certificate = readCertificate(first!.der, paths.cert);
  const at = opts.renewing ? certificate.notBefore : undefined;
  const refusal = issuerRefusal(certificate, `${paths.cert} (${certificate.subject})`, at);
  if (refusal) throw new MtlsError('CA_REFUSED', refusal);
  const settings = store.readSettings();
  let key: KeyObject;
  let signer: Signer;
  let keyLocation: string;
  if (settings.pkcs11) {
    const { openCaTokenKey } = await import('./token-key.js');
    const tokenKey = await openCaTokenKey(settings.pkcs11, token, password, settings.rsaPss === true);
    key = tokenKey.publicKey;
    signer = tokenKey.signer;
    keyLocation = tokenKey.uri;
    if (!keyMatchesPublicKey(key, certificate.spki)) {
      throw new MtlsError(
        'KEY_MISMATCH',
        `The token key ${keyLocation} does not belong to ${paths.cert}; point mtlskit.json's pkcs11.uri at the CA's key, or re-create the CA with 'mtlskit ca init --force'.`,
      );
    }
  } else {
    key = await readKeyFile(paths.key, paths.key, password);
    keyLocation = paths.key;
    if (!keyMatchesPublicKey(key, certificate.spki)) {
      throw new MtlsError(
        'KEY_MISMATCH',
        `${paths.key} does not belong to ${paths.cert}; restore the matching key or re-create the CA with 'mtlskit ca init --force'.`,
      );
    }
    signer = keySigner(key, { pss: settings.rsaPss === true }, paths.key);
    attachSigner(key, signer);
  }
  const chain = existsSync(paths.chain) ? readCertificateDers(paths.chain).map((c) => c.der) : [first!.der];
  const parentsDer = chain.slice(1);
  const chainPem = chain.map((der) => derToPem(der, 'CERTIFICATE')).join('');
  return {
    store,
    certificate,
    key,
    signer,
    keyLocation,
    chainPem,
    parentsDer,
    settings,
    previous: previousCaLoader(store, settings, password),
  };
}
