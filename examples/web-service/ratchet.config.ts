import { defineConfig } from '@ratchet/core';

// A loop that has nothing to do with Plex: a small HTTP service (service/server.mjs) whose error
// log gets better or worse with its JSON config (config/service.json). Before the first run, make
// a baseline log: `node bin/load.mjs`. Then `ratchet run`.
export default defineConfig({
  // Errors per request, lower is better.
  objective: { metric: 'errorRecords', per: 'requests', direction: 'lower' },

  phases: {
    aggregate: {
      use: '@ratchet/phase-aggregate',
      with: {
        preset: 'generic',
        logs: ['./logs'],
        // The service's own line format: `<ISO time> [<LEVEL>] web-svc: <message>`.
        lineFormat: '^(?<ts>\\S+) \\[(?<level>[A-Z]+)\\] web-svc: (?<message>.*)$',
        metrics: [
          { name: 'requests', message: '^GET ' },
          { name: 'timeouts', message: 'upstream timeout', levels: ['ERROR'] },
          { name: 'cacheHits', message: ' cache hit$' },
        ],
      },
    },

    // Only our own rules: the built-in knowledge base is about Plex.
    diagnose: {
      use: '@ratchet/phase-diagnose',
      with: { builtin: false, rules: ['./rules/web-service.yaml'] },
    },

    // Fixes are json-set actions on files under ./config; relative paths start there.
    implement: { use: '@ratchet/phase-implement', with: { roots: ['./config'] } },

    // Each test starts the service with the current config and sends it the same traffic.
    test: {
      use: '@ratchet/phase-test',
      with: {
        refresh: {
          kind: 'command',
          command: ['node', './bin/load.mjs', '--requests', '300'],
          timeoutMs: 60000,
        },
      },
    },
  },

  exit: {
    // Keep re-measuring after the fixes run out, and stop when two iterations in a row gain < 5%.
    noMoreFixes: false,
    plateau: { minImprovementPct: 5, iterations: 2 },
    maxIterations: 6,
  },
  judge: { alpha: 0.05, minSamples: 20, minEffectPct: 10 },
  // The rule's alternatives score lower than the fix they replace; try every priority.
  priority: 'LOW',
});
