import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RatchetError } from '../errors/ratchet-error.js';
import { loadConfig } from './load.js';

const phases = {
  aggregate: { use: './a.mjs' },
  diagnose: { use: '@ratchet/phase-diagnose', with: { rules: ['./r.yaml'] } },
  implement: { command: ['bash', 'impl.sh', '{input}'] },
  test: { command: ['python3', 'judge.py'], timeout: '30s' },
};
const minimal = { objective: { metric: 'urlErrors', per: 'searchOps' }, phases };

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-config-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

async function loadError(dir: string, configPath?: string): Promise<RatchetError> {
  try {
    await loadConfig({ cwd: dir, configPath, env: {} });
  } catch (error) {
    return error as RatchetError;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  const formats: Record<string, string> = {
    'ratchet.config.ts': `import type { RatchetConfigInput } from '@ratchet/core';\nconst config: RatchetConfigInput = ${JSON.stringify(minimal)};\nexport default config;\n`,
    'ratchet.config.mjs': `export default ${JSON.stringify(minimal)};\n`,
    'ratchet.config.js': `export default () => (${JSON.stringify(minimal)});\n`,
    'ratchet.config.json': JSON.stringify(minimal),
    'ratchet.config.yaml': `objective:\n  metric: urlErrors\n  per: searchOps\nphases:\n  aggregate: { use: ./a.mjs }\n  diagnose: { use: '@ratchet/phase-diagnose', with: { rules: [./r.yaml] } }\n  implement: { command: [bash, impl.sh, '{input}'] }\n  test: { command: [python3, judge.py], timeout: 30s }\n`,
    '.ratchetrc': JSON.stringify(minimal),
    'package.json': JSON.stringify({ name: 'x', type: 'module', ratchet: minimal }),
  };
  for (const [file, content] of Object.entries(formats)) {
    it(`finds and validates ${file}, applying the defaults`, async () => {
      const dir = project({
        [file]: content,
        ...(file === 'package.json' ? {} : { 'package.json': '{"type":"module"}' }),
      });
      const loaded = await loadConfig({ cwd: dir, env: {} });
      expect(loaded.filepath).toBe(join(dir, file));
      expect(loaded.configDir).toBe(dir);
      expect(loaded.config.phases.test).toMatchObject({ command: ['python3', 'judge.py'], timeout: '30s' });
      expect(loaded.config.exit).toMatchObject({
        maxIterations: 10,
        plateau: { minImprovementPct: 5, iterations: 2, mode: 'relative' },
      });
      expect(loaded.config.priority).toBe('HIGH');
      expect(loaded.config.objective.direction).toBe('lower');
    });
  }

  it('finds the config of a parent folder', async () => {
    const dir = project({ 'ratchet.config.json': JSON.stringify(minimal), 'sub/deeper/.keep': '' });
    const loaded = await loadConfig({ cwd: join(dir, 'sub', 'deeper'), env: {} });
    expect(loaded.filepath).toBe(join(dir, 'ratchet.config.json'));
  });

  it('names every bad key with its dot path', async () => {
    const bad = {
      ...minimal,
      exit: { maxIterations: 0, plateau: { minImprovementPct: -1 } },
      judge: { alpha: 2 },
      extra: true,
    };
    const error = await loadError(project({ 'ratchet.config.json': JSON.stringify(bad) }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.isUsageError).toBe(true);
    expect(error.message).toContain('extra: unknown key');
    expect(error.message).toContain('exit.maxIterations:');
    expect(error.message).toContain('exit.plateau');
    expect(error.message).toContain('judge.alpha:');
  });

  it('explains a phase that is neither a module nor a command', async () => {
    const bad = { ...minimal, phases: { ...phases, test: { run: 'judge.py' } } };
    const error = await loadError(project({ 'ratchet.config.json': JSON.stringify(bad) }));
    expect(error.message).toContain(
      'phases.test: expected { use: "<package or ./module>", with?: {...} } or { command: [argv...] }',
    );
  });

  it('reports a syntax error in the file as a load failure', async () => {
    const error = await loadError(project({ 'ratchet.config.json': '{ "objective": ' }));
    expect(error.code).toBe('CONFIG_LOAD_FAILED');
  });

  it('says so when there is no config, and when the given file does not exist', async () => {
    const dir = project({ 'package.json': '{}' });
    expect((await loadError(dir)).code).toBe('CONFIG_NOT_FOUND');
    expect((await loadError(dir, 'nope.json')).message).toContain('nope.json does not exist');
  });

  it('resolves ${ENV} only in the copy used to build phases, never in the config it keeps', async () => {
    const config = {
      ...minimal,
      phases: {
        ...phases,
        test: {
          use: './t.mjs',
          with: { token: '${PLEX_TOKEN}', url: '${PLEX_URL:-http://127.0.0.1:32400}' },
        },
      },
    };
    const dir = project({ 'ratchet.config.json': JSON.stringify(config) });
    const loaded = await loadConfig({ cwd: dir, env: { PLEX_TOKEN: 's3cret' } });
    expect(loaded.resolved.phases.test).toMatchObject({
      with: { token: 's3cret', url: 'http://127.0.0.1:32400' },
    });
    expect(loaded.config.phases.test).toMatchObject({ with: { token: '${PLEX_TOKEN}' } });
    expect(JSON.stringify(loaded.config)).not.toContain('s3cret');
  });

  it('names the config key whose environment variable is missing', async () => {
    const config = {
      ...minimal,
      phases: { ...phases, test: { use: './t.mjs', with: { token: '${PLEX_TOKEN}' } } },
    };
    const error = await loadError(project({ 'ratchet.config.json': JSON.stringify(config) }));
    expect(error.code).toBe('ENV_MISSING');
    expect(error.message).toBe('phases.test.with.token: environment variable PLEX_TOKEN is not set');
  });
});

describe('a config with a TODO left by ratchet init', () => {
  it('is refused with the key of each TODO (exit 2), so it never runs measuring nothing', async () => {
    const config = {
      ...minimal,
      phases: {
        ...phases,
        aggregate: { use: './a.mjs', with: { logs: 'TODO: the Logs folder of your server' } },
        implement: { use: './i.mjs', with: { restart: { command: ['TODO: the restart command'] } } },
      },
    };
    const error = await loadError(project({ 'ratchet.config.json': JSON.stringify(config) }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.isUsageError).toBe(true);
    expect(error.message).toContain('phases.aggregate.with.logs: TODO: the Logs folder of your server');
    expect(error.message).toContain('phases.implement.with.restart.command.0: TODO: the restart command');
  });

  it('takes a value that merely starts with TODO, or holds "TODO:" later, as a value', async () => {
    const config = {
      ...minimal,
      phases: { ...phases, aggregate: { use: './a.mjs', with: { logs: 'TODO/x', note: 'see TODO: later' } } },
    };
    const loaded = await loadConfig({
      cwd: project({ 'ratchet.config.json': JSON.stringify(config) }),
      env: {},
    });
    expect(loaded.config.phases.aggregate).toMatchObject({ with: { logs: 'TODO/x' } });
  });
});
