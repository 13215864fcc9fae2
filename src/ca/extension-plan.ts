/**
 * Decides the extensions of a new certificate from three sources: what was requested (a conf's
 * extension section, or a CSR), flags (--dns, --ip, --email, --uri), and the profile, which always
 * has the last word on what the certificate may do (basicConstraints, keyUsage, extendedKeyUsage).
 */
import type { KeyObject } from 'node:crypto';
import { badInput } from '../errors.js';
import { isIP } from '../pki/ip-address.js';
import {
  crlDistributionPointsExtension,
  readBasicConstraints,
  readExtendedKeyUsage,
  readKeyUsage,
  readSubjectAltName,
  sanEntry,
  subjectAltNameExtension,
  KEY_USAGE as KU,
  type SanEntry,
} from '../pki/extension-values.js';
import type { CertExtension } from '../pki/raw-extension.js';
import { authorityKeyIdentifierExtension, subjectKeyIdentifierExtension, type Issuer } from '../pki/certificate.js';
import { profileExtensions, describeProfile, PROFILE_OIDS, type Profile } from '../pki/profiles.js';

type Extension = CertExtension;

export interface SanRequest {
  dns: string[];
  ip: string[];
  email: string[];
  uri: string[];
}

export const NO_SAN: SanRequest = { dns: [], ip: [], email: [], uri: [] };

export interface ExtensionPlanInput {
  profile: Profile;
  subjectKey: KeyObject;
  issuer: Issuer;
  /** Extensions asked for by a conf section (trusted: the CA operator wrote it) or a CSR (untrusted). */
  requested: Extension[];
  source: 'conf' | 'csr' | 'none';
  /** Names the conf section or CSR in notes. */
  sourceName: string;
  san: SanRequest;
  commonName?: string;
  /** Written as crlDistributionPoints unless the conf sets its own. */
  crlUrl?: string;
  /** For CAs: pathLenConstraint when the conf does not set one. */
  pathLength?: number;
}

export interface ExtensionPlan {
  extensions: Extension[];
  /** What mtlskit applied on its own, said to the user once. */
  notes: string[];
  warnings: string[];
}

const O = PROFILE_OIDS;
const PURPOSE_OID = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2' } as const;

export function planExtensions(input: ExtensionPlanInput): ExtensionPlan {
  const notes: string[] = [];
  const warnings: string[] = [];
  const requested =
    input.source === 'csr' ? filterCsrExtensions(input.requested, input.sourceName, warnings) : input.requested;
  const byOid = new Map(requested.map((e) => [e.type, e]));

  const power = input.profile === 'ca' ? caPower(input, byOid, notes) : leafPower(input, byOid, notes, warnings);
  const san =
    input.profile === 'ca'
      ? byOid.get(O.subjectAltName)
      : mergeSubjectAltName(input.profile, byOid.get(O.subjectAltName), input.san, input.commonName, notes);
  const extensions: Extension[] = [...power];
  if (san) extensions.push(san);
  extensions.push(subjectKeyIdentifierExtension(input.subjectKey));
  if (input.issuer.certificate || byOid.has(O.authorityKeyIdentifier)) {
    extensions.push(authorityKeyIdentifierExtension(input.issuer, input.subjectKey));
  }
  const handled = new Set<string>([
    O.basicConstraints,
    O.keyUsage,
    O.extKeyUsage,
    O.subjectAltName,
    O.subjectKeyIdentifier,
    O.authorityKeyIdentifier,
  ]);
  for (const e of requested) if (!handled.has(e.type)) extensions.push(e);
  if (input.crlUrl && !byOid.has(O.crlDistributionPoints) && input.profile !== 'ca') {
    extensions.push(crlDistributionPointsExtension(input.crlUrl));
  }
  if (input.source !== 'conf' || !hasAny(byOid, [O.basicConstraints, O.keyUsage, O.extKeyUsage])) {
    notes.push(`applied the ${input.profile} profile: ${describeProfile(input.profile, input.subjectKey)}`);
  }
  return { extensions, notes, warnings };
}

function hasAny(map: Map<string, Extension>, oids: string[]): boolean {
  return oids.some((o) => map.has(o));
}

/** From a CSR only the subjectAltName is copied (as OpenSSL's copy_extensions = copy); the rest is the CA's call. */
function filterCsrExtensions(requested: Extension[], source: string, warnings: string[]): Extension[] {
  const kept: Extension[] = [];
  const dropped: string[] = [];
  for (const e of requested) {
    if (e.type === O.subjectAltName) kept.push(e);
    else if (e.type === O.basicConstraints && readBasicConstraints(e).ca) dropped.push('basicConstraints CA:TRUE');
    else dropped.push(extensionName(e.type));
  }
  if (dropped.length > 0)
    warnings.push(
      `${source} asked for ${dropped.join(', ')}; not copied (the profile decides what the certificate may do).`,
    );
  return kept;
}

function extensionName(oid: string): string {
  const names: Record<string, string> = {
    [O.basicConstraints]: 'basicConstraints',
    [O.keyUsage]: 'keyUsage',
    [O.extKeyUsage]: 'extendedKeyUsage',
    [O.subjectKeyIdentifier]: 'subjectKeyIdentifier',
    [O.authorityKeyIdentifier]: 'authorityKeyIdentifier',
    [O.crlDistributionPoints]: 'crlDistributionPoints',
    [O.nameConstraints]: 'nameConstraints',
    '1.3.6.1.5.5.7.1.1': 'authorityInfoAccess',
    '2.5.29.32': 'certificatePolicies',
  };
  return names[oid] ?? oid;
}

function caPower(input: ExtensionPlanInput, byOid: Map<string, Extension>, notes: string[]): Extension[] {
  const confBc = byOid.get(O.basicConstraints);
  const confPathLength = confBc ? readBasicConstraints(confBc).pathLength : undefined;
  const pathLength = confPathLength ?? input.pathLength;
  if (confPathLength === undefined && input.pathLength !== undefined)
    notes.push(
      `pathlen:${input.pathLength} (this CA may sign leaves${input.pathLength > 0 ? ` and ${input.pathLength} level(s) of CAs` : ' only'})`,
    );
  return profileExtensions('ca', { subjectKey: input.subjectKey, pathLength });
}

const leafPowerCache = new Map<string, { extensions: Extension[]; notes: string[]; warnings: string[] }>();

/** leafPower depends only on the profile, RSA or not, and the requested power extensions: a batch decides it once. */
function leafPower(
  input: ExtensionPlanInput,
  byOid: Map<string, Extension>,
  notes: string[],
  warnings: string[],
): Extension[] {
  const hex = (oid: string) => {
    const e = byOid.get(oid);
    return e ? Buffer.from(e.rawData).toString('hex') : '-';
  };
  const key = [
    input.profile,
    input.subjectKey.asymmetricKeyType,
    input.source,
    input.sourceName,
    hex(O.basicConstraints),
    hex(O.keyUsage),
    hex(O.extKeyUsage),
  ].join('|');
  let cached = leafPowerCache.get(key);
  if (!cached) {
    const n: string[] = [];
    const w: string[] = [];
    cached = { extensions: decideLeafPower(input, byOid, n, w), notes: n, warnings: w };
    leafPowerCache.set(key, cached);
  }
  notes.push(...cached.notes);
  warnings.push(...cached.warnings);
  return cached.extensions;
}

function decideLeafPower(
  input: ExtensionPlanInput,
  byOid: Map<string, Extension>,
  notes: string[],
  warnings: string[],
): Extension[] {
  const profile = input.profile as 'server' | 'client';
  const [bc, profileKu, profileEku] = profileExtensions(profile, { subjectKey: input.subjectKey });
  const result: Extension[] = [bc!];
  const confBc = byOid.get(O.basicConstraints);
  if (confBc && readBasicConstraints(confBc).ca) {
    warnings.push(
      `${input.sourceName} sets basicConstraints CA:TRUE; a ${profile} certificate is never a CA, so CA:FALSE was used.`,
    );
  }
  const confKu = byOid.get(O.keyUsage);
  if (confKu) {
    const usages = readKeyUsage(confKu);
    const caBits = KU.keyCertSign | KU.cRLSign;
    if ((usages & KU.digitalSignature) !== 0 && (usages & caBits) === 0) result.push(confKu);
    else {
      warnings.push(
        `${input.sourceName}'s keyUsage does not fit a ${profile} certificate (it needs digitalSignature and no keyCertSign/cRLSign); the profile's keyUsage was used.`,
      );
      result.push(profileKu!);
    }
  } else result.push(profileKu!);
  const confEku = byOid.get(O.extKeyUsage);
  if (confEku) {
    const usages = readExtendedKeyUsage(confEku);
    if (usages.includes(PURPOSE_OID[profile])) result.push(confEku);
    else {
      warnings.push(
        `${input.sourceName}'s extendedKeyUsage lacks ${profile === 'server' ? 'serverAuth' : 'clientAuth'}; the ${profile} profile's extendedKeyUsage was used.`,
      );
      result.push(profileEku!);
    }
  } else result.push(profileEku!);
  if (!confBc && !confKu && !confEku && input.source === 'conf') {
    notes.push(`${input.sourceName} sets no basicConstraints/keyUsage/extendedKeyUsage`);
  }
  return result;
}

/** The requested SAN plus the flags' names; a server must end up with at least one DNS or IP name. */
export function mergeSubjectAltName(
  profile: 'server' | 'client',
  requested: Extension | undefined,
  flags: SanRequest,
  commonName: string | undefined,
  notes: string[],
): Extension | undefined {
  // The requested names stay as they were encoded (any kind of GeneralName); flags add what is not there yet.
  const names: SanEntry[] = requested ? readSubjectAltName(requested) : [];
  const critical = requested?.critical ?? false;
  const add = (kind: NonNullable<SanEntry['kind']>, value: string) => {
    const entry = sanEntry(kind, value);
    if (!names.some((n) => n.kind === kind && n.key === entry.key)) names.push(entry);
  };
  flags.dns.forEach((d) => add('dns', checkDnsName(d)));
  flags.ip.forEach((ip) => add('ip', checkIp(ip)));
  flags.email.forEach((e) => add('email', checkEmail(e)));
  flags.uri.forEach((u) => add('uri', checkUri(u)));
  if (profile === 'server' && !names.some((n) => n.kind === 'dns' || n.kind === 'ip')) {
    const cn = commonName;
    if (cn && (isIP(cn) || isDnsName(cn))) {
      add(isIP(cn) ? 'ip' : 'dns', cn);
      notes.push(`added subjectAltName ${isIP(cn) ? 'IP' : 'DNS'}:${cn} from the CN (TLS clients ignore the CN)`);
    } else {
      throw badInput(
        'A server certificate needs a host name: pass --dns HOST and/or --ip ADDR, or set subjectAltName in the conf.',
      );
    }
  }
  if (names.length === 0) return undefined;
  return subjectAltNameExtension(names, critical);
}

/** Checks every flag-given name up front (batch rows are checked before anything is issued). */
export function validateSanRequest(san: SanRequest): void {
  san.dns.forEach(checkDnsName);
  san.ip.forEach(checkIp);
  san.email.forEach(checkEmail);
  san.uri.forEach(checkUri);
}

function isDnsName(name: string): boolean {
  return (
    /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?$/i.test(name) &&
    name.length <= 253
  );
}

function checkDnsName(name: string): string {
  if (!isDnsName(name) || isIP(name))
    throw badInput(
      `--dns '${name}' is not a host name; give names like api.example.com or *.example.com (IP addresses go in --ip).`,
    );
  return name;
}

function checkIp(ip: string): string {
  if (isIP(ip) === 0) throw badInput(`--ip '${ip}' is not an IPv4 or IPv6 address; give one like 127.0.0.1 or ::1.`);
  return ip;
}

function checkEmail(email: string): string {
  if (!/^[^@\s]+@[^@\s]+$/.test(email))
    throw badInput(`--email '${email}' is not an email address; give one like ops@example.com.`);
  return email;
}

function checkUri(uri: string): string {
  try {
    new URL(uri);
  } catch {
    throw badInput(
      `--uri '${uri}' is not a URI; give one like spiffe://example.com/partner or https://example.com/id.`,
    );
  }
  return uri;
}
