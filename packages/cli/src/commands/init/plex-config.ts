import type { PlexInstall } from '@ratchet/plex';

const js = (value: unknown) => JSON.stringify(value);

function todo(what: string): string {
  return js(`TODO: ${what}`);
}

/**
 * The Plex config for the install `findPlexInstall` found. Paths are written as found, so the
 * config runs as generated (also under sudo, which drops the environment). What was not found is a
 * "TODO: ..." string that `ratchet validate` and `ratchet run` refuse. The token is never written:
 * PLEX_TOKEN, or the server's Preferences.xml, is read at run time.
 */
export function renderPlexConfig(install: PlexInstall, restartOverride?: string[]): string {
  const data = install.dataDir;
  const logs = install.logsDir;
  const restart = restartOverride ?? install.restart.command;
  const restartNote = restartOverride ? 'given with --restart-command' : install.restart.note;
  const tokenLines: string[] = [];
  if (install.tokenSource === 'PLEX_TOKEN')
    tokenLines.push('          // token: PLEX_TOKEN at run time (never written to a file).');
  if (install.preferencesFile && install.tokenSource !== undefined) {
    tokenLines.push(
      "          // Without PLEX_TOKEN, the server's own PlexOnlineToken is read from here at run time.",
      `          preferences: ${js(install.preferencesFile)},`,
    );
  }
  if (install.tokenSource === undefined)
    tokenLines.push(
      `          token: ${todo('export PLEX_TOKEN=<your token> and delete this line (no token in PLEX_TOKEN or Preferences.xml)')},`,
    );
  return `// A type-only import: the config loads without @ratchet/core installed beside it.
import type { RatchetConfigInput } from '@ratchet/core';

// Ratchet for the Plex Media Server found by \`ratchet init\` (${install.layout ?? 'no install found'}).
// Every key is explained in docs/config.md. Check it with \`ratchet validate\`.
export default {
  // What the loop improves: problems (ERROR records plus title-match failures) per search.
  objective: { metric: ['errorRecords', 'titleMatchFailures'], per: 'searchOps', direction: 'lower' },
  phases: {
    aggregate: {
      use: '@ratchet/phase-aggregate',
      with: {
        preset: 'plex',
        // The server's Logs folder${logs ? ` (${logs.source})` : ''}. Only legacy plug-in agents
        // (com.plexapp.agents.*) write the "PMS Plugin Logs" read here; tv.plex.agents.* do not.
        logs: ${logs ? js(logs.value) : todo('the Logs folder of your server (it holds "PMS Plugin Logs")')},
        since: '24h',
      },
    },
    // The built-in Plex rules, plus your own rule files (docs/writing-rules.md).
    diagnose: { use: '@ratchet/phase-diagnose', with: { builtin: true, rules: [] } },
    implement: {
      use: '@ratchet/phase-implement',
      with: {
        // Fixes may only touch files under the server's data folder${data ? ` (${data.source})` : ''}.
        roots: [${data ? js(data.value) : todo('the data folder of your server ("Plex Media Server")')}],
        restart: {
          // ${restartNote}.
          command: ${restart ? js(restart) : `[${todo('the command that restarts your server, e.g. docker restart plex')}]`},
          healthUrl: ${js(`${install.url.value.replace(/\/+$/, '')}/identity`)},
          timeoutMs: 120000,
        },
        // Ask on the terminal before each fix; \`ratchet run --yes\` approves in advance.
        approve: true,
      },
    },
    test: {
      use: '@ratchet/phase-test',
      with: {
        refresh: {
          kind: 'plex',
          url: ${js(install.url.value)},
${tokenLines.join('\n')}
          items: 20,
        },
      },
    },
  },
  exit: { maxIterations: 10, plateau: { minImprovementPct: 5, iterations: 2 } },
  judge: { alpha: 0.05, minSamples: 20, minEffectPct: 10 },
  // The lowest fix priority applied: LOW lets the built-in rules' fixes be tried (each one is
  // tested, and rolled back unless it helps).
  priority: 'LOW',
} satisfies RatchetConfigInput;
`;
}
