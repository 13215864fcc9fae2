/**
 * A vitest reporter that ends the run with the list of tests skipped because an outside tool is missing
 * (see test/helpers/tools.ts), grouped by the line that installs it. Nothing is printed when none was skipped.
 */
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

const NOTE = 'missing tool:';

export default class MissingToolsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const byNote = new Map<string, string[]>();
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped' || !result.note?.startsWith(NOTE)) continue;
        const list = byNote.get(result.note) ?? [];
        list.push(`${relative(process.cwd(), mod.moduleId)} > ${test.fullName}`);
        byNote.set(result.note, list);
      }
    }
    if (byNote.size === 0) return;
    const total = [...byNote.values()].reduce((n, l) => n + l.length, 0);
    const lines = [
      '',
      `${total} interop test${total === 1 ? ' was' : 's were'} skipped because a tool they check against is missing`,
      '(install it and run again; CI sets MTLSKIT_REQUIRE_TOOLS=1, where a missing tool fails the test):',
    ];
    for (const [note, tests] of byNote) {
      lines.push(`  ${note.slice(NOTE.length).trim()}:`);
      for (const t of tests) lines.push(`    - ${t}`);
    }
    process.stdout.write(`${lines.join('\n')}\n\n`);
  }
}
