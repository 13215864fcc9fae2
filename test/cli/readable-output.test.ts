/** Refusals stay one short sentence however large the batch, and human output names files in words. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mtlskit, mtlskitOk, tempDir } from '../helpers/run.js';

let tmp: { dir: string; cleanup: () => void };
let pki: string;
beforeAll(() => {
  tmp = tempDir();
  pki = join(tmp.dir, 'pki');
  mtlskitOk(['ca', 'init', '--dir', pki, '--key-type', 'ec:P-256']);
});
afterAll(() => tmp.cleanup());

describe('a refused batch', () => {
  it('says how many of its names exist and shows a few, under 300 characters; --json has them all; nothing is written', () => {
    const names = Array.from({ length: 300 }, (_, i) => `b${i + 1}`);
    const file = join(tmp.dir, 'b.csv');
    writeFileSync(file, ['name', ...names].join('\n') + '\n');
    // The clash: every name already has a certificate file (what a re-run of the batch meets).
    for (const n of names) writeFileSync(join(pki, `${n}.crt`), 'earlier');
    const before = readdirSync(pki).sort();
    const r = mtlskit(['client', 'issue', '--dir', pki, '--batch', file, '--key-type', 'ec:P-256']);
    expect(r.status).toBe(3);
    const message = r.stderr.trim();
    expect(message).toBe(
      'error: 300 of 300 names already exist: b1, b2, b3 … b300; nothing was written; use --force or another --dir.',
    );
    expect(message.length).toBeLessThan(300);
    expect(readdirSync(pki).sort()).toEqual(before);
    expect(readFileSync(join(pki, 'index.txt'), 'utf8')).toBe('');

    const json = JSON.parse(
      mtlskit(['client', 'issue', '--dir', pki, '--batch', file, '--key-type', 'ec:P-256', '--json']).stdout,
    );
    expect(json.error.code).toBe('FILE_EXISTS');
    expect(json.error.names).toEqual(names);
    expect(json.error.existing).toHaveLength(300);
  });

  it('counts only the names that clash', () => {
    const file = join(tmp.dir, 'some.csv');
    writeFileSync(file, 'name\nfresh1\nb7\nfresh2\nb9\nfresh3\n');
    const r = mtlskit(['client', 'issue', '--dir', pki, '--batch', file, '--key-type', 'ec:P-256']);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('2 of 5 names already exist: b7, b9; nothing was written');
  });
});

describe('human output speaks words', () => {
  it('client issue calls the chain what the client presents, server issue what the server presents', () => {
    const client = mtlskitOk(['client', 'issue', 'erp', '--dir', pki, '--key-type', 'ec:P-256']).stdout;
    expect(client).toMatch(/erp-chain\.crt .*what the client presents/);
    expect(client).not.toMatch(/for servers/);
    const server = mtlskitOk(['server', 'issue', 'api', '--dir', pki, '--key-type', 'ec:P-256']).stdout;
    expect(server).toMatch(/api-chain\.crt .*what the server presents/);
  });

  it("the wizard's summary names each file as the README's folder table does, not by field name", () => {
    const dir = join(tmp.dir, 'wiz');
    const r = mtlskitOk(['wizard', '--yes', '--dir', dir, '--key-type', 'ec:P-256', '--passout', 'pass:secret1']);
    expect(r.stdout).not.toMatch(
      /\b(caKey|caCert|clientPfx|clientKey|clientCert|serverChain|serverKey|serverCert|nextSteps)\b/,
    );
    expect(r.stdout).toMatch(/the CA's private key\s+\S*ca\.key/);
    expect(r.stdout).toMatch(/the client's PKCS#12 bundle\s+\S*client\.pfx/);
    expect(r.stdout).toMatch(/the server's certificate \+ intermediate CAs\s+\S*server-chain\.crt/);
    // --json keeps its stable field names.
    const json = JSON.parse(
      mtlskitOk(['wizard', '--yes', '--dir', join(tmp.dir, 'wiz2'), '--key-type', 'ec:P-256', '--json']).stdout,
    );
    expect(Object.keys(json.files)).toContain('clientPfx');
  });
});
