import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RatchetError } from '@ratchet/core';
import { EXIT } from '../exit-codes.js';

const PLEX = `import { defineConfig } from '@ratchet/core';

// Ratchet for a Plex Media Server and its metadata agents. Every key is explained in docs/config.md.
// \${NAME} values come from the environment when the run starts and are never written to any file.
export default defineConfig({
  // What the loop improves: problems per search operation, lower is better.
  objective: { metric: ['errorRecords', 'titleMatchFailures'], per: 'searchOps', direction: 'lower' },
  phases: {
    aggregate: {
      use: '@ratchet/phase-aggregate',
      // logs: the server's "Logs" folder; default: $PLEX_MEDIA_SERVER_LOG_DIR or the OS default.
      with: { preset: 'plex', since: '24h' },
    },
    diagnose: { use: '@ratchet/phase-diagnose', with: { rules: [] } },
    implement: {
      use: '@ratchet/phase-implement',
      with: {
        // Fixes may only touch files under these folders (the server's data folder).
        roots: ['\${PLEX_DATA_DIR:-/var/lib/plexmediaserver/Library/Application Support/Plex Media Server}'],
        // Linux: systemctl; macOS: ['osascript', '-e', 'quit app "Plex Media Server"'] plus open -a; Windows:
        // ['powershell', '-Command', 'Restart-Service PlexService']; Docker: ['docker', 'restart', 'plex'].
        restart: { command: ['systemctl', 'restart', 'plexmediaserver'], healthUrl: '\${PLEX_URL:-http://127.0.0.1:32400}/identity', timeoutMs: 120000 },
        approve: true,
      },
    },
    test: {
      use: '@ratchet/phase-test',
      with: { refresh: { kind: 'plex', url: '\${PLEX_URL:-http://127.0.0.1:32400}', token: '\${PLEX_TOKEN}', items: 20 } },
    },
  },
  exit: { maxIterations: 10, plateau: { minImprovementPct: 5, iterations: 2 } },
  judge: { alpha: 0.05, minSamples: 20, minEffectPct: 10 },
  priority: 'HIGH',
});
`;

const GENERIC = `import { defineConfig } from '@ratchet/core';

// Ratchet for any system whose health shows in its logs. Every key is explained in docs/config.md.
export default defineConfig({
  objective: { metric: 'errors', per: 'records', direction: 'lower' },
  phases: {
    aggregate: {
      use: '@ratchet/phase-aggregate',
      with: {
        preset: 'generic',
        logs: ['./logs'],
        // A regex with named groups ts, level and message for your log lines.
        lineFormat: '^(?<ts>\\\\S+ \\\\S+) (?<level>[A-Z]+) (?<message>.*)$',
      },
    },
    diagnose: { use: '@ratchet/phase-diagnose', with: { builtin: false, rules: ['./rules.yaml'] } },
    implement: { use: '@ratchet/phase-implement', with: { roots: ['./config'] } },
    // Any phase can be a command in any language: see docs/writing-a-phase.md.
    test: { use: '@ratchet/phase-test', with: { refresh: { kind: 'wait', durationMs: 60000 } } },
  },
  exit: { maxIterations: 10, plateau: { minImprovementPct: 5, iterations: 2 } },
});
`;

export async function initCommand(flags: { preset: 'plex' | 'generic'; force?: boolean }): Promise<void> {
  const file = resolve('ratchet.config.ts');
  if (existsSync(file) && !flags.force) {
    throw new RatchetError('USAGE', `${file} already exists`, { hint: 'pass --force to overwrite it' });
  }
  writeFileSync(file, flags.preset === 'plex' ? PLEX : GENERIC);
  process.stdout.write(`wrote ${file}\nnext: ratchet validate, then ratchet run\n`);
  process.exitCode = EXIT.ok;
}
