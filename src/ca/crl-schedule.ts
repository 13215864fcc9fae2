/**
 * A cron line that keeps a CRL fresh: servers that check CRLs (nginx ssl_crl, `serve --crl`)
 * refuse every client once nextUpdate has passed, so the CRL must be issued again well before.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isEncryptedKey } from '../pki/keys.js';
import { CaStore } from '../store/ca-store.js';

export interface CrlSchedule {
  /** A crontab line: daily for CRLs valid a week or more, else hourly; the CRL's validity stays `days`. */
  cron: string;
}

/** `keyEncrypted`: whether ca.key needs --passin (default: read from DIR/ca.key). */
export function crlSchedule(dir: string, days: number, keyEncrypted?: boolean): CrlSchedule {
  const store = new CaStore(dir);
  const { dir: absolute, key } = store.paths;
  // A CA key in a PKCS#11 token (mtlskit.json names it, there is no ca.key) needs its PIN instead.
  const inToken = store.keyInToken();
  const encrypted = keyEncrypted ?? (existsSync(key) && isEncryptedKey(readFileSync(key)));
  const when = days >= 7 ? '17 3 * * *' : '17 * * * *';
  const secret = inToken ? ' --pin file:/PATH/TO/token-pin' : encrypted ? ' --passin file:/PATH/TO/ca-password' : '';
  const cron = `${when} mtlskit crl gen --dir ${absolute} --days ${days}${secret}`;
  return { cron };
}
