/**
 * probe reads the server's CertificateRequest from its own handshake: in clear text over TLS 1.2, decrypted
 * with the keylog secret over TLS 1.3. The accepted CA names must be the ones `openssl s_client` reports.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mtlskitOk, openssl, tempDir } from '../helpers/run.js';
import { startOpensslServer, startNodeServer } from '../helpers/tls.js';
import { runProbe } from '../../src/tls/probe.js';
import { observeCertificateRequest } from '../../src/tls/certificate-request.js';

let tmp: { dir: string; cleanup: () => void };
let a: string;
let b: string;

beforeAll(() => {
  tmp = tempDir();
  a = join(tmp.dir, 'a');
  b = join(tmp.dir, 'b');
  mtlskitOk(['ca', 'init', '--dir', a, '--subject', '/O=Acme/CN=Acme mTLS CA', '--key-type', 'ec:P-256']);
  mtlskitOk(['ca', 'init', '--dir', b, '--subject', '/O=Other Org/OU=Partners/CN=Other CA', '--key-type', 'rsa:2048']);
  mtlskitOk(['server', 'issue', '--dir', a, '--dns', 'localhost']);
  writeFileSync(
    join(tmp.dir, 'both.crt'),
    readFileSync(join(a, 'ca.crt'), 'utf8') + readFileSync(join(b, 'ca.crt'), 'utf8'),
  );
});
afterAll(() => tmp.cleanup());

/** The names `openssl s_client` lists under "Acceptable client certificate CA names", as mtlskit writes DNs. */
function opensslAcceptedNames(port: number, versionFlag: string): string[] {
  const r = openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', versionFlag], {
    input: '',
  });
  const lines = r.stdout.split('\n');
  const start = lines.indexOf('Acceptable client certificate CA names');
  if (start < 0) return [];
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^[A-Za-z]+ = /.test(line)) break;
    names.push(line.replace(/ = /g, '='));
  }
  return names;
}

const probeWithoutClient = (port: number) =>
  runProbe({ url: new URL(`https://localhost:${port}/`), ca: readFileSync(join(a, 'ca.crt')), timeoutMs: 10_000 });

describe('reading the CertificateRequest from our own handshake', () => {
  const cases: [string, string[], 'tls1.2' | 'tls1.3'][] = [
    ['TLS 1.2', ['-tls1_2'], 'tls1.2'],
    ['TLS 1.3, AES-256-GCM / SHA-384', ['-tls1_3', '-ciphersuites', 'TLS_AES_256_GCM_SHA384'], 'tls1.3'],
    ['TLS 1.3, AES-128-GCM / SHA-256', ['-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256'], 'tls1.3'],
    ['TLS 1.3, ChaCha20-Poly1305', ['-tls1_3', '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256'], 'tls1.3'],
  ];
  for (const [label, flags, visibility] of cases) {
    it(`${label}: the CA names openssl s_client sees`, async () => {
      // -verify (lower case): ask for a client certificate without requiring one, so the handshake completes.
      const srv = await startOpensslServer([
        '-cert',
        join(a, 'server.crt'),
        '-key',
        join(a, 'server.key'),
        '-CAfile',
        join(tmp.dir, 'both.crt'),
        '-verify',
        '1',
        ...flags,
      ]);
      try {
        const expected = opensslAcceptedNames(srv.port, visibility === 'tls1.2' ? '-tls1_2' : '-tls1_3');
        expect(expected).toEqual(['O=Acme, CN=Acme mTLS CA', 'O=Other Org, OU=Partners, CN=Other CA']);
        const result = await probeWithoutClient(srv.port);
        expect(result.certificateRequest).toEqual({ visibility, requested: true, acceptedCas: expected });
        // The server asked but did not insist: without a client certificate this is still not mTLS.
        expect(result.ok).toBe(false);
        expect(result.cause?.code).toBe('NO_CLIENT_CERT');
      } finally {
        await srv.stop();
      }
    });
  }

  it('a server that does not ask is seen as not asking, over TLS 1.2 and 1.3', async () => {
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      const srv = await startNodeServer({
        key: readFileSync(join(a, 'server.key')),
        cert: readFileSync(join(a, 'server.crt')),
        maxVersion,
      });
      try {
        const result = await probeWithoutClient(srv.port);
        expect(result.certificateRequest).toEqual({
          visibility: maxVersion === 'TLSv1.2' ? 'tls1.2' : 'tls1.3',
          requested: false,
          acceptedCas: [],
        });
        expect(result.status).toBe(200);
        expect(result.ok).toBe(false);
        expect(result.cause?.code).toBe('MTLS_NOT_REQUIRED');
      } finally {
        await srv.stop();
      }
    }
  });

  it('bytes that stop mid-handshake, or a wrong secret, give "unavailable" rather than a guess', () => {
    expect(observeCertificateRequest(Buffer.alloc(0), []).visibility).toBe('unavailable');
    // A TLS 1.3 ServerHello (supported_versions = 0x0304, suite 0x1301) followed by one encrypted record.
    const hello = Buffer.concat([
      Buffer.from([3, 3]),
      Buffer.alloc(32, 7),
      Buffer.from([0]),
      Buffer.from([0x13, 0x01, 0]),
      Buffer.from([0, 6, 0, 0x2b, 0, 2, 3, 4]),
    ]);
    const hs = Buffer.concat([Buffer.from([2, 0, 0, hello.length]), hello]);
    const records = Buffer.concat([
      Buffer.from([0x16, 3, 3, 0, hs.length]),
      hs,
      Buffer.from([0x17, 3, 3, 0, 40]),
      Buffer.alloc(40, 9),
    ]);
    const wrongSecret = `SERVER_HANDSHAKE_TRAFFIC_SECRET ${'00'.repeat(32)} ${'11'.repeat(32)}`;
    const info = observeCertificateRequest(records, [wrongSecret]);
    expect(info).toMatchObject({ visibility: 'unavailable', acceptedCas: [] });
    expect(info.note).toContain('could not be decrypted');
    expect(observeCertificateRequest(records, []).note).toContain('secret was not available');
  });
});
