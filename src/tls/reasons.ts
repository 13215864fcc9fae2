/** Plain-language reasons for OpenSSL's certificate verification codes and TLS alerts, shared by serve and probe. */

export interface Reason {
  code: string;
  text: string;
}

/** X509_V_ERR names as Node reports them in authorizationError (server side). */
export function explainVerifyError(error: string | undefined, subject: string): Reason {
  switch (error) {
    case 'CERT_HAS_EXPIRED':
      return { code: 'CLIENT_CERT_EXPIRED', text: `the client certificate (${subject}) has expired` };
    case 'CERT_NOT_YET_VALID':
      return { code: 'CLIENT_CERT_NOT_YET_VALID', text: `the client certificate (${subject}) is not valid yet` };
    case 'CERT_REVOKED':
      return { code: 'CLIENT_CERT_REVOKED', text: `the client certificate (${subject}) is revoked` };
    case 'INVALID_PURPOSE':
      return {
        code: 'WRONG_PURPOSE',
        text: `the certificate presented (${subject}) is not a client certificate (no clientAuth purpose)`,
      };
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
      return {
        code: 'UNKNOWN_CA',
        text: `the client certificate (${subject}) was not issued by a CA this server trusts`,
      };
    case 'UNABLE_TO_GET_CRL':
      return { code: 'CRL_MISSING', text: "the server has no CRL for the client certificate's CA" };
    case 'CRL_HAS_EXPIRED':
      return { code: 'CRL_EXPIRED', text: "the server's CRL has expired; run mtlskit crl gen" };
    default:
      return {
        code: 'CLIENT_CERT_REFUSED',
        text: `the client certificate (${subject}) was refused (${error ?? 'unknown reason'})`,
      };
  }
}

/** Node's error codes for TLS alerts received by a client. */
export function alertFromError(code: string | undefined): string | undefined {
  if (!code) return undefined;
  const m = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(code);
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * Why a handshake failed, seen from the server ('tlsClientError'): mostly the client refusing our
 * certificate, or something that is not a TLS client at all. Undefined for a client that just hung up.
 */
export function explainHandshakeFailure(
  err: { code?: string; reason?: string; message: string },
  caFile = 'ca.crt',
): Reason | undefined {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return undefined;
  const alert = alertFromError(err.code);
  switch (alert) {
    case 'unknown_ca':
      return {
        code: 'CLIENT_DISTRUSTS_SERVER',
        text: `the client does not trust this server's certificate (alert unknown_ca); give the client the CA certificate (curl --cacert ${caFile})`,
      };
    case 'bad_certificate':
    case 'certificate_unknown':
    case 'unsupported_certificate':
      return {
        code: 'CLIENT_DISTRUSTS_SERVER',
        text: `the client refused this server's certificate (alert ${alert}): it does not trust the CA, or the host name it used is not in the certificate`,
      };
    case 'certificate_expired':
      return {
        code: 'CLIENT_DISTRUSTS_SERVER',
        text: "the client says this server's certificate has expired; issue a new one (mtlskit server issue --force)",
      };
    case 'protocol_version':
      return {
        code: 'TLS_VERSION',
        text: 'the client and this server share no TLS version (the client may be too old)',
      };
    case undefined:
      break;
    default:
      return { code: 'CLIENT_ALERT', text: `the client ended the handshake with alert ${alert}` };
  }
  switch (err.code) {
    case 'ERR_SSL_HTTP_REQUEST':
      return { code: 'PLAIN_HTTP', text: 'the client spoke plain HTTP to this HTTPS port; use https://' };
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_UNSUPPORTED_PROTOCOL':
      return {
        code: 'TLS_VERSION',
        text: 'the client did not speak a TLS version this server accepts (or not TLS at all)',
      };
    case 'ERR_SSL_NO_SHARED_CIPHER':
      return { code: 'NO_SHARED_CIPHER', text: 'the client and this server share no cipher suite' };
    case 'ERR_TLS_HANDSHAKE_TIMEOUT':
      return { code: 'HANDSHAKE_TIMEOUT', text: 'the client did not finish the handshake in time' };
    default:
      if (/unexpected eof/i.test(err.message))
        return { code: 'CLIENT_HUNG_UP', text: 'the client closed the connection during the handshake' };
      return { code: 'HANDSHAKE_FAILED', text: (err.reason ?? err.message.split('\n')[0]!).trim() };
  }
}
