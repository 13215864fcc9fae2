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
      return { code: 'WRONG_PURPOSE', text: `the certificate presented (${subject}) is not a client certificate (no clientAuth purpose)` };
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
      return { code: 'UNKNOWN_CA', text: `the client certificate (${subject}) was not issued by a CA this server trusts` };
    case 'UNABLE_TO_GET_CRL':
      return { code: 'CRL_MISSING', text: 'the server has no CRL for the client certificate\'s CA' };
    case 'CRL_HAS_EXPIRED':
      return { code: 'CRL_EXPIRED', text: 'the server\'s CRL has expired; run mtlskit crl gen' };
    default:
      return { code: 'CLIENT_CERT_REFUSED', text: `the client certificate (${subject}) was refused (${error ?? 'unknown reason'})` };
  }
}

/** Node's error codes for TLS alerts received by a client. */
export function alertFromError(code: string | undefined): string | undefined {
  if (!code) return undefined;
  const m = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(code);
  return m ? m[1]!.toLowerCase() : undefined;
}
