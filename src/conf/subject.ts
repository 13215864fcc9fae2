/** Subjects given on the command line: OpenSSL's `/O=Acme/CN=name` form, or `O=Acme, CN=name`. */
import { badInput } from '../errors.js';
import { attributeOid, type DnEntry } from '../pki/name.js';

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

export function parseSubjectString(text: string): DnEntry[] {
  const trimmed = text.trim();
  const slashForm = trimmed.startsWith('/');
  const parts = slashForm ? splitUnescaped(trimmed.slice(1), '/') : splitUnescaped(trimmed, ',');
  const entries: DnEntry[] = [];
  for (const part of parts) {
    // OpenSSL's multi-valued RDN "+" is rare in mTLS; treat "+" as part of the value.
    if (part.trim() === '' && slashForm) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) {
      throw badInput(
        `The subject '${text}' is not in the form /O=Acme/CN=name (each part TYPE=value); '${part.trim()}' has no '='.`,
      );
    }
    const type = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    attributeOid(type);
    if (value === '') throw badInput(`The subject '${text}' gives ${type} an empty value; remove it or give a value.`);
    entries.push({ type, value });
  }
  if (entries.length === 0)
    throw badInput(`The subject '${text}' is empty; give at least one part, e.g. /O=Acme/CN=name.`);
  return entries;
}
