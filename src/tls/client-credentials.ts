/**
 * The client side of probe: a certificate chain and key, from PEM/DER files or a PKCS#12 bundle,
 * handed to Node's TLS as PEM. A PFX is decoded by mtlskit rather than by Node, because Node's
 * OpenSSL 3 cannot open the RC2 bundles that `openssl pkcs12 -legacy` and old Windows tools make.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { MtlsError } from '../errors.js';
import { readInputFile } from '../store/input-file.js';
import { derToPem, readDerObjects } from '../pki/pem.js';
import { privateKeyFromPkcs8, privateKeyToPem } from '../pki/keys.js';
import { readKeyFile, type PasswordProvider } from '../ca/key-file.js';

export interface ClientCredentials {
  /** PEM: the leaf, then any intermediates. */
  cert: Buffer;
  /** PEM (PKCS#8, unencrypted, in memory only). */
  key: Buffer;
  /** The leaf, for local checks (expiry, purpose, issuer). */
  clientCertDer: Buffer;
}

export type CredentialFiles = { cert: string; key: string } | { pfx: string };

export async function loadClientCredentials(
  files: CredentialFiles,
  password: PasswordProvider,
): Promise<ClientCredentials> {
  let chainDer: Buffer[];
  let key: KeyObject;
  let describe: string;
  if ('pfx' in files) {
    const { decodePfx } = await import('../pki/pkcs12.js');
    const contents = await decodePfx(readInputFile(files.pfx, '--pfx'), await password(files.pfx), files.pfx);
    chainDer = [contents.certificateDer, ...contents.chainDer];
    key = privateKeyFromPkcs8(contents.keyPkcs8Der, files.pfx);
    describe = files.pfx;
  } else {
    chainDer = readDerObjects(
      readInputFile(files.cert, '--cert'),
      ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE'],
      files.cert,
      'certificate',
    );
    key = await readKeyFile(files.key, files.key, password);
    describe = `${files.key} and ${files.cert}`;
  }
  // OpenSSL would refuse the pair deep inside the TLS setup; say it plainly first.
  if (!new X509Certificate(chainDer[0]!).checkPrivateKey(key)) {
    throw new MtlsError(
      'KEY_MISMATCH',
      `The key does not belong to the certificate (${describe}); give the key that was made with it.`,
    );
  }
  return {
    cert: Buffer.from(chainDer.map((der) => derToPem(der, 'CERTIFICATE')).join('')),
    key: Buffer.from(privateKeyToPem(key)),
    clientCertDer: chainDer[0]!,
  };
}
