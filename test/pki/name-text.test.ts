import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x509 } from '../../src/pki/x509-runtime.js';
import { canonicalName, nameDerToSlashForm, nameDerToText, readNameAttributes } from '../../src/pki/name-text.js';
import { certificateFields } from '../../src/pki/cert-fields.js';
import { derSequence, derSet, derOid, derTlv } from '../../src/pki/der.js';
import { newKeyArgs } from '../helpers/openssl.js';

/** Makes a self-signed certificate with openssl for this subject (and string_mask); the folder holding c.pem. */
function opensslCertificate(subject: string, stringMask: string, extraArgs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'mtlskit-name-'));
  writeFileSync(join(dir, 'req.conf'), `[ req ]\ndistinguished_name = dn\nstring_mask = ${stringMask}\n[ dn ]\n`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...newKeyArgs(join(dir, 'k')),
      '-out',
      join(dir, 'c.pem'),
      '-outform',
      'PEM',
      '-config',
      join(dir, 'req.conf'),
      '-subj',
      subject,
      '-utf8',
      '-days',
      '1',
      ...extraArgs,
    ],
    { stdio: 'pipe' },
  );
  return dir;
}

/** The subject Name DER of a certificate openssl made (see opensslCertificate). */
function subjectDerOf(dir: string): Buffer {
  const der = execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-outform', 'DER']);
  return certificateFields(Buffer.from(der)).subjectDer;
}

/** A certificate made by openssl with this subject (and string_mask), its subject Name DER. */
function opensslSubject(subject: string, stringMask = 'utf8only', extraArgs: string[] = []): Buffer {
  return subjectDerOf(opensslCertificate(subject, stringMask, extraArgs));
}

function opensslSubjectWithText(subject: string, extraArgs: string[]): { der: Buffer; opensslText: string } {
  const dir = opensslCertificate(subject, 'utf8only', extraArgs);
  const text = execFileSync(
    'openssl',
    ['x509', '-in', join(dir, 'c.pem'), '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus_space,sname,-esc_msb'],
    { encoding: 'utf8' },
  );
  return { der: subjectDerOf(dir), opensslText: text.trim().replace(/^subject=/, '') };
}

/** What the X.509 library makes of the same DER (the reader mtlskit used before): an independent decoding. */
function libraryText(der: Buffer): string {
  const json = new x509.Name(new Uint8Array(der)).toJSON();
  return json
    .flatMap((rdn) => Object.entries(rdn).flatMap(([t, vs]) => vs.map((v) => `${t === 'E' ? 'emailAddress' : t}=${v}`)))
    .join(', ');
}

describe('distinguished names read from DER', () => {
  it('prints what openssl prints, in certificate order and with its short names', () => {
    const subject =
      '/C=BR/ST=São Paulo/O=Ação Ltda/OU=ops+CN=multi/emailAddress=a@b.example/DC=example/serialNumber=42/GN=Ana/title=Dr/CN=日本';
    const { der, opensslText } = opensslSubjectWithText(subject, ['-multivalue-rdn']);
    // openssl joins the values of one multi-valued RDN with ' + '; mtlskit lists every value with ', '.
    expect(nameDerToText(der)).toBe(opensslText.replace(/ \+ /g, ', '));
    expect(nameDerToText(der)).toBe(
      'C=BR, ST=São Paulo, O=Ação Ltda, OU=ops, CN=multi, emailAddress=a@b.example, DC=example, serialNumber=42, GN=Ana, title=Dr, CN=日本',
    );
    expect(nameDerToSlashForm(der)).toBe(
      '/C=BR/ST=São Paulo/O=Ação Ltda/OU=ops/CN=multi/emailAddress=a@b.example/DC=example/serialNumber=42/GN=Ana/title=Dr/CN=日本',
    );
  });

  it('decodes BMPString, T61String and PrintableString as openssl chose them (string_mask default)', () => {
    const der = opensslSubject('/O=Größe/CN=Привет/L=plain', 'default');
    const tags = readTags(der);
    expect(tags).toContain(0x1e); // BMPString for Cyrillic
    expect(nameDerToText(der)).toBe('O=Größe, CN=Привет, L=plain');
    expect(nameDerToText(der)).toBe(libraryText(der));
  });

  it('reads UniversalString and shows non-string values as #hex (RFC 4514)', () => {
    const ucs4 = Buffer.alloc(8);
    ucs4.writeUInt32BE(0x1f600, 0);
    ucs4.writeUInt32BE(0x41, 4);
    const der = derSequence(
      derSet(derSequence(derOid('2.5.4.3'), derTlv(0x1c, ucs4))),
      derSet(derSequence(derOid('1.2.3.4'), derTlv(0x02, Buffer.from([0x05])))),
    );
    // UCS-4 outside the BMP too (the X.509 library drops such characters).
    expect(readNameAttributes(der)).toEqual([
      { type: 'CN', value: '😀A' },
      { type: '1.2.3.4', value: '#020105' },
    ]);
  });

  it('compares names case- and space-insensitively, multi-valued RDNs in any order', () => {
    const a = opensslSubject('/O=Acme  Corp/OU=x+CN=Y', 'utf8only', ['-multivalue-rdn']);
    const b = opensslSubject('/O=ACME corp/CN=y+OU=X', 'utf8only', ['-multivalue-rdn']);
    const c = opensslSubject('/O=ACME corp/CN=y/OU=X');
    expect(canonicalName(a)).toBe(canonicalName(b));
    expect(canonicalName(a)).not.toBe(canonicalName(c));
  });

  it('refuses what is not a Name', () => {
    expect(() => readNameAttributes(Buffer.from([0x04, 0x00]))).toThrow();
    expect(() => readNameAttributes(derSequence(derSequence(derOid('2.5.4.3'))))).toThrow();
    expect(() => readNameAttributes(derSequence(derSet(derSequence(derOid('2.5.4.3')))))).toThrow();
    expect(() => readNameAttributes(Buffer.from(readFileSync('/dev/null')))).toThrow();
  });
});

function readTags(der: Buffer): number[] {
  const tags: number[] = [];
  const walk = (buf: Buffer): void => {
    let p = 0;
    while (p < buf.length) {
      const tag = buf[p]!;
      let len = buf[p + 1]!;
      let h = 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + buf[p + 2 + i]!;
        h += n;
      }
      tags.push(tag);
      if (tag & 0x20) walk(buf.subarray(p + h, p + h + len));
      p += h + len;
    }
  };
  walk(der);
  return tags;
}
