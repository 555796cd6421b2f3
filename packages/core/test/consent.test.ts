import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../src/contracts/events.js';
import type { AppliedFix, Fix } from '../src/contracts/schemas.js';
import { changesNothing } from '../src/engine/consent.js';
import { createFakeSystem } from './fake-system.js';

const outcomes = (decisions: readonly DecisionRecord[]) => decisions.map((d) => `${d.fixId}:${d.outcome}`);

describe('consent before any work for a fix', () => {
  it('asks before the pretest; a declined fix is DECLINED, never measured, applied or rolled back', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      measureBefore: true,
      diagnoses: [
        [
          { id: 'no-thanks', effect: -20 },
          { id: 'yes-please', effect: -10 },
        ],
        [],
      ],
    });
    const asked: { id: string; pretestsSoFar: number }[] = [];
    const engine = system.engine({
      approveFix: async (fix: Fix) => {
        asked.push({ id: fix.id, pretestsSoFar: system.calls.pretest });
        return fix.id === 'yes-please';
      },
    });
    expect(await engine.run('start')).toBe('finished');
    expect(asked).toEqual([
      { id: 'no-thanks', pretestsSoFar: 0 },
      { id: 'yes-please', pretestsSoFar: 0 },
    ]);
    expect(outcomes(engine.decisionLog)).toEqual(['no-thanks:DECLINED', 'yes-please:KEEP']);
    expect(engine.decisionLog[0]?.rationale).not.toContain('rolled back');
    expect(engine.currentState.ledger['no-thanks']?.status).toBe('declined');
    expect(system.calls.pretest).toBe(1);
    expect(system.calls.rollback + system.calls.recover).toBe(0);
    expect([...system.applied]).toEqual(['yes-please']);
  });
});

describe('changesNothing', () => {
  const preview = (changes: AppliedFix['changes']): AppliedFix => ({ fixId: 'f', changes });
  it('is true only when every write leaves its file as it is', () => {
    expect(changesNothing(preview([{ action: 'write', path: 'a', hashBefore: 'h1', hashAfter: 'h1' }]))).toBe(
      true,
    );
    expect(
      changesNothing(
        preview([
          { action: 'write', path: 'a', hashBefore: 'h1', hashAfter: 'h1' },
          { action: 'restart', description: 'would restart' },
        ]),
      ),
    ).toBe(true);
    expect(changesNothing(preview([{ action: 'write', path: 'a', hashBefore: 'h1', hashAfter: 'h2' }]))).toBe(
      false,
    );
    expect(changesNothing(preview([{ action: 'write', path: 'a', hashBefore: null, hashAfter: 'h2' }]))).toBe(
      false,
    );
    expect(changesNothing(preview([{ action: 'command', description: 'would run' }]))).toBe(false);
    expect(changesNothing(preview([]))).toBe(false);
  });
});

describe("a kept fix's alternatives stay dropped", () => {
  it('does not apply an alternative of a kept fix that a later diagnosis proposes again', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      exit: { noMoreFixes: false, maxIterations: 3 },
      diagnoses: [
        [{ id: 'retry', effect: -10 }],
        [
          { id: 'slow-down', effect: -8, alternativeOf: 'retry' },
          { id: 'other', effect: -5 },
        ],
        [],
      ],
    });
    const engine = system.engine();
    await engine.run('start');
    expect(outcomes(engine.decisionLog)).toEqual(['retry:KEEP', 'other:KEEP']);
    expect(system.applied.has('slow-down')).toBe(false);
  });
});

describe('the pause reason of an inconclusive test', () => {
  it('counts against maxMonitor, the number of inconclusive tests allowed', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      maxMonitor: 3,
      diagnoses: [[{ id: 'unsure', effect: -1, decision: 'MONITOR' }], []],
    });
    const engine = system.engine();
    expect(await engine.run('start')).toBe('paused');
    expect(engine.currentState.exitReason).toContain('inconclusive 1 of 3 time(s) judge.maxMonitor allows');
  });
});
