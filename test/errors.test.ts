import { describe, it, expect } from 'vitest';
import { MtlsError, oneLine } from '../src/errors.js';

describe('MtlsError messages stay one line', () => {
  it('escapes line breaks and control characters that come from the input it echoes', () => {
    expect(oneLine("--passin '\nx\r\ty\0' is not a password source.")).toBe(
      "--passin '\\nx\\r\\ty\\x00' is not a password source.",
    );
    expect(new MtlsError('BAD_INPUT', 'a\r\nb').message).toBe('a\\nb');
  });

  it('shortens a run of more than 160 characters without a space, saying how long it was', () => {
    const m = new MtlsError('USAGE', `--passin '${'='.repeat(40_000)}' is not a password source.`).message;
    expect(m.length).toBeLessThan(300);
    expect(m).toContain('(40002 characters)');
    expect(m.endsWith('is not a password source.')).toBe(true);
    const path = `/tmp/${'a'.repeat(100)}/ca.key`;
    expect(oneLine(`${path} is missing.`)).toBe(`${path} is missing.`);
  });
});
