/**
 * What a new certificate or CSR asks for, read from a conf (the user's, or the built-in template)
 * and overridden by flags: the subject, the conf's extension section, and the key type.
 */
import { loadOpensslConfOnce, type OpensslConf } from '../conf/parse.js';
import { resolveReqConfig } from '../conf/req.js';
import { buildExtensions, checkExtensionSection, type ExtensionContext } from '../conf/extensions.js';
import { templatePath } from '../conf/templates.js';
import { chooseKeyType, type KeyType } from '../pki/keys.js';
import type { DnEntry } from '../pki/name.js';
import type { Profile } from '../pki/profiles.js';
import type { CertExtension } from '../pki/raw-extension.js';

type Extension = CertExtension;

export interface RequestSource {
  /** The user's conf; undefined = templates/<profile>.conf. */
  configPath?: string;
  /** --subject, replacing the conf's DN. */
  subject?: DnEntry[];
}

export interface RequestDetails {
  conf: OpensslConf;
  usesTemplate: boolean;
  subject: DnEntry[];
  /** The extension section the conf names (req_extensions, else x509_extensions), if any. */
  extensionSection?: string;
  /** --key-type, else the conf's default_bits as RSA, else rsa:2048. */
  keyType: KeyType;
  warnings: string[];
}

const reqCache = new WeakMap<OpensslConf, ReturnType<typeof resolveReqConfig>>();

export function resolveRequest(
  profile: Profile,
  source: RequestSource,
  keyTypeFlag?: string,
  preferX509Section = false,
): RequestDetails {
  const usesTemplate = source.configPath === undefined;
  const conf = loadOpensslConfOnce(source.configPath ?? templatePath(profile));
  let req = reqCache.get(conf);
  if (!req) reqCache.set(conf, (req = resolveReqConfig(conf)));
  const subject = source.subject ?? req.subject;
  const section = preferX509Section
    ? (req.x509Extensions ?? req.reqExtensions)
    : (req.reqExtensions ?? req.x509Extensions);
  // Fail before a key is generated; the error is buildExtensions' own, at the line naming the section.
  if (section !== undefined) checkExtensionSection(conf, section);
  return {
    conf,
    usesTemplate,
    subject,
    extensionSection: section,
    keyType: chooseKeyType(keyTypeFlag, req.defaultBits),
    warnings: [...req.warnings],
  };
}

/**
 * The conf's extensions for this subject key and signer (empty when the conf has no extension section):
 * `{ subjectKey, issuer }` for a certificate (no issuer = self-signed), `{ subjectKey, request: true }` for a CSR.
 */
export function confExtensions(details: RequestDetails, ctx: ExtensionContext, warnings: string[]): Extension[] {
  if (!details.extensionSection) return [];
  const built = buildExtensions(details.conf, details.extensionSection, ctx);
  warnings.push(...built.warnings);
  return built.extensions;
}

export function commonNameOf(subject: DnEntry[]): string | undefined {
  const cn = [...subject].reverse().find((e) => e.type === 'CN' || e.type === 'commonName' || e.type === '2.5.4.3');
  return cn?.value;
}

/** With the built-in template, --dns/--ip/--email/--uri replace its sample names instead of adding to them. */
export function withoutTemplateSan(
  details: RequestDetails,
  extensions: Extension[],
  hasSanFlags: boolean,
): Extension[] {
  if (!details.usesTemplate || !hasSanFlags) return extensions;
  return extensions.filter((e) => e.type !== '2.5.29.17');
}
