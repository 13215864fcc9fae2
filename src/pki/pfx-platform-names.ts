/**
 * The `export pfx --for` platform names, in a module of their own with no imports, so that the command's flag
 * check, --help and shell completion read them without loading the PKCS#12 code (pfx-platforms.ts has the rules).
 */
export const PFX_PLATFORMS = [
  'macos',
  'ios',
  'windows',
  'windows-legacy',
  'java',
  'android',
  'openssl',
  'postman',
  'modern',
] as const;
export type PfxPlatform = (typeof PFX_PLATFORMS)[number];
