/**
 * X.509 extensions from a conf section. Each OpenSSL keyword has one translator, registered in the
 * table below; the result is DER that matches what OpenSSL writes for the same line.
 */
import { basename } from 'node:path';
import type { x509 } from '../pki/x509-runtime.js';
import { rawExtension } from '../pki/raw-extension.js';
import { confError, type ConfEntry, type OpensslConf } from './parse.js';
import type { ExtensionContext, TranslateContext, Translator } from './extensions/types.js';
import { basicConstraints } from './extensions/basic-constraints.js';
import { keyUsage } from './extensions/key-usage.js';
import { extendedKeyUsage } from './extensions/extended-key-usage.js';
import { authorityKeyIdentifier, subjectKeyIdentifier } from './extensions/key-identifiers.js';
import { issuerAltName, subjectAltName } from './extensions/alt-names.js';
import { authorityInfoAccess, crlDistributionPoints } from './extensions/distribution.js';
import { nameConstraints } from './extensions/name-constraints.js';
import { certificatePolicies, nsComment } from './extensions/policies.js';

export type { ExtensionContext } from './extensions/types.js';

export const TRANSLATORS: Record<string, Translator> = {
  basicConstraints,
  keyUsage,
  extendedKeyUsage,
  subjectKeyIdentifier,
  authorityKeyIdentifier,
  subjectAltName,
  issuerAltName,
  crlDistributionPoints,
  authorityInfoAccess,
  nameConstraints,
  certificatePolicies,
  nsComment,
};

/** OpenSSL keywords mtlskit knowingly leaves out (with a warning) rather than refusing the conf. */
const UNSUPPORTED = new Set(['nsCertType', 'nsBaseUrl', 'nsRevocationUrl', 'nsCaRevocationUrl', 'nsRenewalUrl', 'nsCaPolicyUrl', 'nsSslServerName', 'policyConstraints', 'inhibitAnyPolicy', 'policyMappings', 'tlsfeature', 'subjectInfoAccess', 'noCheck', 'ct_precert_scts', 'ct_precert_poison', 'proxyCertInfo']);

/** Translators whose result depends on the key or issuer; every other result is reused for the same conf line. */
const CONTEXT_DEPENDENT = new Set(['subjectKeyIdentifier', 'authorityKeyIdentifier', 'issuerAltName']);
const translated = new WeakMap<ConfEntry, InstanceType<typeof x509.Extension> | null>();

export interface BuiltExtensions {
  extensions: InstanceType<typeof x509.Extension>[];
  warnings: string[];
}

function contextFor(conf: OpensslConf, entry: ConfEntry, base: ExtensionContext, warnings: string[]): TranslateContext {
  return {
    ...base,
    conf,
    entry,
    warnings,
    error: (message: string) => confError(entry.file, entry.line, message),
    at: (other: ConfEntry) => contextFor(conf, other, base, warnings),
  };
}

export function buildExtensions(conf: OpensslConf, sectionName: string, ctx: ExtensionContext): BuiltExtensions {
  const section = conf.section(sectionName);
  if (!section) throw confError(conf.fileName, 1, `the extension section [ ${sectionName} ] does not exist; add it or fix the name.`);
  const warnings: string[] = [];
  const byOid = new Map<string, InstanceType<typeof x509.Extension>>();
  for (const entry of section) {
    const translate = TRANSLATORS[entry.key];
    if (!translate) {
      const near = Object.keys(TRANSLATORS).find((k) => k.toLowerCase() === entry.key.toLowerCase());
      if (near) throw confError(entry.file, entry.line, `'${entry.key}' is not an extension name; did you mean ${near}? (names are case-sensitive)`);
      if (UNSUPPORTED.has(entry.key)) {
        warnings.push(`${basename(entry.file)}:${entry.line}: ${entry.key} is not supported by mtlskit and was left out.`);
        continue;
      }
      throw confError(entry.file, entry.line, `'${entry.key}' is not an extension mtlskit knows; remove it or use one of ${Object.keys(TRANSLATORS).join(', ')}.`);
    }
    const reusable = !CONTEXT_DEPENDENT.has(entry.key);
    let extension = reusable ? translated.get(entry) : undefined;
    if (extension === undefined) {
      const { critical, rest } = splitCritical(entry.value);
      const result = translate(rest, contextFor(conf, entry, ctx, warnings));
      extension = result ? rawExtension(result.oid, critical, result.value) : null;
      // Batches issue many certificates from one conf: translate each line once.
      if (reusable) translated.set(entry, extension);
    }
    if (!extension) continue;
    // A repeated keyword replaces the earlier one, as OpenSSL keeps one extension per type.
    byOid.set(extension.type, extension);
  }
  return { extensions: [...byOid.values()], warnings };
}

function splitCritical(value: string): { critical: boolean; rest: string } {
  const m = /^\s*critical\s*(,\s*|$)/i.exec(value);
  return m ? { critical: true, rest: value.slice(m[0].length).trim() } : { critical: false, rest: value.trim() };
}
