#!/usr/bin/env node
/**
 * The mtlskit executable (CommonJS: see bin/package.json). `npm run build` (run by `npm install` via `prepare`)
 * compiles src/ and bundles it into dist/bundle/; this file starts it as cheaply as it can (issue 19):
 *
 * - `--version`, and `--help` without a terminal, are answered here without loading the CLI.
 * - A command group (`mtlskit verify ...`) runs from its own bundle, dist/bundle/group-<name>.cjs, which holds only
 *   that group's code; anything else (`help`, an unknown command) from the whole CLI, dist/bundle/mtlskit.cjs.
 * - The bundle is compiled with a V8 code cache kept in the user's cache folder
 *   ($XDG_CACHE_HOME/mtlskit, else ~/.cache/mtlskit): module.enableCompileCache() where Node has it (>= 22.1),
 *   else vm.Script cachedData, one cache file per bundle. A cache is only an optimisation: it is keyed by the
 *   mtlskit version, the Node version, the build's digest and the bundle's size and time, carries a checksum, is
 *   written to a temporary file and renamed (so concurrent runs never see half a file), and every failure to
 *   read or write it (corrupt, stale, read-only home) is ignored silently. MTLSKIT_NO_CACHE=1 turns it off.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const BUNDLE_DIR = path.join(__dirname, '..', 'dist', 'bundle');
const args = process.argv.slice(2);

/**
 * Writes the whole text to stdout without creating process.stdout (which loads Node's stream modules).
 * A closed pipe (`mtlskit --help | head -1`) is not an error, as in src/cli/main.ts.
 */
function print(text) {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length;) {
    try {
      at += fs.writeSync(1, bytes, at);
    } catch (err) {
      if (err.code === 'EPIPE') return;
      if (err.code !== 'EAGAIN') throw err;
      // a non-blocking pipe that is full: let Node's stream wait for it
      process.stdout.write(bytes.subarray(at));
      return;
    }
  }
}

/** dist/bundle/meta.json, written by scripts/bundle.mjs: { version, sha256, groups, help }. */
function readMeta() {
  try {
    return JSON.parse(fs.readFileSync(path.join(BUNDLE_DIR, 'meta.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** A terminal (or /dev/null): checked with fstat, because node:tty would load the stream modules. */
function stdoutIsCharacterDevice() {
  try {
    return fs.fstatSync(1).isCharacterDevice();
  } catch {
    return true;
  }
}

function fastPath() {
  if (args.length !== 1) return false;
  if (args[0] === '--version' || args[0] === '-V') {
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    print(`${version}\n`);
    return true;
  }
  // commander wraps help to the terminal's width; the saved text is what it prints to a pipe or a file.
  if ((args[0] === '--help' || args[0] === '-h') && !stdoutIsCharacterDevice()) {
    const meta = readMeta();
    if (typeof meta?.help !== 'string') return false;
    print(meta.help);
    return true;
  }
  return false;
}

function cacheDisabled() {
  const v = process.env.MTLSKIT_NO_CACHE;
  return v !== undefined && v !== '' && v !== '0';
}

/**
 * MTLSKIT_TIMING=1 prints, at exit, where this run's time went (milliseconds since the process started):
 * `mtlskit timing: node 98.2 | read 4.1 | cache 8.7 | compile 5.2 | top level 3.9 | command 13.5 | total 133.6`.
 * A diagnostic for start-up work (bench/README.md); off, it costs one environment lookup.
 */
const timing = process.env.MTLSKIT_TIMING ? [['node', performance.now()]] : undefined;
function mark(stage) {
  if (!timing) return;
  timing.push([stage, performance.now()]);
  if (timing.length === 2)
    process.on('exit', () => {
      timing.push(['command', performance.now()]);
      const parts = timing.map(([name, at], i) => `${name} ${(i === 0 ? at : at - timing[i - 1][1]).toFixed(1)}`);
      fs.writeSync(2, `mtlskit timing: ${parts.join(' | ')} | total ${timing.at(-1)[1].toFixed(1)}\n`);
    });
}

function cacheDir() {
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'mtlskit');
  const home = process.env.HOME || require('node:os').homedir();
  return home ? path.join(home, '.cache', 'mtlskit') : undefined;
}

const MAGIC = 'mtlskit-v8-cache-1';

/**
 * SHA-256 of the cache bytes: V8 checks a code cache's version, flags and source length but not its bytes,
 * and damaged bytes could crash it. (node:crypto is loaded by every mtlskit command that works with keys anyway;
 * a JavaScript checksum loop costs more, because V8 compiles it with its optimising compiler.)
 */
function checksum(bytes) {
  return require('node:crypto').createHash('sha256').update(bytes).digest('hex');
}

/** Reads a cache file: `MAGIC key checksum\n` then V8's code cache; undefined unless every part matches. */
function readCache(file, key) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    // A code cache is code: only a file of this user that no one else may write is used.
    const st = fs.fstatSync(fd);
    if ((process.getuid && st.uid !== process.getuid()) || (st.mode & 0o022) !== 0) return undefined;
    const bytes = fs.readFileSync(fd);
    const nl = bytes.indexOf(10);
    if (nl < 0 || nl > 4096) return undefined;
    const [magic, k, sum] = bytes.subarray(0, nl).toString('latin1').split(' ');
    const data = bytes.subarray(nl + 1);
    return magic === MAGIC && k === key && data.length > 0 && sum === checksum(data) ? data : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Builds whose caches are kept: this one and the two last used before it (see removeOldBuilds). */
const KEEP_BUILDS = 3;

/**
 * Removes the cache files of all but the KEEP_BUILDS builds written to most recently. Keeping a few, rather than
 * only this build's, lets two installed versions (a global one and a project's) run in turn without each
 * deleting the other's cache. A file is `<build prefix><group>.v8cache`; group names have no '-'.
 */
function removeOldBuilds(dir) {
  const builds = new Map();
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.v8cache')) continue;
    const build = name.slice(0, name.lastIndexOf('-') + 1);
    const mtime = fs.statSync(path.join(dir, name)).mtimeMs;
    const b = builds.get(build) ?? { newest: 0, names: [] };
    b.newest = Math.max(b.newest, mtime);
    b.names.push(name);
    builds.set(build, b);
  }
  const old = [...builds.values()].sort((a, b) => b.newest - a.newest).slice(KEEP_BUILDS);
  for (const { names } of old) for (const name of names) fs.rmSync(path.join(dir, name), { force: true });
}

/** Writes a cache file atomically (temporary file, then rename) and removes the files of builds long unused. */
function writeCache(dir, file, key, data) {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${MAGIC} ${key} ${checksum(data)}\n`, 'latin1'), data]), {
      mode: 0o600,
    });
    fs.renameSync(tmp, file);
    removeOldBuilds(dir);
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing more to do: the cache is optional
    }
  }
}

/** Where this bundle's code cache lives, and its bytes when a valid one is there; undefined when off or unusable. */
function cacheFor(meta, bundle) {
  if (cacheDisabled()) return undefined;
  try {
    const dir = cacheDir();
    const st = bundle.stat;
    if (!meta || !dir || !st) return undefined;
    const prefix = `${meta.version}-node${process.versions.node}-${process.arch}-${String(meta.sha256).slice(0, 16)}-`;
    const file = path.join(dir, `${prefix}${bundle.name}.v8cache`);
    const key = `${prefix}${bundle.name}-${st.size}-${Math.trunc(st.mtimeMs)}`;
    return { dir, file, key, data: readCache(file, key) };
  } catch {
    return undefined;
  }
}

/**
 * The bundle for this command line: its command group's, or the whole CLI's (`help`, an unknown command); its
 * stat (size and time) also keys the code cache.
 */
function bundleFor(meta) {
  const group = Array.isArray(meta?.groups) && meta.groups.includes(args[0]) ? args[0] : undefined;
  if (group) {
    const file = path.join(BUNDLE_DIR, `group-${group}.cjs`);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat) return { name: group, file, stat };
  }
  const file = path.join(BUNDLE_DIR, 'mtlskit.cjs');
  return { name: 'other', file, stat: fs.statSync(file, { throwIfNoEntry: false }) };
}

/**
 * Compiles and runs the bundle with a code cache. Code compiled by vm has no import() of its own on Node 20
 * (and loses the one it is given when it comes from a cache), so the bundle's import() calls come back here
 * (module.mtlskitImport; see scripts/bundle.mjs).
 */
function runWithCodeCache(meta, bundle) {
  const vm = require('node:vm');
  // ASCII (scripts/bundle.mjs checks it): latin1 copies the bytes into a string without decoding UTF-8.
  const source = fs.readFileSync(bundle.file, 'latin1');
  mark('read');
  const cache = cacheFor(meta, bundle);
  mark('cache');
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle.file,
    cachedData: cache?.data,
  });
  mark('compile');
  if (cache && (!cache.data || script.cachedDataRejected)) {
    // Written when the process ends, so that it holds every function this command compiled.
    process.once('exit', (code) => {
      // A run that only printed help or a usage error (exit 2) ran little of the command: its cache would leave
      // the rest to be compiled on every later run, so it is not kept.
      if (code === 2 || args.includes('--help') || args.includes('-h')) return;
      try {
        writeCache(cache.dir, cache.file, cache.key, script.createCachedData());
      } catch {
        // the cache is optional
      }
    });
  }
  const module = {
    exports: {},
    filename: bundle.file,
    id: bundle.file,
    loaded: false,
    mtlskitImport: (id) =>
      import(id.startsWith('.') ? require('node:url').pathToFileURL(path.join(BUNDLE_DIR, id)).href : id),
  };
  const bundleRequire = require('node:module').createRequire(bundle.file);
  script.runInThisContext()(module.exports, bundleRequire, module, bundle.file, BUNDLE_DIR);
  mark('top level');
}

function start() {
  const meta = readMeta();
  const bundle = bundleFor(meta);
  const { enableCompileCache } = require('node:module');
  if (typeof enableCompileCache === 'function') {
    const dir = cacheDisabled() ? undefined : cacheDir();
    if (dir) {
      try {
        enableCompileCache(path.join(dir, 'node-compile-cache'));
      } catch {
        // the cache is optional
      }
    }
    require(bundle.file);
    mark('read, compile, top level');
  } else runWithCodeCache(meta, bundle);
}

if (!fastPath()) start();
