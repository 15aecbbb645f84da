import { defineConfig } from 'vitest/config';

// Tests run in forked processes (each initialises its own tensor backend), two at a time for the
// two cores the project targets. Suites are seeded and deterministic.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
