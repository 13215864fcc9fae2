/**
 * Which PKCS#12 protection each importer accepts, and what `export pfx --for PLATFORM` writes for it.
 * This table is the one source: the README's platform table is rendered from it (a test checks they
 * agree), `export pfx --for` picks its profile, and `show FILE.pfx` matches a bundle against it.
 */
import { LEGACY_PROFILE, MODERN_PROFILE, type PfxProfile } from './pkcs12.js';
import { PFX_PLATFORMS, type PfxPlatform } from './pfx-platform-names.js';

export { PFX_PLATFORMS, type PfxPlatform };
export const DEFAULT_PFX_PLATFORM: PfxPlatform = 'modern';
/** `export pfx --legacy` has always written 3DES + a SHA-1 MAC with 2048 iterations: the windows-legacy profile. */
export const LEGACY_ALIAS: PfxPlatform = 'windows-legacy';

/** Encryption families as they matter to importers. */
export type CipherFamily = 'aes' | '3des' | 'rc2' | 'none' | 'other';
export type MacFamily = 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'none' | 'other';

export interface PlatformRule {
  platform: PfxPlatform;
  /** Who imports: products and versions. */
  importer: string;
  /** What they accept, per version, in words. */
  accepts: string;
  /** Where that fact comes from. */
  sources: Array<{ title: string; url: string }>;
  /** What mtlskit writes for them. */
  profile: PfxProfile;
  /** Used by `show`: the key-bag cipher, certificate cipher and MAC digest this importer reads. */
  key: CipherFamily[];
  certs: CipherFamily[];
  mac: MacFamily[];
}

const TRIPLE_DES_SHA1: PfxProfile = LEGACY_PROFILE;

export const PLATFORM_RULES: readonly PlatformRule[] = [
  {
    platform: 'macos',
    importer: 'macOS Keychain Access, `security import`, Security framework (macOS 12–15)',
    accepts:
      '3DES or RC2 with a SHA-1 MAC. PBES2/AES or a SHA-256 MAC fail with "wrong password" / "MAC verification failed" (reports through macOS 15; a macOS 26 report imports AES only with `security import -f pkcs12`)',
    sources: [
      { title: 'xca #474', url: 'https://github.com/chris2511/xca/issues/474' },
      { title: 'ruby/openssl #654 (Apple FB8988319)', url: 'https://github.com/ruby/openssl/issues/654' },
      { title: 'kube-rs #691', url: 'https://github.com/kube-rs/kube/issues/691' },
      { title: 'tauri #15844', url: 'https://github.com/tauri-apps/tauri/pull/15844' },
    ],
    profile: TRIPLE_DES_SHA1,
    key: ['3des', 'rc2'],
    certs: ['3des', 'rc2', 'none'],
    mac: ['sha1'],
  },
  {
    platform: 'ios',
    importer: 'iOS / iPadOS profile install and `SecPKCS12Import`',
    accepts:
      'the same Security framework as macOS: 3DES/RC2 with a SHA-1 MAC; AES/SHA-256 bundles fail with errSecAuthFailed (-25293, "passphrase not correct")',
    sources: [
      { title: 'openssl #19495', url: 'https://github.com/openssl/openssl/issues/19495' },
      { title: 'openssl #19871', url: 'https://github.com/openssl/openssl/issues/19871' },
      { title: 'pyopenssl #1266', url: 'https://github.com/pyca/pyopenssl/issues/1266' },
    ],
    profile: TRIPLE_DES_SHA1,
    key: ['3des', 'rc2'],
    certs: ['3des', 'rc2', 'none'],
    mac: ['sha1'],
  },
  {
    platform: 'windows',
    importer: 'Windows 10 1709+ / 11, Windows Server 2019+ (certmgr, `Import-PfxCertificate`, IIS)',
    accepts: 'PBES2 AES256-SHA256 (PBKDF2-HMAC-SHA256, AES-256, SHA-256 MAC) and TripleDES-SHA1; RC2 too',
    sources: [
      {
        title: 'Microsoft: PKCS12_PBES2_EXPORT_PARAMS (minimum Windows 10 1709 / Server 2019)',
        url: 'https://learn.microsoft.com/en-us/windows/win32/api/wincrypt/ns-wincrypt-pkcs12_pbes2_export_params',
      },
      {
        title: 'Microsoft: Export-PfxCertificate -CryptoAlgorithmOption',
        url: 'https://learn.microsoft.com/en-us/powershell/module/pki/export-pfxcertificate',
      },
    ],
    profile: MODERN_PROFILE,
    key: ['aes', '3des', 'rc2'],
    certs: ['aes', '3des', 'rc2', 'none'],
    mac: ['sha1', 'sha256'],
  },
  {
    platform: 'windows-legacy',
    importer: 'Windows 7 / 8.1, Windows Server 2012 R2 and 2016, and appliances of that age',
    accepts: 'TripleDES-SHA1 (and RC2) only; an OpenSSL 3 default bundle is refused as a wrong password',
    sources: [
      { title: 'openssl #17777 (RD Gateway)', url: 'https://github.com/openssl/openssl/issues/17777' },
      { title: 'xca #559 (Windows Server 2016)', url: 'https://github.com/chris2511/xca/issues/559' },
      {
        title: 'Microsoft: AES256-SHA256 needs Windows 10 1709 / Server 2019',
        url: 'https://learn.microsoft.com/en-us/windows/win32/api/wincrypt/ns-wincrypt-pkcs12_pbes2_export_params',
      },
    ],
    profile: TRIPLE_DES_SHA1,
    key: ['3des', 'rc2'],
    certs: ['3des', 'rc2', 'none'],
    mac: ['sha1'],
  },
  {
    platform: 'java',
    importer: 'Java keytool / KeyStore "PKCS12": JDK 8u301+, 11.0.12+, 17, 21',
    accepts:
      'PBES2/AES and an HMAC-SHA256 MAC (what keytool itself writes since JDK 12: PBEWithHmacSHA256AndAES_256, 10000 iterations), 3DES and RC2; JDK 8 before 8u301 fails with "HmacPBESHA256 not available" (use `--for windows-legacy` there)',
    sources: [
      { title: 'JDK-8153005', url: 'https://github.com/openjdk/loom/commit/f77a6585' },
      {
        title: 'JDK-8267880 (11u)',
        url: 'https://github.com/openjdk/jdk11u-dev/commit/9cf9879a4e4a78ed8e6d9b1f979de1eb7f75badf',
      },
      { title: 'confluentinc/cp-demo #370', url: 'https://github.com/confluentinc/cp-demo/issues/370' },
    ],
    profile: { ...MODERN_PROFILE, iterations: 10000, macIterations: 10000 },
    key: ['aes', '3des', 'rc2'],
    certs: ['aes', '3des', 'rc2', 'none'],
    mac: ['sha1', 'sha256', 'sha384', 'sha512'],
  },
  {
    platform: 'android',
    importer: 'Android Settings → Install certificate (KeyChain), VPN and Wi-Fi clients',
    accepts:
      '3DES/RC2 with a SHA-1 MAC on every version; OpenSSL 3 default (AES) bundles are refused as "incorrect password" on Android 12 and 13 and some 11 builds (Android 16 reported fine)',
    sources: [
      { title: 'strongswan-docs #5', url: 'https://github.com/strongswan/strongswan-docs/issues/5' },
      { title: 'clip_share_server #48', url: 'https://github.com/thevindu-w/clip_share_server/pull/48' },
      { title: 'ultimate-ca-manager #331', url: 'https://github.com/NeySlim/ultimate-ca-manager/issues/331' },
    ],
    profile: TRIPLE_DES_SHA1,
    key: ['3des', 'rc2'],
    certs: ['3des', 'rc2', 'none'],
    mac: ['sha1'],
  },
  {
    platform: 'openssl',
    importer: 'OpenSSL 3.x (curl, nginx, Python, Ruby, Node) and 1.1.1',
    accepts: 'PBES2/AES, 3DES and any SHA-1/SHA-2 MAC by default; RC2-40 only with `-legacy` (the legacy provider)',
    sources: [
      { title: 'openssl-pkcs12(1), OpenSSL 3.0', url: 'https://docs.openssl.org/3.0/man1/openssl-pkcs12/' },
      { title: 'openssl #19167', url: 'https://github.com/openssl/openssl/issues/19167' },
    ],
    profile: MODERN_PROFILE,
    key: ['aes', '3des'],
    certs: ['aes', '3des', 'none'],
    mac: ['sha1', 'sha256', 'sha384', 'sha512'],
  },
  {
    platform: 'postman',
    importer: 'Postman desktop (Electron, BoringSSL) and Newman / Postman CLI (Node 18+, OpenSSL 3)',
    accepts:
      'PBES2/AES and 3DES with any SHA MAC in both (BoringSSL\'s PKCS#12 reader takes PBES2 and the MAC\'s own digest); RC2 bundles, which old Windows and Java tools write, fail in Node 17+ as "unsupported"',
    sources: [
      {
        title: 'BoringSSL pkcs8_x509.cc',
        url: 'https://github.com/google/boringssl/blob/main/crypto/pkcs8/pkcs8_x509.cc',
      },
      { title: 'nodejs/node #40672', url: 'https://github.com/nodejs/node/issues/40672' },
      {
        title: 'Postman: certificates',
        url: 'https://learning.postman.com/docs/sending-requests/authorization/certificates/',
      },
    ],
    profile: MODERN_PROFILE,
    key: ['aes', '3des'],
    certs: ['aes', '3des', 'none'],
    mac: ['sha1', 'sha256', 'sha384', 'sha512'],
  },
  {
    platform: 'modern',
    importer: 'current stacks: OpenSSL 3, Windows 10 1709+, JDK 8u301+, python cryptography, NSS, Go',
    accepts: 'PBES2/AES-256 with PBKDF2-HMAC-SHA256 and an HMAC-SHA256 MAC (the OpenSSL 3 default); also 3DES',
    sources: [{ title: 'openssl-pkcs12(1), OpenSSL 3.0', url: 'https://docs.openssl.org/3.0/man1/openssl-pkcs12/' }],
    profile: MODERN_PROFILE,
    key: ['aes', '3des'],
    certs: ['aes', '3des', 'none'],
    mac: ['sha256', 'sha384', 'sha512', 'sha1'],
  },
];

export function isPfxPlatform(value: string): value is PfxPlatform {
  return (PFX_PLATFORMS as readonly string[]).includes(value);
}

export function ruleFor(platform: PfxPlatform): PlatformRule {
  return PLATFORM_RULES.find((r) => r.platform === platform)!;
}

/** The readable name decodePfx gives an encryption, as a family. */
export function cipherFamily(name: string): CipherFamily {
  if (name === 'none') return 'none';
  if (name.startsWith('AES-')) return 'aes';
  if (/TripleDES|DES-EDE3/.test(name)) return '3des';
  if (/RC2/.test(name)) return 'rc2';
  return 'other';
}

export function macFamily(name: string): MacFamily {
  const m = /^HMAC-SHA-(1|256|384|512)$/.exec(name);
  if (m) return `sha${m[1]}` as MacFamily;
  return name === 'none' ? 'none' : 'other';
}

/**
 * The platforms that import a bundle protected this way (names as decodePfx reports them). A truststore
 * (`hasKey` false) is judged by its certificates and MAC alone.
 */
export function platformsFor(
  found: { keyEncryption: string; certEncryption: string; macAlgorithm: string },
  hasKey = true,
): {
  accepted: PfxPlatform[];
  refused: PfxPlatform[];
} {
  const key = cipherFamily(found.keyEncryption);
  const certs = cipherFamily(found.certEncryption);
  const mac = macFamily(found.macAlgorithm);
  const accepted: PfxPlatform[] = [];
  const refused: PfxPlatform[] = [];
  for (const rule of PLATFORM_RULES) {
    const ok = (!hasKey || rule.key.includes(key)) && rule.certs.includes(certs) && rule.mac.includes(mac);
    (ok ? accepted : refused).push(rule.platform);
  }
  return { accepted, refused };
}

/** How a profile reads in words (human output, JSON and the README). */
export function describeProfile(p: PfxProfile): { key: string; certificates: string; mac: string } {
  const cipher = (c: PfxProfile['keyCipher']) =>
    c === '3des' ? 'pbeWithSHA1And3-KeyTripleDES-CBC' : 'PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)';
  return {
    key: cipher(p.keyCipher),
    certificates: cipher(p.certCipher),
    mac: p.mac === 'sha1' ? 'HMAC-SHA1' : 'HMAC-SHA256',
  };
}

/** The README's platform table, rendered from PLATFORM_RULES. */
export function platformTableMarkdown(): string {
  const rows = PLATFORM_RULES.map((r) => {
    const d = describeProfile(r.profile);
    const writes = `key ${d.key}; certificates ${d.certificates}; MAC ${d.mac}; ${r.profile.iterations} iterations (MAC ${r.profile.macIterations})`;
    const sources = r.sources.map((s) => `[${s.title}](${s.url})`).join(', ');
    return `| \`${r.platform}\` | ${r.importer} | ${r.accepts} | ${writes} | ${sources} |`;
  });
  return [
    '| `--for` | importer (versions) | what it accepts | what mtlskit writes | sources |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
