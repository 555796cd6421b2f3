import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { plexLine, testdir } from '../testdir.test-helpers.js';
import { aggregatePlexLogs } from './aggregate-logs.js';

const AGENT = 'com.plexapp.agents.simdb';
const search = (ts: string, thread: string, id: string, name: string) =>
  plexLine(
    ts,
    thread,
    'INFO',
    'agentkit:961',
    `Searching for matches for {'id': '${id}', 'name': '${name}', 'year': None}`,
  );

function traceback404(ts: string, thread: string): string[] {
  return [
    plexLine(
      ts,
      thread,
      'ERROR',
      'networking:196',
      "Error opening URL 'http://api.simdb.example/v2/search?q=x'",
    ),
    plexLine(
      ts,
      thread,
      'CRITICAL',
      'agentkit:1018',
      "Exception in the search function of agent named 'SimDB', called with keyword arguments {'id': '2'} (most recent call last):",
    ),
    '  File "/x/Framework.bundle/api/agentkit.py", line 1016, in _search',
    '    agent.search(*args, **kwargs)',
    'HTTPError: HTTP Error 404: Not Found',
  ];
}

describe('PlexAggregator on plug-in logs in the real format', () => {
  it('attributes errors to the item of the operation on the same thread', async () => {
    const lines = [
      search('2026-01-01 10:00:00,000', 'a1', '1', 'Alien'),
      search('2026-01-01 10:00:00,100', 'b2', '2', 'Brazil'),
      ...traceback404('2026-01-01 10:00:00,200', 'b2'),
      plexLine(
        '2026-01-01 10:00:00,300',
        'a1',
        'DEBUG',
        'networking:143',
        "Requesting 'http://api.simdb.example/v2/1'",
      ),
    ];
    const dir = await testdir({ [`${AGENT}.log`]: `${lines.join('\n')}\n` });
    const result = await aggregatePlexLogs({ paths: [dir] });
    expect(result.items).toEqual([
      { item: '1', ok: true },
      { item: '2', ok: false },
    ]);
    expect(result.metrics).toMatchObject({
      records: 5,
      searchOps: 2,
      urlErrors: 1,
      exceptions: 1,
      errorRecords: 2,
    });
    const http = result.errorTypes.find((e) => e.category === 'http-error');
    expect(http).toMatchObject({
      id: `http-error:${AGENT}:404:api.simdb.example`,
      httpStatus: 404,
      host: 'api.simdb.example',
      items: ['2'],
      agents: [AGENT],
    });
    const exception = result.errorTypes.find((e) => e.category === 'search-exception');
    expect(exception).toMatchObject({
      exceptionType: 'HTTPError',
      exceptionMessage: 'HTTP Error 404: Not Found',
      httpStatus: 404,
    });
    expect(exception?.examples?.[0]).toContain('HTTPError: HTTP Error 404: Not Found');
    expect(result.rates?.urlErrorsPerSearch).toMatchObject({ value: 0.5, numerator: 1, denominator: 2 });
    expect(result.rates?.urlErrorsPerSearch?.low).toBeGreaterThan(0);
  });

  it('calls HTTP 429 rate-limited and urlopen time-outs timeout, and counts both as URL errors', async () => {
    const lines = [
      search('2026-01-01 10:00:00,000', 'c3', '3', 'Casablanca'),
      plexLine(
        '2026-01-01 10:00:01,000',
        'c3',
        'ERROR',
        'networking:196',
        "Error opening URL 'http://api.simdb.example/v2/3'",
      ),
      plexLine(
        '2026-01-01 10:00:01,001',
        'c3',
        'CRITICAL',
        'agentkit:1018',
        "Exception in the search function of agent named 'SimDB', called with keyword arguments {'id': '3'} (most recent call last):",
      ),
      'HTTPError: HTTP Error 429: Too Many Requests',
      plexLine(
        '2026-01-01 10:00:02,000',
        'd4',
        'ERROR',
        'sandbox:19',
        'Search failed: <urlopen error timed out>',
      ),
    ];
    const dir = await testdir({ [`${AGENT}.log`]: lines.join('\r\n') });
    const result = await aggregatePlexLogs({ paths: [dir] });
    expect(result.metrics.urlErrors).toBe(2);
    expect(result.errorTypes.map((e) => e.category).sort()).toEqual([
      'rate-limited',
      'search-exception',
      'timeout',
    ]);
    expect(result.errorTypes.find((e) => e.category === 'rate-limited')?.httpStatus).toBe(429);
  });

  it('groups unknown errors by mined template and keeps their ids stable across runs', async () => {
    const lines = [
      plexLine('2026-01-01 10:00:00,000', 'e5', 'ERROR', 'sandbox:19', 'Poster 17 for item 1 has no width'),
      plexLine('2026-01-01 10:00:01,000', 'e5', 'ERROR', 'sandbox:19', 'Poster 18 for item 2 has no width'),
      plexLine('2026-01-01 10:00:02,000', 'e5', 'ERROR', 'sandbox:19', 'Database is locked'),
    ];
    const dir = await testdir({ [`${AGENT}.log`]: lines.join('\n') });
    const first = await aggregatePlexLogs({ paths: [dir] });
    const second = await aggregatePlexLogs({ paths: [dir] });
    const unknown = first.errorTypes.filter((e) => e.category === 'unknown');
    expect(unknown.map((e) => [e.template, e.count])).toEqual([
      ['Poster <*> for item <*> has no width', 2],
      ['Database is locked', 1],
    ]);
    expect(second.errorTypes.map((e) => e.id)).toEqual(first.errorTypes.map((e) => e.id));
  });

  it('classifies the traceback a rotated file starts with instead of dropping it', async () => {
    const dir = await testdir({
      [`${AGENT}.log`]: [
        '  File "/x/networking.py", line 158, in load',
        '    f = self._opener.open(req, timeout=self._timeout)',
        'HTTPError: HTTP Error 503: Service Unavailable',
        search('2026-01-01 10:00:00,000', 'a1', '1', 'Alien'),
      ].join('\n'),
    });
    const result = await aggregatePlexLogs({ paths: [dir] });
    expect(result.metrics).toMatchObject({ records: 1, orphanTracebacks: 1, unparsedLines: 0 });
    expect(result.errorTypes[0]).toMatchObject({
      category: 'http-error',
      httpStatus: 503,
      exceptionType: 'HTTPError',
    });
  });

  it('applies user rules before the built-in ones and counts their title-match failures', async () => {
    const dir = await testdir({
      [`${AGENT}.log`]: [
        search('2026-01-01 10:00:00,000', 'a1', '7', 'The Thing'),
        plexLine(
          '2026-01-01 10:00:00,100',
          'a1',
          'INFO',
          'sandbox:19',
          "Best candidate 'Thing' scored 62 (threshold 85)",
        ),
      ].join('\n'),
      'rules.yaml': [
        'rules:',
        '  - name: simdb low score',
        '    category: title-mismatch',
        "    message: 'scored (?<value>\\d+) \\(threshold'",
        '    valueBelow: 85',
        '    titleMatchFailure: true',
      ].join('\n'),
    });
    const { loadRuleFile } = await import('./rules.js');
    const rules = await loadRuleFile(join(dir, 'rules.yaml'));
    const result = await aggregatePlexLogs({ paths: [join(dir, `${AGENT}.log`)], rules });
    expect(result.metrics.titleMatchFailures).toBe(1);
    expect(result.items).toEqual([{ item: '7', ok: false }]);
    expect(result.errorTypes[0]?.id).toBe(`title-mismatch:${AGENT}`);
  });

  it("counts the simulated agent's failed match as a title-match failure of its item", async () => {
    const dir = await testdir({
      [`${AGENT}.log`]: [
        search('2026-01-01 10:00:00,000', '7fa1', '42', 'L\\xe9on'),
        plexLine(
          '2026-01-01 10:00:00,100',
          '7fa1',
          'ERROR',
          'logkit:22',
          "SimDB - No acceptable match for 'The Thing' (1982): best score 62 is below the match threshold 85",
        ),
      ].join('\n'),
    });
    const result = await aggregatePlexLogs({ paths: [dir] });
    expect(result.metrics).toMatchObject({ titleMatchFailures: 1, errorRecords: 1, searchOps: 1 });
    expect(result.errorTypes).toEqual([
      expect.objectContaining({ id: `title-mismatch:${AGENT}`, items: ['42'] }),
    ]);
    expect(result.items).toEqual([{ item: '42', ok: false }]);
  });

  it('rejects a rule file with a bad regular expression, naming the file and the rule', async () => {
    const dir = await testdir({
      'bad.json': JSON.stringify([{ name: 'broken', category: 'x', message: '(' }]),
    });
    const { loadRuleFile } = await import('./rules.js');
    await expect(loadRuleFile(join(dir, 'bad.json'))).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('bad.json[0] (broken).message'),
    });
  });

  it('keeps only the agents asked for and breaks metrics down per agent and per file', async () => {
    const dir = await testdir({
      'PMS Plugin Logs/com.plexapp.agents.a.log': search('2026-01-01 10:00:00,000', 'a', '1', 'x'),
      'PMS Plugin Logs/com.plexapp.agents.b.log': search('2026-01-01 10:00:00,000', 'b', '2', 'y'),
    });
    const both = await aggregatePlexLogs({ paths: [dir] });
    expect(Object.keys(both.agents as object).sort()).toEqual([
      'com.plexapp.agents.a',
      'com.plexapp.agents.b',
    ]);
    const one = await aggregatePlexLogs({ paths: [dir], agents: ['com.plexapp.agents.b'] });
    expect(one.metrics.searchOps).toBe(1);
    expect(one.files?.map((f) => f.path)).toEqual([join(dir, 'PMS Plugin Logs', 'com.plexapp.agents.b.log')]);
  });
});

describe('secrets', () => {
  it('never copies a Plex token from a log line into an example or the reports', async () => {
    const token = 'sEcReTtOkEn123';
    const dir = await testdir({
      [`${AGENT}.log`]: plexLine(
        '2026-01-01 10:00:00,000',
        'ab',
        'ERROR',
        'networking:196',
        `Error opening URL 'http://127.0.0.1:32400/library/metadata/1/tree?X-Plex-Token=${token}'`,
      ),
    });
    const result = await aggregatePlexLogs({ paths: [dir] });
    expect(result.errorTypes[0]?.category).toBe('local-pms-unreachable');
    expect(JSON.stringify(result)).not.toContain(token);
    expect(result.errorTypes[0]?.examples?.[0]).toContain('X-Plex-Token=[redacted]');
  });
});

describe('time windows', () => {
  const at = (ts: string, id: string) => search(ts, 'abc', id, 'x');
  const iso = (local: string) => new Date(local.replace(' ', 'T').replace(',', '.')).toISOString();

  it('includes a record exactly at the start and excludes one exactly at the end', async () => {
    const dir = await testdir({
      [`${AGENT}.log`]: [
        at('2026-03-01 09:59:59,999', 'before'),
        at('2026-03-01 10:00:00,000', 'start'),
        at('2026-03-01 10:59:59,999', 'last'),
        at('2026-03-01 11:00:00,000', 'end'),
      ].join('\n'),
    });
    const result = await aggregatePlexLogs({
      paths: [dir],
      window: { start: iso('2026-03-01 10:00:00,000'), end: iso('2026-03-01 11:00:00,000') },
    });
    expect(result.items?.map((i) => i.item)).toEqual(['start', 'last']);
    expect(result.metrics.records).toBe(2);
  });

  it('reads rotated and gzipped files oldest first and keeps the records of the window from each', async () => {
    const dir = await testdir({
      [`${AGENT}.log.2.gz`]: gzipSync(
        `${at('2026-03-01 08:00:00,000', 'old')}\n${at('2026-03-01 09:30:00,000', 'r2')}\n`,
      ),
      [`${AGENT}.log.1`]: `${at('2026-03-01 09:45:00,000', 'r1')}\n`,
      [`${AGENT}.log`]: `${at('2026-03-01 10:15:00,000', 'r0')}\n${at('2026-03-01 12:00:00,000', 'late')}\n`,
    });
    const result = await aggregatePlexLogs({
      paths: [dir],
      window: { start: iso('2026-03-01 09:00:00,000'), end: iso('2026-03-01 11:00:00,000') },
    });
    expect(result.items?.map((i) => i.item)).toEqual(['r2', 'r1', 'r0']);
    expect(result.files?.map((f) => f.path.split('/').pop())).toEqual([
      `${AGENT}.log.2.gz`,
      `${AGENT}.log.1`,
      `${AGENT}.log`,
    ]);
    expect(result.files?.[0]).toMatchObject({ gzip: true });
  });

  it('drops the traceback lines of a record outside the window with it', async () => {
    const dir = await testdir({
      [`${AGENT}.log`]: [
        plexLine(
          '2026-03-01 08:00:00,000',
          'abc',
          'CRITICAL',
          'agentkit:1018',
          'Exception in the search function (most recent call last):',
        ),
        'KeyError: 1',
        at('2026-03-01 10:00:00,000', 'in'),
      ].join('\n'),
    });
    const result = await aggregatePlexLogs({
      paths: [dir],
      window: { start: iso('2026-03-01 09:00:00,000') },
    });
    expect(result.errorTypes).toEqual([]);
    expect(result.metrics).toMatchObject({ records: 1, exceptions: 0, unparsedLines: 0 });
  });
});
