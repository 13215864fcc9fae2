/**
 * `mtlskit completion`: the bash script loads and registers itself, and bash completion driven the way readline
 * does it (COMP_WORDS / COMP_CWORD, then the function) offers commands, flags, --for values and NAMEs from --dir.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, mtlskit, mtlskitOk, tempDir, tool } from '../helpers/run.js';
import { requireTool } from '../helpers/tools.js';
import { PFX_PLATFORMS } from '../../src/pki/pfx-platform-names.js';

let tmp: { dir: string; cleanup: () => void };
let script: string;
beforeAll(() => {
  tmp = tempDir();
  mtlskitOk(['ca', 'init', '--dir', join(tmp.dir, 'pki')]);
  mtlskitOk(['client', 'issue', 'partner-erp', '--dir', join(tmp.dir, 'pki')]);
  mtlskitOk(['server', 'issue', 'gateway', '--dir', join(tmp.dir, 'pki'), '--dns', 'localhost']);
  script = join(tmp.dir, 'mtlskit.bash');
  writeFileSync(script, mtlskitOk(['completion', 'bash']).stdout);
});
afterAll(() => tmp.cleanup());

/** What bash completion offers for the words typed so far (the last one being completed). */
function complete(words: string[]): string[] {
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = tool(
    'bash',
    [
      '-c',
      `. ${script}; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _mtlskit; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { cwd: tmp.dir },
  );
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter((l) => l.length > 0);
}

describe('mtlskit completion', () => {
  it("bash -c '. <(mtlskit completion bash); complete -p mtlskit' succeeds", () => {
    const r = tool('bash', ['-c', `. <("${process.execPath}" "${BIN}" completion bash); complete -p mtlskit`], {
      env: { NO_COLOR: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('complete -o default -F _mtlskit mtlskit');
  });

  it('completes `mtlskit export pfx --for ` to the platform names', () => {
    expect(complete(['mtlskit', 'export', 'pfx', '--for', ''])).toEqual([...PFX_PLATFORMS]);
    expect(complete(['mtlskit', 'export', 'pfx', '--for', 'win'])).toEqual(['windows', 'windows-legacy']);
  });

  it('completes commands and subcommands from the command tree, flags per command, and --format values', () => {
    const top = complete(['mtlskit', '']);
    for (const c of ['ca', 'server', 'client', 'export', 'import', 'verify', 'completion']) expect(top).toContain(c);
    expect(complete(['mtlskit', 'export', ''])).toEqual(['pfx', 'truststore', 'p7b', 'key', 'cert']);
    expect(complete(['mtlskit', 'export', 'truststore', '--f'])).toEqual(['--force', '--format']);
    expect(complete(['mtlskit', 'export', 'key', 'x', '--format', ''])).toEqual(['pkcs8', 'pkcs1', 'sec1']);
    expect(complete(['mtlskit', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
  });

  it('completes NAME from the files in --dir (default ./pki), skipping the CA and chain files', () => {
    expect(complete(['mtlskit', 'export', 'pfx', ''])).toEqual(['gateway', 'partner-erp']);
    expect(complete(['mtlskit', 'export', 'key', '--dir', 'pki', 'p'])).toEqual(['partner-erp']);
    expect(complete(['mtlskit', 'export', 'key', '--dir', 'elsewhere', ''])).toEqual([]);
  });

  it('zsh: the script registers through bashcompinit and its function completes --for values and NAMEs', () => {
    requireTool('zsh');
    const file = join(tmp.dir, 'mtlskit.zsh');
    writeFileSync(file, mtlskitOk(['completion', 'zsh']).stdout);
    // _bash_complete runs the function under `emulate sh` (0-based arrays); do the same.
    const drive = (words: string) =>
      `emulate sh -c 'COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _mtlskit; print -l -- "\${COMPREPLY[@]}"'`;
    const r = tool(
      'zsh',
      [
        '-c',
        `source ${file}; print -- "$_comps[mtlskit]"; ${drive('mtlskit export pfx --for ""')}; ${drive('mtlskit export key "" ')}`,
      ],
      { cwd: tmp.dir },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      '_bash_complete -o default -F _mtlskit',
      // zsh's compgen leaves prefix matching to zsh itself, so every value comes back here.
      ...PFX_PLATFORMS,
      'gateway',
      'partner-erp',
    ]);
  });

  it('fish: the script parses and completes --for values, subcommands and NAMEs', () => {
    requireTool('fish');
    const file = join(tmp.dir, 'mtlskit.fish');
    writeFileSync(file, mtlskitOk(['completion', 'fish']).stdout);
    expect(tool('fish', ['-n', file]).status).toBe(0);
    const fish = (line: string) => {
      const r = tool('fish', ['-c', `source ${file}; complete -C '${line}'`], { cwd: tmp.dir });
      expect(r.stderr).toBe('');
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
    };
    expect(fish('mtlskit export pfx --for win')).toEqual(['windows', 'windows-legacy']);
    expect(fish('mtlskit export ')).toEqual(['cert', 'key', 'p7b', 'pfx', 'truststore']);
    expect(fish('mtlskit export p7b --dir pki ')).toEqual(['gateway', 'partner-erp']);
  });

  it('an unknown shell is exit 2 naming the accepted ones', () => {
    const r = mtlskit(['completion', 'tcsh']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      "error: 'tcsh' is not a shell mtlskit has completion for; use one of bash, zsh, fish.",
    );
  });
});
