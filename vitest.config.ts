import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources (the `source` export condition), so a change is
// tested without a rebuild. End-to-end tests that spawn the real `ratchet` bin use dist/,
// which `scripts/bootstrap.mjs` builds before the suite starts.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'test-support/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most slow tests wait on subprocesses and servers, not the CPU: two files at a time on 2 cores.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
