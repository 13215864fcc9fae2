import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { BIN, mtlskitOk } from '../helpers/run.js';
import { requireTool } from '../helpers/tools.js';

/**
 * src/cli/stdio.ts writes output with synchronous writes instead of Node's stream objects (issue 19). What a
 * reader gets must not change: whole, in order, and a reader that goes away early is not an error.
 */
describe('command output without Node streams', () => {
  // The pipe is made 4 KiB (F_SETPIPE_SZ), smaller than what the commands print, so the command is still
  // writing when the reader closes it (EPIPE), or it fills up before anyone reads it (EAGAIN when non-blocking).
  const python = (body: string[]) =>
    [
      'import fcntl, os, subprocess, sys, time',
      'r, w = os.pipe()',
      'fcntl.fcntl(w, 1031, 4096)',
      ...body,
      'sys.exit(p.wait())',
    ].join('\n');
  const env = { ...process.env, NO_COLOR: '1' };

  it('a reader that closes the pipe early ends the command quietly, with its status', () => {
    requireTool('python3');
    const script = python([
      'p = subprocess.Popen(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)',
      'os.close(w)',
      'sys.stdout.buffer.write(os.read(r, 4))',
      'os.close(r)',
      'sys.stderr.buffer.write(p.stderr.read())',
    ]);
    // a command's own output, and commander's help (4.2 KB for ca init)
    for (const [args, start] of [
      [['completion', 'zsh'], '# zs'],
      [['ca', 'init', '--help'], 'Usag'],
    ] as const) {
      const r = spawnSync('python3', ['-c', script, process.execPath, BIN, ...args], { encoding: 'utf8', env });
      expect(r.stdout).toBe(start);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('a non-blocking pipe that fills up before anyone reads it still gets every byte, in order', () => {
    requireTool('python3');
    const expected = mtlskitOk(['completion', 'zsh']).stdout;
    expect(expected.length).toBeGreaterThan(8192);
    const script = python([
      'os.set_blocking(w, False)',
      'p = subprocess.Popen(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)',
      'os.close(w)',
      'time.sleep(0.5)',
      'chunks = []',
      'while True:',
      '    c = os.read(r, 65536)',
      '    if not c: break',
      '    chunks.append(c)',
      'sys.stdout.buffer.write(b"".join(chunks))',
      'sys.stderr.buffer.write(p.stderr.read())',
    ]);
    const r = spawnSync('python3', ['-c', script, process.execPath, BIN, 'completion', 'zsh'], {
      encoding: 'utf8',
      env,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(expected);
  });
});
