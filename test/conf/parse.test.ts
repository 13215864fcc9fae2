import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/run.js';
import { loadOpensslConf, parseOpensslConf, type OpensslConf } from '../../src/conf/parse.js';
import { resolveReqConfig, sectionExists } from '../../src/conf/req.js';
import { buildExtensions } from '../../src/conf/extensions.js';
import { parseSubjectString } from '../../src/conf/subject.js';

const GOLDEN = join(FIXTURES, 'conf', 'golden');

function snapshot(conf: OpensslConf) {
  return Object.fromEntries(
    [...conf.sections].map(([name, entries]) => [name, entries.map((e) => [e.key, e.value, `${e.file}:${e.line}`])]),
  );
}

/** Golden files: conf text in, parsed structure out. UPDATE_GOLDEN=1 rewrites them (then review the diff). */
function expectGolden(name: string, actual: unknown) {
  const file = join(GOLDEN, `${name}.golden.json`);
  const text = JSON.stringify(actual, null, 2) + '\n';
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  expect(
    existsSync(file),
    `${file} is missing; run UPDATE_GOLDEN=1 npx vitest run test/conf/parse.test.ts and review it`,
  ).toBe(true);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

describe('parseOpensslConf golden files', () => {
  it('syntax.conf: default section, $var forms, quotes, escapes, continuations, numbered keys', () => {
    const conf = parseOpensslConf(readFileSync(join(GOLDEN, 'syntax.conf'), 'utf8'), {
      fileName: join(GOLDEN, 'syntax.conf'),
      env: { MTLSKIT_TEST_VAR: 'from-env' },
    });
    expectGolden('syntax', snapshot(conf));
    expect(conf.get('paths', 'base')?.value).toBe('/home/pki/ca/certs');
    expect(conf.get('paths', 'spaced')?.value).toBe('  quoted  keeps spaces  ');
    expect(conf.get('paths', 'escaped')?.value).toBe('a#b,c   continued line');
    expect(conf.get('paths', 'dollar')?.value).toBe('cost $5');
    expect(conf.get('paths', 'env')?.value).toBe('from-env');
    expect(conf.get('paths', 'injected')?.value).toBe('from elsewhere');
  });

  it('include.conf: .include relative to the conf, variables across files', () => {
    const conf = loadOpensslConf(join(GOLDEN, 'include.conf'));
    expectGolden('include', snapshot(conf));
    // As in OpenSSL, the section the included file opened is still open after it (checked with openssl req).
    expect(conf.get('main', 'after')).toBeUndefined();
    expect(conf.get('shared', 'after')?.value).toBe('42');
  });

  for (const name of ['syntax-interop', 'lists', 'crldp-sections', 'prompt-mode']) {
    it(`${name}.conf with its warnings and [ req ] (the same files are checked against openssl req)`, () => {
      const conf = loadOpensslConf(join(FIXTURES, 'conf', `${name}.conf`));
      expectGolden(name, { sections: snapshot(conf), warnings: conf.warnings, req: resolveReqConfig(conf) });
    });
  }

  it('syntax-interop.conf: repeated keys, [ ENV ], dollarid, folder includes', () => {
    const conf = loadOpensslConf(join(FIXTURES, 'conf', 'syntax-interop.conf'));
    const dn = conf.section('dn')!.map((e) => e.key);
    expect(dn.filter((k) => k === '1.OU')).toHaveLength(1);
    expect(dn.at(-2)).toBe('GN');
    expect(conf.get('dn', 'title')?.value).toBe('back\\');
    expect(conf.get('dn', 'pseudonym')?.value).toBe('cost$5 default-name');
    expect(conf.get('from_include', 'dept')?.value).toBe('Included Unit');
    expect(conf.warnings).toEqual([
      'syntax-interop.conf:6: .pragma notapragma is not known and was ignored; OpenSSL knows dollarid, abspath and includedir.',
      'syntax-interop.conf:32: 1.OU repeats the key of syntax-interop.conf:26 in [ dn ], so that earlier line is ignored (as OpenSSL does); number the keys (0.OU, 1.OU) to keep both.',
    ]);
  });

  for (const seed of ['seed-ca', 'seed-server', 'seed-client']) {
    it(`${seed}.conf (the walkthrough's file, verbatim)`, () => {
      const conf = loadOpensslConf(join(FIXTURES, 'conf', `${seed}.conf`));
      const req = resolveReqConfig(conf);
      expectGolden(seed, { sections: snapshot(conf), req });
    });
  }
});

describe('malformed confs fail with file:line in one sentence', () => {
  const cases: [string, string, RegExp][] = [
    ['unclosed section', '[ req\nkey = v\n', /^bad\.conf:1: '\[ req' is not a section header/],
    ['no equals sign', '[ req ]\njust words here\n', /^bad\.conf:2: 'just words here' is not 'key = value'/],
    ['unterminated quote', '[ a ]\nk = "open\n', /^bad\.conf:2: unterminated quote/],
    ['undefined variable', '[ a ]\nk = $nope\n', /^bad\.conf:2: the variable \$nope has no value/],
    ['mismatched braces', '[ a ]\nx = 1\nk = ${x)\n', /^bad\.conf:3: mismatched brackets/],
    ['missing include', '.include nothere.cnf\n', /^bad\.conf:1: \.include nothere\.cnf: no such file/],
    [
      'unknown env var',
      '[ a ]\nk = $ENV::MTLSKIT_SURELY_UNSET\n',
      /^bad\.conf:2: the variable \$ENV::MTLSKIT_SURELY_UNSET has no value/,
    ],
    [
      'bad pragma value',
      '.pragma dollarid:maybe\n',
      /^bad\.conf:1: \.pragma dollarid:maybe needs true, false, on or off/,
    ],
    ['pragma without a value', '\n.pragma dollarid\n', /^bad\.conf:2: '\.pragma dollarid' is not 'name:value'/],
    [
      'relative include under abspath',
      '.pragma abspath:true\n.include other.cnf\n',
      /^bad\.conf:2: \.include other\.cnf is relative but \.pragma abspath:true/,
    ],
    ['lone dollar', '[ a ]\nk = 5 $ more\n', /^bad\.conf:2: '\$' is not followed by a variable name/],
    [
      'continued line keeps its first line number',
      '[ a ]\nk = "open \\\n still open\n',
      /^bad\.conf:2: unterminated quote/,
    ],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => {
      const dir = mkdtempSync(join(tmpdir(), 'conf-'));
      try {
        expect(() => parseOpensslConf(text, { fileName: join(dir, 'bad.conf'), env: {} })).toThrowError(message);
        try {
          parseOpensslConf(text, { fileName: join(dir, 'bad.conf'), env: {} });
        } catch (err) {
          expect((err as Error).message.split('\n')).toHaveLength(1);
          expect((err as { code?: string }).code).toBe('CONF_ERROR');
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('a missing or unreadable conf file is named, with what to do', () => {
    expect(() => loadOpensslConf('/nonexistent/mtlskit/x.conf')).toThrowError(
      /^The conf file \/nonexistent\/mtlskit\/x\.conf cannot be read \(it does not exist\); check the --config path\.$/,
    );
    expect(() => loadOpensslConf(tmpdir())).toThrowError(/cannot be read \(it is a folder\)/);
  });

  it('an extension section that does not exist is reported at the line naming it', () => {
    const conf = parseOpensslConf('[ req ]\ndistinguished_name = dn\nreq_extensions = v3_nope\n[ dn ]\nO = x\n', {
      fileName: 'x.conf',
    });
    expect(sectionExists(conf, 'v3_nope')).toBe(false);
    expect(sectionExists(conf, 'dn')).toBe(true);
    expect(() => buildExtensions(conf, 'v3_nope', {})).toThrowError(
      /^x\.conf:3: the extension section \[ v3_nope \] does not exist/,
    );
  });

  it('a [ req ] that names a missing DN section', () => {
    const conf = parseOpensslConf('[ req ]\nprompt = no\ndistinguished_name = nowhere\n', { fileName: 'x.conf' });
    expect(() => resolveReqConfig(conf)).toThrowError(
      /^x\.conf:3: distinguished_name names \[ nowhere \], which does not exist/,
    );
  });

  it('a bad DN value names its conf line', () => {
    const conf = parseOpensslConf('[ req ]\nprompt = no\ndistinguished_name = dn\n[ dn ]\nO = Acme\nC = Brazil\n', {
      fileName: 'c.conf',
    });
    expect(() => resolveReqConfig(conf)).toThrowError(/^c\.conf:6: the country \(C\) must be a two-letter code/);
  });

  it('unknown [ req ] keys are warnings with file:line, not silence', () => {
    const conf = parseOpensslConf(
      '[ req ]\nprompt = no\ndistinguished_name = dn\nstring_mask = utf8only\nfrobnicate = yes\n[ dn ]\nO = Acme\n',
      { fileName: 'x.conf' },
    );
    const req = resolveReqConfig(conf);
    expect(req.warnings).toEqual([
      'x.conf:4: string_mask is not used by mtlskit and was ignored.',
      "x.conf:5: unknown [ req ] key 'frobnicate' was ignored.",
    ]);
  });
});

describe('[ req ] resolution', () => {
  const resolve = (text: string) => resolveReqConfig(parseOpensslConf(text, { fileName: 'r.conf', env: {} }));

  it('prompt is off only for the exact word no; encrypt_rsa_key wins over encrypt_key', () => {
    const req = resolve(
      '[ req ]\ndistinguished_name = dn\nprompt = false\nencrypt_rsa_key = no\nencrypt_key = yes\n[ dn ]\nO = x\nO_default = Acme\n',
    );
    expect(req.prompt).toBe(true);
    expect(req.subject).toEqual([{ type: 'O', value: 'Acme' }]);
    expect(req.encryptKey).toBe(false);
  });

  it('X_value beats X_default, a "." X_value skips the attribute, an unknown prompt is a warning', () => {
    const req = resolve(
      '[ req ]\ndistinguished_name = dn\n[ dn ]\nO = Org\nO_default = Def\nO_value = Val\nOU = Unit\nOU_default = U\nOU_value = .\nfoo = Foo\nfoo_default = f\n',
    );
    expect(req.subject).toEqual([{ type: 'O', value: 'Val' }]);
    expect(req.warnings).toEqual([
      "r.conf:10: 'foo' is not a distinguished-name attribute, so this prompt was ignored (as openssl req does).",
    ]);
  });

  it('X_min and X_max bound the default, as openssl req -batch does', () => {
    expect(() =>
      resolve('[ req ]\ndistinguished_name = dn\n[ dn ]\nCN = Name\nCN_default = ab\nCN_min = 3\n'),
    ).toThrowError(/^r\.conf:5: CN_default = ab is shorter than CN_min = 3;/);
    expect(() =>
      resolve('[ req ]\ndistinguished_name = dn\n[ dn ]\nCN = Name\nCN_default = abcd\nCN_max = 3\n'),
    ).toThrowError(/^r\.conf:5: CN_default = abcd is longer than CN_max = 3;/);
  });

  it('prompt = no refuses empty values and multi-valued RDNs at their line', () => {
    expect(() => resolve('[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn ]\nO = Acme\nOU =\n')).toThrowError(
      /^r\.conf:6: OU has an empty value;/,
    );
    expect(() => resolve('[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn ]\nO = Acme\n1.+CN = x\n')).toThrowError(
      /^r\.conf:6: 1\.\+CN asks for a multi-valued RDN/,
    );
  });

  it('[ req ] keys fall back to the default section, and repeated-key warnings reach the caller', () => {
    const req = resolve(
      'x509_extensions = v3\n[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn ]\nO = Acme\nO = Acme2\n',
    );
    expect(req.x509Extensions).toBe('v3');
    expect(req.subject).toEqual([{ type: 'O', value: 'Acme2' }]);
    expect(req.warnings).toEqual([expect.stringMatching(/^r\.conf:7: O repeats the key of r\.conf:6 in \[ dn \]/)]);
  });

  it('with prompting on, takes the _default values in order and skips the prompts', () => {
    const conf = parseOpensslConf(
      '[ req ]\ndistinguished_name = dn\ndefault_bits = 3072\nencrypt_key = no\n[ dn ]\nC = Country\nC_default = BR\nC_min = 2\nO = Org\nO_default = Acme\nCN = Common name\n',
      { fileName: 'p.conf' },
    );
    const req = resolveReqConfig(conf);
    expect(req.prompt).toBe(true);
    expect(req.subject).toEqual([
      { type: 'C', value: 'BR' },
      { type: 'O', value: 'Acme' },
    ]);
    expect(req.defaultBits).toBe(3072);
    expect(req.encryptKey).toBe(false);
  });
});

describe('parseSubjectString', () => {
  it('reads /O=Acme/CN=x, escaped slashes and the comma form', () => {
    expect(parseSubjectString('/O=Acme/CN=a\\/b')).toEqual([
      { type: 'O', value: 'Acme' },
      { type: 'CN', value: 'a/b' },
    ]);
    expect(parseSubjectString('O=Acme, CN=api')).toEqual([
      { type: 'O', value: 'Acme' },
      { type: 'CN', value: 'api' },
    ]);
  });
  it('refuses parts without = and unknown attribute types', () => {
    expect(() => parseSubjectString('/O=Acme/oops')).toThrowError(/has no '='/);
    expect(() => parseSubjectString('/XYZ=1')).toThrowError(/not a known distinguished-name attribute/);
  });
});
