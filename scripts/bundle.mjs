#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/cli/) and its dependencies into dist/bundle/ (issue 19):
 *
 * - dist/bundle/group-<name>.cjs: one CommonJS file per command group (src/cli/groups/<name>.ts), holding only
 *   that group's commands and what they use. bin/mtlskit.js runs `mtlskit verify ...` from group-verify.cjs:
 *   one synchronous read, and a V8 code cache, of about a third of the code. Lazily imported modules
 *   (`await import('./x.js')`) stay lazy: esbuild turns them into functions that run on first use.
 * - dist/bundle/mtlskit.cjs: the whole CLI (dist/cli/main.js), for `--help`, `help`, unknown commands.
 * - dist/bundle/x509-runtime.cjs: @peculiar/x509 and its dependencies (about 0.8 MB), used only by `show` and
 *   `probe`; kept out of the other bundles so that other commands never read or compile it.
 * - dist/bundle/meta.json: the version, a SHA-256 over every bundle (the build's identity, part of the code cache
 *   key), the command groups and the output of `mtlskit --help` without a terminal, which bin/mtlskit.js prints
 *   without loading the CLI at all. Generated here from the real command tree, so it cannot drift.
 * The group bundles repeat shared code (commander, the DER core): a few MB on disk, against about 15 ms on
 * every run that a single bundle costs to read, compile and evaluate.
 * node-forge, @inquirer/prompts and pkcs11js (a native addon) stay external: they are loaded only for legacy PFX,
 * prompts and PKCS#11 keys.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  logLevel: 'warning',
  // Non-ASCII characters are written as escapes, so bin/mtlskit.js can read the bundle as latin1 (a copy, no decoding).
  charset: 'ascii',
};

// The modules that still use import.meta.url (package.json, templates/) get the bundle's own URL.
const importMetaUrl = {
  define: {
    'import.meta.url': '__mtlskitImportMetaUrl',
    'import.meta.dirname': '__dirname',
    'import.meta.filename': '__filename',
  },
  banner: { js: "var __mtlskitImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

// @peculiar/x509 is imported only through src/pki/x509-runtime.ts: it gets its own file.
await build({ ...common, ...importMetaUrl, entryPoints: { 'x509-runtime': 'dist/pki/x509-runtime.js' } });
const x509Apart = {
  name: 'x509-runtime-apart',
  setup(b) {
    b.onResolve({ filter: /\/x509-runtime\.js$/ }, () => ({ path: './x509-runtime.cjs', external: true }));
  },
};

/**
 * Node modules that cost start-up time but that most commands never call: commander requires node:child_process
 * (which loads net, dgram and the streams) for stand-alone executable subcommands, which mtlskit has none of; the
 * store imports node:fs/promises (which loads readline and file watchers) and node:os for writing and locking,
 * which `verify` or `show` never do. Each becomes an object whose properties load the real module on first use.
 * The property names are read from this Node at build time; esbuild reads imported names at the point of use.
 */
const LAZY_BUILTINS = ['node:child_process', 'node:fs/promises', 'node:os'];
const require = createRequire(import.meta.url);
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) => {
      if (!LAZY_BUILTINS.includes(a.path)) return undefined;
      // the real module, required by the stand-in below
      if (a.namespace === 'lazy-builtin') return { path: a.path, external: true };
      return { path: a.path, namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, ({ path }) => ({
      contents: [
        `let real;`,
        `const load = () => (real ??= require(${JSON.stringify(path)}));`,
        ...Object.keys(require(path)).map(
          (k) =>
            `Object.defineProperty(exports, ${JSON.stringify(k)}, { enumerable: true, get: () => load()[${JSON.stringify(k)}] });`,
        ),
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/** The command groups: one file each in dist/cli/groups/ (compiled from src/cli/groups/), named after the group. */
const groupNames = readdirSync('dist/cli/groups')
  .filter((f) => f.endsWith('.js'))
  .map((f) => basename(f, '.js'))
  .sort();

/** `mtlskit-group:<name>`: an entry that runs the program with only that group's commands. */
const groupEntries = {
  name: 'group-entries',
  setup(b) {
    b.onResolve({ filter: /^mtlskit-group:/ }, (a) => ({
      path: a.path.slice('mtlskit-group:'.length),
      namespace: 'group',
    }));
    b.onLoad({ filter: /.*/, namespace: 'group' }, ({ path: name }) => ({
      contents: [
        `import { registerGroup } from ${JSON.stringify(resolve('dist/cli/groups', `${name}.js`))};`,
        `import { runProgram } from ${JSON.stringify(resolve('dist/cli/program.js'))};`,
        'runProgram(registerGroup);',
      ].join('\n'),
      loader: 'js',
      resolveDir: resolve('dist/cli'),
    }));
  },
};

const { outputFiles } = await build({
  ...common,
  entryPoints: {
    mtlskit: 'dist/cli/main.js',
    ...Object.fromEntries(groupNames.map((g) => [`group-${g}`, `mtlskit-group:${g}`])),
  },
  external: ['node-forge', '@inquirer/prompts', 'pkcs11js'],
  plugins: [x509Apart, lazyBuiltins, groupEntries],
  define: importMetaUrl.define,
  write: false,
});
for (const out of outputFiles) writeFileSync(out.path, asAscii(withImportHook(out.text), out.path));

/**
 * esbuild's charset 'ascii' escapes strings, regular expressions and names, but keeps some comments as written
 * (JSDoc on fields): those characters are escaped too, which in a comment changes nothing and anywhere else means
 * the same character. bin/mtlskit.js reads the bundles as latin1 (a copy, no decoding), so they must be ASCII.
 */
function asAscii(text, file) {
  const escaped = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (/[^\x00-\x7f]/.test(escaped))
    throw new Error(`bundle: ${file} must be ASCII (bin/mtlskit.js reads it as latin1)`);
  return escaped;
}

/**
 * bin/mtlskit.js compiles mtlskit.cjs with vm.Script, where Node 20 gives import() no loader (and loses it
 * when the code comes from a code cache). Each `import("x")` left in the bundle (node builtins, node-forge,
 * the ES-module-only @inquirer/prompts) therefore calls __mtlskitImport("x"): the import() of the module that
 * loaded the bundle, handed over as module.mtlskitImport, or the bundle's own import() when it is require()d.
 */
function withImportHook(text) {
  // What CommonJS cannot express must fail the build, not the user's run.
  if (/\bimport_meta\b/.test(text))
    throw new Error('bundle: a module uses import.meta beyond url, dirname and filename; add it to the define list');
  if (/\brequire\("@inquirer\/prompts"\)/.test(text))
    throw new Error(
      "bundle: @inquirer/prompts is an ES module only: import it with `await import('@inquirer/prompts')`",
    );
  const hooked = text.replace(/(?<![.\w$#])import\((?="[^"\n]*"\))/g, '__mtlskitImport(');
  const left = hooked.match(/(?<![.\w$#])import\(.{0,40}/g);
  if (left) throw new Error(`bundle: an import() the build cannot route through __mtlskitImport: ${left.join(' | ')}`);
  // At the very start (after "use strict"), on the first line, so that the bundle's line numbers do not move.
  const strict = /^"use strict";/.exec(hooked)?.[0] ?? '';
  const hook = `var __mtlskitImport = typeof module.mtlskitImport === "function" ? module.mtlskitImport : (id) => import(id);`;
  return `${strict}${importMetaUrl.banner.js.trim()} ${hook}${hooked.slice(strict.length)}`;
}

const help = spawnSync(process.execPath, ['dist/bundle/mtlskit.cjs', '--help'], { encoding: 'utf8' });
if (help.status !== 0 || !help.stdout.includes('Usage: mtlskit')) {
  throw new Error(`bundle: \`mtlskit --help\` failed (${help.status}): ${help.stderr}`);
}
// The command groups, as `--help` lists them (the same reading test/cli/help-and-package.test.ts does).
const listed = (help.stdout.split(/\nCommands:\n/)[1] ?? '')
  .split('\n')
  .map((l) => /^  ([a-z][a-z0-9-]*)\b/.exec(l)?.[1])
  .filter((n) => n !== undefined && n !== 'help');
// bin/mtlskit.js names cache files `<build>-<group>.v8cache` and finds the build before the last '-'.
if (groupNames.some((g) => !/^[a-z][a-z0-9]*$/.test(g)))
  throw new Error(`bundle: command group names are lowercase letters and digits: ${groupNames.join(' ')}`);
if ([...listed].sort().join(' ') !== groupNames.join(' '))
  throw new Error(`bundle: --help lists ${listed.join(' ')}, but src/cli/groups/ has ${groupNames.join(' ')}`);
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const digest = createHash('sha256');
for (const f of readdirSync('dist/bundle').sort()) digest.update(f).update(readFileSync(`dist/bundle/${f}`));
const sha256 = digest.digest('hex');
writeFileSync(
  'dist/bundle/meta.json',
  JSON.stringify({ version, sha256, groups: listed, help: help.stdout }, null, 2) + '\n',
);
