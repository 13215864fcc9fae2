import { derExplicit, derIntegerFromHex, derOctetString, derSequence, derTlv } from '../../pki/der.js';
import { keyIdentifierFor } from '../../pki/key-identifier.js';
import { publicKeySpkiDer } from '../../pki/keys.js';
import { listItems } from './list.js';
import type { TranslateContext, Translator } from './types.js';

/**
 * hash (SHA-1 of the key, RFC 5280 method 1), none, or hex bytes. OpenSSL 3.0 writes an empty
 * extension for `none`; mtlskit leaves it out, as OpenSSL 3.2 and later do.
 */
export const subjectKeyIdentifier: Translator = (value, ctx) => {
  if (value === 'none') return undefined;
  if (value === 'hash') {
    if (!ctx.subjectKey) throw ctx.error('subjectKeyIdentifier = hash needs the key, which is not known here.');
    return { oid: '2.5.29.14', value: derOctetString(keyIdentifierFor(publicKeySpkiDer(ctx.subjectKey))) };
  }
  const hex = value.replace(/:/g, '');
  if (!/^([0-9a-fA-F]{2})+$/.test(hex))
    throw ctx.error(`subjectKeyIdentifier = ${value} must be hash, none, or hex bytes such as 01:02:03.`);
  return { oid: '2.5.29.14', value: derOctetString(Buffer.from(hex, 'hex')) };
};

type Wanted = 'no' | 'yes' | 'always';

function akiOptions(value: string, ctx: TranslateContext): { keyid: Wanted; issuer: Wanted } | undefined {
  const wanted = { keyid: 'no' as Wanted, issuer: 'no' as Wanted };
  for (const item of listItems(value, ctx)) {
    if (item.name === 'none' && item.value === undefined) return undefined;
    const mode: Wanted | undefined = item.value === undefined ? 'yes' : item.value === 'always' ? 'always' : undefined;
    if (!mode || (item.name !== 'keyid' && item.name !== 'issuer')) {
      throw item.ctx.error(
        `'${item.name}${item.value === undefined ? '' : `:${item.value}`}' is not valid in authorityKeyIdentifier; use keyid, keyid:always, issuer or issuer:always.`,
      );
    }
    wanted[item.name] = mode;
  }
  return wanted;
}

/**
 * keyid[:always], issuer[:always]. In a request there is no issuer to point at: openssl req -new
 * refuses the line, mtlskit leaves it out with a warning. A self-signed certificate (no issuer, or one
 * without a certificate) points at its own key, as openssl req -x509 does.
 */
export const authorityKeyIdentifier: Translator = (value, ctx) => {
  const wanted = akiOptions(value, ctx);
  if (!wanted) return undefined;
  const where = `${ctx.entry.file}:${ctx.entry.line}`;
  if (ctx.request) {
    ctx.warnings.push(
      `${where}: authorityKeyIdentifier needs the issuing CA, which a certificate request does not have, so it was left out of the request (openssl req -new refuses this line).`,
    );
    return undefined;
  }
  const signerCert = ctx.issuer?.certificate;
  const signerKey = ctx.issuer?.key ?? ctx.subjectKey;
  const parts: Buffer[] = [];
  let id: Buffer | undefined;
  if (wanted.keyid !== 'no') {
    const ski = signerCert?.ski;
    if (!ski && !signerKey)
      throw ctx.error('authorityKeyIdentifier = keyid needs the signing key, which is not known here.');
    id = ski ? Buffer.from(ski, 'hex') : keyIdentifierFor(publicKeySpkiDer(signerKey!));
    parts.push(derTlv(0x80, id));
  }
  if (signerCert && (wanted.issuer === 'always' || (wanted.issuer === 'yes' && !id))) {
    parts.push(derTlv(0xa1, derExplicit(4, signerCert.issuerDer)));
    parts.push(derTlv(0x82, derIntegerFromHex(signerCert.serialHex).subarray(2)));
  } else if (!signerCert && wanted.issuer === 'always') {
    // Self-signed, OpenSSL writes the certificate's own name and serial, which are not known here.
    ctx.warnings.push(
      `${where}: authorityKeyIdentifier issuer:always is not written for a self-signed certificate by mtlskit; keyid identifies the key.`,
    );
  }
  if (parts.length === 0) return undefined;
  return { oid: '2.5.29.35', value: derSequence(...parts) };
};
