import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ratchet } from './helpers.js';
import { type SimProcess, startSim } from './sim-process.js';

const README = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'README.md');
const CTL = join(
  dirname(createRequire(import.meta.url).resolve('@ratchet/plex-sim/package.json')),
  'dist',
  'ctl.js',
);
const APP_SUPPORT = ['Library', 'Application Support', 'Plex Media Server'];
const TOKEN = 'rehearsal-token-4f1c';

/** The commands of the README's "Using it on a real Plex server" block, comments stripped. */
function readmeCommands(): string[][] {
  const text = readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf('## Using it on a real Plex server'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .map((line) => line.split(/\s+/));
}

interface Layout {
  name: string;
  /** Lays out the install under `base`; returns its data folder and the environment `init` sees. */
  prepare(base: string): { data: string; env: Record<string, string>; initArgs: string[] };
  /** Whether the server's Preferences.xml holds the token (Linux, Docker) or PLEX_TOKEN does (macOS). */
  tokenInPreferences: boolean;
}

const LAYOUTS: Layout[] = [
  {
    name: 'Linux package (/var/lib/plexmediaserver), found through PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR',
    tokenInPreferences: true,
    prepare: (base) => {
      const data = join(base, 'var', 'lib', 'plexmediaserver', ...APP_SUPPORT);
      return { data, env: { PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR: dirname(data) }, initArgs: [] };
    },
  },
  {
    name: 'Docker (/config), found through PLEX_DATA_DIR',
    tokenInPreferences: true,
    prepare: (base) => {
      const data = join(base, 'config', ...APP_SUPPORT);
      return { data, env: { PLEX_DATA_DIR: data }, initArgs: [] };
    },
  },
  {
    name: 'macOS (~/Library/Application Support, logs in ~/Library/Logs), found through the home folder',
    tokenInPreferences: false,
    prepare: (base) => {
      const home = join(base, 'home');
      return { data: join(home, ...APP_SUPPORT), env: { HOME: home }, initArgs: ['--platform', 'darwin'] };
    },
  },
];

const sims: SimProcess[] = [];
afterEach(async () => {
  for (const sim of sims.splice(0)) await sim.stop();
});

describe("the README's real-server section, rehearsed against plex-sim", () => {
  it('lists the commands this test runs', () => {
    expect(readmeCommands().map((argv) => argv.join(' '))).toEqual([
      'ratchet init --preset plex',
      'ratchet validate',
      'ratchet run',
      'ratchet status',
      'ratchet resume',
    ]);
  });

  for (const layout of LAYOUTS) {
    it(`reaches a right loop on the first run: ${layout.name}`, async () => {
      const base = mkdtempSync(join(tmpdir(), 'ratchet-rehearsal-'));
      const { data, env: layoutEnv, initArgs } = layout.prepare(base);
      const sim = await startSim(data, TOKEN);
      sims.push(sim);
      const preferences = join(data, 'Preferences.xml');
      if (layout.tokenInPreferences) {
        // A claimed server keeps its token in Preferences.xml, as the real one does.
        writeFileSync(
          preferences,
          readFileSync(preferences, 'utf8').replace(
            '<Preferences ',
            `<Preferences PlexOnlineToken="${TOKEN}" `,
          ),
        );
      } else {
        // macOS keeps the logs apart from the data folder.
        mkdirSync(join(base, 'home', 'Library', 'Logs'), { recursive: true });
        symlinkSync(join(data, 'Logs'), join(base, 'home', 'Library', 'Logs', 'Plex Media Server'));
      }
      const env: Record<string, string | undefined> = {
        PLEX_URL: sim.url,
        PLEX_TOKEN: layout.tokenInPreferences ? undefined : TOKEN,
        PLEX_DATA_DIR: undefined,
        PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR: undefined,
        PLEX_MEDIA_SERVER_LOG_DIR: undefined,
        ...layoutEnv,
      };
      const restart = [
        'node',
        CTL,
        'restart',
        '--url',
        sim.url,
        ...(layout.tokenInPreferences ? ['--preferences', preferences] : []),
      ];
      const project = join(base, 'project');
      mkdirSync(project);
      const outputs: Record<string, { status: number | null; stdout: string; stderr: string }> = {};

      for (const argv of readmeCommands()) {
        const command = argv[1] as string;
        const args = argv.slice(1);
        if (command === 'init') args.push(...initArgs, '--restart-command', JSON.stringify(restart));
        if (command === 'run') args.push('--yes', '--json');
        if (command === 'status') args.push('--json');
        const result = ratchet(args, project, env, 180_000);
        outputs[command] = result;
        expect(result.status, `${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
      }

      const config = readFileSync(join(project, 'ratchet.config.ts'), 'utf8');
      expect(config).not.toContain(TOKEN);
      expect(config).not.toContain('TODO');
      expect(outputs.init?.stdout).toContain(`data folder: ${data}`);
      expect(outputs.validate?.stdout).toContain(
        `checked: ${sim.url} answers /identity and accepts the token`,
      );
      expect(outputs.validate?.stdout).toMatch(/checked: the logs hold \d+ records/);

      const run = JSON.parse(outputs.run?.stdout ?? '{}');
      expect(run.status).toBe('finished');
      expect(run.fixesAttempted.length).toBeGreaterThan(0);
      // The simulated agent's corrupt metadata bundles: the built-in rule's fix helps, and is kept.
      expect(run.fixesSuccessful).toContain('clear-corrupt-bundles:com.plexapp.agents.simdb');
      expect(run.fixesFailed).toEqual([]);
      expect(run.currentObjective).toBeLessThan(run.baselineObjective);
      expect(JSON.parse(outputs.status?.stdout ?? '{}').status).toBe('finished');
      for (const file of ['loop_state.json', 'run_config.json', 'final_improvement_report.md'])
        expect(readFileSync(join(project, '.ratchet', file), 'utf8')).not.toContain(TOKEN);
    }, 300_000);
  }
});
