import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ratchet } from './helpers.js';
import { type SimProcess, startSim } from './sim-process.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'ratchet-init-'));
const sims: SimProcess[] = [];
afterEach(async () => {
  for (const sim of sims.splice(0)) await sim.stop();
});

/** A log in the generic preset's default line format: `<date> <time> <LEVEL> <message>`. */
function genericLog(): string {
  const lines: string[] = [];
  const now = Date.now();
  for (let i = 0; i < 40; i += 1) {
    const ts = new Date(now - (40 - i) * 60_000).toISOString().replace('T', ' ').replace('Z', '');
    lines.push(i % 4 === 0 ? `${ts} ERROR db pool exhausted (size ${i})` : `${ts} INFO GET /items/${i} 200`);
  }
  return `${lines.join('\n')}\n`;
}

describe('ratchet init --preset generic, then validate', () => {
  it('gives a config that validates and measures a non-zero objective on its example log', () => {
    const dir = scratch();
    expect(ratchet(['init', '--preset', 'generic'], dir).status).toBe(0);
    mkdirSync(join(dir, 'logs'));
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'logs', 'app.log'), genericLog());
    const result = ratchet(['validate', '--measure', '--json'], dir);
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.measured.metrics).toMatchObject({ records: 40, errorRecords: 10 });
    expect(out.measured.objective).toBe(0.25);
    expect(out.metrics).toEqual(['records', 'errorRecords', 'unparsedLines']);
    const text = ratchet(['validate', '--measure'], dir);
    expect(text.stdout).toContain('objective: 0.25');
    expect(text.stdout).toMatch(/errorRecords\s+10/);
  });

  it('names the modules of the phases, not the phase kind twice', () => {
    const dir = scratch();
    ratchet(['init', '--preset', 'generic'], dir);
    const result = ratchet(['validate', '--offline'], dir);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('aggregate @ratchet/phase-aggregate');
    expect(result.stdout).toContain('test      @ratchet/phase-test');
    expect(result.stdout).not.toContain('aggregate aggregate');
  });

  it('refuses a metric typo with exit 2, naming the key and the nearest name, in validate and in run', () => {
    const dir = scratch();
    ratchet(['init', '--preset', 'generic'], dir);
    const file = join(dir, 'ratchet.config.ts');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        "metric: 'errorRecords', per: 'records'",
        "metric: 'errors', per: 'record'",
      ),
    );
    for (const args of [
      ['validate', '--offline'],
      ['run', '--yes'],
    ]) {
      const result = ratchet(args, dir);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(
        "objective.metric: 'errors' is not a metric the aggregate phase produces (did you mean 'errorRecords'?)",
      );
      expect(result.stderr).toContain(
        "objective.per: 'record' is not a metric the aggregate phase produces (did you mean 'records'?)",
      );
    }
  });

  it('checks the world: logs that hold no records are exit 2 naming the folder; --offline checks the file only', () => {
    const dir = scratch();
    ratchet(['init', '--preset', 'generic'], dir);
    const result = ratchet(['validate'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('ENVIRONMENT_INVALID');
    expect(result.stderr).toContain('phases.aggregate: the logs in ./logs hold no records');
    expect(result.stderr).toContain(`no log file found): cannot read ${join(dir, 'logs')}`);
    expect(ratchet(['validate', '--offline'], dir).status).toBe(0);
  });
});

describe('ratchet report', () => {
  it('fails cleanly in a folder without a run, and creates nothing there', () => {
    const dir = scratch();
    const result = ratchet(['report'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('STATE_NOT_FOUND');
    expect(existsSync(join(dir, '.ratchet'))).toBe(false);
  });
});

describe('ratchet init --preset plex, then validate', () => {
  it('leaves a TODO for what it cannot find, which validate refuses with exit 2', () => {
    const dir = scratch();
    const env = { HOME: scratch(), PLEX_TOKEN: '', PLEX_DATA_DIR: '', PLEX_MEDIA_SERVER_LOG_DIR: '' };
    const init = ratchet(['init', '--preset', 'plex', '--platform', 'darwin'], dir, env);
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toContain('data folder: not found: TODO in the config');
    const config = readFileSync(join(dir, 'ratchet.config.ts'), 'utf8');
    expect(config).toContain('logs: "TODO: the Logs folder of your server');
    const result = ratchet(['validate', '--offline'], dir, env);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('phases.aggregate.with.logs: TODO: the Logs folder of your server');
    expect(result.stderr).toContain('phases.test.with.refresh.token: TODO: export PLEX_TOKEN');
  });

  it('refuses a wrong token, a server that does not answer, and a restart command that does not exist', async () => {
    const base = scratch();
    const data = join(base, 'config', 'Library', 'Application Support', 'Plex Media Server');
    const sim = await startSim(data, 'right-token');
    sims.push(sim);
    const dir = scratch();
    const env = { PLEX_DATA_DIR: data, PLEX_URL: sim.url, PLEX_TOKEN: 'wrong-token' };
    expect(ratchet(['init', '--preset', 'plex'], dir, env).status).toBe(0);
    const config = readFileSync(join(dir, 'ratchet.config.ts'), 'utf8');
    expect(config).toContain('command: ["docker","restart","plex"]');
    expect(config).not.toContain('wrong-token');
    const result = ratchet(['validate'], dir, { ...env, PATH: '/nonexistent' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      `phases.test.with.refresh.token: the server at ${sim.url} rejects the token (401)`,
    );
    expect(result.stderr).toContain(
      "phases.implement.with.restart.command: 'docker' is not an executable file or on PATH",
    );
    expect(result.stderr).not.toContain('wrong-token');
    await sim.stop();
    const down = ratchet(['validate'], dir, { ...env, PLEX_TOKEN: 'right-token' });
    expect(down.status).toBe(2);
    expect(down.stderr).toContain(
      `phases.test.with.refresh.url: the server at ${sim.url} does not answer /identity`,
    );
  });
});

describe('ratchet aggregate <data dir>', () => {
  it("reads the data folder's Logs/PMS Plugin Logs", async () => {
    const data = join(scratch(), 'Plex Media Server');
    const sim = await startSim(data, 'token');
    await sim.stop();
    const result = ratchet(['aggregate', data, '--format', 'json'], scratch());
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.metrics.searchOps).toBeGreaterThan(0);
    expect(out.files[0].path).toContain(join('Logs', 'PMS Plugin Logs'));
  });
});

describe('ratchet validate --offline', () => {
  it('loads the rule files: a missing one is exit 2 naming it', () => {
    const dir = scratch();
    ratchet(['init', '--preset', 'generic'], dir);
    const file = join(dir, 'ratchet.config.ts');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace("rules: ['./rules.yaml']", "rules: ['./rules/missing.yaml']"),
    );
    const result = ratchet(['validate', '--offline'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(join(dir, 'rules', 'missing.yaml'));
  });
});
