import type { ExitPolicy, LoopStateView, PhaseFactoryContext } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import createErrorBudgetPolicy from '../packages/error-budget-policy/src/index.js';

const factoryContext = { configDir: '/tmp', log: console, settings: {} } as unknown as PhaseFactoryContext;

function stateWith(currentObjective: number, attempted: number): LoopStateView {
  return {
    currentObjective,
    fixesAttempted: Array.from({ length: attempted }, (_, i) => `fix-${i}`),
    objective: { metric: 'errors', per: 'records', direction: 'lower' },
  } as unknown as LoopStateView;
}

describe('the error-budget exit policy', () => {
  it('stops after the given number of decisions in a row within the budget, counting each decision once', async () => {
    const policy = (await createErrorBudgetPolicy(
      { budget: 0.05, decisions: 2 },
      factoryContext,
    )) as ExitPolicy;
    const memory: Record<string, unknown> = {};
    const at = (objective: number, attempted: number) =>
      policy.evaluate(stateWith(objective, attempted), { checkpoint: 'decision', memory, now: new Date() });
    expect(at(0.04, 1)).toBeUndefined();
    expect(at(0.04, 1)).toBeUndefined(); // the same decision again (a resume): not counted twice
    expect(at(0.2, 2)).toBeUndefined(); // over the budget: the streak starts again
    expect(at(0.03, 3)).toBeUndefined();
    expect(at(0.02, 4)).toMatchObject({ condition: 'error_budget_met' });
    expect(memory).toEqual({ streak: 2, countedAt: 4 });
  });

  it('goes on counting from the memory a resumed run hands back', async () => {
    const policy = (await createErrorBudgetPolicy(
      { budget: 0.05, decisions: 2 },
      factoryContext,
    )) as ExitPolicy;
    const saved = JSON.parse(JSON.stringify({ streak: 1, countedAt: 3 }));
    const verdict = policy.evaluate(stateWith(0.01, 4), {
      checkpoint: 'decision',
      memory: saved,
      now: new Date(),
    });
    expect(verdict?.condition).toBe('error_budget_met');
  });

  it('ignores the end-of-iteration checkpoint and refuses a budget that is not a positive number', async () => {
    const policy = (await createErrorBudgetPolicy({ budget: 0.05 }, factoryContext)) as ExitPolicy;
    expect(
      policy.evaluate(stateWith(0, 1), { checkpoint: 'iteration-end', memory: {}, now: new Date() }),
    ).toBeUndefined();
    expect(() => createErrorBudgetPolicy({ budget: -1 }, factoryContext)).toThrow(
      expect.objectContaining({
        code: 'PHASE_OPTIONS_INVALID',
        message: expect.stringContaining('error-budget: budget:'),
      }),
    );
  });
});
