import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/run.js';
import { readBatchFile } from '../../src/ca/batch.js';

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

const file = (name: string, text: string) => {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readBatchFile', () => {
  it('reads CSV with quoted cells, several values per cell and CRLF lines', () => {
    const rows = readBatchFile(
      file(
        'b.csv',
        'name,dns,ip,email,subject\r\nweb,"a.example.com;b.example.com",10.0.0.1,,"/O=Acme, Inc/CN=web"\r\napi,api.example.com,,ops@example.com,\r\n',
      ),
    );
    expect(rows).toEqual([
      {
        name: 'web',
        dns: ['a.example.com', 'b.example.com'],
        ip: ['10.0.0.1'],
        email: [],
        uri: [],
        subject: [
          { type: 'O', value: 'Acme, Inc' },
          { type: 'CN', value: 'web' },
        ],
      },
      { name: 'api', dns: ['api.example.com'], ip: [], email: ['ops@example.com'], uri: [], subject: undefined },
    ]);
  });

  it('reads a JSON array with lists or strings', () => {
    const rows = readBatchFile(
      file('b.json', JSON.stringify([{ name: 'd1', dns: ['x.example.com'], ip: '127.0.0.1;::1' }])),
    );
    expect(rows[0]).toMatchObject({ name: 'd1', dns: ['x.example.com'], ip: ['127.0.0.1', '::1'] });
  });

  it('names the bad line or entry', () => {
    expect(() => readBatchFile(file('c.csv', 'name,dns\nok,a.example.com\nbad name,b.example.com\n'))).toThrowError(
      /^c\.csv:3: /,
    );
    expect(() => readBatchFile(file('d.csv', 'name,dns,ip\nx,a.example.com,999.1.1.1\n'))).toThrowError(
      /^d\.csv:2: --ip '999\.1\.1\.1'/,
    );
    expect(() => readBatchFile(file('e.csv', 'name,host\nx,y\n'))).toThrowError(/^e\.csv:1: unknown column 'host'/);
    expect(() => readBatchFile(file('f.csv', 'name\nsame\nsame\n'))).toThrowError(
      /^f\.csv:3: the name 'same' was already used at f\.csv:2/,
    );
    expect(() => readBatchFile(file('g.json', '[{"name":"a"},{"nam":"b"}]'))).toThrowError(
      /^g\.json: entry 2: unknown field 'nam'/,
    );
    expect(() => readBatchFile(file('h.json', '[{"name":'))).toThrowError(/^h\.json is not valid JSON/);
    expect(() => readBatchFile(file('i.csv', 'name,dns\n'))).toThrowError(/lists no certificates/);
  });
});
