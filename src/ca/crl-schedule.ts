/**
 * A cron line that keeps a CRL fresh: servers that check CRLs (nginx ssl_crl, `serve --crl`)
 * refuse every client once nextUpdate has passed, so the CRL must be issued again well before.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isEncryptedKey } from '../pki/keys.js';
import { caPaths } from '../store/ca-store.js';

export interface CrlSchedule {
  /** A crontab line: daily for CRLs valid a week or more, else hourly; the CRL's validity stays `days`. */
  cron: string;
}

/** `keyEncrypted`: whether ca.key needs --passin (default: read from DIR/ca.key). */
export function crlSchedule(dir: string, days: number, keyEncrypted?: boolean): CrlSchedule {
  const { dir: absolute, key } = caPaths(dir);
  const encrypted = keyEncrypted ?? (existsSync(key) && isEncryptedKey(readFileSync(key)));
  const when = days >= 7 ? '17 3 * * *' : '17 * * * *';
  const cron = `${when} mtlskit crl gen --dir ${absolute} --days ${days}${encrypted ? ' --passin file:/PATH/TO/ca-password' : ''}`;
  return { cron };
}
