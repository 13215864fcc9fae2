/**
 * OpenSSL's config syntax (config(5), conf_def.c): sections, key = value, # comments, \ continuations,
 * quotes and escapes, $var / ${var} / $(var) / $section::var expansion (ENV:: from the environment),
 * .include and .pragma. Entries keep their order, because DN and alt_names sections are lists
 * (0.O, 1.O, DNS.1, DNS.2). A key repeated in one section replaces the earlier entry and moves to
 * the end, exactly as OpenSSL's conf hash does; the dropped line is reported in `warnings`.
 * Every error names file:line.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { MtlsError } from '../errors.js';

export interface ConfEntry {
  key: string;
  value: string;
  file: string;
  line: number;
}

export const DEFAULT_SECTION = 'default';

export interface OpensslConf {
  fileName: string;
  sections: Map<string, ConfEntry[]>;
  section(name: string): ConfEntry[] | undefined;
  get(section: string, key: string): ConfEntry | undefined;
  /** `file:line: ...` notes about lines OpenSSL would ignore (repeated keys, unknown pragmas). */
  warnings: string[];
}

export interface ParseOptions {
  fileName: string;
  baseDir?: string;
  env?: Record<string, string | undefined>;
}

export function confError(file: string, line: number, message: string): MtlsError {
  return new MtlsError('CONF_ERROR', `${basename(file)}:${line}: ${message}`);
}

class Conf implements OpensslConf {
  readonly sections = new Map<string, ConfEntry[]>([[DEFAULT_SECTION, []]]);
  readonly warnings: string[] = [];
  constructor(readonly fileName: string) {}
  section(name: string): ConfEntry[] | undefined {
    return this.sections.get(name);
  }
  get(section: string, key: string): ConfEntry | undefined {
    const entries = this.sections.get(section);
    if (!entries) return undefined;
    for (let i = entries.length - 1; i >= 0; i--) if (entries[i]!.key === key) return entries[i];
    return undefined;
  }
  /** As OpenSSL: a repeated key replaces the earlier entry, which leaves its place in the order. */
  add(section: string, entry: ConfEntry): void {
    let list = this.sections.get(section);
    if (!list) this.sections.set(section, (list = []));
    const earlier = list.findIndex((e) => e.key === entry.key);
    if (earlier >= 0) {
      const old = list[earlier]!;
      list.splice(earlier, 1);
      this.warnings.push(
        `${entry.file}:${entry.line}: ${entry.key} repeats the key of ${old.file}:${old.line} in [ ${section} ], so that earlier line is ignored (as OpenSSL does); number the keys (${numberedKeys(entry.key)}) to keep both.`,
      );
    }
    list.push(entry);
  }
}

/** Two distinct spellings of a key: DNS.1/DNS.2 for name lists, 0.O/1.O for DN attributes. */
function numberedKeys(key: string): string {
  const base = key.replace(/^\d+\./, '').replace(/\.\d+$/, '');
  return /\.\d+$/.test(key) ? `${base}.1, ${base}.2` : `0.${base}, 1.${base}`;
}

interface State {
  conf: Conf;
  section: string;
  env: Record<string, string | undefined>;
  dollarId: boolean;
  /** .pragma abspath:true: .include must name an absolute path. */
  absPath: boolean;
  /** .pragma includedir:DIR: where relative .include paths start instead of the conf's folder. */
  includeDir?: string;
  includeDepth: number;
}

export function parseOpensslConf(text: string, opts: ParseOptions): OpensslConf {
  const conf = new Conf(basename(opts.fileName));
  const state: State = {
    conf,
    section: DEFAULT_SECTION,
    env: opts.env ?? process.env,
    dollarId: false,
    absPath: false,
    includeDepth: 0,
  };
  parseText(text, opts.fileName, opts.baseDir ?? dirname(resolve(opts.fileName)), state);
  return conf;
}

export function loadOpensslConf(path: string): OpensslConf {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'it does not exist'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'EACCES'
            ? 'permission denied'
            : code;
    throw new MtlsError('CONF_ERROR', `The conf file ${path} cannot be read (${why}); check the --config path.`);
  }
  return parseOpensslConf(text, { fileName: path, baseDir: dirname(resolve(path)) });
}

const loadedConfs = new Map<string, OpensslConf>();

/** loadOpensslConf once per path and run (the key prefetch, a batch and each certificate share it). */
export function loadOpensslConfOnce(path: string): OpensslConf {
  let conf = loadedConfs.get(path);
  if (!conf) {
    conf = loadOpensslConf(path);
    loadedConfs.set(path, conf);
  }
  return conf;
}

/** Joins `\`-continued lines, remembering where each logical line started. */
function logicalLines(text: string): { text: string; line: number }[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const out: { text: string; line: number }[] = [];
  let buffer = '';
  let start = 0;
  physical.forEach((line, i) => {
    if (buffer === '') start = i + 1;
    // conf_def.c: a line continues when it ends in a backslash not preceded by another one.
    if (line.endsWith('\\') && !line.endsWith('\\\\')) {
      buffer += line.slice(0, -1);
      return;
    }
    out.push({ text: buffer + line, line: start });
    buffer = '';
  });
  if (buffer !== '') out.push({ text: buffer, line: start });
  return out;
}

function parseText(text: string, file: string, baseDir: string, state: State): void {
  for (const { text: raw, line } of logicalLines(text)) {
    const body = stripComment(raw).trim();
    if (body === '') continue;
    if (body.startsWith('[')) {
      const m = /^\[\s*([A-Za-z0-9_.$:-]+)\s*\]$/.exec(body);
      if (!m)
        throw confError(
          file,
          line,
          `'${body}' is not a section header; write it as [ section_name ] with a closing bracket.`,
        );
      state.section = expandSectionName(m[1]!, file, line, state);
      continue;
    }
    const directive = /^\.(include|pragma)\s*(?:=\s*|\s+)(.*)$/.exec(body);
    if (directive) {
      // The include path is a value like any other: quotes and $variables apply.
      if (directive[1] === 'include')
        includeFile(processValue(directive[2]!.trim(), file, line, state), file, line, baseDir, state);
      else applyPragma(directive[2]!.trim(), file, line, state);
      continue;
    }
    const kv = /^([A-Za-z0-9_.;,!%&*+/?@^~|-]+(?:::[A-Za-z0-9_.;,!%&*+/?@^~|-]+)?)\s*=\s*(.*)$/.exec(body);
    if (!kv) throw confError(file, line, `'${body}' is not 'key = value'; add the '=' or comment the line out with #.`);
    let section = state.section;
    let key = kv[1]!;
    const scoped = /^(.+)::(.+)$/.exec(key);
    if (scoped) [section, key] = [scoped[1]!, scoped[2]!];
    const value = processValue(kv[2]!, file, line, state);
    state.conf.add(section, { key, value, file: basename(file), line });
  }
}

/** Removes a # comment that is not escaped or inside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') i++;
    else if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function expandSectionName(name: string, file: string, line: number, state: State): string {
  return name.includes('$') ? processValue(name, file, line, state) : name;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', b: '\b', t: '\t' };

/** Quotes, escapes and $variables, as OpenSSL's str_copy does; unquoted trailing spaces are dropped. */
function processValue(raw: string, file: string, line: number, state: State): string {
  let out = '';
  let keepUntil = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '"' || c === "'") {
      const close = findClosingQuote(raw, i + 1, c);
      if (close < 0) throw confError(file, line, `unterminated quote ${c}; close it or escape it with a backslash.`);
      // Inside quotes a backslash takes the next character as it is (no \n translation), as str_copy does.
      for (let j = i + 1; j < close; j++) {
        if (raw[j] === '\\' && j + 1 < close) j++;
        out += raw[j];
      }
      keepUntil = out.length;
      i = close;
    } else if (c === '\\') {
      const next = raw[i + 1];
      if (next === undefined) break;
      out += ESCAPES[next] ?? next;
      keepUntil = out.length;
      i++;
    } else if (c === '$' && (!state.dollarId || raw[i + 1] === '{' || raw[i + 1] === '(')) {
      // With .pragma dollarid:true a bare $ is literal; only ${var} and $(var) expand.
      const [value, consumed] = expandVariable(raw, i, file, line, state);
      out += value;
      keepUntil = out.length;
      i += consumed - 1;
    } else {
      out += c;
      if (c !== ' ' && c !== '\t') keepUntil = out.length;
    }
  }
  return out.slice(0, keepUntil);
}

function findClosingQuote(raw: string, from: number, quote: string): number {
  for (let j = from; j < raw.length; j++) {
    if (raw[j] === '\\') j++;
    else if (raw[j] === quote) return j;
  }
  return -1;
}

const NAME = '[A-Za-z0-9_]+';

function expandVariable(raw: string, at: number, file: string, line: number, state: State): [string, number] {
  const rest = raw.slice(at);
  const braced = new RegExp(`^\\$([{(])(?:(${NAME})::)?(${NAME})([})])`).exec(rest);
  const plain = new RegExp(`^\\$(?:(${NAME})::)?(${NAME})`).exec(rest);
  let section: string | undefined;
  let name: string;
  let consumed: number;
  if (braced) {
    if ((braced[1] === '{' && braced[4] !== '}') || (braced[1] === '(' && braced[4] !== ')')) {
      throw confError(file, line, `mismatched brackets in '${braced[0]}'; write \${name} or $(name).`);
    }
    [section, name, consumed] = [braced[2], braced[3]!, braced[0].length];
  } else if (plain) {
    [section, name, consumed] = [plain[1], plain[2]!, plain[0].length];
  } else {
    throw confError(file, line, `'$' is not followed by a variable name; write \\$ for a literal dollar sign.`);
  }
  const value = lookupVariable(section, name, state);
  if (value === undefined) {
    const where = section ? `${section}::${name}` : name;
    throw confError(
      file,
      line,
      `the variable $${where} has no value; define it above this line${section === 'ENV' ? ' or set the environment variable' : ''}.`,
    );
  }
  return [value, consumed];
}

/** _CONF_get_string: the named (or current) section, then ENV for ENV::, then the default section. */
function lookupVariable(section: string | undefined, name: string, state: State): string | undefined {
  const own = state.conf.get(section ?? state.section, name)?.value;
  if (own !== undefined) return own;
  if (section === 'ENV' && state.env[name] !== undefined) return state.env[name];
  return state.conf.get(DEFAULT_SECTION, name)?.value;
}

const KNOWN_PRAGMAS = new Set(['dollarid', 'abspath', 'includedir']);

function applyPragma(text: string, file: string, line: number, state: State): void {
  const m = /^(\w+)\s*:\s*(\S+)$/.exec(text);
  if (!m) throw confError(file, line, `'.pragma ${text}' is not 'name:value'; write it like .pragma dollarid:true.`);
  const [, name, value] = m as unknown as [string, string, string];
  if (!KNOWN_PRAGMAS.has(name)) {
    // OpenSSL ignores unknown pragmas too; say so rather than stay silent.
    state.conf.warnings.push(
      `${basename(file)}:${line}: .pragma ${name} is not known and was ignored; OpenSSL knows dollarid, abspath and includedir.`,
    );
    return;
  }
  if (name === 'includedir') {
    state.includeDir = value;
    return;
  }
  if (!/^(true|on|false|off)$/.test(value))
    throw confError(file, line, `.pragma ${name}:${value} needs true, false, on or off, e.g. .pragma ${name}:true.`);
  const on = value === 'true' || value === 'on';
  if (name === 'dollarid') state.dollarId = on;
  else state.absPath = on;
}

function includeFile(target: string, file: string, line: number, baseDir: string, state: State): void {
  if (state.includeDepth > 10)
    throw confError(file, line, '.include nests more than 10 levels; check for an include loop.');
  if (state.absPath && !isAbsolute(target))
    throw confError(
      file,
      line,
      `.include ${target} is relative but .pragma abspath:true asks for absolute paths; give the full path.`,
    );
  const from = state.includeDir === undefined ? baseDir : resolve(baseDir, state.includeDir);
  const path = isAbsolute(target) ? target : join(from, target);
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw confError(
      file,
      line,
      `.include ${target}: no such file or folder; fix the path (relative paths start at the conf's folder).`,
    );
  }
  const files = stat.isDirectory()
    ? readdirSync(path)
        .filter((f) => /\.(cnf|conf)$/i.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  for (const f of files) {
    // As in OpenSSL, a section opened in the included file stays open after it.
    state.includeDepth++;
    parseText(readFileSync(f, 'utf8'), f, dirname(f), state);
    state.includeDepth--;
  }
}
