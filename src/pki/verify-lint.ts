/**
 * What a certificate MUST and MUST NOT be, beyond path processing: RFC 5280 section 4 (syntax, extensions,
 * criticality, key identifiers, names) and the CA/Browser Forum Baseline Requirements 7.1 (versions, keys,
 * EKU, SAN), the rules Go, rustls/webpki, browsers and pyca/cryptography enforce.
 *
 * Every finding names who refuses it: `refusedBy` lists the verify profiles under which it is an error.
 *  - strict: every mainstream validator must accept (the default);
 *  - rfc5280: RFC 5280 alone (a MUST broken);
 *  - openssl: OpenSSL-based peers (nginx, curl, Node, HAProxy) at Debian's default security level 2.
 * Under a profile that does not refuse it, a strict finding is reported as a warning.
 */
import type { CertInfo } from './verify-cert.js';
import { ipText } from './extension-values.js';

export type VerifyProfile = 'strict' | 'rfc5280' | 'openssl';
export type Role = 'leaf' | 'ca' | 'anchor';

export interface Finding {
  code: string;
  cert: CertInfo;
  message: string;
  refusedBy: VerifyProfile[];
}

const ALL: VerifyProfile[] = ['strict', 'rfc5280', 'openssl'];
/** Breaks RFC 5280's syntax or a rule of path processing: refused under rfc5280 too. */
const RFC: VerifyProfile[] = ['strict', 'rfc5280'];
/**
 * What RFC 5280 requires of conforming CAs when they issue (key identifiers, criticality, names), which
 * pyca/cryptography, rustls and OpenSSL's -x509_strict enforce: strict only, so old private PKIs pass --profile rfc5280.
 */
const STRICT: VerifyProfile[] = ['strict'];
const STRICT_OPENSSL: VerifyProfile[] = ['strict', 'openssl'];

const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  ski: '2.5.29.14',
  aki: '2.5.29.35',
  nameConstraints: '2.5.29.30',
  aia: '1.3.6.1.5.5.7.1.1',
  policyConstraints: '2.5.29.36',
  inhibitAnyPolicy: '2.5.29.54',
  policyMappings: '2.5.29.33',
} as const;

const EXTENSION_NAMES: Record<string, string> = {
  [OID.basicConstraints]: 'basicConstraints',
  [OID.keyUsage]: 'keyUsage',
  [OID.extKeyUsage]: 'extendedKeyUsage',
  [OID.subjectAltName]: 'subjectAltName',
  [OID.ski]: 'subjectKeyIdentifier',
  [OID.aki]: 'authorityKeyIdentifier',
  [OID.nameConstraints]: 'nameConstraints',
  [OID.aia]: 'authorityInfoAccess',
  '2.5.29.31': 'cRLDistributionPoints',
  '2.5.29.32': 'certificatePolicies',
  [OID.policyMappings]: 'policyMappings',
  [OID.policyConstraints]: 'policyConstraints',
  [OID.inhibitAnyPolicy]: 'inhibitAnyPolicy',
  '2.5.29.46': 'freshestCRL',
};
export const extensionName = (oid: string) => EXTENSION_NAMES[oid] ?? oid;

export const EKU_OIDS = {
  server: '1.3.6.1.5.5.7.3.1',
  client: '1.3.6.1.5.5.7.3.2',
  any: '2.5.29.37.0',
};
/** EKUs a TLS server certificate must not carry (CABF BR 7.1.2.7.10). */
const NOT_WITH_SERVER_AUTH: Record<string, string> = {
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '1.3.6.1.4.1.11129.2.4.4': 'Precertificate Signing',
  [EKU_OIDS.any]: 'anyExtendedKeyUsage',
};

const KEY_CERT_SIGN = 32;
const label = (c: CertInfo) => `${c.source} ('${c.subject}')`;
const reissue = (role: Role) => (role === 'leaf' ? 'issue a new certificate' : 're-issue this CA and what it signed');

/** Structural findings for one certificate in its place in the path. */
export function lintCertificate(
  cert: CertInfo,
  role: Role,
  purpose: 'server' | 'client' | undefined,
  selfSigned: boolean,
): Finding[] {
  const out: Finding[] = [];
  const add = (code: string, refusedBy: VerifyProfile[], message: string) =>
    out.push({ code, cert, message: `${label(cert)} ${message}`, refusedBy });
  const f = cert.form;
  const fix = reissue(role);
  const critical = (oid: string) => f.critical.get(oid) === true;
  const has = (oid: string) => f.critical.has(oid);

  // ---- the certificate as a whole (RFC 5280 4.1) ----
  const dupes = [...new Set(f.extensionOids.filter((o, i) => f.extensionOids.indexOf(o) !== i))];
  if (dupes.length > 0)
    add(
      'DUPLICATE_EXTENSION',
      ALL,
      `carries the ${dupes.map(extensionName).join(', ')} extension more than once, which RFC 5280 4.2 forbids; ${fix}.`,
    );
  for (const oid of new Set(f.nonDerBoolean))
    add(
      'MALFORMED_EXTENSION',
      STRICT,
      `encodes a BOOLEAN of its ${extensionName(oid)} extension (the critical flag or cA) in a form DER does not allow (TRUE must be 0xff, a default FALSE left out; X.690 11.1, 11.5), which pyca and rustls refuse; ${fix}.`,
    );
  for (const oid of f.malformed)
    add(
      'MALFORMED_EXTENSION',
      ALL,
      `has a ${extensionName(oid)} extension whose value is not valid DER for its syntax; ${fix}.`,
    );
  const serial = f.serialBytes;
  if (serial.length > 0 && (serial[0]! & 0x80) !== 0)
    add('BAD_SERIAL', RFC, `has a negative serial number, which RFC 5280 4.1.2.2 forbids; ${fix}.`);
  else if (serial.length > 1 && serial[0] === 0 && (serial[1]! & 0x80) === 0)
    // DER INTEGERs are minimal (X.690 8.3.2): OpenSSL and pyca cannot even read such a certificate.
    add('BAD_SERIAL', ALL, `has a serial number with a redundant leading zero octet, which DER forbids; ${fix}.`);
  else if (serial.every((b) => b === 0))
    add('BAD_SERIAL', STRICT, `has the serial number 0; RFC 5280 4.1.2.2 requires a positive one; ${fix}.`);
  const significant = serial.length - (serial[0] === 0 && serial.length > 1 ? 1 : 0);
  if (significant > 20)
    add(
      'BAD_SERIAL',
      STRICT,
      `has a serial number of ${significant} octets; RFC 5280 4.1.2.2 allows at most 20; ${fix}.`,
    );
  if (!f.tbsSignatureAlg.equals(f.outerSignatureAlg))
    add(
      'SIGNATURE_ALGORITHM_MISMATCH',
      RFC,
      `names one signature algorithm inside the signed part and another outside it (RFC 5280 4.1.1.2 requires the same); it was altered or mis-built; ${fix}.`,
    );
  if (f.extensionOids.length > 0 && cert.version !== 3)
    add(
      'BAD_VERSION',
      RFC,
      `is a version ${cert.version} certificate with extensions; only version 3 may carry them (RFC 5280 4.1.2.9); ${fix}.`,
    );
  else if (cert.version !== 3 && role === 'leaf')
    add(
      'BAD_VERSION',
      STRICT,
      `is a version ${cert.version} certificate; Go, rustls and browsers accept only version 3 (CA/Browser Forum BR 7.1.1); ${fix}.`,
    );
  for (const [which, tag, date] of [
    ['notBefore', f.notBeforeTag, cert.notBefore],
    ['notAfter', f.notAfterTag, cert.notAfter],
  ] as const) {
    const wantUtc = date.getUTCFullYear() < 2050;
    if ((tag === 0x17) !== wantUtc)
      add(
        'BAD_VALIDITY',
        STRICT,
        `writes its ${which} date as ${tag === 0x17 ? 'UTCTime' : 'GeneralizedTime'}; RFC 5280 4.1.2.5 requires UTCTime through 2049 and GeneralizedTime from 2050; ${fix}.`,
      );
  }
  if (cert.notBefore > cert.notAfter)
    add('BAD_VALIDITY', ALL, `ends (notAfter) before it begins (notBefore), so it is never valid; ${fix}.`);
  if (f.issuerEmpty) add('EMPTY_NAME', STRICT, `has an empty issuer name; RFC 5280 4.1.2.4 requires one; ${fix}.`);

  // ---- keys and algorithms (CABF BR 6.1.5, 7.1.3) ----
  const key = f.key;
  if ((key.algorithm === 'rsa' || key.algorithm === 'rsa-pss') && key.bits !== undefined) {
    if (key.bits < 2048)
      add(
        'WEAK_KEY',
        STRICT_OPENSSL,
        `has an RSA key of ${key.bits} bits; Go, rustls, browsers and OpenSSL at security level 2 refuse RSA under 2048 bits; ${fix} with a 2048-bit or larger key.`,
      );
    else if (key.bits % 8 !== 0)
      add(
        'WEAK_KEY',
        STRICT,
        `has an RSA key of ${key.bits} bits, not a multiple of 8, which the CA/Browser Forum (BR 6.1.5) forbids; ${fix} with a 2048, 3072 or 4096-bit key.`,
      );
  }
  if (key.algorithm === 'ec' && key.curve !== 'P-256' && key.curve !== 'P-384' && key.curve !== 'P-521')
    add(
      'WEAK_KEY',
      key.curve === 'P-192' || key.curve === 'explicit' ? STRICT_OPENSSL : STRICT,
      key.curve === 'explicit'
        ? `has an EC key with explicit curve parameters instead of a named curve (RFC 5480 forbids them); ${fix} with P-256 or P-384.`
        : `has an EC key on ${key.curve}; only P-256, P-384 and P-521 are accepted by Go, rustls and browsers; ${fix} with P-256 or P-384.`,
    );
  if (key.algorithm === 'dsa')
    add('WEAK_KEY', STRICT, `has a DSA key, which Go, rustls and browsers refuse; ${fix} with an RSA or ECDSA key.`);
  if (key.algorithm === 'ed25519' || key.algorithm === 'ed448' || key.algorithm === 'other')
    add(
      'WEAK_KEY',
      STRICT,
      `has a ${key.algorithm === 'other' ? `key of an unknown algorithm (${key.oid})` : `${key.algorithm === 'ed25519' ? 'Ed25519' : 'Ed448'} key`}, which browsers and pyca/cryptography do not accept in certificates; ${fix} with an RSA or ECDSA key.`,
    );

  // ---- names (RFC 5280 4.1.2.6, 4.2.1.6) ----
  const sanCritical = critical(OID.subjectAltName);
  if (f.subjectEmpty && role !== 'leaf')
    add(
      'EMPTY_NAME',
      STRICT,
      `is a CA with an empty subject; RFC 5280 4.1.2.6 requires a CA to have a distinguished name; ${fix}.`,
    );
  if (f.subjectEmpty && role === 'leaf' && (!has(OID.subjectAltName) || !sanCritical))
    add(
      'EMPTY_NAME',
      STRICT,
      `has an empty subject and ${has(OID.subjectAltName) ? 'a non-critical' : 'no'} subjectAltName; RFC 5280 4.2.1.6 requires a critical subjectAltName then; ${fix}.`,
    );
  if (!f.subjectEmpty && sanCritical && role === 'leaf')
    add(
      'CRITICAL_EXTENSION',
      STRICT,
      `marks subjectAltName critical although its subject is not empty, which the CA/Browser Forum (BR 7.1.2.7.12) forbids; ${fix}.`,
    );
  if (has(OID.subjectAltName) && f.sanEmpty)
    add('BAD_NAME', RFC, `has an empty subjectAltName; RFC 5280 4.2.1.6 requires at least one name; ${fix}.`);
  if (f.badSanNames.length > 0)
    add(
      'BAD_NAME',
      RFC,
      `has malformed subjectAltName entries (${f.badSanNames.join(', ')}); DNS names must be ASCII letters, digits and hyphens (IDNs as xn-- labels), addresses 4 or 16 bytes; ${fix}.`,
    );

  // ---- criticality (RFC 5280 4.2.1.x) ----
  for (const oid of [OID.aki, OID.ski, OID.aia])
    if (critical(oid))
      add(
        'CRITICAL_EXTENSION',
        STRICT,
        `marks ${extensionName(oid)} critical; RFC 5280 4.2 requires it to be non-critical; ${fix}.`,
      );
  if (critical(OID.extKeyUsage) && role === 'leaf')
    add(
      'CRITICAL_EXTENSION',
      STRICT,
      `marks extendedKeyUsage critical, which the CA/Browser Forum (BR 7.1.2.7.6) forbids; ${fix}.`,
    );
  // RFC 5280 4.2.1.11 and 4.2.1.14: conforming CAs MUST mark these critical (x509-limbo rfc5280::pc::ica-noncritical-pc).
  for (const [oid, section] of [
    [OID.policyConstraints, '4.2.1.11'],
    [OID.inhibitAnyPolicy, '4.2.1.14'],
  ] as const)
    if (has(oid) && !critical(oid))
      add(
        'CRITICAL_EXTENSION',
        STRICT,
        `does not mark ${extensionName(oid)} critical; RFC 5280 ${section} requires it critical; ${fix}.`,
      );

  // ---- key identifiers (RFC 5280 4.2.1.1, 4.2.1.2; CABF 7.1.2.1.3) ----
  if (!selfSigned && cert.aki === undefined && cert.version === 3)
    add(
      'MISSING_KEY_IDENTIFIER',
      STRICT,
      `has no authorityKeyIdentifier keyIdentifier; RFC 5280 4.2.1.1 requires one in every certificate that is not self-signed; ${fix}.`,
    );
  if (cert.isCa && cert.ski === undefined)
    add(
      'MISSING_KEY_IDENTIFIER',
      STRICT,
      `is a CA without a subjectKeyIdentifier; RFC 5280 4.2.1.2 requires one in every CA certificate; ${fix}.`,
    );
  if (selfSigned && f.akiPresent && role !== 'leaf') {
    if (cert.aki === undefined || f.akiHasIssuer || f.akiHasSerial)
      add(
        'BAD_KEY_IDENTIFIER',
        STRICT,
        `is a root whose authorityKeyIdentifier ${cert.aki === undefined ? 'lacks keyIdentifier' : 'carries authorityCertIssuer or authorityCertSerialNumber'}; the CA/Browser Forum (BR 7.1.2.1.3) requires only a keyIdentifier equal to its subjectKeyIdentifier; ${fix}.`,
      );
    else if (cert.ski !== undefined && cert.aki !== cert.ski)
      add(
        'BAD_KEY_IDENTIFIER',
        STRICT,
        `is a root whose authorityKeyIdentifier differs from its subjectKeyIdentifier (CA/Browser Forum BR 7.1.2.1.3); ${fix}.`,
      );
  }

  // ---- basicConstraints and keyUsage (RFC 5280 4.2.1.3, 4.2.1.9) ----
  const ku = cert.keyUsage;
  if (ku !== undefined && ku === 0 && !f.malformed.includes(OID.keyUsage))
    add('BAD_KEY_USAGE', RFC, `has a keyUsage with no bit set; RFC 5280 4.2.1.3 requires at least one; ${fix}.`);
  if (ku !== undefined && (ku & KEY_CERT_SIGN) !== 0 && !cert.isCa)
    add(
      'BAD_KEY_USAGE',
      RFC,
      `allows keyCertSign in keyUsage but is not a CA (basicConstraints CA:TRUE); RFC 5280 4.2.1.9 forbids that; ${fix}.`,
    );
  if (cert.pathLength !== undefined && (!cert.isCa || (ku !== undefined && (ku & KEY_CERT_SIGN) === 0)))
    add(
      'BAD_BASIC_CONSTRAINTS',
      RFC,
      `sets pathLenConstraint without being a CA that may sign certificates (RFC 5280 4.2.1.9); ${fix}.`,
    );
  if (role !== 'leaf' && cert.isCa) {
    // RFC 5280 6.1.4 (n) only checks a keyUsage that is present, but 4.2.1.3 requires conforming CAs to include
    // it, and pyca, webpki and `openssl verify -x509_strict` refuse a v3 CA without it (CABF BR 7.1.2.10.7).
    if (ku === undefined && cert.version === 3 && !f.malformed.includes(OID.keyUsage))
      add(
        'BAD_KEY_USAGE',
        STRICT,
        `is a CA without keyUsage; RFC 5280 4.2.1.3 requires CA certificates to carry one with keyCertSign, and pyca, rustls and openssl -x509_strict refuse it; ${fix}.`,
      );
    if (!critical(OID.basicConstraints))
      add(
        'BAD_BASIC_CONSTRAINTS',
        STRICT,
        `is a CA whose basicConstraints is not critical; RFC 5280 4.2.1.9 requires it critical in CA certificates; ${fix}.`,
      );
  }
  if (role === 'leaf' && cert.isCa && purpose !== undefined)
    add(
      'BAD_BASIC_CONSTRAINTS',
      STRICT,
      `is a CA certificate (basicConstraints CA:TRUE) used as an end-entity certificate, which Go, rustls and browsers refuse (CA/Browser Forum BR 7.1.2.7.8); issue a leaf with 'mtlskit ${purpose} issue'.`,
    );
  if (role === 'leaf' && has(OID.nameConstraints))
    add(
      'BAD_NAME_CONSTRAINTS',
      RFC,
      `is not a CA but carries nameConstraints; RFC 5280 4.2.1.10 allows them only in CA certificates; ${fix}.`,
    );
  if (role !== 'leaf' && has(OID.nameConstraints)) {
    if (!critical(OID.nameConstraints))
      add(
        'BAD_NAME_CONSTRAINTS',
        STRICT,
        `marks nameConstraints non-critical; RFC 5280 4.2.1.10 requires it critical; ${fix}.`,
      );
    const nc = cert.nameConstraints;
    const count = (g: NonNullable<CertInfo['nameConstraints']>['permitted']) =>
      g.dns.length + g.ip.length + g.email.length + g.uri.length + g.dirNames.length;
    if (nc && count(nc.permitted) + count(nc.excluded) + f.ncOtherTags.length === 0)
      add(
        'BAD_NAME_CONSTRAINTS',
        STRICT,
        `has a nameConstraints extension with no subtrees; RFC 5280 4.2.1.10 forbids an empty one; ${fix}.`,
      );
    if (f.badConstraints.length > 0)
      add(
        'BAD_NAME_CONSTRAINTS',
        STRICT,
        `has malformed name constraints (${f.badConstraints.join(', ')}): DNS constraints are plain domain names without '*' or a leading dot, IP constraints an address and a CIDR mask (RFC 5280 4.2.1.10); ${fix}.`,
      );
  }

  // ---- extended key usage (CABF BR 7.1.2) ----
  const eku = cert.extKeyUsage;
  if (role === 'anchor' && selfSigned && eku !== undefined)
    add(
      'BAD_EXTENDED_KEY_USAGE',
      STRICT,
      `is a root CA with an extendedKeyUsage extension, which the CA/Browser Forum (BR 7.1.2.1.2) forbids; re-issue the root without it.`,
    );
  if (role === 'leaf' && purpose === 'server') {
    if (eku === undefined)
      add(
        'BAD_EXTENDED_KEY_USAGE',
        STRICT,
        `has no extendedKeyUsage; the CA/Browser Forum (BR 7.1.2.7.10), Apple and pyca/cryptography require serverAuth in a TLS server certificate; issue it with 'mtlskit server issue'.`,
      );
    else {
      const extra = eku.filter((o) => NOT_WITH_SERVER_AUTH[o]).map((o) => NOT_WITH_SERVER_AUTH[o]);
      if (extra.length > 0 && eku.includes(EKU_OIDS.server))
        add(
          'BAD_EXTENDED_KEY_USAGE',
          STRICT,
          `combines serverAuth with ${extra.join(', ')} in extendedKeyUsage, which the CA/Browser Forum (BR 7.1.2.7.10) forbids; issue it with 'mtlskit server issue'.`,
        );
    }
  }
  if (role === 'leaf' && purpose === 'server' && cert.san && f.badSanNames.length === 0) {
    // CABF BR 7.1.4.3: a CN is a copy of a SAN entry: IP addresses in their canonical text, domain names
    // character for character in ASCII (P-labels, never Unicode). A CN that names a host no SAN carries is refused
    // too (x509-limbo webpki::cn::not-in-san; browsers, Go and pyca ignore the CN and accept it); a CN that is no
    // host name at all ('My Server') is left alone.
    const names = new Set([...cert.san.dns, ...cert.san.ip.map((b) => ipText(b))]);
    const lower = new Set([...names].map((n) => n.toLowerCase()));
    const looksLikeIp = (cn: string) => /^[0-9.]+$/.test(cn) || /^0x[0-9a-f]+$/i.test(cn) || cn.includes(':');
    const stray = cert.commonNames.filter(
      (cn) =>
        !names.has(cn) &&
        (/[^\x20-\x7e]/.test(cn) ||
          looksLikeIp(cn) ||
          lower.has(cn.toLowerCase()) ||
          /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(cn) ||
          cn
            .toLowerCase()
            .split('.')
            .some((label) => label.startsWith('xn--'))),
    );
    if (stray.length > 0)
      add(
        'BAD_NAME',
        STRICT,
        `has the common name '${stray[0]}', which is not one of its subjectAltName entries written the same way (CA/Browser Forum BR 7.1.4.3: canonical addresses, ASCII names, character for character); issue it with the CN equal to a SAN, or without a CN.`,
      );
  }
  return out;
}
