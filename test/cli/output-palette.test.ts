import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { ANSI } from '../../src/cli/output.js';

// output.ts writes its own ANSI styles instead of loading chalk at start-up; they must print what chalk prints.
describe('the colour palette', () => {
  const chalk = new Chalk({ level: 1 });
  const samples = ['ok', '', 'two\nlines', 'crlf\r\nline', 'tab\tand ünïcode ✔'];
  for (const style of ['green', 'red', 'yellow', 'bold', 'dim'] as const) {
    it(`${style} matches chalk at level 1, nested styles and line breaks included`, () => {
      for (const s of samples) expect(JSON.stringify(ANSI[style](s))).toBe(JSON.stringify(chalk[style](s)));
      expect(ANSI[style](`a ${ANSI.bold('b')} ${ANSI.green('c')} ${ANSI.dim('d')} e`)).toBe(
        chalk[style](`a ${chalk.bold('b')} ${chalk.green('c')} ${chalk.dim('d')} e`),
      );
    });
  }
});
