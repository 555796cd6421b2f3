import { durationMs, type ExitConfig } from '../config/schema.js';
import type { ExitPolicy, ExitPolicyContext, ExitVerdict } from '../contracts/exit-policy.js';
import type { LoopState } from '../contracts/state.js';
import { stateView } from '../engine/ledger.js';
import { improvementPct } from '../engine/objective.js';
import { formatNumber } from '../reports/format/numbers.js';

export const EXIT_CONDITIONS = {
  maxIterations: 'max_iterations_reached',
  noMoreFixes: 'all_fixes_attempted',
  plateau: 'plateau_detected',
  target: 'success',
  regression: 'regression_detected',
  deadline: 'deadline_reached',
  manual: 'manual_stop',
} as const;

/** The names of the built-in policies (they key each policy's persisted memory). */
export const BUILTIN_POLICY_NAMES = [
  'maxIterations',
  'noMoreFixes',
  'plateau',
  'target',
  'regression',
  'deadline',
];

export function maxIterationsPolicy(max: number): ExitPolicy {
  return {
    name: 'maxIterations',
    evaluate(state, ctx) {
      if (ctx.checkpoint !== 'iteration-end' || state.iteration < max) return undefined;
      return { condition: EXIT_CONDITIONS.maxIterations, reason: `reached the limit of ${max} iterations` };
    },
  };
}

export function noMoreFixesPolicy(): ExitPolicy {
  return {
    name: 'noMoreFixes',
    evaluate(state, ctx) {
      if (ctx.checkpoint !== 'no-fixes') return undefined;
      return {
        condition: EXIT_CONDITIONS.noMoreFixes,
        reason: `a fresh diagnosis proposed no fix that was not tried already (${state.fixesAttempted.length} attempted)`,
      };
    },
  };
}

/**
 * Stops when the objective improved by less than `minImprovementPct` over the best result so far in
 * each of the last `iterations` iterations. The streak is kept in the policy's persisted memory, with
 * the iteration it was last counted for, so evaluating the same iteration twice (after a resume)
 * does not count it twice.
 */
export function plateauPolicy(options: {
  minImprovementPct: number;
  iterations: number;
  mode: 'relative' | 'absolute';
}): ExitPolicy {
  return {
    name: 'plateau',
    evaluate(state, ctx) {
      if (ctx.checkpoint !== 'iteration-end') return undefined;
      const record = state.iterationHistory.at(-1);
      if (!record) return undefined;
      const memory = ctx.memory as { streak?: number; countedIteration?: number; bestBefore?: number | null };
      if (memory.countedIteration !== record.iteration) {
        const earlier = state.iterationHistory
          .slice(0, -1)
          .map((r) => r.objective)
          .filter((v): v is number => v !== null);
        const candidates = [...earlier, record.objectiveAtStart].filter((v): v is number => v !== null);
        const bestBefore = best(state, candidates);
        const gain = improvementPct(state.objective, bestBefore, record.objective, options.mode);
        memory.streak = gain !== null && gain >= options.minImprovementPct ? 0 : (memory.streak ?? 0) + 1;
        memory.countedIteration = record.iteration;
        memory.bestBefore = bestBefore;
      }
      if ((memory.streak ?? 0) < options.iterations) return undefined;
      return {
        condition: EXIT_CONDITIONS.plateau,
        reason: `the objective improved by less than ${options.minImprovementPct}${options.mode === 'absolute' ? ' (absolute x100)' : '%'} over the best result so far in each of the last ${options.iterations} iterations`,
      };
    },
  };
}

function best(state: Readonly<LoopState>, values: number[]): number | null {
  if (values.length === 0) return null;
  return state.objective.direction === 'higher' ? Math.max(...values) : Math.min(...values);
}

export function targetPolicy(target: { improvementPct?: number; value?: number }): ExitPolicy {
  return {
    name: 'target',
    evaluate(state) {
      const current = state.currentObjective;
      if (current === null) return undefined;
      if (target.value !== undefined) {
        const reached =
          state.objective.direction === 'higher' ? current >= target.value : current <= target.value;
        if (reached)
          return {
            condition: EXIT_CONDITIONS.target,
            reason: `the objective reached ${formatNumber(current)} (target ${target.value})`,
          };
      }
      if (target.improvementPct !== undefined) {
        const gain = improvementPct(state.objective, state.baselineObjective, current);
        if (gain !== null && gain >= target.improvementPct) {
          return {
            condition: EXIT_CONDITIONS.target,
            reason: `the objective improved by ${gain.toFixed(1)}% over the baseline (target ${target.improvementPct}%)`,
          };
        }
      }
      return undefined;
    },
  };
}

export function regressionPolicy(options: { tolerancePct: number; restoreBest: boolean }): ExitPolicy {
  return {
    name: 'regression',
    evaluate(state) {
      const gain = improvementPct(state.objective, state.baselineObjective, state.currentObjective);
      if (gain === null || gain >= -options.tolerancePct) return undefined;
      return {
        condition: EXIT_CONDITIONS.regression,
        reason: `the objective is ${(-gain).toFixed(1)}% worse than the baseline (${formatNumber(state.baselineObjective)} -> ${formatNumber(state.currentObjective)}), beyond the ${options.tolerancePct}% tolerance`,
        restoreBest: options.restoreBest,
      };
    },
  };
}

export function deadlinePolicy(deadline: number | string): ExitPolicy {
  return {
    name: 'deadline',
    evaluate(state, ctx) {
      const at =
        typeof deadline === 'string' && /\d{4}-\d{2}-\d{2}T/.test(deadline)
          ? Date.parse(deadline)
          : Date.parse(state.startedAt) + durationMs(deadline);
      if (ctx.now.getTime() < at) return undefined;
      return {
        condition: EXIT_CONDITIONS.deadline,
        reason: `the deadline ${new Date(at).toISOString()} has passed`,
      };
    },
  };
}

/** The built-in policies the config asks for, in the order they are consulted. */
export function builtinPolicies(exit: ExitConfig): ExitPolicy[] {
  const policies: ExitPolicy[] = [];
  if (exit.target) policies.push(targetPolicy(exit.target));
  if (exit.regression) policies.push(regressionPolicy(exit.regression));
  if (exit.deadline !== undefined) policies.push(deadlinePolicy(exit.deadline));
  if (exit.noMoreFixes) policies.push(noMoreFixesPolicy());
  if (exit.plateau) policies.push(plateauPolicy(exit.plateau));
  policies.push(maxIterationsPolicy(exit.maxIterations));
  return policies;
}

export function evaluatePolicies(
  policies: readonly ExitPolicy[],
  state: LoopState,
  checkpoint: ExitPolicyContext['checkpoint'],
  now = new Date(),
): ExitVerdict | undefined {
  const view = stateView(state);
  for (const policy of policies) {
    const memory = (state.policyState[policy.name] ??= {}) as Record<string, unknown>;
    const verdict = policy.evaluate(view, { checkpoint, memory, now });
    if (verdict) return verdict;
  }
  return undefined;
}
