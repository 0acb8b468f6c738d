import { defineConfig } from 'vitest/config';

// Tests live under test/; each file runs in its own fork so native modules stay isolated.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
