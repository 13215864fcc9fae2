import { derIntegerFromHex, derOctetString, derSequence, derTlv, derExplicit } from '../../pki/der.js';
import { keyIdentifierFor } from '../../pki/certificate.js';
import { publicKeySpkiDer } from '../../pki/keys.js';
import { x509 } from '../../pki/x509-runtime.js';
import { splitList } from '../parse.js';
import type { Translator } from './types.js';

export const subjectKeyIdentifier: Translator = (value, ctx) => {
  if (value === 'none') return undefined;
  if (value === 'hash') {
    if (!ctx.subjectKey) throw ctx.error('subjectKeyIdentifier = hash needs the key, which is not known here.');
    return { oid: '2.5.29.14', value: derOctetString(keyIdentifierFor(publicKeySpkiDer(ctx.subjectKey))) };
  }
  const hex = value.replace(/:/g, '');
  if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw ctx.error(`subjectKeyIdentifier = ${value}: use hash, none, or hex bytes.`);
  return { oid: '2.5.29.14', value: derOctetString(Buffer.from(hex, 'hex')) };
};

/**
 * keyid[:always], issuer[:always]. For a CSR there is no issuer yet, so (like `openssl req -new`)
 * nothing is written; a self-signed certificate points at its own key.
 */
export const authorityKeyIdentifier: Translator = (value, ctx) => {
  let keyid: 'no' | 'yes' | 'always' = 'no';
  let issuer: 'no' | 'yes' | 'always' = 'no';
  for (const item of splitList(value)) {
    const [name, opt] = item.split(':').map((s) => s.trim());
    const mode = opt === undefined ? 'yes' : opt === 'always' ? 'always' : undefined;
    if (!mode) throw ctx.error(`'${item}' is not valid in authorityKeyIdentifier; use keyid, keyid:always, issuer or issuer:always.`);
    if (name === 'keyid') keyid = mode;
    else if (name === 'issuer') issuer = mode;
    else if (name === 'none') return undefined;
    else throw ctx.error(`'${item}' is not valid in authorityKeyIdentifier; use keyid, keyid:always, issuer or issuer:always.`);
  }
  const signerCert = ctx.issuer?.certificate;
  const signerKey = signerCert ? undefined : (ctx.issuer?.key ?? undefined);
  if (!signerCert && !signerKey) return undefined;
  const parts: Buffer[] = [];
  let id: Buffer | undefined;
  if (keyid !== 'no') {
    const ski = signerCert?.getExtension(x509.SubjectKeyIdentifierExtension);
    id = ski ? Buffer.from(ski.keyId, 'hex') : keyIdentifierFor(publicKeySpkiDer(signerKey ?? ctx.issuer!.key));
    parts.push(derTlv(0x80, id));
  }
  if (signerCert && (issuer === 'always' || (issuer === 'yes' && !id))) {
    const name = Buffer.from(signerCert.issuerName.toArrayBuffer());
    parts.push(derTlv(0xa1, derExplicit(4, name)));
    parts.push(derTlv(0x82, derIntegerFromHex(signerCert.serialNumber).subarray(2)));
  }
  if (parts.length === 0) return undefined;
  return { oid: '2.5.29.35', value: derSequence(...parts) };
};
