import type { Command } from 'commander';
import { LEAF_EXIT_CODES, registerLeafIssue } from '../leaf-issue.js';

export function registerServerIssue(parent: Command): void {
  registerLeafIssue(parent, 'server', {
    summary: 'issue a server certificate (EKU serverAuth) signed by the CA in --dir',
    description:
      'Writes DIR/NAME.key (mode 0600), DIR/NAME.csr, DIR/NAME.crt and DIR/NAME-chain.crt (leaf + intermediate CAs, what a server presents).\n' +
      'Profile: basicConstraints CA:FALSE, keyUsage digitalSignature (+keyEncipherment for RSA), extendedKeyUsage serverAuth.\n' +
      "Names: subjectAltName from the conf's [ alt_names ] plus --dns/--ip; with the built-in template, the flags replace its sample localhost names.\n" +
      "A conf without an extension section (like the walkthrough's) gets the profile's extensions, and mtlskit says so.",
    examples: [
      ['mtlskit server issue --dns api-mtls.example.com', "the gateway's certificate, for one host name"],
      [
        'mtlskit server issue --config server.conf',
        "the walkthrough's server.conf as it is ([ alt_names ] gives the names)",
      ],
      [
        'mtlskit server issue gw --dns gw.local --ip 10.0.0.5 --key-type ec:P-256',
        'an ECDSA certificate in DIR/gw.crt with a host name and an IP',
      ],
      [
        'mtlskit server issue --batch servers.csv',
        'many certificates in one run (CSV header: name,dns,ip,email,subject)',
      ],
    ],
    exitCodes: LEAF_EXIT_CODES,
  });
}
