import { defineConfig } from 'vitest/config';

// Interop tests spawn openssl, curl, keytool and the built CLI: give them room, never time them.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests skipped for a missing outside tool are named at the end, with the line that installs the tool.
    reporters: ['default', './test/helpers/missing-tools-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
