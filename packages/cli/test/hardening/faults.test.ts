import { type ChildProcess, spawn } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
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
import { SHIPPED_PREFS, serializePrefs } from '@ratchet/plex-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { plexLog } from '../../../../test-support/fixtures.js';
import { BIN } from '../helpers.js';
import { inPool, runBin, STACK_TRACE } from './support.js';

const TOKEN = 'fault-suite-token-7a41c2';
const ITEMS = '45';
const SAMPLE = plexLog('05_hama_309_anidb_http_403.log');
const AGENT_PREFS = join('Plug-in Support', 'Preferences', 'com.plexapp.agents.simdb.xml');

interface Decision {
  fixId: string;
  outcome: string;
  rationale: string;
}

/** Rules of a fault plan for the simulator the demo starts (docs/plex-sim.md, "Faults"). */
type Rule = Record<string, unknown>;

/**
 * The window every fault below uses: it opens when the first fix restarts the agent (the implement
 * phase's `POST /:/sim/agent/restart`), so the refreshes before the fix are untouched and every
 * refresh of the fix's test is faulted. Counts, not timing: the same requests are hit on any machine.
 */
const AFTER_FIRST_FIX = { 'after-fix': { opensAt: { route: 'agent-restart', request: 1 } } };

/** `ratchet demo --faults PLAN` in a new folder, through the real bin. */
async function demoWithFaults(rules: Rule[], windows: Record<string, unknown> = AFTER_FIRST_FIX) {
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-faults-'));
  const plan = join(dir, 'faults.json');
  writeFileSync(plan, JSON.stringify({ windows, rules }));
  const run = await runBin(['demo', '--out', dir, '--items', ITEMS, '--json', '--faults', plan], {
    env: { PLEX_TOKEN: TOKEN },
    timeoutMs: 500_000,
  });
  const decisions = (
    JSON.parse(readFileSync(join(dir, 'run', 'decision_log.json'), 'utf8')) as { decisions: Decision[] }
  ).decisions;
  const state = JSON.parse(readFileSync(join(dir, 'run', 'loop_state.json'), 'utf8')) as {
    status: string;
    ledger: Record<string, unknown>;
  };
  const prefs = readFileSync(join(dir, 'plex-data', AGENT_PREFS), 'utf8');
  return { ...run, dir, decisions, state, prefs };
}
type FaultRun = Awaited<ReturnType<typeof demoWithFaults>>;

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

describe('faults: the Plex server misbehaves while a fix is tested, in a real demo loop', () => {
  const refreshFault = (fault: string, extra: Rule = {}): Rule[] => [
    { route: 'refresh', window: 'after-fix', fault, ...extra },
  ];
  // [name, plan rules, what stderr must say, whether the client retries it]
  const cases: [string, Rule[], RegExp, boolean][] = [
    ['503 answers', refreshFault('503'), /503 Service Unavailable/, true],
    [
      '429 answers with Retry-After: 1',
      refreshFault('429', { retryAfterSeconds: 1 }),
      /429 Too Many Requests\) \[status 429\]; retrying in 1000 ms/,
      true,
    ],
    ['dropped connections', refreshFault('drop'), /the connection was dropped/, true],
    ['a server that stops answering (stall)', refreshFault('stall'), /no answer within 5000 ms/, true],
    ['malformed JSON', refreshFault('malformed-json'), /did not answer JSON/, false],
    ['401: the token is rejected', refreshFault('401'), /rejected the token \(401 Unauthorized\)/, false],
  ];
  // Started by the first test that needs them, three at a time (they mostly wait on retries).
  let started: Promise<FaultRun[]> | undefined;
  const runs = () => {
    started ??= inPool(cases, 3, ([, rules]) => demoWithFaults(rules));
    return started;
  };

  for (const [index, [name, , message, retried]] of cases.entries()) {
    it(`on ${name}: ${retried ? 'retries, then ' : ''}pauses with MONITOR (never KEEP or ROLLBACK), says why, keeps its state`, async () => {
      const run = (await runs())[index]!;
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(message);
      // A coded error names what failed: the measurement, because a request to Plex failed.
      expect(run.stderr).toContain('MEASUREMENT_FAILED');
      expect(run.stderr).toContain('HTTP_ERROR');
      const refreshRetries = /PUT \/library\/metadata\/\d+\/refresh: .*retrying in/;
      if (retried) expect(run.stderr).toMatch(refreshRetries);
      else expect(run.stderr).not.toMatch(refreshRetries);
      expect(run.stderr).not.toMatch(STACK_TRACE);
      // The faulted fix is the only one decided, and only as MONITOR: a failed measurement never
      // counts for or against a fix.
      expect(run.decisions.map((d) => d.outcome)).toEqual(['MONITOR']);
      const faulted = run.decisions[0]!.fixId;
      expect(run.decisions[0]!.rationale).toMatch(/measurement/i);
      expect(run.state.status).toBe('paused');
      expect(Object.keys(run.state.ledger)).toContain(faulted);
      // The fix stays applied, waiting for its retest: the preferences hold the fix's bytes.
      expect(run.prefs).toMatch(/normalize_titles>true</);
      expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
    }, 900_000);
  }

  it('retests after the faults are gone and decides the paused fix', async () => {
    const run = (await runs())[0]!;
    const resumed = await runBin(['demo', '--out', run.dir, '--items', ITEMS, '--json'], {
      env: { PLEX_TOKEN: TOKEN },
      timeoutMs: 300_000,
    });
    expect([0, 3], resumed.stderr).toContain(resumed.code);
    const decisions = (
      JSON.parse(readFileSync(join(run.dir, 'run', 'decision_log.json'), 'utf8')) as { decisions: Decision[] }
    ).decisions;
    expect(decisions.filter((d) => d.fixId === run.decisions[0]!.fixId).map((d) => d.outcome)).toEqual([
      'MONITOR',
      'KEEP',
    ]);
  }, 900_000);

  it('restores the files of a fix whose agent restart the server refuses (503), and stops: the environment is broken', async () => {
    const run = await demoWithFaults([{ route: 'agent-restart', fault: '503' }], {});
    // A restart that fails would fail every fix: the run stops after the first, with a coded error.
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('ENVIRONMENT_BROKEN');
    expect(run.stderr).not.toMatch(STACK_TRACE);
    expect(run.decisions.map((d) => d.outcome)).toEqual(['APPLY_FAILED']);
    // Every fix was undone: the agent's preferences are the shipped ones, byte for byte.
    expect(run.prefs).toBe(serializePrefs(SHIPPED_PREFS));
    expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
  }, 900_000);
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
    const error = await failureOf(client.identity());
    expect(error).toBeInstanceOf(RatchetError);
    expect(error.message).toMatch(/no answer within 300 ms/);
    expect(requests).toBe(3);
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
  it('fails a fix whose restart command hangs, restores the files and stops the run', async () => {
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
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('ENVIRONMENT_BROKEN');
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
      writeFileSync(log, sample.repeat(Math.ceil((8 * 1024 * 1024) / sample.length)));
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
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      // Not a sleep: wait until the reader has the log open, stop it there, change the file under
      // it, and let it go on. However loaded the machine, the change lands in the middle of the read.
      const pid = child.pid!;
      while (!hasOpen(pid, log)) await new Promise((resolve) => setImmediate(resolve));
      process.kill(pid, 'SIGSTOP');
      const midRead = hasOpen(pid, log);
      if (what === 'rotated') {
        renameSync(log, `${log}.1`);
        writeFileSync(log, sample);
      } else {
        rmSync(log);
      }
      process.kill(pid, 'SIGCONT');
      const code = await closed;
      expect(midRead, 'the reader had the log open when it changed').toBe(true);
      expect(code, stderr).toBe(0);
      expect(stderr).not.toMatch(STACK_TRACE);
      const result = JSON.parse(stdout) as { metrics: Record<string, number> };
      expect(result.metrics.records).toBeGreaterThan(0);
    }, 120_000);
  }
});

/** Whether process `pid` has `file` open (Linux /proc); false once it has exited. */
function hasOpen(pid: number, file: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
