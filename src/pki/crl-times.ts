/** A CRL's thisUpdate and nextUpdate, read from the first fields of its DER without walking its entries. */
import { children, decodeTime, readTlv } from './der.js';

export function crlUpdateTimes(der: Buffer): { thisUpdate: Date; nextUpdate?: Date } {
  const tbs = children(der, readTlv(der, 0))[0];
  if (!tbs || tbs.tag !== 0x30) throw new Error('not a CRL');
  const fields = children(der, tbs);
  const i = fields[0]?.tag === 0x02 ? 1 : 0; // version (v2)
  const thisUpdate = fields[i + 2];
  if (!thisUpdate) throw new Error('a CRL without thisUpdate');
  const next = fields[i + 3];
  const isTime = (tag: number | undefined) => tag === 0x17 || tag === 0x18;
  return {
    thisUpdate: decodeTime(der, thisUpdate),
    ...(isTime(next?.tag) ? { nextUpdate: decodeTime(der, next!) } : {}),
  };
}
