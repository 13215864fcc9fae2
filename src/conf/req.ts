/**
 * The `[ req ]` world of a conf: which section holds the DN and which hold extensions, plus the
 * defaults mtlskit honours (default_bits, default_md, encrypt_key). Keys mtlskit does not use are
 * reported as warnings with file:line, never silently dropped.
 */
import { confError, DEFAULT_SECTION, type ConfEntry, type OpensslConf } from './parse.js';
import { attributeOid, buildName, type DnEntry } from '../pki/name.js';
import { isMtlsError } from '../errors.js';

export interface ReqConfig {
  subject: DnEntry[];
  reqExtensions?: string;
  x509Extensions?: string;
  defaultBits?: number;
  defaultMd?: string;
  encryptKey?: boolean;
  prompt: boolean;
  warnings: string[];
}

const IGNORED_REQ_KEYS = new Set([
  'default_keyfile',
  'attributes',
  'string_mask',
  'utf8',
  'input_password',
  'output_password',
  'oid_file',
  'oid_section',
  'RANDFILE',
  'dirstring_type',
  'copy_extensions',
  'default_days',
  'serial',
]);
const USED_REQ_KEYS = new Set([
  'distinguished_name',
  'req_extensions',
  'x509_extensions',
  'default_bits',
  'default_md',
  'encrypt_key',
  'encrypt_rsa_key',
  'prompt',
]);

export function sectionExists(conf: OpensslConf, name: string): boolean {
  return conf.section(name) !== undefined;
}

/** NCONF_get_string: the key in its section, else in the default section (where openssl.cnf keeps globals). */
function lookup(conf: OpensslConf, section: string, key: string): ConfEntry | undefined {
  return conf.get(section, key) ?? conf.get(DEFAULT_SECTION, key);
}

/** openssl req only looks for the exact word "no"; anything else means yes. Say so when the word is unusual. */
function notNo(entry: ConfEntry, warnings: string[]): boolean {
  if (entry.value === 'no') return false;
  if (entry.value !== 'yes') {
    warnings.push(
      `${entry.file}:${entry.line}: ${entry.key} = ${entry.value} counts as yes, because openssl req only turns it off for the exact word no.`,
    );
  }
  return true;
}

export function resolveReqConfig(conf: OpensslConf): ReqConfig {
  const warnings: string[] = [...conf.warnings];
  const req = conf.section('req');
  if (!req) {
    throw confError(
      conf.fileName,
      1,
      'there is no [ req ] section; add one with distinguished_name = <section> (see templates/ca.conf).',
    );
  }
  for (const e of req) {
    if (USED_REQ_KEYS.has(e.key)) continue;
    if (IGNORED_REQ_KEYS.has(e.key))
      warnings.push(`${e.file}:${e.line}: ${e.key} is not used by mtlskit and was ignored.`);
    else warnings.push(`${e.file}:${e.line}: unknown [ req ] key '${e.key}' was ignored.`);
  }
  const get = (key: string) => lookup(conf, 'req', key);
  const promptEntry = get('prompt');
  const prompt = promptEntry ? promptEntry.value !== 'no' : true;
  const dnEntry = get('distinguished_name');
  if (!dnEntry)
    throw confError(
      conf.fileName,
      req[0]?.line ?? 1,
      '[ req ] has no distinguished_name; add distinguished_name = req_distinguished_name and that section.',
    );
  const dnSection = conf.section(dnEntry.value);
  if (!dnSection)
    throw confError(
      dnEntry.file,
      dnEntry.line,
      `distinguished_name names [ ${dnEntry.value} ], which does not exist; add the section or fix the name.`,
    );
  const subject = prompt
    ? subjectFromPromptSection(conf, dnEntry.value, dnSection, warnings)
    : subjectFromValues(dnSection);
  const bitsEntry = get('default_bits');
  let defaultBits: number | undefined;
  if (bitsEntry) {
    defaultBits = Number(bitsEntry.value);
    if (![2048, 3072, 4096].includes(defaultBits)) {
      throw confError(
        bitsEntry.file,
        bitsEntry.line,
        `default_bits = ${bitsEntry.value}: mtlskit makes RSA keys of 2048, 3072 or 4096 bits.`,
      );
    }
  }
  const mdEntry = get('default_md');
  if (mdEntry && !/^(sha256|sha384|sha512|default)$/i.test(mdEntry.value)) {
    warnings.push(
      `${mdEntry.file}:${mdEntry.line}: default_md = ${mdEntry.value} is not used; mtlskit signs with SHA-256 (SHA-384/512 for P-384/P-521 keys).`,
    );
  }
  // openssl req reads encrypt_rsa_key first, then encrypt_key.
  const encrypt = get('encrypt_rsa_key') ?? get('encrypt_key');
  return {
    subject,
    reqExtensions: get('req_extensions')?.value,
    x509Extensions: get('x509_extensions')?.value,
    defaultBits,
    defaultMd: mdEntry?.value,
    encryptKey: encrypt ? notNo(encrypt, warnings) : undefined,
    prompt,
    warnings,
  };
}

/** OpenSSL takes the attribute type after the first '.', ':' or ',' (so 0.organizationName is O). */
function attributeType(e: ConfEntry): string {
  const m = /^[^.:,]*[.:,](.+)$/.exec(e.key);
  const type = m ? m[1]! : e.key;
  if (type.startsWith('+')) {
    throw confError(
      e.file,
      e.line,
      `${e.key} asks for a multi-valued RDN ('+'), which mtlskit does not write; give the attribute its own line without '+'.`,
    );
  }
  return type;
}

function checkedEntry(e: ConfEntry, type: string, value: string): DnEntry {
  try {
    // buildName's checks (known attribute, two-letter country), reported at the conf line.
    buildName([{ type, value }]);
  } catch (err) {
    if (isMtlsError(err))
      throw confError(
        e.file,
        e.line,
        err.message.replace(/^./, (c) => c.toLowerCase()),
      );
    throw err;
  }
  return { type, value };
}

/** prompt = no: every line is TYPE = value; openssl req refuses an empty value, so do we. */
function subjectFromValues(section: ConfEntry[]): DnEntry[] {
  return section.map((e) => {
    if (e.value === '')
      throw confError(e.file, e.line, `${e.key} has an empty value; give it a value or remove the line.`);
    return checkedEntry(e, attributeType(e), e.value);
  });
}

const PROMPT_SUFFIX = /_(default|min|max|value)$/;

/**
 * add_DN_object with -batch: a non-empty X_value is the answer ("." meaning none, as typed at the
 * prompt); otherwise X_default, taken literally, even "."; nothing when neither is set.
 */
function batchAnswer(conf: OpensslConf, sectionName: string, key: string): ConfEntry | undefined {
  const fixed = lookup(conf, sectionName, `${key}_value`);
  if (fixed && fixed.value !== '') return fixed.value === '.' ? undefined : fixed;
  const fallback = lookup(conf, sectionName, `${key}_default`);
  return fallback && fallback.value !== '' ? fallback : undefined;
}

/**
 * With prompting on, `X = prompt text`, `X_default`, `X_value`, `X_min`, `X_max`. Without a terminal
 * mtlskit answers as `openssl req -batch` does (see batchAnswer).
 */
function subjectFromPromptSection(
  conf: OpensslConf,
  sectionName: string,
  section: ConfEntry[],
  warnings: string[],
): DnEntry[] {
  const entries: DnEntry[] = [];
  for (const e of section) {
    if (PROMPT_SUFFIX.test(e.key)) continue;
    const type = attributeType(e);
    if (!isKnownAttribute(type)) {
      warnings.push(
        `${e.file}:${e.line}: '${type}' is not a distinguished-name attribute, so this prompt was ignored (as openssl req does).`,
      );
      continue;
    }
    const answer = batchAnswer(conf, sectionName, e.key);
    if (!answer) continue;
    checkLength(conf, sectionName, e, answer);
    entries.push(checkedEntry(answer, type, answer.value));
  }
  return entries;
}

function isKnownAttribute(type: string): boolean {
  try {
    attributeOid(type);
    return true;
  } catch {
    return false;
  }
}

/** X_min / X_max bound the answer's length in bytes; openssl req -batch fails when the default breaks them. */
function checkLength(conf: OpensslConf, sectionName: string, prompt: ConfEntry, answer: ConfEntry): void {
  const length = Buffer.byteLength(answer.value, 'utf8');
  const min = lookup(conf, sectionName, `${prompt.key}_min`);
  const max = lookup(conf, sectionName, `${prompt.key}_max`);
  if (min && length < Number(min.value)) {
    throw confError(
      answer.file,
      answer.line,
      `${answer.key} = ${answer.value} is shorter than ${prompt.key}_min = ${min.value}; lengthen the value or lower the minimum.`,
    );
  }
  if (max && Number(max.value) >= 0 && length > Number(max.value)) {
    throw confError(
      answer.file,
      answer.line,
      `${answer.key} = ${answer.value} is longer than ${prompt.key}_max = ${max.value}; shorten the value or raise the maximum.`,
    );
  }
}
