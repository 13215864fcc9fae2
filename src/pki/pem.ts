/** PEM armour: encode DER with a label, and split a file into its PEM blocks (bundles allowed). */
import { badInput } from '../errors.js';

export interface PemBlock {
  label: string;
  der: Buffer;
}

export function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every PEM block in the text, in order; headers such as Proc-Type are skipped. */
export function readPemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const body = m[2]!
      .split(/\r?\n/)
      .filter((line) => line.length > 0 && !line.includes(':'))
      .join('');
    blocks.push({ label: m[1]!, der: Buffer.from(body, 'base64') });
  }
  return blocks;
}

export function looksLikePem(data: Uint8Array | string): boolean {
  const text = typeof data === 'string' ? data : Buffer.from(data.subarray(0, 4096)).toString('latin1');
  return text.includes('-----BEGIN ');
}

/**
 * DER objects with one of the given labels, from PEM (all matching blocks) or raw DER (one object).
 * `describe` names the file for the error when nothing usable is there.
 */
export function readDerObjects(data: Uint8Array, labels: string[], describe: string, what: string): Buffer[] {
  if (looksLikePem(data)) {
    const blocks = readPemBlocks(Buffer.from(data).toString('latin1')).filter((b) => labels.includes(b.label));
    if (blocks.length === 0) {
      throw badInput(`${describe} has no PEM "${labels[0]}" block; give a ${what} file in PEM or DER.`);
    }
    return blocks.map((b) => b.der);
  }
  if (data.length < 2 || data[0] !== 0x30) {
    throw badInput(`${describe} is neither PEM nor DER; give a ${what} file in PEM or DER.`);
  }
  return [Buffer.from(data)];
}
