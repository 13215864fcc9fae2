/**
 * All-or-nothing file writes: every target is checked first, each file is written to a temporary
 * sibling, synced, and renamed into place only when all of them are ready. A crash or an error
 * leaves either the old files or the new ones, never a torn file.
 */
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MtlsError } from '../errors.js';

export interface PlannedFile {
  path: string;
  data: string | Uint8Array;
  /** 0o600 for private keys. */
  mode?: number;
}

export interface WriteOptions {
  /** Replace files that already exist (the CLI's --force). */
  overwrite: boolean;
}

export function assertWritable(paths: string[], opts: WriteOptions): void {
  if (opts.overwrite) return;
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0) {
    throw new MtlsError(
      'FILE_EXISTS',
      `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written. Use --force to replace, or choose another name or --dir.`,
      { existing },
    );
  }
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

function writeTemp(file: PlannedFile): string {
  const tmp = tempPathFor(file.path);
  const fd = openSync(tmp, 'wx', file.mode ?? 0o644);
  try {
    const bytes = typeof file.data === 'string' ? Buffer.from(file.data, 'utf8') : file.data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/** Writes every planned file or none of them. */
export function writeFilesAtomically(files: PlannedFile[], opts: WriteOptions): void {
  assertWritable(files.map((f) => f.path), opts);
  const temps: string[] = [];
  try {
    for (const file of files) temps.push(writeTemp(file));
  } catch (err) {
    for (const tmp of temps) safeUnlink(tmp);
    throw ioError(err, 'write');
  }
  const placed: string[] = [];
  try {
    files.forEach((file, i) => {
      if (opts.overwrite) {
        renameSync(temps[i]!, file.path);
      } else {
        // link() fails if the target appeared meanwhile (another process), unlike rename().
        linkSync(temps[i]!, file.path);
        placed.push(file.path);
        unlinkSync(temps[i]!);
      }
    });
  } catch (err) {
    for (const tmp of temps) safeUnlink(tmp);
    // Without --force every placed file is new: removing them restores the state before the call.
    for (const path of placed) safeUnlink(path);
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new MtlsError('FILE_EXISTS', `${(err as NodeJS.ErrnoException).path ?? 'A target file'} appeared while writing; use --force to replace it.`);
    }
    throw ioError(err, 'write');
  }
}

export function writeFileAtomically(file: PlannedFile, opts: WriteOptions): void {
  writeFilesAtomically([file], opts);
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

export function ioError(err: unknown, action: string): MtlsError {
  if (err instanceof MtlsError) return err;
  const e = err as NodeJS.ErrnoException;
  return new MtlsError('IO_ERROR', `Could not ${action} ${e.path ?? 'a file'} (${e.code ?? e.message}); check the folder exists and is writable.`);
}
