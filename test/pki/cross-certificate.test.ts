/**
 * crossCertificateDer over a root made by openssl (not by mtlskit), with extensions a rotation must carry over
 * (name constraints, policies) and a subject key identifier that is not the SHA-1 of the key: openssl reads the result.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { openssl, tempDir } from '../helpers/run.js';
import { newKeyArgs } from '../helpers/openssl.js';
import { crossCertificateDer } from '../../src/pki/cross-certificate.js';
import { signCertificateDer, subjectKeyIdentifierExtension } from '../../src/pki/certificate.js';
import { profileExtensions } from '../../src/pki/profiles.js';
import { readCertificate } from '../../src/pki/verify-cert.js';
import { readDerObjects, derToPem } from '../../src/pki/pem.js';
import { loadPrivateKey } from '../../src/pki/keys.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => (tmp = tempDir('mtlskit-cross-')));
afterAll(() => tmp.cleanup());

describe('crossCertificateDer', () => {
  it("keeps the subject's name, key, SKI and extensions, and names the signing key in the AKI", () => {
    const oldKey = join(tmp.dir, 'old.key');
    const oldCrt = join(tmp.dir, 'old.crt');
    const r = openssl([
      'req',
      '-x509',
      ...newKeyArgs(oldKey, 'rsa:2048'),
      '-out',
      oldCrt,
      '-days',
      '30',
      '-subj',
      '/O=Acme/CN=Acme Root CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE,pathlen:1',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-addext',
      'subjectKeyIdentifier=0102030405060708',
      '-addext',
      'nameConstraints=critical,permitted;DNS:.example.com',
      '-addext',
      'certificatePolicies=1.3.6.1.4.1.99999.1',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const old = readCertificate(
      readDerObjects(readFileSync(oldCrt), ['CERTIFICATE'], oldCrt, 'certificate')[0]!,
      oldCrt,
    );
    const oldPrivate = loadPrivateKey(readFileSync(oldKey), undefined, oldKey);
    expect(old.ski).toBe('0102030405060708');

    const { privateKey: newKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const now = Date.now();
    const newRoot = readCertificate(
      signCertificateDer(
        {
          subject: old.subjectDer,
          subjectKey: newKey,
          serialHex: '0A',
          notBefore: new Date(now - 60_000),
          notAfter: new Date(now + 86_400_000 * 60),
          extensions: [...profileExtensions('ca', { subjectKey: newKey }), subjectKeyIdentifierExtension(newKey)],
        },
        { key: newKey },
      ),
      'new',
    );
    const window = { notBefore: new Date(now - 60_000), notAfter: old.notAfter };
    const oldByNew = crossCertificateDer({
      subject: old,
      issuer: { certificate: newRoot, key: newKey },
      serialHex: '0B',
      ...window,
    });
    const newByOld = crossCertificateDer({
      subject: newRoot,
      issuer: { certificate: old, key: oldPrivate },
      serialHex: '0C',
      ...window,
    });
    const write = (name: string, der: Buffer) => {
      const path = join(tmp.dir, name);
      writeFileSync(path, derToPem(der, 'CERTIFICATE'));
      return path;
    };
    const oldByNewPath = write('old-by-new.crt', oldByNew);
    const newRootPath = write('new.crt', newRoot.der);
    const newByOldPath = write('new-by-old.crt', newByOld);
    const text = openssl(['x509', '-in', oldByNewPath, '-noout', '-text']).stdout;
    expect(text).toMatch(/Subject Key Identifier: \s*01:02:03:04:05:06:07:08/);
    expect(text).toContain(
      `Authority Key Identifier: \n                ${newRoot.ski!.toUpperCase().match(/../g)!.join(':')}`,
    );
    expect(text).toMatch(/Name Constraints: critical\s+Permitted:\s+DNS:\.example\.com/);
    expect(text).toMatch(/Certificate Policies:\s+Policy: 1\.3\.6\.1\.4\.1\.99999\.1/);
    expect(text).toMatch(/CA:TRUE, pathlen:1/);
    expect(text).toContain('Public-Key: (2048 bit)');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    // Signed by the key it names: openssl accepts it under the new root and the new one under the old.
    expect(openssl(['verify', '-x509_strict', '-partial_chain', '-CAfile', newRootPath, oldByNewPath]).status).toBe(0);
    expect(openssl(['verify', '-x509_strict', '-partial_chain', '-CAfile', oldCrt, newByOldPath]).status).toBe(0);
    const back = readCertificate(newByOld, 'new-by-old');
    expect(back.ski).toBe(newRoot.ski);
    expect(back.aki).toBe('0102030405060708');
    expect(back.subjectDer.equals(newRoot.subjectDer)).toBe(true);
    expect(back.spki.equals(newRoot.spki)).toBe(true);
  });
});
