import { derOid, derSequence } from '../../pki/der.js';
import { bareName, caseHint, listItems, ownValue } from './list.js';
import type { Translator } from './types.js';

/** Purposes by OpenSSL short name (the names `openssl x509 -text` does not print, but confs use). */
export const EKU_OIDS: Record<string, string> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  ipsecEndSystem: '1.3.6.1.5.5.7.3.5',
  ipsecTunnel: '1.3.6.1.5.5.7.3.6',
  ipsecUser: '1.3.6.1.5.5.7.3.7',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  OCSPSigning: '1.3.6.1.5.5.7.3.9',
  ipsecIKE: '1.3.6.1.5.5.7.3.17',
  secureShellClient: '1.3.6.1.5.5.7.3.21',
  secureShellServer: '1.3.6.1.5.5.7.3.22',
  msCodeInd: '1.3.6.1.4.1.311.2.1.21',
  msCodeCom: '1.3.6.1.4.1.311.2.1.22',
  msCTLSign: '1.3.6.1.4.1.311.10.3.1',
  msSGC: '1.3.6.1.4.1.311.10.3.3',
  msEFS: '1.3.6.1.4.1.311.10.3.4',
  msSmartcardLogin: '1.3.6.1.4.1.311.20.2.2',
  nsSGC: '2.16.840.1.113730.4.1',
  anyExtendedKeyUsage: '2.5.29.37.0',
};

/** The long names OpenSSL also accepts (OBJ_txt2obj), as `openssl x509 -text` prints them. */
const EKU_LONG_NAMES: Record<string, string> = {
  'TLS Web Server Authentication': EKU_OIDS.serverAuth!,
  'TLS Web Client Authentication': EKU_OIDS.clientAuth!,
  'Code Signing': EKU_OIDS.codeSigning!,
  'E-mail Protection': EKU_OIDS.emailProtection!,
  'Time Stamping': EKU_OIDS.timeStamping!,
  'OCSP Signing': EKU_OIDS.OCSPSigning!,
  'Any Extended Key Usage': EKU_OIDS.anyExtendedKeyUsage!,
};

const SHORT_NAMES = Object.keys(EKU_OIDS);

export const extendedKeyUsage: Translator = (value, ctx) => {
  const oids = listItems(value, ctx).map((item) => {
    const name = bareName(item, 'extendedKeyUsage purpose');
    if (/^\d+(\.\d+)+$/.test(name)) return name;
    const oid = ownValue(EKU_OIDS, name) ?? ownValue(EKU_LONG_NAMES, name);
    if (!oid) {
      throw item.ctx.error(
        `'${name}' is not an extendedKeyUsage; use serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, OCSPSigning or a dotted OID${caseHint(name, SHORT_NAMES)}.`,
      );
    }
    return oid;
  });
  return { oid: '2.5.29.37', value: derSequence(...oids.map(derOid)) };
};
