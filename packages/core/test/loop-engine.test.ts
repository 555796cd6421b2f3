import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../src/contracts/events.js';
import type { ExitPolicy } from '../src/contracts/exit-policy.js';
import { fixViews } from '../src/engine/ledger.js';
import { Journal } from '../src/state/journal.js';
import { RunStore } from '../src/state/run-store.js';
import { createFakeSystem } from './fake-system.js';

const outcomes = (decisions: readonly DecisionRecord[]) => decisions.map((d) => `${d.fixId}:${d.outcome}`);

describe('the loop engine', () => {
  it('keeps a fix that helps, goes on to the next fix, and stops when a fresh diagnosis has nothing left', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [
        [
          { id: 'a', effect: -20 },
          { id: 'b', effect: -10 },
        ],
        [],
      ],
    });
    const engine = system.engine();
    expect(await engine.run('start')).toBe('finished');
    const state = engine.currentState;
    expect(outcomes(engine.decisionLog)).toEqual(['a:KEEP', 'b:KEEP']);
    expect(fixViews(state).fixesSuccessful).toEqual(['a', 'b']);
    expect(state.exitCondition).toBe('all_fixes_attempted');
    expect(state.baselineObjective).toBeCloseTo(0.4);
    expect(state.currentObjective).toBeCloseTo(0.1);
    expect(state.iteration).toBe(2);
    expect(system.calls.diagnose).toBe(2);
  });

  it('rolls back a fix that made things worse and tries its alternative next', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [
        [
          { id: 'threshold', effect: 15 },
          { id: 'other', effect: -1 },
          { id: 'normalize', effect: -25, alternativeOf: 'threshold', priority: 'LOW' },
        ],
        [],
      ],
    });
    const engine = system.engine();
    await engine.run('start');
    expect(outcomes(engine.decisionLog)).toEqual(['threshold:ROLLBACK', 'normalize:KEEP', 'other:KEEP']);
    expect(engine.decisionLog[0]?.next).toBe('try the alternative normalize');
    expect([...system.applied].sort()).toEqual(['normalize', 'other']);
    expect(fixViews(engine.currentState).fixesRolledBack).toEqual(['threshold']);
  });

  it('drops the alternatives of a fix once it is kept', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [
        [
          { id: 'retry', effect: -10 },
          { id: 'slow-down', effect: -8, alternativeOf: 'retry' },
          { id: 'other', effect: -2 },
        ],
        [],
      ],
    });
    const engine = system.engine();
    await engine.run('start');
    expect(outcomes(engine.decisionLog)).toEqual(['retry:KEEP', 'other:KEEP']);
    expect(fixViews(engine.currentState).fixesAttempted).not.toContain('slow-down');
  });

  it("gives the test phase its own measurement from just before the fix as the test's before", async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      measureBefore: true,
      diagnoses: [
        [
          { id: 'a', effect: -10 },
          { id: 'b', effect: -5 },
        ],
        [],
      ],
    });
    const engine = system.engine();
    await engine.run('start');
    expect(outcomes(engine.decisionLog)).toEqual(['a:KEEP', 'b:KEEP']);
    expect(system.beforeSeen.map((b) => [b.takenFor, (b.metrics as Record<string, number>).errors])).toEqual([
      ['a', 40],
      ['b', 30],
    ]);
    const { entries } = Journal.read(join(system.outDir, 'journal.jsonl'));
    expect(entries.filter((e) => e.type === 'step:begin' && e.step === 'pretest')).toHaveLength(2);
  });

  it('skips fixes below the priority bar', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [
        [
          { id: 'low', effect: -5, priority: 'LOW' },
          { id: 'med', effect: -5, priority: 'MEDIUM' },
        ],
      ],
      priority: 'MEDIUM',
    });
    const engine = system.engine();
    await engine.run('start');
    expect(outcomes(engine.decisionLog)).toEqual(['med:KEEP']);
  });

  it('records a failed apply, restores through recover, and goes on with the next fix', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [
        [
          { id: 'broken', effect: -5, failApply: true },
          { id: 'good', effect: -5 },
        ],
        [],
      ],
    });
    const engine = system.engine();
    await engine.run('start');
    expect(outcomes(engine.decisionLog)).toEqual(['broken:APPLY_FAILED', 'good:KEEP']);
    expect(fixViews(engine.currentState).fixesFailed).toEqual(['broken']);
    expect(engine.decisionLog[0]?.rationale).toContain('cannot write the file for broken');
    expect(system.calls.recover).toBe(1);
  });

  it('pauses on MONITOR with exit status paused, and a resume retests the same fix', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [[{ id: 'slow', effect: -10, decision: ['MONITOR', 'KEEP'] }], []],
    });
    expect(await system.engine().run('start')).toBe('paused');
    const paused = new RunStore(system.outDir).loadState();
    expect(paused.status).toBe('paused');
    expect(paused.cursor.step).toBe('test');
    expect(paused.cursor.fix?.id).toBe('slow');
    const resumed = system.engine();
    expect(await resumed.run('resume')).toBe('finished');
    expect(outcomes(resumed.decisionLog)).toEqual(['slow:MONITOR', 'slow:KEEP']);
    expect(system.calls.implement).toBe(1);
    // The retest is given the earlier MONITOR result of the fix, to add to its evidence.
    // The first test has no earlier result: the engine passes none.
    expect(system.previousSeen).toEqual([
      undefined,
      [
        expect.objectContaining({
          decision: 'MONITOR',
          rule: 'fake',
          evidence: expect.objectContaining({ attempt: 1 }),
        }),
      ],
    ]);
  });

  it('treats a test phase that failed to measure as MONITOR, never as a failed fix', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [[{ id: 'x', effect: -10, failTest: true }]],
    });
    const engine = system.engine();
    expect(await engine.run('start')).toBe('paused');
    expect(engine.decisionLog[0]?.outcome).toBe('MONITOR');
    expect(engine.decisionLog[0]?.rationale).toContain('the server did not answer');
    expect(fixViews(engine.currentState).fixesRolledBack).toEqual([]);
    expect(system.applied.has('x')).toBe(true);
  });

  it('rolls a fix back once it stayed inconclusive more often than maxMonitor allows', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      maxMonitor: 1,
      diagnoses: [[{ id: 'meh', effect: -1, decision: 'MONITOR' }], []],
    });
    expect(await system.engine().run('start')).toBe('paused');
    const second = system.engine();
    expect(await second.run('resume')).toBe('finished');
    expect(outcomes(second.decisionLog)).toEqual(['meh:MONITOR', 'meh:ROLLBACK']);
    expect(second.decisionLog[1]?.rationale).toContain('inconclusive');
    expect(system.applied.size).toBe(0);
    // The retest is given the earlier inconclusive result, so a judge can pool the evidence.
    expect(system.previousSeen[0]).toBeUndefined();
    expect(system.previousSeen[1]?.map((r) => r.decision)).toEqual(['MONITOR']);
    expect(second.currentState.ledger.meh?.inconclusive).toHaveLength(2);
  });

  it('on MODIFY rolls the fix back and re-diagnoses instead of trying the rest of the queue', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [
        [
          { id: 'm', effect: -1, decision: 'MODIFY' },
          { id: 'later', effect: -5 },
        ],
        [{ id: 'later', effect: -5 }],
        [],
      ],
    });
    const engine = system.engine();
    await engine.run('start');
    expect(outcomes(engine.decisionLog)).toEqual(['m:MODIFY', 'later:KEEP']);
    expect(engine.decisionLog[1]?.iteration).toBe(2);
  });

  it('stops at maxIterations', async () => {
    const fixes = Array.from({ length: 6 }, (_, i) => [{ id: `f${i}`, effect: -1 }]);
    const system = createFakeSystem({ baseErrors: 40, diagnoses: fixes, exit: { maxIterations: 3 } });
    const engine = system.engine();
    await engine.run('start');
    expect(engine.currentState.exitCondition).toBe('max_iterations_reached');
    expect(engine.currentState.iteration).toBe(3);
  });

  it('detects a plateau: two iterations in a row that improve less than 5% on the best so far', async () => {
    const fixes = [
      [{ id: 'big', effect: -200 }],
      [{ id: 's1', effect: -2 }],
      [{ id: 's2', effect: -2 }],
      [{ id: 's3', effect: -2 }],
    ];
    const system = createFakeSystem({
      baseErrors: 400,
      requests: 1000,
      diagnoses: fixes,
      exit: { plateau: { minImprovementPct: 5, iterations: 2, mode: 'relative' } },
    });
    const engine = system.engine();
    await engine.run('start');
    expect(engine.currentState.exitCondition).toBe('plateau_detected');
    expect(engine.currentState.iteration).toBe(3);
    expect(engine.currentState.iterationHistory.map((r) => Math.round(r.improvementPct ?? 0))).toEqual([
      50, 1, 1,
    ]);
  });

  it('stops with success once the target improvement is reached', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [
        [
          { id: 'a', effect: -30 },
          { id: 'b', effect: -5 },
        ],
      ],
      exit: { target: { improvementPct: 50 } },
    });
    const engine = system.engine();
    await engine.run('start');
    expect(engine.currentState.exitCondition).toBe('success');
    expect(outcomes(engine.decisionLog)).toEqual(['a:KEEP']);
  });

  it('detects a regression against the baseline and restores the best known state', async () => {
    // The fake judge is told to keep a fix that makes things worse, as a drifting system would.
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [
        [
          { id: 'good', effect: -10 },
          { id: 'bad', effect: 30, decision: 'KEEP' },
        ],
      ],
      exit: { regression: { tolerancePct: 10, restoreBest: true } },
    });
    const engine = system.engine();
    await engine.run('start');
    expect(engine.currentState.exitCondition).toBe('regression_detected');
    expect(outcomes(engine.decisionLog)).toEqual(['good:KEEP', 'bad:KEEP', 'bad:RESTORED']);
    expect([...system.applied]).toEqual(['good']);
    expect(engine.currentState.exitReason).toContain('restored the best known state by rolling back bad');
    expect(engine.currentState.ledger.bad?.status).toBe('restored');
    expect(fixViews(engine.currentState).fixesSuccessful).toEqual(['good']);
  });

  it('stops at the deadline', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [
        [
          { id: 'a', effect: -1 },
          { id: 'b', effect: -1 },
        ],
      ],
      exit: { deadline: '1h' },
    });
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const engine = system.engine({ now: () => new Date((clock += 20 * 60_000)) });
    await engine.run('start');
    expect(engine.currentState.exitCondition).toBe('deadline_reached');
  });

  it('stops cleanly at a phase boundary when the stop file appears, and resumes from there', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [
        [
          { id: 'a', effect: -10 },
          { id: 'b', effect: -10 },
        ],
        [],
      ],
    });
    system.events.once('decision', () => writeFileSync(join(system.outDir, 'STOP'), ''));
    const first = system.engine();
    expect(await first.run('start')).toBe('interrupted');
    const state = new RunStore(system.outDir).loadState();
    expect(state.exitCondition).toBe('manual_stop');
    expect(state.status).toBe('paused');
    expect(fixViews(state).fixesSuccessful).toEqual(['a']);
    expect(existsSync(join(system.outDir, 'STOP'))).toBe(true);
    // Resuming removes the stop file that did its job, and goes on.
    const finalRun = system.engine();
    expect(await finalRun.run('resume')).toBe('finished');
    expect(existsSync(join(system.outDir, 'STOP'))).toBe(false);
    expect(fixViews(finalRun.currentState).fixesSuccessful).toEqual(['a', 'b']);
  });

  it('consults custom exit policies with persisted memory', async () => {
    const seen: number[] = [];
    const policy: ExitPolicy = {
      name: 'twoDecisions',
      evaluate(_state, ctx) {
        if (ctx.checkpoint !== 'decision') return undefined;
        ctx.memory.count = ((ctx.memory.count as number) ?? 0) + 1;
        seen.push(ctx.memory.count as number);
        return (ctx.memory.count as number) >= 2
          ? { condition: 'two_decisions', reason: 'enough' }
          : undefined;
      },
    };
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [
        [
          { id: 'a', effect: -1 },
          { id: 'b', effect: -1 },
          { id: 'c', effect: -1 },
        ],
      ],
      extraPolicies: [policy],
    });
    const engine = system.engine();
    await engine.run('start');
    expect(engine.currentState.exitCondition).toBe('two_decisions');
    expect(engine.currentState.policyState.twoDecisions).toEqual({ count: 2 });
  });

  it('journals every step before its effect, and writes a state that parses and a decision log', async () => {
    const system = createFakeSystem({ baseErrors: 40, diagnoses: [[{ id: 'a', effect: -10 }], []] });
    await system.engine().run('start');
    const { entries, tornTail, corruptLines } = Journal.read(join(system.outDir, 'journal.jsonl'));
    expect(tornTail).toBeNull();
    expect(corruptLines).toEqual([]);
    const steps = entries.filter((e) => e.type === 'step:begin').map((e) => e.step);
    expect(steps).toEqual([
      'aggregate',
      'diagnose',
      'select',
      'implement',
      'test',
      'decide',
      'select',
      'iteration-end',
      'aggregate',
      'diagnose',
      'select',
    ]);
    expect(entries.at(-2)).toMatchObject({ type: 'exit', data: { condition: 'all_fixes_attempted' } });
    expect(entries.at(-1)).toMatchObject({ type: 'step:end', data: { next: 'done' } });
    const decisions = JSON.parse(readFileSync(join(system.outDir, 'decision_log.json'), 'utf8'));
    expect(decisions.decisions[0]).toMatchObject({
      fixId: 'a',
      outcome: 'KEEP',
      rationale: 'errors per request 0.4 -> 0.3',
    });
    expect(existsSync(join(system.outDir, '.lock'))).toBe(false);
  });

  it('moves a finished run aside into previous/<runId>/ when a new run starts in the same folder', async () => {
    const system = createFakeSystem({ baseErrors: 40, diagnoses: [[{ id: 'a', effect: -10 }], []] });
    const first = system.engine();
    await first.run('start');
    const firstRunId = first.currentState.runId;
    const second = system.engine();
    await second.run('start');
    const archived = join(system.outDir, 'previous', firstRunId);
    expect(JSON.parse(readFileSync(join(archived, 'loop_state.json'), 'utf8')).runId).toBe(firstRunId);
    expect(existsSync(join(archived, 'decision_log.json'))).toBe(true);
    const { entries } = Journal.read(join(system.outDir, 'journal.jsonl'));
    expect(entries[0]).toMatchObject({ seq: 1, type: 'start', data: { runId: second.currentState.runId } });
  });

  it('refuses to start over an unfinished run and says how to resume it', async () => {
    const system = createFakeSystem({
      baseErrors: 40,
      diagnoses: [[{ id: 'x', effect: -1, decision: 'MONITOR' }]],
    });
    await system.engine().run('start');
    await expect(system.engine().run('start')).rejects.toThrow(/unfinished run/);
  });
});
