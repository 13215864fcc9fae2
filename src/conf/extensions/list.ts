/**
 * The `name:value, name, ...` lists most extension values are written in, read as OpenSSL's
 * X509V3_parse_list does, and `@section` standing for the whole list (one item per section line).
 */
import type { TranslateContext } from './types.js';

export interface ListItem {
  name: string;
  /** Undefined when the item has no ':' (e.g. digitalSignature, CA:true has one). */
  value?: string;
  /** Reports errors at the line the item came from (the extension line, or a @section line). */
  ctx: TranslateContext;
}

/** X509V3_parse_list: split at commas; the first ':' of an item separates name and value. */
export function parseList(text: string, ctx: TranslateContext): ListItem[] {
  if (text.trim() === '') throw ctx.error(`${ctx.entry.key} has an empty value; give it a value or remove the line.`);
  const items: ListItem[] = [];
  let name: string | undefined;
  let start = 0;
  const finish = (end: number) => {
    const piece = text.slice(start, end).trim();
    if (name === undefined) {
      if (piece === '') throw ctx.error(`'${text}' has an empty item (a stray or trailing comma); remove it.`);
      items.push({ name: piece, ctx });
    } else {
      if (piece === '') throw ctx.error(`'${name}:' has no value after the colon; write ${name}:value.`);
      items.push({ name, value: piece, ctx });
    }
    name = undefined;
    start = end + 1;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ',') finish(i);
    else if (c === ':' && name === undefined) {
      name = text.slice(start, i).trim();
      if (name === '') throw ctx.error(`'${text}' has an item that starts with ':'; write name:value.`);
      start = i + 1;
    }
  }
  finish(text.length);
  return items;
}

/** The value's items: `@section` alone means that section's lines, else the comma list. */
export function listItems(text: string, ctx: TranslateContext): ListItem[] {
  if (!text.startsWith('@')) return parseList(text, ctx);
  const sectionName = text.slice(1).trim();
  const section = ctx.conf.section(sectionName);
  if (!section) throw ctx.error(`${text} names a section that does not exist; add [ ${sectionName} ] or fix the name.`);
  if (section.length === 0) throw ctx.error(`[ ${sectionName} ] is empty; add at least one line to it.`);
  return section.map((e) => ({ name: e.key, value: e.value === '' ? undefined : e.value, ctx: ctx.at(e) }));
}

/** For items that are bare words (keyUsage names, EKU purposes): a value after ':' is an error. */
export function bareName(item: ListItem, what: string): string {
  if (item.value !== undefined)
    throw item.ctx.error(`'${item.name}:${item.value}' is not a ${what}; list plain names separated by commas.`);
  return item.name;
}

/** Names OpenSSL compares case-sensitively: a near miss gets a hint instead of a bare refusal. */
export function caseHint(name: string, known: readonly string[]): string {
  const near = known.find((k) => k.toLowerCase() === name.toLowerCase());
  return near ? ` (names are case-sensitive: did you mean ${near}?)` : '';
}

/** A record lookup that ignores Object.prototype (a conf may well say `toString`). */
export function ownValue<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
