import { describe, it, expect } from 'vitest';
import { formatPkcs11Uri, parsePkcs11Uri } from '../../src/pki/pkcs11-uri.js';

describe('PKCS#11 URIs (RFC 7512)', () => {
  it('reads path and query attributes, percent-decoding values and id as bytes', () => {
    const uri = parsePkcs11Uri(
      'pkcs11:token=My%20Token;manufacturer=SoftHSM%20project;object=ca-key;id=%01%a2%FF;slot-id=7;type=private' +
        '?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin.txt',
    );
    expect(uri).toMatchObject({
      token: 'My Token',
      manufacturer: 'SoftHSM project',
      object: 'ca-key',
      slotId: 7,
      type: 'private',
      modulePath: '/usr/lib/softhsm/libsofthsm2.so',
      pinSource: 'file:/run/pin.txt',
    });
    expect(uri.id?.toString('hex')).toBe('01a2ff');
  });

  it('takes the examples of RFC 7512 section 3.3', () => {
    expect(parsePkcs11Uri('pkcs11:').token).toBeUndefined();
    expect(parsePkcs11Uri('pkcs11:object=my-pubkey;type=public').object).toBe('my-pubkey');
    expect(
      parsePkcs11Uri(
        'pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=',
      ).token,
    ).toBe('The Software PKCS#11 Softtoken');
    expect(
      parsePkcs11Uri('pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert').token,
    ).toBe('A name with a substring %;');
    expect(
      parsePkcs11Uri(
        'pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;type=cert',
      ).token,
    ).toBe('Name with a small A with acute: á');
    expect(parsePkcs11Uri('pkcs11:object=my-sign-key;type=private?pin-value=1234&module-name=mypkcs11').pinValue).toBe(
      '1234',
    );
    expect(parsePkcs11Uri('pkcs11:slot-description=Sun%20Metaslot;x-vendor=ignored').slotDescription).toBe(
      'Sun Metaslot',
    );
  });

  it('refuses what is not a PKCS#11 URI, with a sentence that says what to write', () => {
    expect(() => parsePkcs11Uri('token=x')).toThrow(/not a PKCS#11 URI; write it like pkcs11:token=/);
    expect(() => parsePkcs11Uri('pkcs11:token=x;labl=y')).toThrow(/'labl' is not a PKCS#11 URI path attribute/);
    expect(() => parsePkcs11Uri('pkcs11:id=%zz')).toThrow(/broken percent escape/);
    expect(() => parsePkcs11Uri('pkcs11:slot-id=one')).toThrow(/decimal/);
    expect(() => parsePkcs11Uri('pkcs11:token=a;token=b')).toThrow(/twice/);
    expect(() => parsePkcs11Uri('pkcs11:type=key')).toThrow(/not an object type/);
  });

  it('writes back the key URI that mtlskit.json records (no PIN, no module)', () => {
    const text = formatPkcs11Uri({ token: 'my token;1', object: 'ca key', id: Buffer.from([0x0a, 0xff]) });
    expect(text).toBe('pkcs11:token=my%20token%3b1;object=ca%20key;id=%0a%ff');
    const back = parsePkcs11Uri(text);
    expect(back.token).toBe('my token;1');
    expect(back.object).toBe('ca key');
    expect(back.id?.toString('hex')).toBe('0aff');
  });
});
