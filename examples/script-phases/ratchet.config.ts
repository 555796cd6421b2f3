// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is Ratchet's environment reference syntax
import { defineConfig } from '@ratchet/core';

// An existing set of Python scripts (the original coordinator's five) with Ratchet as their
// coordinator: each phase is a command; Ratchet writes the request to {input} and reads the
// result from {output} (docs/writing-a-phase.md). Against the Plex simulator:
//
//   export PLEX_TOKEN=$(openssl rand -hex 16)
//   ratchet sim --port 32401 --data ./sim-data &        # a Plex-compatible server
//   export PLEX_URL=http://127.0.0.1:32401 PLEX_DATA_DIR=$PWD/sim-data
//   ratchet run
//
// For a real server, point PLEX_URL / PLEX_DATA_DIR at it and change `restart` below.
const script = (name: string) => [
  'python3',
  `./scripts/${name}`,
  '--input',
  '{input}',
  '--output',
  '{output}',
];

export default defineConfig({
  objective: { metric: ['errorRecords', 'titleMatchFailures'], per: 'searchOps', direction: 'lower' },
  phases: {
    aggregate: { command: script('aggregate_plex_logs.py'), with: { logs: '${PLEX_DATA_DIR}/Logs' } },
    diagnose: { command: script('diagnose_issues.py') },
    implement: {
      command: script('implement_fix.py'),
      with: {
        dataDir: '${PLEX_DATA_DIR}',
        // The simulator's restart; a real server: ['systemctl', 'restart', 'plexmediaserver'].
        restart: [
          'node',
          './node_modules/@ratchet/plex-sim/dist/ctl.js',
          'restart',
          '--url',
          '${PLEX_URL}',
          '--wait',
        ],
        healthUrl: '${PLEX_URL}/identity',
      },
    },
    // The token reaches the script through the environment (PLEX_TOKEN), never through `with:`.
    test: {
      command: script('test_fix_actively.py'),
      timeout: '3m',
      with: { url: '${PLEX_URL}', logs: '${PLEX_DATA_DIR}/Logs', minEffectPct: 10, alpha: 0.05 },
    },
  },
  exit: { maxIterations: 4, plateau: { minImprovementPct: 5, iterations: 2 } },
  priority: 'LOW',
});
