/** The CA's issued certificates from its index, with status and days left. */
import type { CaStore } from '../store/ca-store.js';

export interface ListedCertificate {
  name: string;
  serial: string;
  subject: string;
  notAfter: string;
  daysLeft: number;
  status: 'valid' | 'expired' | 'revoked';
  revokedAt?: string;
  reason?: string;
}

export function listCertificates(
  store: CaStore,
  opts: { now?: Date; expiringWithinDays?: number } = {},
): ListedCertificate[] {
  store.requireCa();
  const now = opts.now ?? new Date();
  const rows = store.readIndex().map((e): ListedCertificate => {
    const daysLeft = Math.floor((e.notAfter.getTime() - now.getTime()) / 86_400_000);
    const status = e.status === 'R' ? 'revoked' : e.notAfter < now || e.status === 'E' ? 'expired' : 'valid';
    return {
      name: e.name,
      serial: e.serialHex,
      subject: e.subject,
      notAfter: e.notAfter.toISOString(),
      daysLeft,
      status,
      ...(e.revokedAt ? { revokedAt: e.revokedAt.toISOString() } : {}),
      ...(e.reason ? { reason: e.reason } : {}),
    };
  });
  if (opts.expiringWithinDays === undefined) return rows;
  return rows.filter((r) => r.status === 'valid' && r.daysLeft <= opts.expiringWithinDays!);
}
