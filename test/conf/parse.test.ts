import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/run.js';
import { loadOpensslConf, parseOpensslConf, type OpensslConf } from '../../src/conf/parse.js';
import { resolveReqConfig } from '../../src/conf/req.js';
import { parseSubjectString } from '../../src/conf/subject.js';

const GOLDEN = join(FIXTURES, 'conf', 'golden');

function snapshot(conf: OpensslConf) {
  return Object.fromEntries([...conf.sections].map(([name, entries]) => [name, entries.map((e) => [e.key, e.value, `${e.file}:${e.line}`])]));
}

/** Golden files: conf text in, parsed structure out. UPDATE_GOLDEN=1 rewrites them (then review the diff). */
function expectGolden(name: string, actual: unknown) {
  const file = join(GOLDEN, `${name}.golden.json`);
  const text = JSON.stringify(actual, null, 2) + '\n';
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

describe('parseOpensslConf golden files', () => {
  it('syntax.conf: default section, $var forms, quotes, escapes, continuations, numbered keys', () => {
    const conf = parseOpensslConf(readFileSync(join(GOLDEN, 'syntax.conf'), 'utf8'), { fileName: join(GOLDEN, 'syntax.conf'), env: { MTLSKIT_TEST_VAR: 'from-env' } });
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
    ['unknown env var', '[ a ]\nk = $ENV::MTLSKIT_SURELY_UNSET\n', /^bad\.conf:2: the variable \$ENV::MTLSKIT_SURELY_UNSET has no value/],
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

  it('a [ req ] that names a missing DN section', () => {
    const conf = parseOpensslConf('[ req ]\nprompt = no\ndistinguished_name = nowhere\n', { fileName: 'x.conf' });
    expect(() => resolveReqConfig(conf)).toThrowError(/^x\.conf:3: distinguished_name names \[ nowhere \], which does not exist/);
  });

  it('a bad DN value names its conf line', () => {
    const conf = parseOpensslConf('[ req ]\nprompt = no\ndistinguished_name = dn\n[ dn ]\nO = Acme\nC = Brazil\n', { fileName: 'c.conf' });
    expect(() => resolveReqConfig(conf)).toThrowError(/^c\.conf:6: the country \(C\) must be a two-letter code/);
  });

  it('unknown [ req ] keys are warnings with file:line, not silence', () => {
    const conf = parseOpensslConf('[ req ]\nprompt = no\ndistinguished_name = dn\nstring_mask = utf8only\nfrobnicate = yes\n[ dn ]\nO = Acme\n', { fileName: 'x.conf' });
    const req = resolveReqConfig(conf);
    expect(req.warnings).toEqual(['x.conf:4: string_mask is not used by mtlskit and was ignored.', "x.conf:5: unknown [ req ] key 'frobnicate' was ignored."]);
  });
});

describe('[ req ] resolution', () => {
  it('with prompting on, takes the _default values in order and skips the prompts', () => {
    const conf = parseOpensslConf(
      '[ req ]\ndistinguished_name = dn\ndefault_bits = 3072\nencrypt_key = no\n[ dn ]\nC = Country\nC_default = BR\nC_min = 2\nO = Org\nO_default = Acme\nCN = Common name\n',
      { fileName: 'p.conf' },
    );
    const req = resolveReqConfig(conf);
    expect(req.prompt).toBe(true);
    expect(req.subject).toEqual([{ type: 'C', value: 'BR' }, { type: 'O', value: 'Acme' }]);
    expect(req.defaultBits).toBe(3072);
    expect(req.encryptKey).toBe(false);
  });
});

describe('parseSubjectString', () => {
  it('reads /O=Acme/CN=x, escaped slashes and the comma form', () => {
    expect(parseSubjectString('/O=Acme/CN=a\\/b')).toEqual([{ type: 'O', value: 'Acme' }, { type: 'CN', value: 'a/b' }]);
    expect(parseSubjectString('O=Acme, CN=api')).toEqual([{ type: 'O', value: 'Acme' }, { type: 'CN', value: 'api' }]);
  });
  it('refuses parts without = and unknown attribute types', () => {
    expect(() => parseSubjectString('/O=Acme/oops')).toThrowError(/has no '='/);
    expect(() => parseSubjectString('/XYZ=1')).toThrowError(/not a known distinguished-name attribute/);
  });
});
