import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/run.js';
import { readPassSource } from '../../src/cli/pass-source.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.cleanup());

describe('password sources', () => {
  it('file: and fd: give the first line only', () => {
    const f = join(tmp.dir, 'pw.txt');
    writeFileSync(f, 'first\r\nsecond\n');
    expect(readPassSource(`file:${f}`, '--passin')).toBe('first');
    const fd = openSync(f, 'r');
    try {
      expect(readPassSource(`fd:${fd}`, '--passin')).toBe('first');
    } finally {
      closeSync(fd);
    }
  });

  it('file:/dev/zero (a source without a line end) reads a bounded amount instead of filling memory', () => {
    const pw = readPassSource('file:/dev/zero', '--passin');
    expect(pw.length).toBe(64 * 1024);
  });

  it('a folder, a missing file and a bad descriptor are one-sentence usage errors (exit 2)', () => {
    for (const spec of [`file:${tmp.dir}`, 'file:/nonexistent/pw', 'fd:-1', 'fd:abc', 'fd:987654']) {
      expect(() => readPassSource(spec, '--passin')).toThrow(expect.objectContaining({ code: 'USAGE', exitCode: 2 }));
    }
  });
});
