import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/run.js';
import { assertWritable, writeFileAtomically, writeFilesAtomically } from '../../src/store/atomic-write.js';

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

describe('writeFilesAtomically', () => {
  it('writes every file with its mode and leaves no temporary files', async () => {
    await writeFilesAtomically(
      [
        { path: join(tmp.dir, 'a.key'), data: 'secret', mode: 0o600 },
        { path: join(tmp.dir, 'a.crt'), data: Buffer.from('cert') },
      ],
      { overwrite: false },
    );
    expect(readFileSync(join(tmp.dir, 'a.key'), 'utf8')).toBe('secret');
    expect(statSync(join(tmp.dir, 'a.key')).mode & 0o777).toBe(0o600);
    expect(readdirSync(tmp.dir).sort()).toEqual(['a.crt', 'a.key']);
  });

  it('writes nothing when one target exists, unless overwrite', async () => {
    writeFileSync(join(tmp.dir, 'b.crt'), 'old');
    const err = await writeFilesAtomically(
      [
        { path: join(tmp.dir, 'b.key'), data: 'k' },
        { path: join(tmp.dir, 'b.crt'), data: 'new' },
      ],
      { overwrite: false },
    ).catch((e) => e);
    expect(err.code).toBe('FILE_EXISTS');
    expect(err.exitCode).toBe(3);
    expect(readdirSync(tmp.dir)).toEqual(['b.crt']);
    expect(readFileSync(join(tmp.dir, 'b.crt'), 'utf8')).toBe('old');
    await writeFilesAtomically(
      [
        { path: join(tmp.dir, 'b.key'), data: 'k' },
        { path: join(tmp.dir, 'b.crt'), data: 'new' },
      ],
      { overwrite: true },
    );
    expect(readFileSync(join(tmp.dir, 'b.crt'), 'utf8')).toBe('new');
  });

  it('names many existing files in one short sentence (and every one of them in the details)', () => {
    const paths = Array.from({ length: 500 }, (_, i) => join(tmp.dir, `n${i}.crt`));
    for (const p of paths) writeFileSync(p, 'x');
    let err: { code: string; message: string; details: { existing: string[] } } | undefined;
    try {
      assertWritable(paths, { overwrite: false });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).toBe('FILE_EXISTS');
    expect(err?.message).toBe(
      `500 files already exist in ${tmp.dir}: n0.crt, n1.crt, n2.crt … n499.crt; nothing was written; use --force or another --dir.`,
    );
    expect(err?.details.existing).toEqual(paths);
  });

  it('reports an unwritable folder as IO_ERROR and leaves nothing behind', async () => {
    const err = await writeFilesAtomically(
      [
        { path: join(tmp.dir, 'ok.txt'), data: 'x' },
        { path: join(tmp.dir, 'missing', 'f.txt'), data: 'y' },
      ],
      { overwrite: false },
    ).catch((e) => e);
    expect(err.code).toBe('IO_ERROR');
    expect(err.message).toMatch(/Could not write .*missing/);
    expect(readdirSync(tmp.dir)).toEqual([]);
  });

  it('writeFileAtomically replaces a file in one step', () => {
    const path = join(tmp.dir, 'index.txt');
    writeFileAtomically({ path, data: 'one\n' }, { overwrite: false });
    writeFileAtomically({ path, data: 'two\n' }, { overwrite: true });
    expect(readFileSync(path, 'utf8')).toBe('two\n');
    expect(existsSync(path)).toBe(true);
    expect(readdirSync(tmp.dir)).toEqual(['index.txt']);
  });
});
