import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type SimulatorHandle } from './server/simulator.js';
import { readAgentLog, waitHealthy } from './server/simulator.test-helpers.js';

// The ctl is run as users and the implement phase run it: `node dist/ctl.js restart --url ...`.
// dist/ is built by scripts/bootstrap.mjs before the suite (or `tsc -b packages/plex-sim`).
const CTL = resolve(import.meta.dirname, '..', 'dist', 'ctl.js');
const run = promisify(execFile);

async function ctl(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CTL, ...args], {
      env: { PATH: process.env['PATH'], ...env },
      timeout: 15_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let folder: string;
let sim: SimulatorHandle;
beforeAll(async () => {
  if (!existsSync(CTL)) throw new Error(`${CTL} is missing: build with \`tsc -b packages/plex-sim\` first`);
  folder = mkdtempSync(join(tmpdir(), 'plex-sim-ctl-'));
  sim = await createSimulator({
    dataDir: join(folder, 'data'),
    items: 20,
    token: 'ctl-test-secret-token',
    restartMs: 200,
  });
});
afterAll(async () => {
  await sim?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('node dist/ctl.js restart', () => {
  it('exits 0 when the simulator accepted the restart, with the token from --token', async () => {
    const starts = () =>
      readAgentLog(sim.dataDir).filter((record) => record.message.startsWith('Starting framework core'))
        .length;
    const before = starts();
    const result = await ctl(['restart', '--url', sim.url, '--token', sim.token]);
    expect(result).toMatchObject({ code: 0, stdout: 'restart accepted\n' });
    await waitHealthy(sim);
    expect(starts()).toBe(before + 1);
  });

  it('waits until the server is healthy again with --wait, taking the token from PLEX_TOKEN', async () => {
    const result = await ctl(['restart', '--wait', '--url', sim.url], { PLEX_TOKEN: sim.token });
    expect(result).toMatchObject({ code: 0, stdout: 'restarted\n' });
    expect((await fetch(`${sim.url}/identity`)).status).toBe(200);
  });

  it('exits 1 on a rejected token and does not echo the token', async () => {
    const result = await ctl(['restart', '--url', sim.url, '--token', 'not-the-right-one']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('rejected the token (HTTP 401)');
    expect(result.stderr).not.toContain('not-the-right-one');
  });

  it('exits 1 with a clear message when nothing listens on the URL', async () => {
    const result = await ctl(['restart', '--url', 'http://127.0.0.1:9', '--token', 't']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach the simulator at http://127.0.0.1:9');
  });

  it('exits 2 on bad usage: no URL, no token, unknown command', async () => {
    expect((await ctl(['restart', '--token', 't'])).stderr).toContain('--url is required');
    expect((await ctl(['restart', '--url', sim.url])).code).toBe(2);
    const unknown = await ctl(['reboot']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command: reboot');
  });
});
