import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, mtlskit, mtlskitOk, tempDir, type RunResult } from '../helpers/run.js';
import { runAsync } from '../helpers/tls.js';

/**
 * bin/mtlskit.js keeps a V8 code cache per command group in $XDG_CACHE_HOME/mtlskit (issue 19). The cache is an
 * optimisation only: whatever state it is in, every command prints the same and exits the same as without it.
 */
describe('the code cache never changes what a command does', () => {
  const tmp = tempDir();
  const pki = join(tmp.dir, 'pki');
  let cacheHome = '';
  let n = 0;
  const freshCacheHome = () => {
    cacheHome = join(tmp.dir, `cache-${n++}`);
    mkdirSync(cacheHome);
    return cacheHome;
  };
  const cacheFiles = () => readdirSync(join(cacheHome, 'mtlskit'));
  // A passing and a failing command: verify exits 0 for the server certificate and 1 for the wrong purpose.
  const commands = [
    ['verify', join(pki, 'web.crt'), '--dir', pki, '--purpose', 'server', '--host', 'web.example.com'],
    ['verify', join(pki, 'web.crt'), '--dir', pki, '--purpose', 'client', '--json'],
  ];
  const run = (args: string[], env: Record<string, string>) => mtlskit(args, { env: { HOME: tmp.dir, ...env } });
  const same = (a: RunResult, b: RunResult) => expect({ ...a }).toEqual({ ...b });
  let expected: RunResult[] = [];

  beforeAll(() => {
    mtlskitOk(['ca', 'init', '--dir', pki, '--key-type', 'ec:P-256']);
    mtlskitOk(['server', 'issue', 'web', '--dir', pki, '--dns', 'web.example.com', '--key-type', 'ec:P-256']);
    expected = commands.map((c) => run(c, { MTLSKIT_NO_CACHE: '1', XDG_CACHE_HOME: freshCacheHome() }));
    expect(expected.map((r) => r.status)).toEqual([0, 1]);
    expect(expected[0].stdout).toContain('OK ');
  });
  afterAll(() => tmp.cleanup());

  it('MTLSKIT_NO_CACHE=1 writes no cache', () => {
    const home = freshCacheHome();
    same(run(commands[0], { MTLSKIT_NO_CACHE: '1', XDG_CACHE_HOME: home }), expected[0]);
    expect(readdirSync(home)).toEqual([]);
  });

  it('a first run writes one cache file for the command group, a second run uses it; both print the same', () => {
    const home = freshCacheHome();
    for (let round = 0; round < 2; round++) {
      commands.forEach((c, i) => same(run(c, { XDG_CACHE_HOME: home }), expected[i]));
      const files = cacheFiles();
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/-verify\.v8cache$/);
    }
  });

  it('a run that only prints help or a usage error writes no cache; the next real run does', () => {
    const home = freshCacheHome();
    expect(run(['verify', '--help'], { XDG_CACHE_HOME: home }).status).toBe(0);
    expect(run(['verify', '--no-such-flag'], { XDG_CACHE_HOME: home }).status).toBe(2);
    expect(readdirSync(home)).toEqual([]);
    same(run(commands[0], { XDG_CACHE_HOME: home }), expected[0]);
    expect(cacheFiles()).toHaveLength(1);
  });

  it('MTLSKIT_TIMING=1 adds one line on stderr saying where the time went, and changes nothing else', () => {
    const home = freshCacheHome();
    for (let round = 0; round < 2; round++) {
      const r = run(commands[1], { XDG_CACHE_HOME: home, MTLSKIT_TIMING: '1' });
      expect({ ...r, stderr: '' }).toEqual({ ...expected[1], stderr: '' });
      const line =
        /^mtlskit timing: node [\d.]+ \| read [\d.]+ \| cache [\d.]+ \| compile [\d.]+ \| top level [\d.]+ \| command [\d.]+ \| total [\d.]+\n$/m;
      expect(r.stderr.replace(line, '')).toBe(expected[1].stderr);
      expect(r.stderr).toMatch(line);
    }
  });

  it('without XDG_CACHE_HOME the cache goes to ~/.cache/mtlskit', () => {
    const home = join(tmp.dir, 'home');
    mkdirSync(home);
    same(mtlskit(commands[0], { env: { HOME: home, XDG_CACHE_HOME: '' } }), expected[0]);
    expect(readdirSync(join(home, '.cache', 'mtlskit'))).toHaveLength(1);
  });

  it('a damaged cache file is ignored and replaced', () => {
    const home = freshCacheHome();
    run(commands[0], { XDG_CACHE_HOME: home });
    const file = join(home, 'mtlskit', cacheFiles()[0]);
    const good = readFileSync(file);
    const header = good.indexOf(10) + 1;
    const damaged: Buffer[] = [];
    // bytes flipped in V8's data (the header still matches), the data cut short, the checksum changed, garbage
    const flipped = Buffer.from(good);
    for (let i = header + 64; i < flipped.length; i += 97) flipped[i] ^= 0x5a;
    damaged.push(flipped, good.subarray(0, header + 100), Buffer.from(good));
    damaged[2][header - 2] ^= 1;
    damaged.push(Buffer.from('not a cache at all'), Buffer.alloc(0));
    for (const bytes of damaged) {
      writeFileSync(file, bytes);
      commands.forEach((c, i) => same(run(c, { XDG_CACHE_HOME: home }), expected[i]));
      const after = readFileSync(file);
      expect(after.equals(bytes)).toBe(false);
      expect(after.length).toBeGreaterThan(header + 1000);
    }
  });

  it('a stale cache (written for another build) is ignored and replaced', () => {
    const home = freshCacheHome();
    run(commands[0], { XDG_CACHE_HOME: home });
    const name = cacheFiles()[0];
    const file = join(home, 'mtlskit', name);
    const good = readFileSync(file);
    // the same bytes under the key of a bundle of another size and time
    const header = good.subarray(0, good.indexOf(10)).toString('latin1');
    const stale = Buffer.concat([
      Buffer.from(header.replace(/-(\d+)-(\d+) /, '-1-2 '), 'latin1'),
      good.subarray(good.indexOf(10)),
    ]);
    expect(stale.equals(good)).toBe(false);
    writeFileSync(file, stale);
    same(run(commands[0], { XDG_CACHE_HOME: home }), expected[0]);
    expect(readFileSync(file).equals(stale)).toBe(false);
    expect(cacheFiles()).toEqual([name]);
  });

  it('caches of the two builds used last before this one are kept, older ones removed', () => {
    const home = freshCacheHome();
    run(commands[0], { XDG_CACHE_HOME: home });
    const name = cacheFiles()[0];
    const good = readFileSync(join(home, 'mtlskit', name));
    // three other builds (other versions, or another install), last written one, two and three days ago
    const day = 86_400;
    const others = [1, 2, 3].map((d) => {
      const other = join(home, 'mtlskit', `0.0.${d}-node${process.versions.node}-x-0123456789abcdef-verify.v8cache`);
      writeFileSync(other, good, { mode: 0o600 });
      utimesSync(other, Date.now() / 1000 - d * day, Date.now() / 1000 - d * day);
      return other.slice(other.lastIndexOf('/') + 1);
    });
    unlinkSync(join(home, 'mtlskit', name));
    same(run(commands[0], { XDG_CACHE_HOME: home }), expected[0]);
    expect(cacheFiles().sort()).toEqual([name, others[0], others[1]].sort());
  });

  it('a cache file that others may write is not used, and is replaced by one only this user may write', () => {
    const home = freshCacheHome();
    run(commands[0], { XDG_CACHE_HOME: home });
    const file = join(home, 'mtlskit', cacheFiles()[0]);
    chmodSync(file, 0o666);
    same(run(commands[0], { XDG_CACHE_HOME: home }), expected[0]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file).length).toBeGreaterThan(1000);
  });

  it('an unwritable cache folder is skipped silently', () => {
    // A file where the folder should be: mkdir fails with ENOTDIR even for root (chmod would not stop root).
    const blocker = join(tmp.dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    commands.forEach((c, i) => same(run(c, { XDG_CACHE_HOME: blocker }), expected[i]));
    commands.forEach((c, i) => same(mtlskit(c, { env: { HOME: blocker, XDG_CACHE_HOME: '' } }), expected[i]));
    expect(readFileSync(blocker, 'utf8')).toBe('x');
  });

  it('concurrent first runs all succeed and leave one whole cache file', async () => {
    const home = freshCacheHome();
    const runs = Array.from(
      { length: 6 },
      () =>
        new Promise<RunResult>((done) => {
          const child = spawn(process.execPath, [BIN, ...commands[0]], {
            env: { ...process.env, NO_COLOR: '1', HOME: tmp.dir, XDG_CACHE_HOME: home },
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d) => (stdout += d));
          child.stderr.on('data', (d) => (stderr += d));
          child.on('close', (status) => done({ status: status ?? -1, stdout, stderr }));
        }),
    );
    for (const r of await Promise.all(runs)) same(r, expected[0]);
    expect(cacheFiles()).toHaveLength(1);
    // and the file left is a cache the next run accepts as it is
    const file = join(home, 'mtlskit', cacheFiles()[0]);
    const before = readFileSync(file);
    same(run(commands[0], { XDG_CACHE_HOME: home }), expected[0]);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('where Node has module.enableCompileCache (>= 22.1) it is given the cache folder, unless MTLSKIT_NO_CACHE=1', () => {
    // This Node (20) has no enableCompileCache: a preloaded stand-in records the call and leaves the cache to Node.
    const calls = join(tmp.dir, 'compile-cache-calls');
    const preload = join(tmp.dir, 'fake-compile-cache.cjs');
    writeFileSync(
      preload,
      `require('node:module').enableCompileCache = (dir) => { require('node:fs').appendFileSync(${JSON.stringify(calls)}, dir + '\\n'); return { status: 0 }; };\n`,
    );
    const home = freshCacheHome();
    const viaNode22 = (env: Record<string, string>) => {
      const r = spawnSync(process.execPath, ['-r', preload, BIN, ...commands[1]], {
        env: { ...process.env, NO_COLOR: '1', HOME: tmp.dir, XDG_CACHE_HOME: home, ...env },
        encoding: 'utf8',
      });
      return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    same(viaNode22({}), expected[1]);
    same(viaNode22({ MTLSKIT_NO_CACHE: '1' }), expected[1]);
    expect(readFileSync(calls, 'utf8')).toBe(`${join(home, 'mtlskit', 'node-compile-cache')}\n`);
    // and mtlskit's own vm cache is not used on that path
    expect(readdirSync(home)).toEqual([]);
  });

  it('the bundles loaded by plain require() (Node >= 22.1, or without the loader) print the same', () => {
    for (const bundle of ['mtlskit.cjs', 'group-verify.cjs']) {
      const direct = spawnSync(process.execPath, [join(ROOT, 'dist', 'bundle', bundle), ...commands[1]], {
        env: { ...process.env, NO_COLOR: '1' },
        encoding: 'utf8',
      });
      same({ status: direct.status ?? -1, stdout: direct.stdout, stderr: direct.stderr }, expected[1]);
    }
  });
});

describe('--version and --help answered without loading the CLI', () => {
  const commander = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'bundle', 'mtlskit.cjs'), ...args], {
      encoding: 'utf8',
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('print exactly what commander prints, to a pipe', () => {
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    for (const flag of ['--version', '-V']) {
      expect(mtlskit([flag])).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
      expect(commander([flag])).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
    }
    for (const flag of ['--help', '-h']) {
      const fast = mtlskit([flag]);
      expect(fast.status).toBe(0);
      expect(fast.stdout).toContain('Usage: mtlskit [options] [command]');
      expect({ ...fast }).toEqual(commander([flag]));
    }
  });

  it('--help lists every command group of src/cli/groups/ (dist/bundle/meta.json is generated from them)', () => {
    const groups = readdirSync(join(ROOT, 'src', 'cli', 'groups')).map((f) => f.replace(/\.ts$/, ''));
    expect(groups.length).toBeGreaterThan(5);
    const help = mtlskit(['--help']).stdout;
    for (const g of groups) expect(help).toMatch(new RegExp(`^  ${g}\\b`, 'm'));
    const meta = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle', 'meta.json'), 'utf8'));
    expect([...meta.groups].sort()).toEqual([...groups].sort());
  });

  it("each group's own bundle holds the same commands as the whole CLI", async () => {
    const meta = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle', 'meta.json'), 'utf8')) as { groups: string[] };
    const whole = join(ROOT, 'dist', 'bundle', 'mtlskit.cjs');
    // Spawned without blocking, so the test worker stays responsive while some forty processes run.
    const both = (args: string[]) =>
      Promise.all([runAsync(process.execPath, [BIN, ...args]), runAsync(process.execPath, [whole, ...args])]);
    for (const args of [...meta.groups.map((g) => [g, '--help']), ['ca', 'init', '--help']]) {
      const [own, all] = await both(args);
      expect(own.status).toBe(0);
      expect(own.stdout).toMatch(new RegExp(`^Usage: mtlskit ${args.slice(0, -1).join(' ')}\\b`));
      expect(own).toEqual(all);
    }
  });

  it('a closed pipe ends --help quietly', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" --help | head -c 5`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('Usage');
    expect(r.stderr).toBe('');
  });
});
