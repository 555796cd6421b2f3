import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(EXAMPLE, '..', '..', 'packages', 'cli', 'bin', 'ratchet.js');
const TOKEN = 'example-token-9f3c1e';

function validate(env: Record<string, string | undefined>) {
  const result = spawnSync(process.execPath, [BIN, 'validate', '--offline', '--json'], {
    cwd: EXAMPLE,
    env: { ...process.env, CI: '1', FORCE_COLOR: '0', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('examples/plex', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ratchet-plex-example-'));

  it('validates the file with PLEX_URL, PLEX_TOKEN and PLEX_DATA_DIR set (--offline: no server here), loading the four built-in phases', () => {
    const result = validate({
      PLEX_URL: 'http://127.0.0.1:32400',
      PLEX_TOKEN: TOKEN,
      PLEX_DATA_DIR: dataDir,
    });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      valid: true,
      config: join(EXAMPLE, 'ratchet.config.ts'),
      phases: { aggregate: 'aggregate', diagnose: 'diagnose', implement: 'implement', test: 'test' },
      exitPolicies: ['regression', 'noMoreFixes', 'plateau', 'maxIterations'],
    });
    expect([...report.environment].sort()).toEqual(['PLEX_DATA_DIR', 'PLEX_TOKEN', 'PLEX_URL']);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  it('names the missing variable and exits 2 when PLEX_TOKEN is not set', () => {
    const result = validate({
      PLEX_URL: 'http://127.0.0.1:32400',
      PLEX_TOKEN: undefined,
      PLEX_DATA_DIR: dataDir,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('ENV_MISSING');
    expect(result.stderr).toContain('PLEX_TOKEN');
  });
});
