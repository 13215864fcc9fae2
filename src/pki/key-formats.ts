/**
 * Private key containers people convert between with openssl: PKCS#8 (`openssl pkey`), PKCS#1
 * (`openssl rsa -traditional`, RSA only) and SEC1 (`openssl ec`, EC only), PEM or DER, optionally
 * encrypted (PKCS#8: PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC; PKCS#1/SEC1: PEM encryption with
 * AES-256-CBC, "Proc-Type: 4,ENCRYPTED"), all of which `openssl pkey -passin` opens.
 */
import type { KeyExportOptions, KeyObject } from 'node:crypto';
import { usageError } from '../errors.js';

export type KeyFormat = 'pkcs8' | 'pkcs1' | 'sec1';
export const KEY_FORMATS: readonly KeyFormat[] = ['pkcs8', 'pkcs1', 'sec1'];

export interface KeyEncoding {
  format: KeyFormat;
  der: boolean;
  password?: string;
}

/** Refuses what a format cannot hold, in one sentence naming the fix. */
export function checkKeyFormat(key: KeyObject, enc: KeyEncoding, describe: string): void {
  const type = key.asymmetricKeyType;
  if (enc.format === 'pkcs1' && type !== 'rsa')
    throw usageError(
      `${describe} is ${keyLabel(type)}, and PKCS#1 holds only RSA keys; use --format pkcs8${type === 'ec' ? ' or sec1' : ''}.`,
    );
  if (enc.format === 'sec1' && type !== 'ec')
    throw usageError(
      `${describe} is ${keyLabel(type)}, and SEC1 holds only EC keys; use --format pkcs8${type === 'rsa' ? ' or pkcs1' : ''}.`,
    );
  if (enc.der && enc.password !== undefined && enc.format !== 'pkcs8')
    throw usageError(
      `An encrypted ${enc.format.toUpperCase()} key exists only as PEM; drop --der, or use --format pkcs8 for an encrypted DER key.`,
    );
}

function keyLabel(type: string | undefined): string {
  if (type === 'rsa') return 'an RSA key';
  if (type === 'ec') return 'an EC key';
  return `a ${type ?? 'unknown'} key`;
}

export function encodePrivateKey(key: KeyObject, enc: KeyEncoding): Buffer {
  const cipher = enc.password !== undefined ? { cipher: 'aes-256-cbc', passphrase: enc.password } : {};
  if (enc.der) return key.export({ type: enc.format, format: 'der', ...cipher } as KeyExportOptions<'der'>);
  const pem = key.export({ type: enc.format, format: 'pem', ...cipher } as KeyExportOptions<'pem'>);
  return typeof pem === 'string' ? Buffer.from(pem, 'latin1') : pem;
}
