/**
 * What platforms demand of a leaf beyond RFC 5280, said once for `verify` and for issuance (`server issue`,
 * `csr sign`, the wizard): Apple's TLS server rules, Chrome's, Go's, Java's, Windows' and OpenSSL's defaults,
 * and the key strengths mtlskit refuses to certify at all.
 */
import type { KeyObject } from 'node:crypto';
import { publicKeySpkiDer } from './keys.js';
import { readKeyForm, type KeyForm } from './key-form.js';

export const PLATFORMS = ['apple', 'chrome', 'go', 'java', 'windows', 'openssl'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const PLATFORM_NAMES: Record<Platform, string> = {
  apple: 'macOS and iOS',
  chrome: 'Chrome',
  go: 'Go',
  java: 'Java',
  windows: 'Windows',
  openssl: 'OpenSSL (nginx, curl, Node)',
};

/** Apple's limit for TLS server certificates from private CAs (certificates issued after 2019-07-01). */
export const APPLE_MAX_DAYS = 825;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EKU = '2.5.29.37.0';

/** The facts about a leaf the platform rules read. */
export interface LeafFacts {
  notBefore: Date;
  notAfter: Date;
  /** DNS or IP subjectAltName entries. */
  sanNames: number;
  extKeyUsage?: string[];
  key: KeyForm;
  /** Digest of the signature ('sha1', 'sha256', ...; '' for EdDSA). */
  signatureHash: string;
}

export interface PlatformRule {
  platform: Platform;
  code: string;
  message: string;
}

/** Whole days of a validity period, as Apple counts them. */
export function validityDays(facts: Pick<LeafFacts, 'notBefore' | 'notAfter'>): number {
  return Math.floor((facts.notAfter.getTime() - facts.notBefore.getTime()) / 86_400_000);
}

/** Platform rules a TLS server certificate breaks; `what` names it in the sentences ("this one", "server.crt"). */
export function serverPlatformRules(facts: LeafFacts, what = 'this one'): PlatformRule[] {
  const out: PlatformRule[] = [];
  const add = (platform: Platform, code: string, message: string) => out.push({ platform, code, message });
  const days = validityDays(facts);
  if (days > APPLE_MAX_DAYS)
    add(
      'apple',
      'PLATFORM_VALIDITY',
      `macOS and iOS refuse TLS server certificates valid for more than ${APPLE_MAX_DAYS} days; ${what} is valid for ${days}; issue it with --days ${APPLE_MAX_DAYS} or less.`,
    );
  if (facts.sanNames === 0) {
    add(
      'apple',
      'PLATFORM_SAN',
      `macOS and iOS ignore the common name and require the host name in subjectAltName; ${what} has no DNS or IP subjectAltName; issue it with --dns or --ip.`,
    );
    add(
      'chrome',
      'PLATFORM_SAN',
      `Chrome ignores the common name and requires the host name in subjectAltName; ${what} has none; issue it with --dns or --ip.`,
    );
    add(
      'go',
      'PLATFORM_SAN',
      `Go (1.15 and later) ignores the common name and requires the host name in subjectAltName; ${what} has none; issue it with --dns or --ip.`,
    );
  }
  const eku = facts.extKeyUsage;
  if (!eku || !(eku.includes(SERVER_AUTH) || eku.includes(ANY_EKU)))
    add(
      'apple',
      'PLATFORM_EKU',
      `macOS and iOS require extendedKeyUsage serverAuth in TLS server certificates; ${what} ${eku ? 'lacks it' : 'has no extendedKeyUsage'}; issue it with 'mtlskit server issue'.`,
    );
  const rsa = facts.key.algorithm === 'rsa' || facts.key.algorithm === 'rsa-pss';
  if (rsa && (facts.key.bits ?? 0) < 2048) {
    const bits = facts.key.bits ?? 0;
    add(
      'apple',
      'PLATFORM_KEY',
      `macOS and iOS refuse RSA keys under 2048 bits; ${what} has ${bits}; use a 2048-bit or larger key.`,
    );
    add(
      'openssl',
      'PLATFORM_KEY',
      `OpenSSL at security level 2 (the Debian, Ubuntu and RHEL default for nginx and curl) refuses RSA keys under 2048 bits; ${what} has ${bits}; use a 2048-bit or larger key.`,
    );
    if (bits < 1024) {
      add(
        'java',
        'PLATFORM_KEY',
        `Java refuses RSA keys under 1024 bits (jdk.certpath.disabledAlgorithms); ${what} has ${bits}.`,
      );
      add('windows', 'PLATFORM_KEY', `Windows refuses RSA keys under 1024 bits; ${what} has ${bits}.`);
      add('go', 'PLATFORM_KEY', `Go (1.24 and later) refuses RSA keys under 1024 bits; ${what} has ${bits}.`);
    }
  }
  if (
    facts.key.algorithm === 'ec' &&
    facts.key.curve !== 'P-256' &&
    facts.key.curve !== 'P-384' &&
    facts.key.curve !== 'P-521'
  ) {
    add(
      'apple',
      'PLATFORM_KEY',
      `macOS and iOS accept only P-256, P-384 and P-521 EC keys; ${what} uses ${facts.key.curve}.`,
    );
    add(
      'java',
      'PLATFORM_KEY',
      `Java refuses EC keys under 224 bits and unnamed curves; ${what} uses ${facts.key.curve}.`,
    );
  }
  if (facts.signatureHash === 'sha1' || facts.signatureHash === 'md5') {
    const alg = facts.signatureHash.toUpperCase().replace('SHA1', 'SHA-1');
    add(
      'apple',
      'PLATFORM_SIGNATURE',
      `macOS and iOS require SHA-2 signatures on TLS server certificates; ${what} is signed with ${alg}; re-issue it with SHA-256.`,
    );
    add(
      'chrome',
      'PLATFORM_SIGNATURE',
      `Chrome refuses ${alg} signatures; ${what} is signed with ${alg}; re-issue it with SHA-256.`,
    );
    add('go', 'PLATFORM_SIGNATURE', `Go (1.18 and later) refuses ${alg} signatures; re-issue ${what} with SHA-256.`);
    add(
      'windows',
      'PLATFORM_SIGNATURE',
      `Windows refuses ${alg}-signed TLS server certificates; re-issue ${what} with SHA-256.`,
    );
    add(
      'openssl',
      'PLATFORM_SIGNATURE',
      `OpenSSL 3 refuses ${alg} signatures at its default security level; re-issue ${what} with SHA-256.`,
    );
  }
  return out;
}

/** Why mtlskit refuses to certify this key (CABF BR 6.1.5; what verify's strict profile rejects), else undefined. */
export function weakKeyReason(key: KeyForm): string | undefined {
  if (key.algorithm === 'rsa' || key.algorithm === 'rsa-pss') {
    const bits = key.bits ?? 0;
    if (bits < 2048)
      return `it is an RSA key of ${bits} bits; Go, rustls, browsers and OpenSSL at security level 2 refuse RSA keys under 2048 bits`;
    if (bits % 8 !== 0) return `it is an RSA key of ${bits} bits, not a multiple of 8, which TLS clients refuse`;
    return undefined;
  }
  if (key.algorithm === 'ec') {
    if (key.curve === 'P-256' || key.curve === 'P-384' || key.curve === 'P-521') return undefined;
    return key.curve === 'explicit'
      ? 'it is an EC key with explicit curve parameters, which TLS clients refuse'
      : `it is an EC key on ${key.curve}; TLS clients accept only P-256, P-384 and P-521`;
  }
  if (key.algorithm === 'dsa') return 'it is a DSA key, which TLS clients no longer accept';
  return undefined;
}

/** weakKeyReason for a node KeyObject (public or private). */
export function weakKeyObjectReason(key: KeyObject): string | undefined {
  return weakKeyReason(readKeyForm(publicKeySpkiDer(key)));
}

/** The platform rules for a TLS server certificate about to be issued, in the words verify uses. */
export function issuancePlatformWarnings(
  leaf: {
    notBefore: Date;
    notAfter: Date;
    subjectKey: KeyObject;
    sanNames: number;
    extKeyUsage?: string[];
    hash: string;
  },
  what: string,
): string[] {
  const facts: LeafFacts = {
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    sanNames: leaf.sanNames,
    extKeyUsage: leaf.extKeyUsage,
    key: readKeyForm(publicKeySpkiDer(leaf.subjectKey)),
    signatureHash: leaf.hash,
  };
  return serverPlatformRules(facts, what).map((r) => r.message);
}
