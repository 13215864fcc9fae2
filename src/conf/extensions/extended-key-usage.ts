import { derOid, derSequence } from '../../pki/der.js';
import { splitList } from '../parse.js';
import type { Translator } from './types.js';

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
  msCodeInd: '1.3.6.1.4.1.311.2.1.21',
  msCodeCom: '1.3.6.1.4.1.311.2.1.22',
  msCTLSign: '1.3.6.1.4.1.311.10.3.1',
  msSGC: '1.3.6.1.4.1.311.10.3.3',
  msEFS: '1.3.6.1.4.1.311.10.3.4',
  nsSGC: '2.16.840.1.113730.4.1',
  anyExtendedKeyUsage: '2.5.29.37.0',
};

export const extendedKeyUsage: Translator = (value, ctx) => {
  const oids = splitList(value).map((name) => {
    if (/^\d+(\.\d+)+$/.test(name)) return name;
    const oid = EKU_OIDS[name] ?? EKU_OIDS[Object.keys(EKU_OIDS).find((k) => k.toLowerCase() === name.toLowerCase()) ?? ''];
    if (!oid) throw ctx.error(`'${name}' is not an extendedKeyUsage; use serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, OCSPSigning or a dotted OID.`);
    return oid;
  });
  if (oids.length === 0) throw ctx.error('extendedKeyUsage is empty; list at least one purpose, e.g. clientAuth.');
  return { oid: '2.5.29.37', value: derSequence(...oids.map(derOid)) };
};
