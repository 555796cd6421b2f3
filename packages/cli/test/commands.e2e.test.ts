import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOGHUB_DIR, plexLog } from '../../../test-support/fixtures.js';
import { ratchet } from './helpers.js';

const sample = plexLog;
const scratch = () => mkdtempSync(join(tmpdir(), 'ratchet-cli-'));

describe('the standalone commands through the real bin', () => {
  it('answers --help with every command, and exits 2 on an unknown one', () => {
    const help = ratchet(['--help'], scratch());
    expect(help.status).toBe(0);
    for (const command of [
      'run',
      'resume',
      'status',
      'report',
      'validate',
      'init',
      'aggregate',
      'templates',
      'diagnose',
      'sim',
      'demo',
    ]) {
      expect(help.stdout).toContain(`  ${command}`);
    }
    const bogus = ratchet(['frobnicate'], scratch());
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toContain("unknown command 'frobnicate'");
  });

  it('measures a real plug-in log sample with `aggregate --format json` and diagnoses it with `diagnose`', () => {
    const dir = scratch();
    const measured = ratchet(
      ['aggregate', sample('05_hama_309_anidb_http_403.log'), '--format', 'json'],
      dir,
    );
    expect(measured.status, measured.stderr).toBe(0);
    const aggregate = JSON.parse(measured.stdout) as {
      metrics: Record<string, number>;
      errorTypes: { category: string; httpStatus?: number }[];
    };
    expect(aggregate.metrics.records).toBeGreaterThan(0);
    expect(
      aggregate.errorTypes.some((type) => type.category === 'http-error' && type.httpStatus === 403),
    ).toBe(true);
    writeFileSync(join(dir, 'aggregate.json'), measured.stdout);
    const diagnosed = ratchet(['diagnose', '--input', 'aggregate.json', '--format', 'json'], dir);
    expect(diagnosed.status, diagnosed.stderr).toBe(0);
    const diagnosis = JSON.parse(diagnosed.stdout) as { recommendations?: unknown[]; fixes: unknown[] };
    expect((diagnosis.recommendations?.length ?? 0) + diagnosis.fixes.length).toBeGreaterThan(0);
    const markdown = ratchet(['diagnose', '--input', 'aggregate.json'], dir);
    expect(markdown.stdout).toMatch(/^# /m);
  });

  it('measures any log with the generic preset, a line format and a metric rule file', () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'app.log'),
      '2026-01-01 10:00:00 ERROR db timeout for user 7\n2026-01-01 10:00:01 INFO ok for user 8\n2026-01-01 10:00:02 WARN slow timeout for user 9\n',
    );
    writeFileSync(join(dir, 'metrics.yaml'), 'metrics:\n  - name: timeouts\n    message: timeout\n');
    const result = ratchet(
      [
        'aggregate',
        'app.log',
        '--preset',
        'generic',
        '--line-format',
        '^(?<ts>\\S+ \\S+) (?<level>[A-Z]+) (?<message>.*)$',
        '--rules',
        'metrics.yaml',
        '--format',
        'json',
      ],
      dir,
    );
    expect(result.status, result.stderr).toBe(0);
    const measured = JSON.parse(result.stdout) as {
      metrics: Record<string, number>;
      rates: Record<string, unknown>;
    };
    expect(measured.metrics).toMatchObject({ records: 3, errorRecords: 1, timeouts: 2 });
    expect(Object.keys(measured.rates).sort()).toEqual([
      'errorRecordsPerRecord',
      'timeoutsPerRecord',
      'unparsedLinesPerRecord',
    ]);
    const plexWithFormat = ratchet(['aggregate', 'app.log', '--line-format', '(?<message>.*)'], dir);
    expect(plexWithFormat.status).toBe(2);
  });

  it('mines templates from a Loghub log and writes one assignment row per line', () => {
    const dir = scratch();
    const out = join(dir, 'assignments.csv');
    const result = ratchet(
      [
        'templates',
        join(LOGHUB_DIR, 'Apache', 'Apache_2k.log'),
        '--line-format',
        '^\\[(?<time>[^\\]]+)\\] \\[(?<level>[^\\]]+)\\] (?<message>.*)$',
        '--assignments',
        out,
      ],
      dir,
    );
    expect(result.status, result.stderr).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('line,templateId,template');
    expect(rows).toHaveLength(2001);
  });

  it('writes a starter config with `init`, refuses to overwrite it, and `validate --offline` accepts it', () => {
    const dir = scratch();
    const data = join(scratch(), 'Plex Media Server');
    mkdirSync(join(data, 'Logs', 'PMS Plugin Logs'), { recursive: true });
    const env = { PLEX_DATA_DIR: data, PLEX_TOKEN: 'x' };
    const restart = ['--restart-command', 'systemctl restart plexmediaserver'];
    expect(ratchet(['init', '--preset', 'plex', ...restart], dir, env).status).toBe(0);
    const again = ratchet(['init'], dir, env);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already exists');
    const valid = ratchet(['validate', '--offline', '--json'], dir, env);
    expect(valid.status, valid.stderr).toBe(0);
    expect(JSON.parse(valid.stdout)).toMatchObject({
      valid: true,
      offline: true,
      modules: { aggregate: '@ratchet/phase-aggregate', test: '@ratchet/phase-test' },
    });
  });

  it('exits 2 with a hint when there is no run to show', () => {
    const result = ratchet(['status', '--out', join(scratch(), 'nothing')], scratch());
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('STATE_NOT_FOUND');
  });
});
