/** The generic preset: any log with one record per line. Measures ERROR records per record. */
export const GENERIC_CONFIG = `// A type-only import: the config loads without @ratchet/core installed beside it.
import type { RatchetConfigInput } from '@ratchet/core';

// Ratchet for any system whose health shows in its logs. Every key is explained in docs/config.md;
// docs/first-loop.md walks through a first loop on your own service.
export default {
  // Records at an error level per record, lower is better. With metric rules (below) you can
  // measure what you mean instead, e.g. { metric: 'timeouts', per: 'requests' }.
  objective: { metric: 'errorRecords', per: 'records', direction: 'lower' },
  phases: {
    aggregate: {
      use: '@ratchet/phase-aggregate',
      with: {
        preset: 'generic',
        logs: ['./logs'],
        // A regex with named groups ts, level and message for your log lines.
        lineFormat: '^(?<ts>\\\\S+ \\\\S+) (?<level>[A-Z]+) (?<message>.*)$',
        // Metrics counted by a regex on the message; each name can be used in objective:
        // metrics: [{ name: 'requests', message: '^GET ' }],
      },
    },
    diagnose: { use: '@ratchet/phase-diagnose', with: { builtin: false, rules: ['./rules.yaml'] } },
    implement: { use: '@ratchet/phase-implement', with: { roots: ['./config'] } },
    // Any phase can be a command in any language: see docs/writing-a-phase.md.
    test: { use: '@ratchet/phase-test', with: { refresh: { kind: 'wait', durationMs: 60000 } } },
  },
  exit: { maxIterations: 10, plateau: { minImprovementPct: 5, iterations: 2 } },
  priority: 'LOW',
} satisfies RatchetConfigInput;
`;

/** The rule file the generic config names: valid, empty, with an example to copy. */
export const GENERIC_RULES = `# Diagnose rules: what an error means and which fixes to try (docs/writing-rules.md).
# The generic preset groups ERROR records into error types by template ("upstream timeout after <*> ms").
version: 1
rules: []
# rules:
#   - id: upstream-timeout
#     title: Requests time out waiting for the upstream
#     match: { category: unknown, text: 'upstream timeout after (?<ms>\\d+) ms' }
#     rootCause: The upstream takes longer than {{ms}} ms.
#     fixes:
#       - id: raise-upstream-timeout
#         name: Wait up to 500 ms for the upstream
#         actions:
#           - { type: json-set, file: service.json, path: upstream.timeoutMs, value: 500 }
`;
