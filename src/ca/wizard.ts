/**
 * The wizard's work once the answers are known: a complete mTLS set (CA, server and/or client
 * certificates, client.pfx, CRL, NEXT-STEPS.md), built in a staging folder beside DIR and moved into
 * place only when everything is made and verified — so an interruption never leaves DIR half-written.
 */
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { makeDirectory } from '../store/atomic-write.js';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MtlsError } from '../errors.js';
import { initCa } from './init-ca.js';
import { loadCa } from './load-ca.js';
import { issueLeaves } from './issue.js';
import { exportPfx } from './pfx.js';
import { generateCrl } from './publish-crl.js';
import { verifyFiles } from './verify-files.js';
import { CaStore } from '../store/ca-store.js';
import { generatePrivateKey, isEncryptedKey, parseKeyType } from '../pki/keys.js';
import { nextStepsMarkdown, type NextStepsInput } from './next-steps.js';

export type Direction = 'inbound' | 'outbound' | 'both';

export const DIRECTIONS: Record<Direction, string> = {
  inbound: 'the partner calls us (we run the server and issue the partner a client certificate)',
  outbound: 'we call the partner (we present a client certificate from our own CA)',
  both: 'both directions (server and client certificates from one CA)',
};

export interface WizardAnswers {
  name: string;
  direction: Direction;
  caOrg: string;
  dns: string[];
  ip: string[];
  clientOrg: string;
  keyType: string;
  days: number;
  pfxPassword: string;
  dir: string;
  /** Encrypts ca.key with this password (asked on a terminal, or --ca-passout). */
  caPassword?: string;
  /** The CA key is made inside this PKCS#11 token instead of ca.key (--pkcs11). */
  pkcs11?: { uri: string; module?: string; pin: string };
}

export const WIZARD_DEFAULTS: Omit<WizardAnswers, 'pfxPassword'> = {
  name: 'partner',
  direction: 'both',
  caOrg: 'Example Org',
  dns: ['localhost'],
  ip: ['127.0.0.1'],
  clientOrg: 'Example Partner',
  keyType: 'rsa:2048',
  days: 365,
  dir: './pki',
};

export interface WizardResult {
  dir: string;
  files: Record<string, string>;
  verified: { certificate: string; valid: boolean; problems: string[] }[];
  /** What issuance and verify warn about (platform rules, such as Apple's 825-day limit), in verify's words. */
  warnings: string[];
  nextSteps: string;
  nextStepsFile: string;
}

export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

/** True when DIR exists and holds anything. */
export function dirHasContent(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).length > 0;
}

export interface WizardRun {
  /** The staging folder, so an interrupt handler can remove it. */
  staging: string;
  done: Promise<WizardResult>;
}

export function startWizard(answers: WizardAnswers, opts: { force: boolean }): WizardRun {
  const finalDir = resolve(answers.dir);
  const staging = join(
    dirname(finalDir),
    `.${basename(finalDir)}.mtlskit-${process.pid}-${randomBytes(3).toString('hex')}`,
  );
  // A CA key generated in a token is removed again if the set is not completed.
  const undo: (() => Promise<void>)[] = [];
  const done = (async () => {
    if (dirHasContent(finalDir) && !opts.force) {
      throw new MtlsError(
        'FILE_EXISTS',
        `${finalDir} already holds files; nothing was written. Choose another --dir, or pass --force to replace it.`,
      );
    }
    makeDirectory(dirname(finalDir));
    try {
      const result = await buildSet(answers, staging, finalDir, undo);
      moveIntoPlace(staging, finalDir);
      return result;
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      for (const step of undo) await step().catch(() => undefined);
      throw err;
    }
  })();
  return { staging, done };
}

async function buildSet(
  a: WizardAnswers,
  staging: string,
  finalDir: string,
  undo: (() => Promise<void>)[],
): Promise<WizardResult> {
  const wantsServer = a.direction !== 'outbound';
  const pin = a.pkcs11?.pin;
  const token = a.pkcs11
    ? {
        uri: a.pkcs11.uri,
        access: { pin: async () => pin!, ...(a.pkcs11.module ? { module: a.pkcs11.module } : {}) },
        fallbackPin: async () => pin!,
      }
    : undefined;
  // RSA key generation dominates the run: make all keys at once, on the thread pool.
  const keyType = parseKeyType(a.keyType);
  const [caKey, serverKey, clientKey] = await Promise.all([
    a.pkcs11 ? undefined : generatePrivateKey(keyType),
    wantsServer ? generatePrivateKey(keyType) : undefined,
    generatePrivateKey(keyType),
  ]);
  await initCa({
    dir: staging,
    subject: [
      { type: 'O', value: a.caOrg },
      { type: 'CN', value: `${a.caOrg} mTLS CA` },
    ],
    keyTypeFlag: a.keyType,
    days: Math.max(3650, a.days),
    force: false,
    existingKey: caKey,
    keyPassword: a.pkcs11 ? undefined : a.caPassword,
    tokenKey: token
      ? async (type) => {
          const { createCaTokenKey } = await import('./token-key.js');
          const made = await createCaTokenKey({ ...token, keyType: type, existing: false, pss: false });
          if (made.discard) undo.push(made.discard);
          return { publicKey: made.key.publicKey, settings: made.settings };
        }
      : undefined,
  });
  const ca = await loadCa(new CaStore(staging), async () => a.caPassword ?? '', token?.access);
  const requests = [];
  if (wantsServer) {
    requests.push({
      profile: 'server' as const,
      name: 'server',
      subject: [
        { type: 'O', value: a.caOrg },
        { type: 'CN', value: a.dns[0] ?? a.ip[0] ?? 'localhost' },
      ],
      san: { dns: a.dns, ip: a.ip, email: [], uri: [] },
      days: a.days,
      keyTypeFlag: a.keyType,
      existingKey: serverKey,
    });
  }
  requests.push({
    profile: 'client' as const,
    name: 'client',
    subject: [
      { type: 'O', value: a.clientOrg },
      { type: 'CN', value: a.name },
    ],
    san: { dns: [], ip: [], email: [], uri: [] },
    days: a.days,
    keyTypeFlag: a.keyType,
    existingKey: clientKey,
  });
  const issued = await issueLeaves(ca, requests, { force: false });
  const warnings = issued.flatMap((i) => i.warnings);
  await exportPfx({
    dir: staging,
    name: 'client',
    password: a.pfxPassword,
    legacy: false,
    includeChain: true,
    friendlyName: `${a.name} (${a.clientOrg})`,
    force: false,
    keyPassword: async () => '',
  });
  const crlResult = await generateCrl(ca, 30);

  const crl = join(staging, 'crl.pem');
  const checks = [
    ...(wantsServer ? [{ file: 'server.crt', purpose: 'server' as const, host: a.dns[0] ?? a.ip[0] }] : []),
    { file: 'client.crt', purpose: 'client' as const, host: undefined },
  ];
  const verified = [];
  for (const c of checks) {
    const r = await verifyFiles({
      certFile: join(staging, c.file),
      dir: staging,
      crlFiles: [crl],
      purpose: c.purpose,
      host: c.host,
      at: new Date(),
      keyFile: join(staging, c.file.replace('.crt', '.key')),
      keyPassword: async () => '',
      untrustedFile: undefined,
    });
    verified.push({ certificate: c.file, valid: r.valid, problems: r.problems.map((p) => p.message) });
    if (!r.valid)
      throw new MtlsError(
        'INTERNAL',
        `The new ${c.file} failed its own check (${r.problems[0]?.message}); this is a bug in mtlskit — please report it.`,
      );
  }

  const f = (name: string) => join(finalDir, name);
  const files: Record<string, string> = {
    ...(a.pkcs11 ? { caKeyUri: ca.keyLocation } : { caKey: f('ca.key') }),
    caCert: f('ca.crt'),
    clientKey: f('client.key'),
    clientCert: f('client.crt'),
    clientPfx: f('client.pfx'),
    crl: f('crl.pem'),
    nextSteps: f('NEXT-STEPS.md'),
  };
  if (wantsServer)
    Object.assign(files, {
      serverKey: f('server.key'),
      serverCert: f('server.crt'),
      serverChain: f('server-chain.crt'),
    });
  const input: NextStepsInput = {
    dir: finalDir,
    name: a.name,
    direction: a.direction,
    host: a.dns[0] ?? a.ip[0] ?? 'localhost',
    wantsServer,
    port: 8443,
    crl: {
      days: 30,
      nextUpdate: crlResult.nextUpdate,
      // A token CA has no ca.key: nothing to unlock for the cron line.
      keyEncrypted: !a.pkcs11 && isEncryptedKey(readFileSync(join(staging, 'ca.key'))),
    },
  };
  const nextSteps = nextStepsMarkdown(input);
  writeFileSync(join(staging, 'NEXT-STEPS.md'), nextSteps);
  return { dir: finalDir, files, verified, warnings, nextSteps, nextStepsFile: files.nextSteps! };
}

/** Swaps the staging folder in; with --force an existing DIR is moved aside first and removed after. */
function moveIntoPlace(staging: string, finalDir: string): void {
  if (existsSync(finalDir)) {
    const old = `${staging}.old`;
    renameSync(finalDir, old);
    renameSync(staging, finalDir);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(staging, finalDir);
  }
}
