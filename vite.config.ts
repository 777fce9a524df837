import { defineConfig } from 'vitest/config';

// Test layout: one vitest project per kind of test, so `npm test` runs all and each can run alone
// (`npx vitest run --project server`).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'server',
          include: ['test/server/**/*.test.ts', 'test/grafana/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'extension',
          include: ['test/extension/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
          setupFiles: ['test/extension/setup.ts'],
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
