import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/fast-check-setup.ts'],
    // FC_RUNS (a deeper property search) may take minutes; test/fast-check-setup.ts bounds it.
    testTimeout: process.env.FC_RUNS ? 30 * 60_000 : 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
