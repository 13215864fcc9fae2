/**
 * Care of the CA key itself: `ca passwd` (set, change or remove ca.key's password) and `ca move-to-pkcs11`
 * (import ca.key into a token as non-extractable, check the token signs for ca.crt, then remove the file).
 */
import { existsSync, unlinkSync } from 'node:fs';
import { MtlsError } from '../errors.js';
import { isEncryptedKey, privateKeyToPem } from '../pki/keys.js';
import { signCertificateDer } from '../pki/certificate.js';
import { buildName } from '../pki/name.js';
import { readCertificate } from '../pki/verify-cert.js';
import { certificateSignedBy } from '../pki/verify-signature.js';
import type { PinProvider } from '../pki/pkcs11.js';
import { writeFileAtomically } from '../store/atomic-write.js';
import { randomSerialHex, type CaStore } from '../store/ca-store.js';
import { readInputFile } from '../store/input-file.js';
import { loadCa } from './load-ca.js';
import type { PasswordProvider } from './key-file.js';
import type { TokenAccess } from './token-key.js';

function refuseTokenKey(store: CaStore, what: string): void {
  if (store.keyInToken())
    throw new MtlsError(
      'BAD_INPUT',
      `The CA key of ${store.paths.dir} is in a PKCS#11 token, not in ca.key, so ${what}; manage the token's PIN with its own tools (e.g. pkcs11-tool --change-pin).`,
    );
}

export interface PasswdResult {
  key: string;
  wasEncrypted: boolean;
  encrypted: boolean;
}

/** Re-writes ca.key with the password `newPassword` gives (undefined: none), after checking it still matches ca.crt. */
export async function changeCaKeyPassword(
  store: CaStore,
  password: PasswordProvider,
  newPassword: () => Promise<string | undefined>,
): Promise<PasswdResult> {
  refuseTokenKey(store, 'it has no password to change');
  const wasEncrypted = isEncryptedKey(readInputFile(store.paths.key, 'CA key'));
  const ca = await loadCa(store, password);
  const next = await newPassword();
  await store.withLock(async () => {
    writeFileAtomically(
      { path: store.paths.key, data: privateKeyToPem(ca.key, next), mode: 0o600 },
      { overwrite: true },
    );
  });
  return { key: store.paths.key, wasEncrypted, encrypted: next !== undefined };
}

export interface MoveResult {
  uri: string;
  module: string;
  removed: string;
  testSerial: string;
}

/**
 * Imports ca.key into the token, has the token sign a throw-away test certificate that must verify with
 * ca.crt's key, records the token in mtlskit.json and only then deletes ca.key. If the token refuses the
 * import or its test signature fails, the imported objects are removed and ca.key stays.
 */
export async function moveCaKeyToToken(req: {
  store: CaStore;
  password: PasswordProvider;
  uri: string;
  access: TokenAccess;
  fallbackPin: PinProvider;
}): Promise<MoveResult> {
  const { store } = req;
  refuseTokenKey(store, 'there is nothing to move');
  const ca = await loadCa(store, req.password);
  const { importCaKey } = await import('./token-key.js');
  const moved = await importCaKey({
    uri: req.uri,
    access: req.access,
    key: ca.key,
    pss: ca.settings.rsaPss === true,
    fallbackPin: req.fallbackPin,
  });
  const testSerial = randomSerialHex();
  let ok = false;
  try {
    const now = new Date();
    const der = signCertificateDer(
      {
        subject: buildName([{ type: 'CN', value: 'mtlskit move-to-pkcs11 test (not a certificate to use)' }]),
        subjectKey: moved.key.publicKey,
        serialHex: testSerial,
        notBefore: now,
        notAfter: new Date(now.getTime() + 60_000),
        extensions: [],
      },
      { certificate: ca.certificate, key: moved.key.publicKey },
    );
    ok = certificateSignedBy(readCertificate(der, 'test certificate'), Buffer.from(ca.certificate.spki));
  } finally {
    if (!ok) await moved.undo().catch(() => undefined);
  }
  if (!ok)
    throw new MtlsError(
      'KEY_MISMATCH',
      `The token's test signature did not verify with ${store.paths.cert}; the imported key was removed from the token and ${store.paths.key} was kept.`,
    );
  await store.withLock(async () => {
    writeFileAtomically(
      {
        path: store.paths.settings,
        data: JSON.stringify({ ...store.readSettings(), pkcs11: moved.settings }, null, 2) + '\n',
      },
      { overwrite: true },
    );
    if (existsSync(store.paths.key)) unlinkSync(store.paths.key);
  });
  return { uri: moved.settings.uri, module: moved.settings.module, removed: store.paths.key, testSerial };
}
