import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ExitConfig, ExitConfigSchema } from '../src/config/schema.js';
import { LoopEvents } from '../src/contracts/events.js';
import type { ExitPolicy } from '../src/contracts/exit-policy.js';
import { silentLogger } from '../src/contracts/logger.js';
import type { AggregatePhase, DiagnosePhase, ImplementPhase, TestPhase } from '../src/contracts/phase.js';
import type { Decision, Fix, Priority, TestResult } from '../src/contracts/schemas.js';
import { type EngineOptions, LoopEngine } from '../src/engine/loop-engine.js';
import { objectiveValue } from '../src/engine/objective.js';
import { builtinPolicies } from '../src/policies/builtin.js';
import { RunStore } from '../src/state/run-store.js';

/**
 * An in-memory system for engine tests: `errors` per 100 `requests`, where each applied fix
 * changes the error count by its effect. Phases are plain objects over that system.
 */
export interface FakeFix {
  id: string;
  effect: number;
  priority?: Priority;
  alternativeOf?: string;
  /** The decision the test phase returns for it; by default judged from the numbers. */
  decision?: Decision | Decision[];
  failApply?: boolean;
  failTest?: boolean;
}

export interface FakeSystemOptions {
  baseErrors: number;
  /** Fixes proposed by each diagnosis, by call number (the last list repeats). */
  diagnoses: FakeFix[][];
  exit?: Partial<ExitConfig>;
  priority?: Priority;
  maxMonitor?: number;
  extraPolicies?: ExitPolicy[];
  outDir?: string;
  requests?: number;
  /** Give the test phase a measureBefore that measures just before each fix. */
  measureBefore?: boolean;
}

export function createFakeSystem(options: FakeSystemOptions) {
  const applied = new Set<string>();
  const calls = { aggregate: 0, diagnose: 0, pretest: 0, implement: 0, rollback: 0, recover: 0, test: 0 };
  const all = new Map(options.diagnoses.flat().map((fix) => [fix.id, fix]));
  const testCounts = new Map<string, number>();
  const requests = options.requests ?? 100;
  const errors = () =>
    Math.max(0, options.baseErrors + [...applied].reduce((sum, id) => sum + (all.get(id)?.effect ?? 0), 0));

  const aggregate: AggregatePhase = {
    name: 'fake-aggregate',
    async run() {
      calls.aggregate += 1;
      return { metrics: { errors: errors(), requests }, errorTypes: [{ id: 'e1', count: errors() }] };
    },
  };
  const diagnose: DiagnosePhase = {
    name: 'fake-diagnose',
    async run(input) {
      const list = options.diagnoses[Math.min(calls.diagnose, options.diagnoses.length - 1)] ?? [];
      calls.diagnose += 1;
      const fixes: Fix[] = list
        .filter((fix) => !input.attemptedFixIds.includes(fix.id))
        .map((fix) => ({
          id: fix.id,
          priority: fix.priority ?? 'HIGH',
          targets: ['e1'],
          actions: [],
          alternativeOf: fix.alternativeOf,
        }));
      return { mode: input.mode, fixes };
    },
  };
  const implement: ImplementPhase = {
    name: 'fake-implement',
    async run({ fix }) {
      calls.implement += 1;
      if (all.get(fix.id)?.failApply) throw new Error(`cannot write the file for ${fix.id}`);
      applied.add(fix.id);
      return { fixId: fix.id, changes: [{ action: 'fake', path: fix.id }] };
    },
    async rollback(fix) {
      calls.rollback += 1;
      applied.delete(fix.fixId);
    },
    async recover(fix) {
      calls.recover += 1;
      applied.delete(fix.id);
    },
  };
  const beforeSeen: Record<string, unknown>[] = [];
  const previousSeen: (TestResult[] | undefined)[] = [];
  const test: TestPhase = {
    name: 'fake-test',
    ...(options.measureBefore
      ? {
          async measureBefore(input: { fix: Fix }) {
            calls.pretest += 1;
            return { metrics: { errors: errors(), requests }, errorTypes: [], takenFor: input.fix.id };
          },
        }
      : {}),
    async run(input, ctx) {
      calls.test += 1;
      const script = all.get(input.fix.id);
      beforeSeen.push(input.before);
      previousSeen.push(input.previous);
      if (script?.failTest) throw new Error('the server did not answer');
      const after = await ctx.measure({ start: new Date().toISOString() });
      const n = testCounts.get(input.fix.id) ?? 0;
      testCounts.set(input.fix.id, n + 1);
      const scripted = Array.isArray(script?.decision)
        ? script.decision[Math.min(n, script.decision.length - 1)]
        : script?.decision;
      const before = objectiveValue(input.objective, input.before.metrics).value ?? 0;
      const now = objectiveValue(input.objective, after.metrics).value ?? 0;
      const decision: Decision = scripted ?? (now < before ? 'KEEP' : 'ROLLBACK');
      const result: TestResult = {
        decision,
        rationale: `errors per request ${before} -> ${now}`,
        rule: 'fake',
        after,
        evidence: { attempt: n + 1 },
      };
      return result;
    },
  };

  const outDir = options.outDir ?? mkdtempSync(join(tmpdir(), 'ratchet-engine-'));
  const events = new LoopEvents();
  const exit = ExitConfigSchema.parse({ plateau: false, ...options.exit });

  function engine(extra: Partial<EngineOptions> = {}) {
    const store = new RunStore(outDir);
    const engineOptions: EngineOptions = {
      store,
      objective: { metric: 'errors', per: 'requests', direction: 'lower' },
      priority: options.priority ?? 'HIGH',
      minSamples: 20,
      maxMonitor: options.maxMonitor ?? 3,
      stopFile: 'STOP',
      ...extra,
    };
    const policies = [...builtinPolicies(exit), ...(options.extraPolicies ?? [])];
    return new LoopEngine(
      aggregate,
      diagnose,
      implement,
      test,
      policies,
      events,
      silentLogger,
      engineOptions,
    );
  }

  return { engine, applied, calls, outDir, events, errors, beforeSeen, previousSeen };
}
