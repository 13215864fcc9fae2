/** Where a leaf's files live in the PKI folder, and which names may be used for them. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MtlsError, badInput } from '../errors.js';

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

/** The files of leaf NAME for a command that reads its certificate: refused when the name is bad or NAME.crt missing. */
export function issuedLeafPaths(dir: string, name: string): ReturnType<typeof leafPaths> {
  checkName(name);
  const paths = leafPaths(dir, name);
  if (!existsSync(paths.cert))
    throw new MtlsError(
      'NOT_FOUND',
      `${paths.cert} does not exist; issue it first (mtlskit client issue ${name}) or pass the right NAME and --dir.`,
    );
  return paths;
}
