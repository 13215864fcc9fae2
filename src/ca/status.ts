/**
 * `status`: what needs doing soon, for cron and CI. The CA certificate (expiry), every valid certificate
 * (expiry within the warning window) and the CRL (nextUpdate within half of it, or past). Fast on a big store:
 * index.txt is scanned as text (store/index-scan.ts) and the CRL's times are read without its entries.
 */
import { existsSync, readFileSync } from 'node:fs';
import { badInput } from '../errors.js';
import { crlUpdateTimes } from '../pki/crl-times.js';
import { readDerObjects } from '../pki/pem.js';
import { readCertificate } from '../pki/verify-cert.js';
import type { CaStore } from '../store/ca-store.js';
import { scanIndex } from '../store/index-scan.js';
import { readCertificateDers } from './cert-file.js';

export type ItemState = 'ok' | 'expiring' | 'expired' | 'missing';

export interface StatusReport {
  dir: string;
  warnDays: number;
  /** True when something below needs action (exit status 1). */
  needsAction: boolean;
  ca: { subject: string; serial: string; notAfter: string; daysLeft: number; state: 'ok' | 'expiring' | 'expired' };
  /** An intermediate's issuers up to the root (from ca-chain.crt), which must stay valid too. */
  issuers: {
    subject: string;
    serial: string;
    notAfter: string;
    daysLeft: number;
    state: 'ok' | 'expiring' | 'expired';
  }[];
  certificates: {
    name: string;
    serial: string;
    subject: string;
    notAfter: string;
    daysLeft: number;
    state: 'expiring' | 'expired';
  }[];
  crl: {
    state: ItemState | 'none';
    file?: string;
    thisUpdate?: string;
    nextUpdate?: string;
    daysLeft?: number;
    /** Revoked certificates in the index (a CRL is needed as soon as there is one). */
    revoked: number;
  };
  /** Valid certificates (latest of each name) in the index. */
  validCertificates: number;
}

const DAY = 86_400_000;

/** Expiring: ends within `warnDays` days from now, as for the certificates in the index. */
function stateOf(notAfter: Date, warnDays: number, now: Date): 'ok' | 'expiring' | 'expired' {
  if (notAfter <= now) return 'expired';
  return notAfter.getTime() <= now.getTime() + warnDays * DAY ? 'expiring' : 'ok';
}

function daysUntil(date: Date, now: Date): number {
  return Math.floor((date.getTime() - now.getTime()) / DAY);
}

export function checkStatus(store: CaStore, warnDays: number, now = new Date()): StatusReport {
  store.requireCa();
  const { paths } = store;
  const [caDer] = readCertificateDers(paths.cert, 'ca.crt');
  const ca = readCertificate(caDer!.der, paths.cert);
  const caDays = daysUntil(ca.notAfter, now);
  const caState = stateOf(ca.notAfter, warnDays, now);
  // An intermediate CA stops working when one of its issuers expires (ca-chain.crt lists them up to the root).
  const issuers = (existsSync(paths.chain) ? readCertificateDers(paths.chain, 'ca-chain.crt').slice(1) : []).map(
    (c) => {
      const cert = readCertificate(c.der, paths.chain);
      const daysLeft = daysUntil(cert.notAfter, now);
      return {
        subject: cert.subject,
        serial: cert.serialHex,
        notAfter: cert.notAfter.toISOString(),
        daysLeft,
        state: stateOf(cert.notAfter, warnDays, now),
      };
    },
  );

  // Certificates that expire within the window, and those that expired in the last `warnDays` days (an outage).
  const index = existsSync(paths.index) ? store.read(paths.index) : Buffer.alloc(0);
  const scan = scanIndex(
    index,
    now,
    new Date(now.getTime() - warnDays * DAY),
    new Date(now.getTime() + warnDays * DAY),
  );
  const certificates = scan.expiring
    .map((c) => ({
      name: c.name,
      serial: c.serialHex,
      subject: c.subject,
      notAfter: c.notAfter.toISOString(),
      daysLeft: daysUntil(c.notAfter, now),
      state: (c.notAfter <= now ? 'expired' : 'expiring') as 'expiring' | 'expired',
    }))
    .sort((a, b) => a.notAfter.localeCompare(b.notAfter));

  const crl = crlStatus(paths.crlDer, paths.crlPem, warnDays, now, scan.revoked);
  const needsAction =
    caState !== 'ok' ||
    issuers.some((i) => i.state !== 'ok') ||
    certificates.length > 0 ||
    crl.state === 'expiring' ||
    crl.state === 'expired' ||
    crl.state === 'missing';
  return {
    dir: paths.dir,
    warnDays,
    needsAction,
    ca: {
      subject: ca.subject,
      serial: ca.serialHex,
      notAfter: ca.notAfter.toISOString(),
      daysLeft: caDays,
      state: caState,
    },
    issuers,
    certificates,
    crl,
    validCertificates: scan.valid,
  };
}

/** The CRL is due when its nextUpdate is within half the warning window (cron renews it well before), or past. */
function crlStatus(
  derPath: string,
  pemPath: string,
  warnDays: number,
  now: Date,
  revoked: number,
): StatusReport['crl'] {
  const file = existsSync(derPath) ? derPath : existsSync(pemPath) ? pemPath : undefined;
  if (!file) return { state: revoked > 0 ? 'missing' : 'none', revoked };
  let times: ReturnType<typeof crlUpdateTimes>;
  try {
    const [der] = readDerObjects(readFileSync(file), ['X509 CRL'], file, 'CRL');
    times = crlUpdateTimes(der!);
  } catch (err) {
    throw badInput(
      `${file} is not a readable CRL (${(err as Error).message}); run 'mtlskit crl gen' to write a new one.`,
    );
  }
  const base = { file, thisUpdate: times.thisUpdate.toISOString(), revoked };
  if (!times.nextUpdate) return { ...base, state: 'ok' };
  const daysLeft = daysUntil(times.nextUpdate, now);
  const state =
    times.nextUpdate <= now
      ? 'expired'
      : times.nextUpdate.getTime() - now.getTime() < (warnDays / 2) * DAY
        ? 'expiring'
        : 'ok';
  return { ...base, nextUpdate: times.nextUpdate.toISOString(), daysLeft, state };
}
