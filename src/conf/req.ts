/**
 * The `[ req ]` world of a conf: which section holds the DN and which hold extensions, plus the
 * defaults mtlskit honours (default_bits, default_md, encrypt_key). Keys mtlskit does not use are
 * reported as warnings with file:line, never silently dropped.
 */
import { confError, type ConfEntry, type OpensslConf } from './parse.js';
import type { DnEntry } from '../pki/name.js';
import { buildName } from '../pki/name.js';
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

const IGNORED_REQ_KEYS = new Set(['default_keyfile', 'attributes', 'string_mask', 'utf8', 'input_password', 'output_password', 'oid_file', 'oid_section', 'RANDFILE', 'dirstring_type', 'copy_extensions', 'default_days', 'serial']);
const USED_REQ_KEYS = new Set(['distinguished_name', 'req_extensions', 'x509_extensions', 'default_bits', 'default_md', 'encrypt_key', 'encrypt_rsa_key', 'prompt']);

export function sectionExists(conf: OpensslConf, name: string): boolean {
  return conf.section(name) !== undefined;
}

function yesNo(entry: ConfEntry): boolean {
  if (/^(yes|y|true|on|1)$/i.test(entry.value)) return true;
  if (/^(no|n|false|off|0)$/i.test(entry.value)) return false;
  throw confError(entry.file, entry.line, `${entry.key} = ${entry.value}: use yes or no.`);
}

export function resolveReqConfig(conf: OpensslConf): ReqConfig {
  const warnings: string[] = [];
  const req = conf.section('req');
  if (!req) {
    throw confError(conf.fileName, 1, 'there is no [ req ] section; add one with distinguished_name = <section> (see templates/ca.conf).');
  }
  for (const e of req) {
    if (USED_REQ_KEYS.has(e.key)) continue;
    if (IGNORED_REQ_KEYS.has(e.key)) warnings.push(`${e.file}:${e.line}: ${e.key} is not used by mtlskit and was ignored.`);
    else warnings.push(`${e.file}:${e.line}: unknown [ req ] key '${e.key}' was ignored.`);
  }
  const get = (key: string) => conf.get('req', key);
  const promptEntry = get('prompt');
  const prompt = promptEntry ? yesNo(promptEntry) : true;
  const dnEntry = get('distinguished_name');
  if (!dnEntry) throw confError(conf.fileName, req[0]?.line ?? 1, '[ req ] has no distinguished_name; add distinguished_name = req_distinguished_name and that section.');
  const dnSection = conf.section(dnEntry.value);
  if (!dnSection) throw confError(dnEntry.file, dnEntry.line, `distinguished_name names [ ${dnEntry.value} ], which does not exist; add the section or fix the name.`);
  const subject = prompt ? subjectFromPromptSection(dnSection) : subjectFromValues(dnSection);
  const bitsEntry = get('default_bits');
  let defaultBits: number | undefined;
  if (bitsEntry) {
    defaultBits = Number(bitsEntry.value);
    if (![2048, 3072, 4096].includes(defaultBits)) {
      throw confError(bitsEntry.file, bitsEntry.line, `default_bits = ${bitsEntry.value}: mtlskit makes RSA keys of 2048, 3072 or 4096 bits.`);
    }
  }
  const mdEntry = get('default_md');
  if (mdEntry && !/^(sha256|sha384|sha512|default)$/i.test(mdEntry.value)) {
    warnings.push(`${mdEntry.file}:${mdEntry.line}: default_md = ${mdEntry.value} is not used; mtlskit signs with SHA-256 (SHA-384/512 for P-384/P-521 keys).`);
  }
  const encrypt = get('encrypt_key') ?? get('encrypt_rsa_key');
  return {
    subject,
    reqExtensions: get('req_extensions')?.value,
    x509Extensions: get('x509_extensions')?.value,
    defaultBits,
    defaultMd: mdEntry?.value,
    encryptKey: encrypt ? yesNo(encrypt) : undefined,
    prompt,
    warnings,
  };
}

/** OpenSSL takes the attribute type after the first '.', ':' or ',' (so 0.organizationName is O). */
function attributeType(key: string): string {
  const m = /^[^.:,]*[.:,](.+)$/.exec(key);
  return m ? m[1]! : key;
}

function checkedEntry(e: ConfEntry, type: string, value: string): DnEntry {
  try {
    // buildName's checks (known attribute, two-letter country), reported at the conf line.
    buildName([{ type, value }]);
  } catch (err) {
    if (isMtlsError(err)) throw confError(e.file, e.line, err.message.replace(/^./, (c) => c.toLowerCase()));
    throw err;
  }
  return { type, value };
}

function subjectFromValues(section: ConfEntry[]): DnEntry[] {
  return section.filter((e) => e.value !== '').map((e) => checkedEntry(e, attributeType(e.key), e.value));
}

/** With prompting on, `X = prompt text` and `X_default = value`; a batch run takes the defaults. */
function subjectFromPromptSection(section: ConfEntry[]): DnEntry[] {
  const entries: DnEntry[] = [];
  for (const e of section) {
    if (/_(default|min|max|value)$/.test(e.key)) continue;
    const def = [...section].reverse().find((d) => d.key === `${e.key}_default`) ?? [...section].reverse().find((d) => d.key === `${e.key}_value`);
    if (def && def.value !== '') entries.push(checkedEntry(e, attributeType(e.key), def.value));
  }
  return entries;
}
