/**
 * The independent path validators the verify matrices compare mtlskit with: `openssl verify -x509_strict`, pyca
 * cryptography's x509.verification (all cases in one python process) and mtlskit's own CLI, each run without
 * blocking the test worker. Used by test/pki/verify-strict.test.ts and verify-limbo.test.ts.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from './run.js';
import { pycaPython } from './tools.js';

/** Runs a command without blocking the test worker; resolves with its exit status and output. */
export function runQuietly(cmd: string, args: string[]): Promise<{ status: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 26, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout }),
    );
  });
}

/** One chain on disk, and what it is checked for. */
export interface ChainCheck {
  ca: string;
  leaf: string;
  untrusted?: string;
  purpose: 'server' | 'client';
  /** The host a server certificate is checked for (a DNS name or an IP address). */
  host: string;
  /** Validation time, seconds since the epoch. */
  at: number;
}

export const isIpAddress = (host: string): boolean => /^[\d.]+$|:/.test(host);

export async function opensslStrictAccepts(c: ChainCheck): Promise<boolean> {
  const args = ['verify', '-x509_strict', '-CAfile', c.ca, '-attime', String(c.at)];
  if (c.untrusted) args.push('-untrusted', c.untrusted);
  args.push('-purpose', c.purpose === 'client' ? 'sslclient' : 'sslserver');
  if (c.purpose !== 'client') args.push(isIpAddress(c.host) ? '-verify_ip' : '-verify_hostname', c.host);
  args.push(c.leaf);
  const r = await runQuietly('openssl', args);
  return r.status === 0 && /: OK\s*$/.test(r.stdout);
}

/** `mtlskit verify --json` through the built CLI: whether it passed, its exit status and the problem codes. */
export async function mtlskitCliVerdict(c: ChainCheck): Promise<{ ok: boolean; status: number; codes: string[] }> {
  const args = [BIN, 'verify', c.leaf, '--ca', c.ca, '--at', `@${c.at}`, '--json', '--purpose', c.purpose];
  if (c.untrusted) args.push('--untrusted', c.untrusted);
  if (c.purpose !== 'client') args.push('--host', c.host);
  const r = await runQuietly(process.execPath, args);
  const json = JSON.parse(r.stdout || '{}') as { problems?: { code: string }[] };
  return { ok: r.status === 0, status: r.status, codes: (json.problems ?? []).map((x) => x.code) };
}

/** A chain for pyca, in PEM, with the same meaning as ChainCheck. */
export interface PycaCase {
  id: string;
  trusted: string[];
  untrusted: string[];
  leaf: string;
  purpose: 'server' | 'client';
  host: string;
  at: number;
}

const PYCA_SCRIPT = `
import json, sys, datetime, ipaddress
from cryptography import x509
from cryptography.x509 import DNSName, IPAddress
from cryptography.x509.verification import PolicyBuilder, Store
out = {}
for c in json.load(open(sys.argv[1])):
    try:
        trusted = [x509.load_pem_x509_certificate(p.encode()) for p in c['trusted']]
        untrusted = [x509.load_pem_x509_certificate(p.encode()) for p in c['untrusted']]
        leaf = x509.load_pem_x509_certificate(c['leaf'].encode())
        builder = PolicyBuilder().store(Store(trusted)).time(datetime.datetime.fromtimestamp(c['at'], datetime.timezone.utc))
        if c['purpose'] == 'client':
            builder.build_client_verifier().verify(leaf, untrusted)
        else:
            name = IPAddress(ipaddress.ip_address(c['host'])) if c['ip'] else DNSName(c['host'])
            builder.build_server_verifier(name).verify(leaf, untrusted)
        out[c['id']] = [True, '']
    except Exception as e:
        out[c['id']] = [False, type(e).__name__ + ': ' + str(e)]
json.dump(out, sys.stdout)
`;

/** pyca's verdict on every case, by id: [accepted, the exception when not]; one python process in `workDir`. */
export async function pycaVerdicts(cases: PycaCase[], workDir: string): Promise<Map<string, [boolean, string]>> {
  const input = join(workDir, 'pyca-cases.json');
  const script = join(workDir, 'pyca-verify.py');
  writeFileSync(input, JSON.stringify(cases.map((c) => ({ ...c, ip: isIpAddress(c.host) }))));
  writeFileSync(script, PYCA_SCRIPT);
  const r = await runQuietly(pycaPython(), [script, input]);
  if (r.status !== 0) throw new Error(`pyca verifier failed (exit ${r.status})`);
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, [boolean, string]>));
}
