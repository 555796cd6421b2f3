import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import createImplementPhase from '../index.js';
import {
  allText,
  factoryContext,
  fix,
  phaseContext,
  recordingLogger,
  snapshot,
  type TestFolder,
  testFolder,
} from '../test-support/context.test-helpers.js';

const PREFS = 'Plug-in Support/Preferences/com.plexapp.agents.simdb.xml';
const SIM_PREFS = '<PluginPreferences><max_retries>0</max_retries></PluginPreferences>\n';
const TOKEN = 'plex-token-7f3a9c1e-do-not-leak';

/**
 * A stand-in for a Plex server on 127.0.0.1: `POST /restart` restarts it, after which `/identity`
 * answers 503 for as many requests as the plan for that restart says (Infinity: never healthy).
 */
class FakeServer {
  restarts = 0;
  identityRequests = 0;
  tokens = new Set<string>();
  private unhealthyLeft = 0;
  private server: Server | undefined;
  url = '';

  constructor(private readonly unhealthyRequestsPerRestart: number[]) {}

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      const token = request.headers['x-plex-token'];
      if (typeof token === 'string') this.tokens.add(token);
      if (request.method === 'POST' && request.url === '/restart') {
        this.unhealthyLeft = this.unhealthyRequestsPerRestart[this.restarts] ?? 0;
        this.restarts += 1;
        response.writeHead(200).end('restarting');
        return;
      }
      if (request.url === '/identity') {
        this.identityRequests += 1;
        if (this.unhealthyLeft > 0) {
          this.unhealthyLeft -= 1;
          response.writeHead(503).end();
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"MediaContainer":{"size":0}}');
        return;
      }
      response.writeHead(404).end();
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The argv of a restart command that asks this server to restart (no shell involved). */
  restartCommand(): string[] {
    return [
      process.execPath,
      '-e',
      "fetch(process.argv[1], { method: 'POST' }).then((r) => process.exit(r.ok ? 0 : 1))",
      `${this.url}/restart`,
    ];
  }
}

let folder: TestFolder;
let server: FakeServer;
afterEach(async () => {
  await server?.stop();
  await folder?.cleanup();
});

const prefsFix = () =>
  fix('retries-and-restart', [
    { type: 'set-pref', bundleId: 'com.plexapp.agents.simdb', key: 'max_retries', value: '3' },
    { type: 'restart' },
  ]);

async function setup(unhealthy: number[], restart: Record<string, unknown> = {}) {
  folder = await testFolder({ [PREFS]: SIM_PREFS });
  server = new FakeServer(unhealthy);
  await server.start();
  const log = recordingLogger();
  const phase = createImplementPhase(
    {
      roots: ['system'],
      token: TOKEN,
      restart: {
        command: server.restartCommand(),
        healthUrl: `${server.url}/identity`,
        timeoutMs: 5_000,
        intervalMs: 50,
        ...restart,
      },
    },
    factoryContext(folder.root),
  );
  return { phase, ctx: phaseContext(folder, log), log };
}

describe('restart', () => {
  it('restarts the server and waits until /identity answers, sending the token as X-Plex-Token', async () => {
    const { phase, ctx, log } = await setup([3]);
    const applied = await phase.run({ fix: prefsFix() }, ctx);
    expect(applied.restarted).toBe(true);
    expect(server.restarts).toBe(1);
    // Three 503s, then healthy: at least four checks, and the report counts every check the server saw
    // (a check that timed out on a loaded machine is repeated, never counted as healthy).
    expect(server.identityRequests).toBeGreaterThanOrEqual(4);
    expect([...server.tokens]).toEqual([TOKEN]);
    expect(applied.changes[1]?.description).toMatch(
      new RegExp(`restarted; healthy after \\d+ ms \\(${server.identityRequests} check\\(s\\)\\)`),
    );
    expect(await allText(folder.root)).not.toContain(TOKEN);
    expect(log.lines.join('\n')).not.toContain(TOKEN);
  });

  it('rolls back the preference and restarts again so the server runs the old settings', async () => {
    const { phase, ctx } = await setup([1, 1]);
    const before = await snapshot(folder.system);
    const applied = await phase.run({ fix: prefsFix() }, ctx);
    await phase.rollback(applied, ctx);
    expect(server.restarts).toBe(2);
    expect(await snapshot(folder.system)).toEqual(before);
  });

  it('fails the apply and restores everything when the server never becomes healthy', async () => {
    const { phase, ctx } = await setup([Number.POSITIVE_INFINITY, 0], { timeoutMs: 1_500, intervalMs: 50 });
    const before = await snapshot(folder.system);
    const error = await phase.run({ fix: prefsFix() }, ctx).catch((e: unknown) => e);
    expect(error, String(error)).toMatchObject({ code: 'ACTION_FAILED' });
    expect((error as Error).message).toContain('actions[1] (restart)');
    expect((error as Error).message).toContain(
      `did not become healthy within 1500 ms (${server.url}/identity, last answer: HTTP 503)`,
    );
    expect((error as Error).message).toContain('every target was restored');
    expect(await snapshot(folder.system)).toEqual(before);
    // Restarted once with the new settings, and once more after restoring the old ones.
    expect(server.restarts).toBe(2);
    expect(await allText(folder.root)).not.toContain(TOKEN);
  });

  it('fails the apply and restores everything when the restart command fails', async () => {
    const { phase, ctx } = await setup([0], {
      command: [process.execPath, '-e', 'console.error("service not found"); process.exit(5)'],
    });
    const before = await snapshot(folder.system);
    const error = await phase.run({ fix: prefsFix() }, ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ACTION_FAILED' });
    expect((error as Error).message).toContain('restart command failed');
    expect((error as Error).message).toContain('exited with code 5');
    expect((error as Error).message).toContain('service not found');
    expect(await snapshot(folder.system)).toEqual(before);
  });

  it('takes the token from PLEX_TOKEN when the options give none, and never writes it', async () => {
    folder = await testFolder({ [PREFS]: SIM_PREFS });
    server = new FakeServer([1]);
    await server.start();
    const previous = process.env.PLEX_TOKEN;
    process.env.PLEX_TOKEN = `${TOKEN}-from-env`;
    try {
      const phase = createImplementPhase(
        {
          roots: ['system'],
          restart: { command: server.restartCommand(), healthUrl: `${server.url}/identity`, intervalMs: 50 },
        },
        factoryContext(folder.root),
      );
      await phase.run({ fix: prefsFix() }, phaseContext(folder));
    } finally {
      if (previous === undefined) delete process.env.PLEX_TOKEN;
      else process.env.PLEX_TOKEN = previous;
    }
    expect([...server.tokens]).toEqual([`${TOKEN}-from-env`]);
    expect(await allText(folder.root)).not.toContain(TOKEN);
  });

  it('can use a health command instead of an URL', async () => {
    folder = await testFolder({ [PREFS]: SIM_PREFS });
    const flag = join(folder.root, 'healthy.flag');
    const phase = createImplementPhase(
      {
        roots: ['system'],
        restart: {
          command: [
            process.execPath,
            '-e',
            'setTimeout(() => require("fs").writeFileSync(process.argv[1], "up"), 300)',
            flag,
          ],
          healthCommand: [
            process.execPath,
            '-e',
            'process.exit(require("fs").existsSync(process.argv[1]) ? 0 : 1)',
            flag,
          ],
          timeoutMs: 10_000,
          intervalMs: 100,
        },
      },
      factoryContext(folder.root),
    );
    const applied = await phase.run({ fix: prefsFix() }, phaseContext(folder));
    expect(applied.restarted).toBe(true);
    expect(await readFile(flag, 'utf8')).toBe('up');
  });
});
