import { describe, expect, it } from 'vitest';
import type { RatchetError } from '../errors/ratchet-error.js';
import { parseConfig as parseFullConfig } from './load.js';
import { checkMetricNames, declaredAggregateMetrics, nearestName } from './metric-names.js';

const PLEX = ['records', 'searchOps', 'urlErrors', 'exceptions', 'titleMatchFailures', 'errorRecords'];

/** A config with the given objective and judge, and four phases that do not matter here. */
function parseConfig(parts: { objective: unknown; judge?: unknown }) {
  const phase = { use: './phase.js' };
  return parseFullConfig(
    { ...parts, phases: { aggregate: phase, diagnose: phase, implement: phase, test: phase } },
    'test',
  );
}

function thrown(work: () => void): RatchetError {
  try {
    work();
  } catch (error) {
    return error as RatchetError;
  }
  throw new Error('expected an error');
}

describe('checkMetricNames', () => {
  it('accepts an objective and critical metrics that the aggregate phase produces', () => {
    const config = parseConfig({
      objective: { metric: ['errorRecords', 'titleMatchFailures'], per: 'searchOps' },
      judge: { criticalMetrics: ['exceptions'] },
    });
    expect(() => checkMetricNames(config, PLEX)).not.toThrow();
  });

  it('refuses each unknown name with its key and the nearest known name (exit 2)', () => {
    const config = parseConfig({
      objective: { metric: 'errors', per: 'searchOp' },
      judge: { criticalMetrics: ['urlErrors', 'exeptions'] },
    });
    const error = thrown(() => checkMetricNames(config, PLEX));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.isUsageError).toBe(true);
    expect(error.message).toContain(
      "objective.metric: 'errors' is not a metric the aggregate phase produces (did you mean 'errorRecords'?)",
    );
    expect(error.message).toContain(
      "objective.per: 'searchOp' is not a metric the aggregate phase produces (did you mean 'searchOps'?)",
    );
    expect(error.message).toContain("judge.criticalMetrics.1: 'exeptions'");
    expect(error.message).toContain("did you mean 'exceptions'?");
    expect(error.message).not.toContain('judge.criticalMetrics.0');
    expect(error.hint).toContain('records, searchOps, urlErrors');
  });

  it('names the index of a metric in a list', () => {
    const config = parseConfig({ objective: { metric: ['errorRecords', 'request'] } });
    const error = thrown(() => checkMetricNames(config, ['records', 'errorRecords', 'requests']));
    expect(error.message).toContain(
      "objective.metric.1: 'request' is not a metric the aggregate phase produces (did you mean 'requests'?)",
    );
  });
});

describe('nearestName', () => {
  it('suggests a near spelling, or a name that holds the word, and nothing when nothing is close', () => {
    expect(nearestName('request', ['records', 'requests'])).toBe('requests');
    expect(nearestName('errors', ['records', 'errorRecords', 'unparsedLines'])).toBe('errorRecords');
    expect(nearestName('SearchOps', PLEX)).toBe('searchOps');
    expect(nearestName('latency', PLEX)).toBeUndefined();
  });
});

describe('declaredAggregateMetrics', () => {
  const phase = { name: 'x', run: async () => ({ metrics: {}, errorTypes: [] }) };

  it("takes a command phase's list from the config, and a module phase's from declaredMetrics()", async () => {
    expect(
      await declaredAggregateMetrics(
        { command: ['./agg.sh'], with: {}, metrics: ['records', 'errors'] },
        phase,
      ),
    ).toEqual(['records', 'errors']);
    expect(
      await declaredAggregateMetrics(
        { use: './agg.js', with: {} },
        { ...phase, declaredMetrics: async () => ['a'] },
      ),
    ).toEqual(['a']);
  });

  it('is undefined when neither says, so that names are not checked', async () => {
    expect(await declaredAggregateMetrics({ command: ['./agg.sh'], with: {} }, phase)).toBeUndefined();
    expect(await declaredAggregateMetrics({ use: './agg.js', with: {} }, phase)).toBeUndefined();
  });
});
