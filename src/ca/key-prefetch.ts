/**
 * A guess at the key type a command is about to generate, made from the flags and the conf before the
 * heavy certificate modules load, so that the key is generated while they load (about 0.1 s per issuing
 * command on two cores). Only a guess: the command later resolves the key type properly and takes the
 * prefetched key only if the type is the same. Nothing here reports errors; the real resolution does.
 */
import { existsSync } from 'node:fs';
import { loadOpensslConfOnce } from '../conf/parse.js';
import { templatePath, type TemplateName } from '../conf/templates.js';
import { chooseKeyType, prefetchPrivateKey, type KeyType } from '../pki/keys.js';
import { caPaths } from '../store/ca-store.js';
import { leafPaths } from './leaf-paths.js';

export interface PrefetchPlan {
  keyTypeFlag?: string;
  configPath?: string;
  template: TemplateName;
  /** Files whose existence makes the command stop before it needs a key (unless --force). */
  mustNotExist: string[];
  /** Files the command needs (the CA), without which it stops before it needs a key. */
  mustExist: string[];
}

export function prefetchKeyFor(plan: PrefetchPlan): void {
  if (plan.mustExist.some((f) => !existsSync(f)) || plan.mustNotExist.some((f) => existsSync(f))) return;
  const type = guessKeyType(plan);
  // RSA-4096 takes seconds: not worth holding up a command that stops early on another error.
  if (type && type !== 'rsa:4096') prefetchPrivateKey(type);
}

function guessKeyType(plan: PrefetchPlan): KeyType | undefined {
  try {
    if (plan.keyTypeFlag) return chooseKeyType(plan.keyTypeFlag, undefined);
    const conf = loadOpensslConfOnce(plan.configPath ?? templatePath(plan.template));
    return chooseKeyType(undefined, conf.get('req', 'default_bits')?.value);
  } catch {
    return undefined;
  }
}

/** A CA folder's certificate and key: an issuing command needs them, `ca init` must not find them (without --force). */
export function caFiles(dir: string): string[] {
  const { cert, key } = caPaths(dir);
  return [cert, key];
}

/** A leaf's key and certificate, which make an issuing command stop (without --force). */
export function leafFiles(dir: string, name: string): string[] {
  const { key, cert } = leafPaths(dir, name);
  return [key, cert];
}

/** What `csr create` writes, which makes it stop (without --force). */
export function requestFiles(dir: string, name: string): string[] {
  const { key, csr } = leafPaths(dir, name);
  return [key, csr];
}
