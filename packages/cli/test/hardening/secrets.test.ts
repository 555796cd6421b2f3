import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator, formatLocalTimestamp } from '@ratchet/plex-sim';
import { describe, expect, it } from 'vitest';
import { type Exit, filesUnder, runBin } from './support.js';

const TOKENS_FIXTURES = join(import.meta.dirname, '..', '..', '..', '..', 'fixtures', 'plex-logs-tokens');
// The values written into the fixtures (see fixtures/plex-logs-tokens/README.md).
const TOKEN = 'Zx8kQ2mP9vLr4TnB7wYs';
const API_KEY = 'k3y/Ap1+Secret=Value';

const base64 = (text: string) => Buffer.from(text).toString('base64');

/** Every form a secret takes in the fixtures: plain, URL-encoded once and twice, base64 (alone and inside Basic credentials). */
function formsOf(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  return [
    secret,
    encoded,
    encodeURIComponent(encoded),
    base64(secret),
    base64(secret).replace(/=+$/, ''),
    base64(`plex:${secret}`),
    base64(`admin:${secret}`),
  ];
}

/** Where a secret shows up: `file: form` for each file and output that holds one. */
function leaks(secrets: string[], files: string[], outputs: Record<string, string>): string[] {
  const found: string[] = [];
  const forms = [...new Set(secrets.flatMap(formsOf))];
  const check = (where: string, text: string) => {
    for (const form of forms) if (text.includes(form)) found.push(`${where}: ${form}`);
  };
  for (const file of files) check(file, readFileSync(file, 'latin1'));
  for (const [name, text] of Object.entries(outputs)) check(name, text);
  return found;
}

function outputsOf(name: string, exit: Exit): Record<string, string> {
  return { [`${name} stdout`]: exit.stdout, [`${name} stderr`]: exit.stderr };
}

/** The fixture's lines with today's timestamps, so the demo's 24-hour window takes them in. */
function freshPlexLog(text: string): string {
  const now = Date.now();
  let offset = 60 * 60 * 1000;
  return text.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}/gm, () => {
    offset -= 1000;
    return formatLocalTimestamp(new Date(now - offset));
  });
}

describe('secrets: no token in any file a run writes, nor in anything it prints', () => {
  it('runs the whole demo loop over Plex logs that carry the token in every form, and leaks none of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-secrets-demo-'));
    const dataDir = join(dir, 'plex-data');
    // The simulated server, laid out once; its plug-in logs then get the real-format lines with the token.
    const sim = await createSimulator({ dataDir, port: 0, token: TOKEN, seed: 7, items: 60 });
    await sim.close();
    const hama = readFileSync(join(TOKENS_FIXTURES, 'com.plexapp.agents.hama.log'), 'utf8');
    writeFileSync(
      join(dataDir, 'Logs', 'PMS Plugin Logs', 'com.plexapp.agents.hama.log'),
      freshPlexLog(hama),
    );
    const env = { PLEX_TOKEN: TOKEN };
    const outputs: Record<string, string> = {};
    // A MONITOR decision pauses the demo (exit 3); running it again retests, as a user would.
    let demo: Exit | undefined;
    for (let attempt = 1; attempt <= 6 && (demo === undefined || demo.code === 3); attempt += 1) {
      demo = await runBin(['demo', '--out', dir, '--verbose'], { env, timeoutMs: 240_000 });
      Object.assign(outputs, outputsOf(`demo #${attempt}`, demo));
    }
    // Finished, or paused again on a fix the fixture's old errors can never confirm: both wrote every file.
    expect([0, 3], demo?.stderr).toContain(demo?.code);
    const runDir = join(dir, 'run');
    const aggregate = JSON.parse(
      readFileSync(join(runDir, 'iterations', '01', 'aggregate.json'), 'utf8'),
    ) as {
      errorTypes: Array<{ examples?: string[] }>;
    };
    // The lines were measured (and kept as examples, redacted), not skipped.
    const examples = aggregate.errorTypes.flatMap((type) => type.examples ?? []).join('\n');
    expect(examples).toContain('X-Plex-Token=[redacted]');
    expect(examples).toContain('Authorization: Bearer [redacted]');

    const outDir = join(dir, 'out');
    mkdirSync(outDir);
    const commands: Array<[string, string[]]> = [
      ['status', ['status', '--out', runDir, '--json']],
      ['report', ['report', '--out', runDir]],
      ['report md', ['report', '--out', runDir, '--format', 'md']],
      ['report html', ['report', '--out', runDir, '--format', 'html']],
      ['aggregate md', ['aggregate', join(TOKENS_FIXTURES, 'com.plexapp.agents.hama.log'), '--format', 'md']],
      [
        'aggregate json',
        [
          'aggregate',
          join(TOKENS_FIXTURES, 'com.plexapp.agents.hama.log'),
          '--format',
          'json',
          '--output',
          join(outDir, 'aggregate.json'),
        ],
      ],
      [
        'diagnose',
        [
          'diagnose',
          '--input',
          join(outDir, 'aggregate.json'),
          '--format',
          'md',
          '--output',
          join(outDir, 'diagnosis.md'),
        ],
      ],
      [
        'templates',
        [
          'templates',
          join(TOKENS_FIXTURES, 'com.plexapp.agents.hama.log'),
          '--assignments',
          join(outDir, 'assignments.csv'),
        ],
      ],
    ];
    for (const [name, args] of commands) {
      const exit = await runBin(args, { env, timeoutMs: 60_000 });
      expect(exit.code, `${name}: ${exit.stderr}`).toBe(0);
      Object.assign(outputs, outputsOf(name, exit));
    }
    expect(leaks([TOKEN], [...filesUnder(runDir), ...filesUnder(outDir)], outputs)).toEqual([]);
  }, 360_000);

  it('keeps the token of a healthUrl, an --api-key argument and a `secrets:` variable out of run_config.json and every file of a generic run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-secrets-generic-'));
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'app.log'), readFileSync(join(TOKENS_FIXTURES, 'app.log')));
    writeFileSync(
      join(dir, 'judge.mjs'),
      "export default function createJudge() { return { name: 'judge', async run(input, ctx) { const after = await ctx.measure({}); return { decision: 'KEEP', rule: 'fixture', rationale: 'kept', after }; } }; }\n",
    );
    const lineFormat = '^(?<ts>\\S+ \\S+) (?<level>[A-Z]+) (?<message>.*)$';
    writeFileSync(
      join(dir, 'ratchet.config.mjs'),
      `export default {
  objective: { metric: 'errorRecords', per: 'records', direction: 'lower' },
  secrets: ['APP_API_KEY'],
  phases: {
    aggregate: { use: '@ratchet/phase-aggregate', with: { preset: 'generic', logs: ['./app.log'], lineFormat: ${JSON.stringify(lineFormat)} } },
    diagnose: { use: '@ratchet/phase-diagnose' },
    implement: {
      use: '@ratchet/phase-implement',
      with: {
        roots: ['./root'],
        restart: {
          command: ['node', './restart.mjs', '--api-key=${API_KEY}'],
          healthUrl: 'http://127.0.0.1:9/identity?X-Plex-Token=${TOKEN}',
        },
      },
    },
    test: { use: './judge.mjs' },
  },
  priority: 'LOW',
  exit: { maxIterations: 1, plateau: false },
  outDir: '.ratchet',
};
`,
    );
    const env = { PLEX_TOKEN: TOKEN, APP_API_KEY: API_KEY };
    const outputs: Record<string, string> = {};
    const run = await runBin(['run', '--yes', '--json', '--verbose'], { cwd: dir, env, timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    Object.assign(outputs, outputsOf('run', run));
    const runConfig = readFileSync(join(dir, '.ratchet', 'run_config.json'), 'utf8');
    expect(runConfig).toContain('X-Plex-Token=[redacted]');
    expect(runConfig).toContain('--api-key=[redacted]');
    expect(runConfig).toContain('"APP_API_KEY"');

    for (const [name, args] of [
      ['validate', ['validate', '--json']],
      ['status', ['status', '--json']],
    ] as Array<[string, string[]]>) {
      const exit = await runBin(args, { cwd: dir, env, timeoutMs: 60_000 });
      expect(exit.code, `${name}: ${exit.stderr}`).toBe(0);
      Object.assign(outputs, outputsOf(name, exit));
    }
    expect(leaks([TOKEN, API_KEY], filesUnder(join(dir, '.ratchet')), outputs)).toEqual([]);

    // The commands that read no config know PLEX_TOKEN and the credential patterns only.
    const standalone: Record<string, string> = {};
    const generic = ['--preset', 'generic', '--line-format', lineFormat];
    for (const [name, args] of [
      ['aggregate', ['aggregate', join(dir, 'app.log'), ...generic, '--format', 'md']],
      ['templates', ['templates', join(dir, 'app.log'), '--line-format', lineFormat, '--format', 'json']],
    ] as Array<[string, string[]]>) {
      const exit = await runBin(args, { cwd: dir, env, timeoutMs: 60_000 });
      expect(exit.code, `${name}: ${exit.stderr}`).toBe(0);
      Object.assign(standalone, outputsOf(name, exit));
    }
    expect(leaks([TOKEN], [], standalone)).toEqual([]);
  }, 240_000);
});
