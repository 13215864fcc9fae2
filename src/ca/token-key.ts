/**
 * A CA whose key is in a PKCS#11 token: where the module is (flag, PKCS11_MODULE, the URI's module-path,
 * or what DIR/mtlskit.json recorded), where the PIN comes from (--pin, the URI's pin-value/pin-source,
 * else the CA's password provider), and opening, generating or importing the key. Loaded lazily: only
 * CAs with a token key import this module and, through it, the native binding.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KeyObject } from 'node:crypto';
import { usageError } from '../errors.js';
import type { KeyType } from '../pki/keys.js';
import { parsePkcs11Uri, type Pkcs11Uri } from '../pki/pkcs11-uri.js';
import {
  generateTokenKey,
  importTokenKey,
  openTokenKey,
  destroyTokenKey,
  type PinProvider,
  type TokenKey,
} from '../pki/pkcs11.js';
import type { CaPkcs11Settings } from '../store/ca-store.js';

/** How a command reaches a token key: --pin and --pkcs11-module (all optional). */
export interface TokenAccess {
  /** --pin: wins over the URI's pin attributes. */
  pin?: PinProvider;
  /** A prompt (or a 'give --pin' error) for when neither --pin nor the URI gives the PIN. */
  askPin?: PinProvider;
  module?: string;
}

/** --pkcs11-module, else PKCS11_MODULE, else the URI's module-path, else the recorded module. */
export function resolveModulePath(access: TokenAccess, uri: Pkcs11Uri, recorded?: string): string {
  const path = access.module ?? process.env.PKCS11_MODULE ?? uri.modulePath ?? recorded;
  if (!path)
    throw usageError(
      'Which PKCS#11 module should open the token? Give --pkcs11-module PATH (e.g. /usr/lib/softhsm/libsofthsm2.so) or set PKCS11_MODULE.',
    );
  return path;
}

/** --pin, else the URI's pin-value or pin-source, else the prompt, else `fallback` (the CA's password source). */
export function resolvePin(access: TokenAccess, uri: Pkcs11Uri, fallback: PinProvider): PinProvider {
  if (access.pin) return access.pin;
  if (uri.pinValue !== undefined) {
    const value = uri.pinValue;
    return async () => value;
  }
  if (uri.pinSource !== undefined) {
    const source = uri.pinSource;
    return async () => {
      const path = source.startsWith('file:') ? fileURLToPath(source) : source;
      try {
        return readFileSync(path, 'utf8').split(/\r?\n/)[0] ?? '';
      } catch {
        throw usageError(`pin-source ${source} in the PKCS#11 URI cannot be read; check the path and its permissions.`);
      }
    };
  }
  return access.askPin ?? fallback;
}

export async function openCaTokenKey(
  recorded: CaPkcs11Settings,
  access: TokenAccess,
  fallbackPin: PinProvider,
  pss: boolean,
): Promise<TokenKey> {
  const uri = parsePkcs11Uri(recorded.uri);
  return openTokenKey({
    modulePath: resolveModulePath(access, uri, recorded.module),
    uri,
    pin: resolvePin(access, uri, fallbackPin),
    pss,
  });
}

export interface NewCaTokenKey {
  key: TokenKey;
  settings: CaPkcs11Settings;
  /** Removes a key pair this command generated (when the CA could not be created after all); absent for an existing key. */
  discard?: () => Promise<void>;
}

/** `ca init --pkcs11`: a new key pair made inside the token, or (--pkcs11-existing) the one the URI names. */
export async function createCaTokenKey(req: {
  uri: string;
  access: TokenAccess;
  keyType: KeyType;
  existing: boolean;
  pss: boolean;
  fallbackPin: PinProvider;
}): Promise<NewCaTokenKey> {
  const uri = parsePkcs11Uri(req.uri);
  const modulePath = resolveModulePath(req.access, uri);
  const tokenReq = { modulePath, uri, pin: resolvePin(req.access, uri, req.fallbackPin), pss: req.pss };
  if (req.existing) {
    const key = await openTokenKey(tokenReq);
    return { key, settings: { uri: key.uri, module: modulePath } };
  }
  const key = await generateTokenKey({ ...tokenReq, keyType: req.keyType });
  return {
    key,
    settings: { uri: key.uri, module: modulePath },
    discard: () => destroyTokenKey({ ...tokenReq, uri: parsePkcs11Uri(key.uri) }),
  };
}

/** `ca move-to-pkcs11`: the file key imported into the token (sensitive, not extractable). */
export async function importCaKey(req: {
  uri: string;
  access: TokenAccess;
  key: KeyObject;
  pss: boolean;
  fallbackPin: PinProvider;
}): Promise<NewCaTokenKey & { undo: () => Promise<void> }> {
  const uri = parsePkcs11Uri(req.uri);
  const modulePath = resolveModulePath(req.access, uri);
  const pin = resolvePin(req.access, uri, req.fallbackPin);
  const key = await importTokenKey({ modulePath, uri, pin, pss: req.pss, key: req.key });
  return {
    key,
    settings: { uri: key.uri, module: modulePath },
    undo: () => destroyTokenKey({ modulePath, uri: parsePkcs11Uri(key.uri), pin }),
  };
}
