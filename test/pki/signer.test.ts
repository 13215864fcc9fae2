import { describe, it, expect, vi } from 'vitest';
import { constants, generateKeyPairSync, sign, verify } from 'node:crypto';
import { attachSigner, ecdsaRawToDer, keySigner, signerFor } from '../../src/pki/signer.js';
import { signCertificateDer } from '../../src/pki/certificate.js';
import { buildName } from '../../src/pki/name.js';
import { readCertificate } from '../../src/pki/verify-cert.js';
import { certificateSignedBy } from '../../src/pki/verify-signature.js';
import { publicKeySpkiDer } from '../../src/pki/keys.js';

vi.mock('pkcs11js', () => {
  throw new Error('Cannot find module pkcs11js');
});

describe('Signer', () => {
  it('turns ECDSA raw r||s into the DER that node and X.509 read', () => {
    // Leading zero octets dropped, a 00 added before a high bit: r = 0x0080, s = 0x0001.
    expect(ecdsaRawToDer(Buffer.from([0x00, 0x80, 0x00, 0x01])).toString('hex')).toBe('3007020200800201' + '01');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    for (let i = 0; i < 20; i++) {
      const data = Buffer.from(`message ${i}`);
      const raw = sign('sha384', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      expect(raw).toHaveLength(96);
      const der = ecdsaRawToDer(raw);
      expect(verify('sha384', data, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
      expect(der[0]).toBe(0x30);
    }
  });

  it('RSA-PSS: SHA-256, MGF1-SHA-256, salt 32, and a certificate signed that way checks out', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signer = keySigner(privateKey, { pss: true });
    expect(signer.scheme).toBe('rsa-pss');
    const tbs = Buffer.from('to be signed');
    expect(
      verify(
        'sha256',
        tbs,
        { key: signer.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        signer.sign(tbs),
      ),
    ).toBe(true);
    attachSigner(privateKey, signer);
    const der = signCertificateDer(
      {
        subject: buildName([{ type: 'CN', value: 'pss' }]),
        subjectKey: privateKey,
        serialHex: '01',
        notBefore: new Date(),
        notAfter: new Date(Date.now() + 86_400_000),
        extensions: [],
      },
      { key: privateKey },
    );
    const cert = readCertificate(der, 'pss');
    expect(cert.signatureOid).toBe('1.2.840.113549.1.1.10');
    expect(certificateSignedBy(cert, publicKeySpkiDer(privateKey))).toBe(true);
  });

  it('a public key signs only through an attached signer', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => signerFor(publicKey)).toThrow(/only a public key/);
    const fileSigner = keySigner(privateKey);
    attachSigner(publicKey, { ...fileSigner, describe: 'pkcs11:token=t;object=k' });
    expect(signerFor(publicKey).describe).toBe('pkcs11:token=t;object=k');
  });

  it('without the pkcs11js addon, only PKCS#11 use fails, with one sentence saying what to install', async () => {
    const { loadPkcs11Binding } = await import('../../src/pki/pkcs11.js');
    await expect(loadPkcs11Binding()).rejects.toThrow(
      /^PKCS#11 support is not installed \(the optional package pkcs11js did not load: .*\); install a C\+\+ compiler, make and python3 .* and run 'npm install pkcs11js'/,
    );
    await expect(loadPkcs11Binding()).rejects.toMatchObject({ exitCode: 2 });
  });
});
