/** Reading a private key file named by the user, asking for its password only when it is encrypted. */
import type { KeyObject } from 'node:crypto';
import { readInputFile } from '../store/input-file.js';
import { isEncryptedKey, loadPrivateKey } from '../pki/keys.js';

/** Asks for a key's password (from --passin or a prompt); `describe` names the key file. */
export type PasswordProvider = (describe: string) => Promise<string>;

/** A damaged key (one that cannot sign) is BAD_KEY, exit 4, unless `checkSigns: false`. */
export async function readKeyFile(
  path: string,
  describe: string,
  password: PasswordProvider,
  opts: { checkSigns?: boolean } = {},
): Promise<KeyObject> {
  const data = readInputFile(path, 'private key');
  const pass = isEncryptedKey(data) ? await password(describe) : undefined;
  return loadPrivateKey(data, pass, describe, opts);
}
