import { defineConfig } from '@ratchet/core';

// A loop with a phase and an exit policy of our own, each in its own local package:
//   packages/jsonl-aggregate      the aggregate phase, a TypeScript class built by tsyringe
//   packages/error-budget-policy  an exit policy (a factory), stops once the error budget is met
// The system is an import job (bin/job.mjs) whose JSON-lines log depends on config/job.json.
// Run the job once for a baseline (`node bin/job.mjs`), then `ratchet run`.
export default defineConfig({
  objective: { metric: 'errors', per: 'records', direction: 'lower' },
  phases: {
    // A .ts file loads without a build step; `use: '@ratchet-examples/jsonl-aggregate'` also
    // works once the package is a dependency of the project.
    aggregate: {
      use: './packages/jsonl-aggregate/src/index.ts',
      with: { logs: ['./logs'], itemField: 'record', groupBy: 'reason', category: 'rejected' },
    },
    diagnose: { use: '@ratchet/phase-diagnose', with: { builtin: false, rules: ['./rules/job.yaml'] } },
    implement: { use: '@ratchet/phase-implement', with: { roots: ['./config'] } },
    test: {
      use: '@ratchet/phase-test',
      with: { refresh: { kind: 'command', command: ['node', './bin/job.mjs'], timeoutMs: 60000 } },
    },
  },
  exit: {
    maxIterations: 5,
    custom: [{ use: './packages/error-budget-policy/src/index.ts', with: { budget: 0.05, decisions: 1 } }],
  },
  judge: { alpha: 0.05, minSamples: 20, minEffectPct: 10 },
  priority: 'LOW',
});
