/**
 * What each kind of certificate is allowed to do. The profile, not the request, decides
 * basicConstraints, keyUsage and extendedKeyUsage, so a CSR or conf cannot widen a certificate's power.
 */
import type { KeyObject } from 'node:crypto';
import {
  basicConstraintsExtension,
  extendedKeyUsageExtension,
  keyUsageExtension,
  EKU,
  KEY_USAGE as KU,
} from './extension-values.js';
import type { CertExtension } from './raw-extension.js';

export type Profile = 'ca' | 'server' | 'client';

export const PROFILE_OIDS = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  crlDistributionPoints: '2.5.29.31',
  nameConstraints: '2.5.29.30',
} as const;

/** Extensions that only a profile may set on a leaf. */
export const PROFILE_OWNED = new Set<string>([
  PROFILE_OIDS.basicConstraints,
  PROFILE_OIDS.keyUsage,
  PROFILE_OIDS.extKeyUsage,
]);

export interface ProfileOptions {
  subjectKey: KeyObject;
  /** For CAs: how many intermediate CAs may follow below this one. */
  pathLength?: number;
}

const profileCache = new Map<string, CertExtension[]>();

/** The profile's extensions; built once per kind (they depend only on the profile, RSA or not, and pathlen). */
export function profileExtensions(profile: Profile, opts: ProfileOptions): CertExtension[] {
  const isRsa = opts.subjectKey.asymmetricKeyType === 'rsa';
  const cacheKey = `${profile}:${isRsa}:${opts.pathLength}`;
  let exts = profileCache.get(cacheKey);
  if (!exts) profileCache.set(cacheKey, (exts = buildProfileExtensions(profile, isRsa, opts.pathLength)));
  return exts;
}

function buildProfileExtensions(profile: Profile, isRsa: boolean, pathLength: number | undefined): CertExtension[] {
  switch (profile) {
    case 'ca':
      return [basicConstraintsExtension(true, pathLength, true), keyUsageExtension(KU.keyCertSign | KU.cRLSign, true)];
    case 'server':
      return [
        basicConstraintsExtension(false, undefined, false),
        // keyEncipherment lets TLS 1.2 RSA key exchange work; ECDSA keys only sign.
        keyUsageExtension(isRsa ? KU.digitalSignature | KU.keyEncipherment : KU.digitalSignature, true),
        extendedKeyUsageExtension([EKU.serverAuth], false),
      ];
    case 'client':
      return [
        basicConstraintsExtension(false, undefined, false),
        keyUsageExtension(KU.digitalSignature, true),
        extendedKeyUsageExtension([EKU.clientAuth], false),
      ];
  }
}

export function describeProfile(profile: Profile, subjectKey: KeyObject): string {
  const isRsa = subjectKey.asymmetricKeyType === 'rsa';
  switch (profile) {
    case 'ca':
      return 'basicConstraints=critical,CA:TRUE; keyUsage=critical,keyCertSign,cRLSign';
    case 'server':
      return `basicConstraints=CA:FALSE; keyUsage=critical,digitalSignature${isRsa ? ',keyEncipherment' : ''}; extendedKeyUsage=serverAuth`;
    case 'client':
      return 'basicConstraints=CA:FALSE; keyUsage=critical,digitalSignature; extendedKeyUsage=clientAuth';
  }
}
