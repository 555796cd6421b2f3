import { type ExitPolicy, type PhaseFactory, RatchetError } from '@ratchet/core';
import { z } from 'zod';

const OptionsSchema = z.strictObject({
  /** Stop once the objective is at or under this value (a rate: 0.05 = 5 errors per 100). */
  budget: z.number().positive(),
  /** ... for this many loop decisions in a row. */
  decisions: z.number().int().positive().default(1),
});

interface Memory {
  /** Decisions in a row that ended within the budget. */
  streak?: number;
  /** How many fixes had been attempted when the streak was last counted: a resume that
   * re-evaluates the same decision must not count it twice. */
  countedAt?: number;
}

/**
 * An exit policy module: a factory `(options, ctx) => ExitPolicy`. The condition it reports,
 * `error_budget_met`, becomes the run's exit condition. Its counter lives in `ctx.memory`, which
 * the engine saves in loop_state.json, so a resumed run goes on counting where it stopped.
 */
const createErrorBudgetPolicy: PhaseFactory<ExitPolicy> = (rawOptions) => {
  const parsed = OptionsSchema.safeParse(rawOptions);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RatchetError(
      'PHASE_OPTIONS_INVALID',
      `error-budget: ${issue?.path.join('.') || '(options)'}: ${issue?.message}`,
    );
  }
  const { budget, decisions } = parsed.data;
  return {
    name: 'errorBudget',
    evaluate(state, ctx) {
      if (ctx.checkpoint !== 'decision' || state.currentObjective === null) return undefined;
      const memory = ctx.memory as Memory;
      if (memory.countedAt !== state.fixesAttempted.length) {
        const within =
          state.objective.direction === 'higher'
            ? state.currentObjective >= budget
            : state.currentObjective <= budget;
        memory.streak = within ? (memory.streak ?? 0) + 1 : 0;
        memory.countedAt = state.fixesAttempted.length;
      }
      if ((memory.streak ?? 0) < decisions) return undefined;
      return {
        condition: 'error_budget_met',
        reason: `the objective is ${state.currentObjective.toPrecision(3)}, within the budget of ${budget}, for ${decisions} decision(s) in a row`,
      };
    },
  };
};

export default createErrorBudgetPolicy;
