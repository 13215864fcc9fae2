import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  basicConstraintsExtension,
  crlDistributionPointsExtension,
  extendedKeyUsageExtension,
  ipText,
  keyUsageExtension,
  readBasicConstraints,
  readExtendedKeyUsage,
  readKeyUsage,
  readSubjectAltName,
  sanEntry,
  subjectAltNameExtension,
  subjectAltNameStrings,
  EKU,
  KEY_USAGE,
} from '../../src/pki/extension-values.js';
import { rawExtension } from '../../src/pki/raw-extension.js';
import { signCertificateDer } from '../../src/pki/certificate.js';
import { buildName } from '../../src/pki/name.js';
import { readCertificate } from '../../src/pki/verify-cert.js';
import { derToPem } from '../../src/pki/pem.js';

/** openssl's text for these extensions, on a self-signed certificate that carries them. */
function opensslText(extensions: ReturnType<typeof rawExtension>[]): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Date.now();
  const der = signCertificateDer(
    {
      subject: buildName([{ type: 'CN', value: 'ext test' }]),
      subjectKey: privateKey,
      serialHex: '01',
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 86_400_000),
      extensions,
    },
    { key: privateKey },
  );
  const dir = mkdtempSync(join(tmpdir(), 'mtlskit-ext-'));
  writeFileSync(join(dir, 'c.pem'), derToPem(der, 'CERTIFICATE'));
  return execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', '-text'], { encoding: 'utf8' });
}

describe('extension values in DER', () => {
  it('encodes the profile extensions as openssl reads them, and reads them back', () => {
    const bc = basicConstraintsExtension(true, 0, true);
    const ku = keyUsageExtension(KEY_USAGE.digitalSignature | KEY_USAGE.keyEncipherment | KEY_USAGE.decipherOnly, true);
    const eku = extendedKeyUsageExtension([EKU.serverAuth, EKU.clientAuth], false);
    const cdp = crlDistributionPointsExtension('http://pki.example.com/crl.der');
    const text = opensslText([bc, ku, eku, cdp]);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment, Decipher Only/);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toMatch(/CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/pki.example.com\/crl.der/);
    expect(readBasicConstraints(bc)).toEqual({ ca: true, pathLength: 0 });
    expect(readBasicConstraints(basicConstraintsExtension(false, undefined, false))).toEqual({ ca: false });
    expect(readKeyUsage(ku)).toBe(KEY_USAGE.digitalSignature | KEY_USAGE.keyEncipherment | KEY_USAGE.decipherOnly);
    expect(readExtendedKeyUsage(eku)).toEqual([EKU.serverAuth, EKU.clientAuth]);
  });

  it('writes subjectAltName entries openssl prints the same way, IPv6 in the short form', () => {
    const entries = [
      sanEntry('dns', 'api.example.com'),
      sanEntry('ip', '127.0.0.1'),
      sanEntry('ip', '2001:db8::1'),
      sanEntry('ip', '::1'),
      sanEntry('email', 'ops@example.com'),
      sanEntry('uri', 'spiffe://example.com/erp'),
    ];
    const san = subjectAltNameExtension(entries, false);
    expect(opensslText([san])).toMatch(
      /DNS:api.example.com, IP Address:127.0.0.1, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:0:0:0:0:0:0:0:1, email:ops@example.com, URI:spiffe:\/\/example.com\/erp/,
    );
    expect(subjectAltNameStrings(san)).toEqual([
      'DNS:api.example.com',
      'IP:127.0.0.1',
      'IP:2001:db8::1',
      'IP:::1',
      'email:ops@example.com',
      'URI:spiffe://example.com/erp',
    ]);
    expect(readSubjectAltName(san).map((e) => e.key)).toEqual([
      'api.example.com',
      '7f000001',
      '20010db8000000000000000000000001',
      '00000000000000000000000000000001',
      'ops@example.com',
      'spiffe://example.com/erp',
    ]);
  });

  it('reads a SAN written by openssl, directory names and registered IDs included', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const dir = mkdtempSync(join(tmpdir(), 'mtlskit-ext-'));
    writeFileSync(join(dir, 'k.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(
      join(dir, 'x.conf'),
      '[ req ]\ndistinguished_name = dn\n[ dn ]\n[ ext ]\nsubjectAltName = DNS:a.example, dirName:dir_sect, RID:1.2.3.4, IP:fe80:0:0:1::5\n[ dir_sect ]\nO = Acme\nCN = Dir\n',
    );
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-new',
        '-key',
        join(dir, 'k.pem'),
        '-subj',
        '/CN=x',
        '-config',
        join(dir, 'x.conf'),
        '-extensions',
        'ext',
        '-out',
        join(dir, 'c.pem'),
        '-outform',
        'DER',
      ],
      { stdio: 'pipe' },
    );
    const info = readCertificate(readFileSync(join(dir, 'c.pem')), 'c.pem');
    const ext = rawExtension('2.5.29.17', false, info.subjectAltNameDer!);
    expect(subjectAltNameStrings(ext)).toEqual([
      'DNS:a.example',
      'dirName:O=Acme, CN=Dir',
      'RID:1.2.3.4',
      'IP:fe80:0:0:1::5',
    ]);
  });

  it('compresses only the longest run of two or more zero groups', () => {
    expect(ipText(Buffer.from('20010db8000000010000000000000001', 'hex'))).toBe('2001:db8:0:1::1');
    expect(ipText(Buffer.from('20010db8000100010001000100010001', 'hex'))).toBe('2001:db8:1:1:1:1:1:1');
    expect(ipText(Buffer.alloc(16))).toBe('::');
    expect(ipText(Buffer.from('0a000001', 'hex'))).toBe('10.0.0.1');
  });
});
