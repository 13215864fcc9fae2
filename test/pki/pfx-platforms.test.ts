/**
 * The platform table is one source: README.md shows exactly what src/pki/pfx-platforms.ts renders, the CLI's
 * --for list matches it, and `show`'s verdict follows each row's accepted algorithms.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LEGACY_ALIAS,
  PFX_PLATFORMS,
  PLATFORM_RULES,
  platformTableMarkdown,
  platformsFor,
  ruleFor,
} from '../../src/pki/pfx-platforms.js';
import { LEGACY_PROFILE, MODERN_PROFILE } from '../../src/pki/pkcs12.js';
import { PFX_FOR_VALUES } from '../../src/cli/commands/export/pfx.js';
import { ROOT } from '../helpers/run.js';

describe('the PFX platform table', () => {
  it('README.md holds the table rendered from the code (regenerate it from platformTableMarkdown() when this fails)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const between = /<!-- pfx-platforms:begin -->\n([\s\S]*?)\n<!-- pfx-platforms:end -->/.exec(readme);
    expect(between, 'README.md lacks the pfx-platforms markers').not.toBeNull();
    expect(between![1]).toBe(platformTableMarkdown());
  });

  it('has one row per --for value, each with at least one source link', () => {
    expect(PLATFORM_RULES.map((r) => r.platform)).toEqual([...PFX_PLATFORMS]);
    expect([...PFX_FOR_VALUES]).toEqual([...PFX_PLATFORMS]);
    for (const r of PLATFORM_RULES) {
      expect(r.sources.length, r.platform).toBeGreaterThan(0);
      for (const s of r.sources) expect(s.url, r.platform).toMatch(/^https:\/\//);
    }
  });

  it('--legacy maps to windows-legacy, which writes exactly what --legacy always wrote', () => {
    expect(LEGACY_ALIAS).toBe('windows-legacy');
    expect(ruleFor('windows-legacy').profile).toEqual(LEGACY_PROFILE);
    expect(LEGACY_PROFILE).toMatchObject({ keyCipher: '3des', certCipher: '3des', mac: 'sha1', iterations: 2048 });
    expect(ruleFor('modern').profile).toEqual(MODERN_PROFILE);
  });

  it('every platform accepts what mtlskit writes for it', () => {
    for (const r of PLATFORM_RULES) {
      const p = r.profile;
      const name = (c: string) =>
        c === '3des' ? 'pbeWithSHA1And3-KeyTripleDES-CBC' : 'AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256)';
      const found = {
        keyEncryption: name(p.keyCipher),
        certEncryption: name(p.certCipher),
        macAlgorithm: p.mac === 'sha1' ? 'HMAC-SHA-1' : 'HMAC-SHA-256',
      };
      expect(platformsFor(found).accepted, r.platform).toContain(r.platform);
    }
  });

  it('an OpenSSL 3 default bundle is refused by macOS, iOS, Android and old Windows; an RC2 one by OpenSSL 3 and Postman', () => {
    const modern = platformsFor({
      keyEncryption: 'AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256)',
      certEncryption: 'AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256)',
      macAlgorithm: 'HMAC-SHA-256',
    });
    expect(modern.refused).toEqual(['macos', 'ios', 'windows-legacy', 'android']);
    const rc2 = platformsFor({
      keyEncryption: 'pbeWithSHA1And3-KeyTripleDES-CBC',
      certEncryption: 'pbeWithSHA1And40BitRC2-CBC',
      macAlgorithm: 'HMAC-SHA-1',
    });
    expect(rc2.refused).toEqual(['openssl', 'postman', 'modern']);
  });
});
