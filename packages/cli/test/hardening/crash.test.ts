import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureCopy } from '../helpers.js';
import { inPool, runBin } from './support.js';

// The fixture loop with its Python implement phase (so rollback and recover go through the
// subprocess protocol) and a module judge: about 1.3 s of CPU per run, cheap enough to be killed
// after every single journal entry.
const CONFIG = 'ratchet.crash.config.mjs';

interface Outcome {
  status: string;
  exitCondition: string | null;
  ledger: Record<string, string>;
  decisions: string[];
  applied: string[];
}

interface KillPoint {
  seq: number;
  killed: boolean;
  stateParses: boolean;
  systemParses: boolean;
  resumes: number;
  outcome?: Outcome;
  error?: string;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

function parses(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return true;
  } catch (error) {
    // Killed before the file was first written is fine; a torn file is not.
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function outcomeOf(dir: string): Outcome {
  const state = readJson<{
    status: string;
    exitCondition: string | null;
    ledger: Record<string, { status: string }>;
  }>(join(dir, '.ratchet', 'loop_state.json'));
  const decisions = readJson<{ decisions: { fixId: string; outcome: string; iteration: number }[] }>(
    join(dir, '.ratchet', 'decision_log.json'),
  ).decisions;
  return {
    status: state.status,
    exitCondition: state.exitCondition,
    ledger: Object.fromEntries(Object.entries(state.ledger).map(([id, entry]) => [id, entry.status])),
    decisions: decisions.map((d) => `${d.iteration}:${d.fixId}:${d.outcome}`),
    applied: readJson<{ applied: string[] }>(join(dir, 'system.json')).applied.sort(),
  };
}

function journalLines(dir: string): number {
  return readFileSync(join(dir, '.ratchet', 'journal.jsonl'), 'utf8')
    .trim()
    .split('\n').length;
}

/** A fresh copy, killed right after journal entry `seq`, then resumed (a new process each time) to the end. */
async function killAndResume(seq: number): Promise<KillPoint> {
  const dir = fixtureCopy('fake-loop');
  const killed = await runBin(['run', '--config', CONFIG], {
    cwd: dir,
    env: { RATCHET_FAULT_KILL_AFTER_JOURNAL_SEQ: String(seq) },
    timeoutMs: 60_000,
  });
  const point: KillPoint = {
    seq,
    killed: killed.signal === 'SIGKILL' && !killed.timedOut,
    stateParses: parses(join(dir, '.ratchet', 'loop_state.json')),
    systemParses: parses(join(dir, 'system.json')),
    resumes: 0,
  };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const resumed = await runBin(['resume'], { cwd: dir, timeoutMs: 60_000 });
    point.resumes += 1;
    if (resumed.code === 0) {
      point.outcome = outcomeOf(dir);
      return point;
    }
    point.error = `resume exited ${resumed.code} ${resumed.signal}: ${resumed.stderr}`;
    if (resumed.code !== 3) break;
  }
  return point;
}

describe('crashes: SIGKILL after every journal entry, each from a fresh copy, then resume', () => {
  let reference: Outcome;
  let points: KillPoint[];

  beforeAll(async () => {
    const dir = fixtureCopy('fake-loop');
    const run = await runBin(['run', '--config', CONFIG], { cwd: dir, timeoutMs: 60_000 });
    if (run.code !== 0) throw new Error(`the uninterrupted run exited ${run.code}: ${run.stderr}`);
    reference = outcomeOf(dir);
    const entries = journalLines(dir);
    const seqs = Array.from({ length: entries }, (_, index) => index + 1);
    points = await inPool(seqs, 2, killAndResume);
    process.stderr.write(`crash suite: ${points.length} kill points, one per journal entry\n`);
  }, 1_200_000);

  it('killed the run after every journal entry of an uninterrupted run', () => {
    expect(points.length).toBeGreaterThan(40);
    expect(points.filter((p) => !p.killed).map((p) => p.seq)).toEqual([]);
  });

  it('leaves loop_state.json and the system file whole after every kill', () => {
    expect(points.filter((p) => !p.stateParses || !p.systemParses).map((p) => p.seq)).toEqual([]);
  });

  it('resumes every kill to the same outcome as the uninterrupted run: ledger, decisions, exit, system', () => {
    expect(reference.status).toBe('finished');
    expect(
      points.filter((p) => p.error !== undefined && !p.outcome).map((p) => `${p.seq}: ${p.error}`),
    ).toEqual([]);
    for (const point of points)
      expect(point.outcome, `killed after journal entry ${point.seq}`).toEqual(reference);
  });
});
