import { type ChildProcess, spawn } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RatchetError } from '@ratchet/core';
import { PlexClient } from '@ratchet/plex';
import { afterAll, describe, expect, it } from 'vitest';
import { plexLog } from '../../../../test-support/fixtures.js';
import { BIN } from '../helpers.js';
import { runBin, STACK_TRACE } from './support.js';

const TOKEN = 'fault-suite-token-7a41c2';
const ITEMS = '45';
const SAMPLE = plexLog('05_hama_309_anidb_http_403.log');
const AGENT_PREFS = join('Plug-in Support', 'Preferences', 'com.plexapp.agents.simdb.xml');

interface Decision {
  fixId: string;
  outcome: string;
  rationale: string;
}

/**
 * Runs the demo and, as soon as the first TEST phase starts, switches the simulator's faults on
 * (`PUT /:/sim/faults`): the fix is applied, and then the server misbehaves while it is measured.
 */
function demoWithFaultsDuringTest(faults: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-faults-'));
  return new Promise<{
    dir: string;
    code: number | null;
    stderr: string;
    stdout: string;
    faultedFix: string;
  }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'demo', '--out', dir, '--items', ITEMS, '--json'], {
      env: { ...process.env, CI: '1', PLEX_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 150_000);
    let stderr = '';
    let stdout = '';
    let faultedFix = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const url = stderr.match(/listening on (http:\S+)/)?.[1];
      const test = stderr.match(/\n {2}test (\S+) …/)?.[1];
      if (url && test && !faultedFix) {
        faultedFix = test;
        fetch(`${url}/:/sim/faults`, {
          method: 'PUT',
          headers: { 'X-Plex-Token': TOKEN, 'Content-Type': 'application/json' },
          body: JSON.stringify(faults),
        }).catch(reject);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ dir, code, stderr, stdout, faultedFix });
    });
  });
}

const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) server.close();
});

/** A local HTTP server answering every request with `handler`. */
async function localServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function failureOf(promise: Promise<unknown>): Promise<RatchetError> {
  try {
    await promise;
  } catch (error) {
    return error as RatchetError;
  }
  throw new Error('expected a failure');
}

describe('faults: the Plex server misbehaves while a fix is tested', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a storm of 503 answers', { errorRate: 1, errorStatus: 503 }, /503/],
    [
      'a storm of 429 answers with Retry-After',
      { errorRate: 1, errorStatus: 429, retryAfterSeconds: 1 },
      /429|rate/i,
    ],
    [
      'a server that drops every connection (gone during the refresh)',
      { dropRate: 1 },
      /connection was dropped/,
    ],
  ];
  // Started by the first test that needs them, all three side by side (they mostly wait on retries).
  let started: Promise<Awaited<ReturnType<typeof demoWithFaultsDuringTest>>[]> | undefined;
  const runs = () => {
    started ??= Promise.all(cases.map(([, faults]) => demoWithFaultsDuringTest(faults)));
    return started;
  };

  for (const [index, [name, , message]] of cases.entries()) {
    it(`pauses with MONITOR, never KEEP or ROLLBACK, on ${name}, and keeps its state`, async () => {
      const run = (await runs())[index];
      if (!run) throw new Error('no run');
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('retrying');
      expect(run.stderr).not.toMatch(STACK_TRACE);
      const decisions = (
        JSON.parse(readFileSync(join(run.dir, 'run', 'decision_log.json'), 'utf8')) as {
          decisions: Decision[];
        }
      ).decisions;
      const faulted = decisions.filter((d) => d.fixId === run.faultedFix);
      expect(faulted.map((d) => d.outcome)).toEqual(['MONITOR']);
      const state = JSON.parse(readFileSync(join(run.dir, 'run', 'loop_state.json'), 'utf8'));
      expect(state.status).toBe('paused');
      expect(Object.keys(state.ledger)).toContain(run.faultedFix);
      // The fix stays applied, waiting for its retest: the preferences hold the fix's bytes.
      expect(readFileSync(join(run.dir, 'plex-data', AGENT_PREFS), 'utf8')).toMatch(/normalize_titles>true</);
      expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
    }, 200_000);
  }

  it('retests after the faults are gone and decides the paused fix', async () => {
    const run = (await runs())[0];
    if (!run) throw new Error('no run');
    const resumed = await runBin(['demo', '--out', run.dir, '--items', ITEMS, '--json'], {
      env: { PLEX_TOKEN: TOKEN },
      timeoutMs: 150_000,
    });
    expect([0, 3], resumed.stderr).toContain(resumed.code);
    const decisions = (
      JSON.parse(readFileSync(join(run.dir, 'run', 'decision_log.json'), 'utf8')) as { decisions: Decision[] }
    ).decisions;
    expect(decisions.filter((d) => d.fixId === run.faultedFix).map((d) => d.outcome)).toEqual([
      'MONITOR',
      'KEEP',
    ]);
  }, 200_000);
});

describe('faults: a server that answers nonsense or nothing', () => {
  it('explains malformed JSON from the server with the request it answered', async () => {
    const url = await localServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{"MediaContainer": {"Directory": [');
    });
    const client = new PlexClient({ url, token: TOKEN, retries: 1, retryBaseMs: 10 });
    const error = await failureOf(client.sections());
    expect(error).toBeInstanceOf(RatchetError);
    expect(error.message).toMatch(/JSON|malformed|parse/i);
    expect(error.message).toContain('/library/sections');
    expect(error.message).not.toContain(TOKEN);
  });

  it('gives up on a stalled answer after its timeout and retries, with a message that says so', async () => {
    let requests = 0;
    const url = await localServer(() => {
      requests += 1; // never answers
    });
    const client = new PlexClient({ url, token: TOKEN, timeoutMs: 300, retries: 2, retryBaseMs: 10 });
    const started = Date.now();
    const error = await failureOf(client.identity());
    expect(error).toBeInstanceOf(RatchetError);
    expect(error.message).toMatch(/no answer within 300 ms/);
    expect(requests).toBe(3);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('says the token was rejected on a 401, without retrying and without printing the token', async () => {
    let requests = 0;
    const url = await localServer((_request, response) => {
      requests += 1;
      response.writeHead(401).end('Unauthorized');
    });
    const error = await failureOf(new PlexClient({ url, token: TOKEN, retries: 3 }).sections());
    expect(error.message).toMatch(/401|token/i);
    expect(error.message).not.toContain(TOKEN);
    expect(requests).toBe(1);
  });
});

describe('faults: the machine around the run', () => {
  it('fails a fix whose restart command hangs, restores the files and goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-hang-'));
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'root', 'settings.conf'), 'retries=0\n');
    const fixtures = join(import.meta.dirname, 'fixtures', 'escape');
    for (const name of ['aggregate.mjs', 'judge.mjs'])
      writeFileSync(join(dir, name), readFileSync(join(fixtures, name)));
    writeFileSync(
      join(dir, 'diagnose.mjs'),
      `export default { name: 'hang-diagnose', async run(input) {
        const fix = { id: 'edit-and-restart', name: 'edit and restart', priority: 'HIGH', targets: ['timeouts'],
          actions: [{ type: 'edit', file: 'settings.conf', search: 'retries=0', replace: 'retries=3' }, { type: 'restart' }] };
        return { fixes: input.attemptedFixIds.includes(fix.id) ? [] : [fix] };
      } };\n`,
    );
    writeFileSync(
      join(dir, 'ratchet.config.json'),
      JSON.stringify({
        objective: { metric: 'errors', per: 'requests', direction: 'lower' },
        phases: {
          aggregate: { use: './aggregate.mjs' },
          diagnose: { use: './diagnose.mjs' },
          implement: {
            use: '@ratchet/phase-implement',
            with: {
              roots: ['./root'],
              restart: {
                command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'],
                healthCommand: [process.execPath, '-e', 'process.exit(0)'],
                commandTimeoutMs: 1500,
              },
            },
          },
          test: { use: './judge.mjs' },
        },
        priority: 'LOW',
        exit: { maxIterations: 2, plateau: false },
      }),
    );
    const run = await runBin(['run', '--yes', '--json'], { cwd: dir, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/restart/i);
    expect(run.stderr).toMatch(/time/i);
    expect(run.stderr).not.toMatch(STACK_TRACE);
    expect(readFileSync(join(dir, 'root', 'settings.conf'), 'utf8')).toBe('retries=0\n');
    const decisions = (
      JSON.parse(readFileSync(join(dir, '.ratchet', 'decision_log.json'), 'utf8')) as {
        decisions: Decision[];
      }
    ).decisions;
    expect(decisions.map((d) => d.outcome)).toEqual(['APPLY_FAILED']);
  }, 60_000);

  it('refuses an output folder that is a file, with a message naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-outfile-'));
    const notAFolder = join(dir, 'out');
    writeFileSync(notAFolder, 'a file where a folder should be\n');
    const run = await runBin(['demo', '--out', notAFolder, '--items', ITEMS], { timeoutMs: 60_000 });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(notAFolder);
    expect(run.stderr).not.toMatch(STACK_TRACE);
    expect(readFileSync(notAFolder, 'utf8')).toBe('a file where a folder should be\n');
  });

  it('reports a full disk (ENOSPC) when writing a report, and leaves the device a device', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-enospc-'));
    const logs = join(dir, 'PMS Plugin Logs');
    mkdirSync(logs);
    writeFileSync(join(logs, 'com.plexapp.agents.x.log'), readFileSync(SAMPLE));
    // Through a link in the temp folder: should a regression rename over it, only the link is lost.
    const full = join(dir, 'report.json');
    symlinkSync('/dev/full', full);
    const run = await runBin(['aggregate', logs, '--format', 'json', '--output', full], {
      timeoutMs: 30_000,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ENOSPC|no space/i);
    expect(run.stderr).not.toMatch(STACK_TRACE);
    expect(lstatSync(full).isSymbolicLink()).toBe(true);
    expect(statSync(full).isCharacterDevice()).toBe(true);
  });

  for (const what of ['rotated', 'deleted'] as const) {
    it(`measures a log that is ${what} while it is being read, without a crash`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `ratchet-${what}-`));
      const logs = join(dir, 'PMS Plugin Logs');
      mkdirSync(logs);
      const sample = readFileSync(SAMPLE, 'utf8');
      const log = join(logs, 'com.plexapp.agents.x.log');
      writeFileSync(log, sample.repeat(Math.ceil((60 * 1024 * 1024) / sample.length)));
      // A second agent's log stays: whenever the first vanishes, there is still something to measure.
      writeFileSync(join(logs, 'com.plexapp.agents.y.log'), sample);
      const child: ChildProcess = spawn(process.execPath, [BIN, 'aggregate', logs, '--format', 'json'], {
        env: { ...process.env, CI: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.setEncoding('utf8').on('data', (c: string) => {
        stdout += c;
      });
      child.stderr?.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
      });
      await new Promise((resolve) => setTimeout(resolve, 700));
      if (what === 'rotated') {
        renameSync(log, `${log}.1`);
        writeFileSync(log, sample);
      } else {
        rmSync(log);
      }
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code, stderr).toBe(0);
      expect(stderr).not.toMatch(STACK_TRACE);
      const result = JSON.parse(stdout) as { metrics: Record<string, number> };
      expect(result.metrics.records).toBeGreaterThan(0);
    }, 60_000);
  }
});
