/** NEXT-STEPS.md: what to do with the files the wizard made, with the real paths filled in. */
import type { Direction } from './wizard.js';
import { crlSchedule } from './crl-schedule.js';

export interface NextStepsInput {
  dir: string;
  name: string;
  direction: Direction;
  host: string;
  port: number;
  wantsServer: boolean;
  /** The wizard's CRL: how long it is valid and when it expires. */
  crl?: { days: number; nextUpdate: string; keyEncrypted: boolean };
}

export function curlCommand(i: NextStepsInput): string {
  return `curl --cacert ${i.dir}/ca.crt --cert ${i.dir}/client.crt --key ${i.dir}/client.key https://${i.host}:${i.port}/`;
}

export function nginxSnippet(i: NextStepsInput): string {
  return [
    'server {',
    `    listen ${i.port} ssl;`,
    `    server_name ${i.host};`,
    `    ssl_certificate     ${i.dir}/server-chain.crt;`,
    `    ssl_certificate_key ${i.dir}/server.key;`,
    `    ssl_client_certificate ${i.dir}/ca.crt;   # the CA whose client certificates are accepted`,
    '    ssl_verify_client on;                     # no valid client certificate, no response',
    `    ssl_crl ${i.dir}/crl.pem;                 # revoked client certificates are refused`,
    '    location / {',
    '        default_type text/plain;',
    '        return 200 "hello $ssl_client_s_dn\\n";',
    '    }',
    '}',
  ].join('\n');
}

export function nodeSnippet(i: NextStepsInput): string {
  return [
    "import https from 'node:https';",
    "import { readFileSync } from 'node:fs';",
    '',
    'https.createServer({',
    `  key: readFileSync('${i.dir}/server.key'),`,
    `  cert: readFileSync('${i.dir}/server-chain.crt'),`,
    `  ca: readFileSync('${i.dir}/ca.crt'),`,
    `  crl: readFileSync('${i.dir}/crl.pem'),`,
    '  requestCert: true,',
    '  rejectUnauthorized: true,',
    '}, (req, res) => {',
    '  res.end(`hello ${req.socket.getPeerCertificate().subject.CN}\\n`);',
    `}).listen(${i.port});`,
  ].join('\n');
}

export function nextStepsMarkdown(i: NextStepsInput): string {
  const parts = [
    `# Next steps for the '${i.name}' mTLS integration`,
    '',
    `Everything is in \`${i.dir}\`. Keep \`ca.key\` private (mode 0600): whoever has it can issue certificates your server trusts.`,
    '',
  ];
  if (i.wantsServer) {
    parts.push(
      '## 1. Require client certificates on the server',
      '',
      'nginx:',
      '',
      '```nginx',
      nginxSnippet(i),
      '```',
      '',
      'Node.js:',
      '',
      '```js',
      nodeSnippet(i),
      '```',
      '',
      `Or, to try it right now: \`mtlskit serve --dir ${i.dir} --crl\`.`,
      '',
    );
  }
  parts.push(
    `## ${i.wantsServer ? 2 : 1}. Call it with the client certificate`,
    '',
    '```sh',
    curlCommand(i),
    '```',
    '',
    'Postman: Settings → Certificates → Add Certificate: Host `' +
      i.host +
      '`, Port `' +
      i.port +
      '`, PFX file `' +
      `${i.dir}/client.pfx` +
      '` with its passphrase;',
    'then CA certificates → on, PEM file `' + `${i.dir}/ca.crt` + '`.',
    '',
    `## ${i.wantsServer ? 3 : 2}. Hand over the right files`,
    '',
    i.direction === 'outbound'
      ? `Send the partner \`${i.dir}/ca.crt\` so their gateway trusts your client certificate. Never send a .key file.`
      : `Give the partner \`${i.dir}/client.pfx\` and, separately (another channel), its password; or ask them for a CSR and run \`mtlskit csr sign their.csr --profile client --dir ${i.dir}\` so their key never leaves them.`,
    '',
    '## Later',
    '',
    `- Revoke a certificate: \`mtlskit revoke client --reason keyCompromise --dir ${i.dir}\`, then reload the server (it reads \`crl.pem\`).`,
    ...crlLines(i),
    `- Check a certificate: \`mtlskit verify ${i.dir}/client.crt --purpose client --crl ${i.dir}/crl.pem\`.`,
    '',
  );
  return parts.join('\n');
}

/** When the CRL expires and the cron line that keeps it fresh (servers that check it refuse every client after). */
function crlLines(i: NextStepsInput): string[] {
  if (!i.crl)
    return [`- The CRL expires in 30 days: run \`mtlskit crl gen --dir ${i.dir}\` before then (e.g. daily from cron).`];
  const { cron } = crlSchedule(i.dir, i.crl.days, i.crl.keyEncrypted);
  return [
    `- The CRL (\`crl.pem\`) expires on ${i.crl.nextUpdate.slice(0, 16).replace('T', ' ')} UTC; after that, servers that check it refuse every client. Keep it fresh from cron (and reload the server after each run):`,
    '',
    '  ```cron',
    `  ${cron}`,
    '  ```',
    '',
    `- See what needs doing soon (exit 1 when something does): \`mtlskit status --dir ${i.dir}\`; renew a certificate before it expires: \`mtlskit renew client --dir ${i.dir}\`.`,
  ];
}
