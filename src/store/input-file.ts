/** Reading a file the user named: one error, NOT_FOUND (exit 2), that says which file and what it was for. */
import { readFileSync } from 'node:fs';
import { MtlsError } from '../errors.js';

export function readInputFile(path: string, role: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable (permissions)'
          : code === 'EISDIR'
            ? 'is a folder'
            : `cannot be read (${code})`;
    throw new MtlsError('NOT_FOUND', `${path} (${role}) ${why}; check the path.`);
  }
}
