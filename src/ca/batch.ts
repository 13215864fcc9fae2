/**
 * Batch issuance input: a CSV file with a header row (name,dns,ip,email,subject[,uri]; several values in
 * one cell separated by ';') or a JSON array of objects with the same fields. Every row is checked
 * before anything is issued; a bad row is named by its line (CSV) or position (JSON).
 */
import { readInputFile } from '../store/input-file.js';
import { basename } from 'node:path';
import { MtlsError } from '../errors.js';
import { parseSubjectString } from '../conf/subject.js';
import type { DnEntry } from '../pki/name.js';
import { checkName } from './leaf-paths.js';
import { validateSanRequest } from './extension-plan.js';

export interface BatchRow {
  name: string;
  dns: string[];
  ip: string[];
  email: string[];
  uri: string[];
  subject?: DnEntry[];
}

const FIELDS = ['name', 'dns', 'ip', 'email', 'subject', 'uri'] as const;

export function readBatchFile(path: string): BatchRow[] {
  const text = readInputFile(path, 'batch file').toString('utf8');
  const file = basename(path);
  const rows = text.trimStart().startsWith('[') ? parseJsonBatch(text, file) : parseCsvBatch(text, file);
  if (rows.length === 0)
    throw new MtlsError(
      'BAD_INPUT',
      `${file} lists no certificates; add one row per certificate under the header name,dns,ip,email,subject.`,
    );
  const seen = new Map<string, string>();
  for (const row of rows) {
    const where = seen.get(row.row.name);
    if (where)
      throw new MtlsError(
        'BAD_INPUT',
        `${row.where}: the name '${row.row.name}' was already used at ${where}; give every certificate its own name.`,
      );
    seen.set(row.row.name, row.where);
  }
  return rows.map((r) => r.row);
}

interface LocatedRow {
  row: BatchRow;
  where: string;
}

function toRow(record: Record<string, string | undefined>, where: string): LocatedRow {
  const list = (v: string | undefined) =>
    (v ?? '')
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  const name = (record.name ?? '').trim();
  if (!name) throw new MtlsError('BAD_INPUT', `${where}: the name is empty; every row needs a name.`);
  try {
    checkName(name);
    const subject = record.subject?.trim() ? parseSubjectString(record.subject.trim()) : undefined;
    const row = {
      name,
      dns: list(record.dns),
      ip: list(record.ip),
      email: list(record.email),
      uri: list(record.uri),
      subject,
    };
    validateSanRequest(row);
    return { row, where };
  } catch (err) {
    if (err instanceof MtlsError) throw new MtlsError(err.code, `${where}: ${err.message}`);
    throw err;
  }
}

function parseJsonBatch(text: string, file: string): LocatedRow[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new MtlsError(
      'BAD_INPUT',
      `${file} is not valid JSON (${(err as Error).message}); give an array of {"name", "dns", "ip", "email", "subject"} objects.`,
    );
  }
  if (!Array.isArray(data)) throw new MtlsError('BAD_INPUT', `${file} must hold a JSON array of objects.`);
  return data.map((item, i) => {
    const where = `${file}: entry ${i + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new MtlsError('BAD_INPUT', `${where} is not an object; give {"name": ..., "dns": ...}.`);
    const record: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(item as Record<string, unknown>)) {
      if (!(FIELDS as readonly string[]).includes(key))
        throw new MtlsError('BAD_INPUT', `${where}: unknown field '${key}'; use ${FIELDS.join(', ')}.`);
      record[key] = Array.isArray(value)
        ? value.map(String).join(';')
        : value === undefined || value === null
          ? undefined
          : String(value);
    }
    return toRow(record, where);
  });
}

function parseCsvBatch(text: string, file: string): LocatedRow[] {
  const lines = splitCsvRecords(text);
  const header = lines.shift();
  if (!header) return [];
  const columns = header.cells.map((c) => c.trim().toLowerCase());
  for (const c of columns) {
    if (!(FIELDS as readonly string[]).includes(c))
      throw new MtlsError(
        'BAD_INPUT',
        `${file}:${header.line}: unknown column '${c}'; the header is name,dns,ip,email,subject (uri optional).`,
      );
  }
  if (!columns.includes('name'))
    throw new MtlsError(
      'BAD_INPUT',
      `${file}:${header.line}: the header has no 'name' column; start the file with name,dns,ip,email,subject.`,
    );
  return lines
    .filter((l) => l.cells.some((c) => c.trim() !== ''))
    .map((l) => {
      const where = `${file}:${l.line}`;
      if (l.cells.length > columns.length)
        throw new MtlsError(
          'BAD_INPUT',
          `${where}: ${l.cells.length} cells but the header has ${columns.length}; quote cells that contain commas.`,
        );
      const record: Record<string, string | undefined> = {};
      columns.forEach((c, i) => (record[c] = l.cells[i]));
      return toRow(record, where);
    });
}

/** RFC 4180 records with their starting line numbers (quoted cells may hold commas, quotes and newlines). */
function splitCsvRecords(text: string): { cells: string[]; line: number }[] {
  const records: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      records.push({ cells, line: start });
      cells = [];
      cell = '';
      line++;
      start = line;
    } else cell += ch;
  }
  if (cell !== '' || cells.length > 0) records.push({ cells: [...cells, cell], line: start });
  return records;
}
