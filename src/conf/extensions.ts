/**
 * X.509 extensions from a conf section. Each OpenSSL keyword has one translator, registered in the
 * table below; the result is DER that matches what OpenSSL writes for the same line.
 */
import { basename } from 'node:path';
import { rawExtension, type CertExtension } from '../pki/raw-extension.js';
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
const UNSUPPORTED = new Set([
  'nsCertType',
  'nsBaseUrl',
  'nsRevocationUrl',
  'nsCaRevocationUrl',
  'nsRenewalUrl',
  'nsCaPolicyUrl',
  'nsSslServerName',
  'policyConstraints',
  'inhibitAnyPolicy',
  'policyMappings',
  'tlsfeature',
  'subjectInfoAccess',
  'noCheck',
  'ct_precert_scts',
  'ct_precert_poison',
  'proxyCertInfo',
]);

/** Translators whose result depends on the key or issuer; every other result is reused for the same conf line. */
const CONTEXT_DEPENDENT = new Set(['subjectKeyIdentifier', 'authorityKeyIdentifier', 'issuerAltName']);
const translated = new WeakMap<ConfEntry, { extension: CertExtension | null; warnings: string[] }>();

export interface BuiltExtensions {
  extensions: CertExtension[];
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

/** The section's entries; a missing section is reported at the line that names it (req_extensions = ..., x509_extensions = ...). */
export function checkExtensionSection(conf: OpensslConf, sectionName: string): ConfEntry[] {
  const section = conf.section(sectionName);
  if (section) return section;
  const naming = conf.section('req')?.find((e) => e.value === sectionName);
  throw confError(
    naming?.file ?? conf.fileName,
    naming?.line ?? 1,
    `the extension section [ ${sectionName} ] does not exist; add it or fix the name.`,
  );
}

export function buildExtensions(conf: OpensslConf, sectionName: string, ctx: ExtensionContext): BuiltExtensions {
  const section = checkExtensionSection(conf, sectionName);
  const warnings: string[] = [];
  const byOid = new Map<string, CertExtension>();
  for (const entry of section) {
    const translate = Object.hasOwn(TRANSLATORS, entry.key) ? TRANSLATORS[entry.key] : undefined;
    if (!translate) {
      const near = Object.keys(TRANSLATORS).find((k) => k.toLowerCase() === entry.key.toLowerCase());
      if (near)
        throw confError(
          entry.file,
          entry.line,
          `'${entry.key}' is not an extension name; did you mean ${near}? (names are case-sensitive)`,
        );
      if (UNSUPPORTED.has(entry.key)) {
        warnings.push(
          `${basename(entry.file)}:${entry.line}: ${entry.key} is not supported by mtlskit and was left out.`,
        );
        continue;
      }
      throw confError(
        entry.file,
        entry.line,
        `'${entry.key}' is not an extension mtlskit knows; remove it or use one of ${Object.keys(TRANSLATORS).join(', ')}.`,
      );
    }
    const reusable = !CONTEXT_DEPENDENT.has(entry.key);
    let done = reusable ? translated.get(entry) : undefined;
    if (!done) {
      const { critical, rest } = splitCritical(entry);
      const lineWarnings: string[] = [];
      const result = translate(rest, contextFor(conf, entry, ctx, lineWarnings));
      done = { extension: result ? rawExtension(result.oid, critical, result.value) : null, warnings: lineWarnings };
      // Batches issue many certificates from one conf: translate each line once.
      if (reusable) translated.set(entry, done);
    }
    warnings.push(...done.warnings);
    const extension = done.extension;
    if (!extension) continue;
    // One extension per type: a later one replaces the earlier and takes its place at the end, as OpenSSL's
    // X509V3_CTX_REPLACE does (the parser has already merged repeated keys of one section).
    byOid.delete(extension.type);
    byOid.set(extension.type, extension);
  }
  return { extensions: [...byOid.values()], warnings };
}

/** v3_check_critical: exactly `critical,` then the value; near misses are refused rather than read as non-critical. */
function splitCritical(entry: ConfEntry): { critical: boolean; rest: string } {
  const value = entry.value.trim();
  if (value.startsWith('critical,')) return { critical: true, rest: value.slice('critical,'.length).trim() };
  if (/^critical\s*(,|$)/i.test(value)) {
    throw confError(
      entry.file,
      entry.line,
      `write the criticality as 'critical,' in lower case, directly followed by the comma and then the value, e.g. ${entry.key} = critical, ...`,
    );
  }
  return { critical: false, rest: value };
}
