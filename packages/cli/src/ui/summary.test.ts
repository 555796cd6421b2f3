import { type Fix, initialState, type LoopState } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import { summarize } from './summary.js';

const fix = (id: string): Fix => ({ id, priority: 'HIGH', targets: [], actions: [] });

function stateWith(dryRun = false): LoopState {
  const state = initialState({ metric: 'errors', per: 'requests', direction: 'lower' }, new Date(0), dryRun);
  state.baselineObjective = 0.5;
  state.currentObjective = 0.6;
  return state;
}

describe('the run summary', () => {
  it('names every fix applied on the system now, kept or awaiting a retest', () => {
    const state = stateWith();
    state.ledger.a = {
      fix: fix('a'),
      status: 'kept',
      keptSeq: 1,
      iteration: 1,
      attempts: 1,
      inconclusive: [],
    };
    state.ledger.b = { fix: fix('b'), status: 'testing', iteration: 1, attempts: 1, inconclusive: [] };
    state.ledger.c = { fix: fix('c'), status: 'rolled_back', iteration: 1, attempts: 1, inconclusive: [] };
    const summary = summarize(state, '/out');
    expect(summary.applied).toEqual([
      { id: 'a', state: 'kept' },
      { id: 'b', state: 'awaiting a retest' },
    ]);
    expect(summary.text).toContain('applied on the system now: a (kept), b (awaiting a retest)');
  });

  it('does not blame kept fixes for a change when none is kept', () => {
    const summary = summarize(stateWith(), '/out');
    expect(summary.text).toContain(
      'worse by 20.0%; no fix is kept, so the change came from the traffic, not from a fix',
    );
  });

  it('a dry run compares nothing: no "better by 0.0%"', () => {
    const state = stateWith(true);
    state.currentObjective = 0.5;
    const summary = summarize(state, '/out');
    expect(summary.text).not.toMatch(/better by|worse by/);
    expect(summary.improvementPct).toBeNull();
  });
});
