import type { Command } from 'commander';
import { LEAF_EXIT_CODES, registerLeafIssue } from '../leaf-issue.js';

export function registerClientIssue(parent: Command): void {
  registerLeafIssue(parent, 'client', {
    summary: 'issue a client certificate (EKU clientAuth) signed by the CA in --dir',
    description:
      'Writes DIR/NAME.key (mode 0600), DIR/NAME.csr, DIR/NAME.crt and DIR/NAME-chain.crt.\n' +
      'Profile: basicConstraints CA:FALSE, keyUsage digitalSignature, extendedKeyUsage clientAuth. With the built-in template the CN is NAME.\n' +
      "A conf without an extension section (the walkthrough's client.conf) gets the profile's extensions: where openssl x509 -extensions v3_req fails, this works.",
    examples: [
      ['mtlskit client issue', 'DIR/client.crt and DIR/client.key for curl --cert/--key'],
      ['mtlskit client issue --config client.conf', "the walkthrough's client.conf as it is"],
      [
        'mtlskit client issue erp --subject "/O=Acme/CN=erp" --email ops@acme.example',
        'a named client certificate with an email SAN',
      ],
      [
        'mtlskit client issue --batch partners.json --key-type ec:P-256',
        '1,000 device or partner certificates in one process',
      ],
    ],
    exitCodes: LEAF_EXIT_CODES,
  });
}
