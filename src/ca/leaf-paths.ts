/** Where a leaf's files live in the PKI folder, and which names may be used for them. */
import { join } from 'node:path';
import { badInput } from '../errors.js';

export function leafPaths(dir: string, name: string) {
  return {
    key: join(dir, `${name}.key`),
    csr: join(dir, `${name}.csr`),
    cert: join(dir, `${name}.crt`),
    chain: join(dir, `${name}-chain.crt`),
  };
}

export function checkName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name) || name === 'ca' || name === 'crl') {
    throw badInput(
      `'${name}' cannot be used as a name; use letters, digits, '.', '_' or '-' (and not 'ca' or 'crl'), e.g. partner-erp.`,
    );
  }
  return name;
}
