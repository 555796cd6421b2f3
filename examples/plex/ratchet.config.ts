// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is Ratchet's environment reference syntax, not a template literal
import { defineConfig } from '@ratchet/core';

// Ratchet for a real Plex Media Server and its metadata agents.
//
//   export PLEX_URL=http://127.0.0.1:32400
//   export PLEX_TOKEN=...            # your account token: read at run time, never written to a file
//   export PLEX_DATA_DIR="/var/lib/plexmediaserver/Library/Application Support/Plex Media Server"
//   ratchet validate && ratchet run --approve
//
// ${NAME} and ${NAME:-default} are resolved from the environment in memory only; the run's files
// keep the reference as written. Every key is in docs/config.md.
export default defineConfig({
  // What the loop improves: problems (ERROR records plus title-match failures) per search.
  objective: { metric: ['errorRecords', 'titleMatchFailures'], per: 'searchOps', direction: 'lower' },

  phases: {
    aggregate: {
      use: '@ratchet/phase-aggregate',
      with: {
        preset: 'plex',
        // The server's Logs folder (its "PMS Plugin Logs" folder is read). Defaults per OS:
        //   Linux   /var/lib/plexmediaserver/Library/Application Support/Plex Media Server/Logs
        //   macOS   ~/Library/Logs/Plex Media Server
        //   Windows %LOCALAPPDATA%\Plex Media Server\Logs
        logs: '${PLEX_DATA_DIR}/Logs',
        // The baseline window. Later measurements start when the system last changed.
        since: '24h',
        // Only these agents (bundle ids); leave it out to read every plug-in log.
        // agents: ['com.plexapp.agents.themoviedb', 'com.plexapp.agents.imdb'],
      },
    },

    diagnose: {
      use: '@ratchet/phase-diagnose',
      with: {
        // Your own rules come first; the built-in Plex knowledge base stays on (builtin: true).
        rules: ['./rules/my-agent.yaml'],
        // Impact (reach x confidence) at or above `high` is HIGH, at or above `medium` MEDIUM.
        thresholds: { high: 0.1, medium: 0.02 },
      },
    },

    implement: {
      use: '@ratchet/phase-implement',
      with: {
        // Fixes may only touch files inside these folders (preferences, metadata bundles).
        roots: ['${PLEX_DATA_DIR}'],
        restart: {
          // Restart command per OS; pick yours:
          //   Linux (systemd): ['systemctl', 'restart', 'plexmediaserver']
          //   Docker:          ['docker', 'restart', 'plex']
          //   macOS:           ['bash', '-c', 'osascript -e "quit app \"Plex Media Server\"" && sleep 5 && open -a "Plex Media Server"']
          //   Windows:         ['powershell', '-Command', 'Restart-Service PlexService']
          //                    (a desktop install: Stop-Process -Name "Plex Media Server"; Start-Process ...)
          command: ['systemctl', 'restart', 'plexmediaserver'],
          // /identity needs no token; polled until it answers 2xx.
          healthUrl: '${PLEX_URL}/identity',
          timeoutMs: 120000,
        },
        // Ask on the terminal before each fix; `ratchet run --yes` approves in advance.
        approve: true,
      },
    },

    test: {
      use: '@ratchet/phase-test',
      with: {
        refresh: {
          kind: 'plex',
          url: '${PLEX_URL}',
          token: '${PLEX_TOKEN}',
          // Items refreshed per test: the failing ones first, then random controls. More items,
          // more power: 20 is the least the judge accepts (judge.minSamples).
          items: 20,
          // Refreshes in flight at once: Plex's database suffers under a flood.
          concurrency: 4,
          timeoutMs: 300000,
          // sections: ['Movies'],   // where control items are drawn from
        },
      },
    },
  },

  exit: {
    maxIterations: 10,
    // Stop when an iteration improves the objective by less than 5% over the best so far, twice.
    plateau: { minImprovementPct: 5, iterations: 2 },
    // Stop, and roll back to the best state, when things are 10% worse than the baseline.
    regression: { tolerancePct: 10, restoreBest: true },
    // target: { improvementPct: 50 },   // stop early once the objective halved
    // deadline: '8h',                   // wall-clock limit for the whole run
  },

  judge: {
    alpha: 0.05, // significance level of the exact tests
    minSamples: 20, // fewer samples is never enough to KEEP
    minEffectPct: 10, // a fix must improve the objective by at least 10%
    // A significant rise in one of these rolls a fix back even if the objective improved.
    criticalMetrics: ['exceptions', 'urlErrors'],
  },

  // The lowest fix priority applied: MEDIUM or LOW lets the loop try more, less certain fixes.
  priority: 'HIGH',
});
