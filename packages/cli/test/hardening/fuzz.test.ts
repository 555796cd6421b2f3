import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AggregateResultSchema, parseConfig, RatchetError } from '@ratchet/core';
import { aggregatePlexLogs } from '@ratchet/phase-aggregate';
import { parseRules } from '@ratchet/phase-diagnose';
import { describe, expect, it } from 'vitest';
import { PLEX_LOGS_DIR } from '../../../../test-support/fixtures.js';
import { fixtureCopy } from '../helpers.js';
import { randomInt, runBin, STACK_TRACE, seededPrng } from './support.js';

const SAMPLES = PLEX_LOGS_DIR;
const PLUGIN_LOG_FOLDER = 'PMS Plugin Logs';
const BUNDLE = 'com.plexapp.agents.fuzz';

/** The figures the docs quote: how many inputs each fuzz test tried. */
const tried: Record<string, number> = {};

function sampleLines(): string[] {
  return readdirSync(SAMPLES)
    .filter((name) => name.endsWith('.log'))
    .flatMap((name) => readFileSync(join(SAMPLES, name), 'utf8').split('\n'));
}

function randomBytes(next: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) bytes[i] = Math.floor(next() * 256);
  return bytes;
}

/** A real line with seeded damage: bytes flipped, cut, doubled, or random bytes spliced in. */
function damagedLine(next: () => number, line: string): Buffer {
  const bytes = Buffer.from(line);
  switch (randomInt(next, 0, 3)) {
    case 0:
      for (let i = 0; i < 3 && bytes.length > 0; i += 1)
        bytes[randomInt(next, 0, bytes.length - 1)] = randomInt(next, 0, 255);
      return bytes;
    case 1:
      return bytes.subarray(0, randomInt(next, 0, bytes.length));
    case 2:
      return Buffer.concat([bytes, bytes]);
    default:
      return Buffer.concat([
        bytes.subarray(0, 20),
        randomBytes(next, randomInt(next, 1, 200)),
        bytes.subarray(20),
      ]);
  }
}

async function aggregateFolder(files: Record<string, Buffer>) {
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-fuzz-logs-'));
  const logs = join(dir, PLUGIN_LOG_FOLDER);
  await import('node:fs/promises').then((fs) => fs.mkdir(logs));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(logs, name), bytes);
  return aggregatePlexLogs({ paths: [logs], window: {}, maxLineChars: 64 * 1024 });
}

/** Every mutation a config can suffer: a key removed, retyped, unknown, or a value out of range. */
function mutate(next: () => number, config: Record<string, unknown>): { mutated: unknown; path: string } {
  const copy = structuredClone(config) as Record<string, unknown>;
  const paths: string[][] = [];
  const walk = (value: unknown, path: string[]) => {
    paths.push(path);
    if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
    }
  };
  walk(copy, []);
  const path = paths[randomInt(next, 1, paths.length - 1)] as string[];
  const parent = path
    .slice(0, -1)
    .reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, copy);
  const key = path.at(-1) as string;
  const replacements: unknown[] = [
    null,
    -1,
    0,
    1e308,
    Number.NaN,
    '',
    'x'.repeat(5000),
    [],
    {},
    [1, 'a'],
    true,
    '${NOPE_UNSET}',
  ];
  const choice = randomInt(next, 0, 2);
  if (choice === 0) delete parent[key];
  else if (choice === 1) parent[key] = replacements[randomInt(next, 0, replacements.length - 1)];
  else parent[`${key}_typo`] = parent[key];
  return { mutated: copy, path: path.join('.') };
}

const VALID_CONFIG = {
  objective: { metric: ['errorRecords', 'titleMatchFailures'], per: 'searchOps', direction: 'lower' },
  phases: {
    aggregate: { use: '@ratchet/phase-aggregate', with: { preset: 'plex', since: '24h' } },
    diagnose: { use: '@ratchet/phase-diagnose', with: { rules: ['./rules.yaml'] } },
    implement: { use: '@ratchet/phase-implement', with: { roots: ['./data'] } },
    test: { command: ['python3', 'judge.py', '{input}', '{output}'], timeout: '30s', with: { items: 20 } },
  },
  exit: {
    maxIterations: 10,
    plateau: { minImprovementPct: 5, iterations: 2 },
    target: { improvementPct: 50 },
  },
  judge: { alpha: 0.05, minSamples: 20, minEffectPct: 10 },
  priority: 'MEDIUM',
};

describe('bad input: seeded fuzzing of everything Ratchet reads', () => {
  it('aggregates random bytes and damaged real lines without a crash, counting what it cannot read', async () => {
    const next = seededPrng(42);
    const lines = sampleLines();
    let inputs = 0;
    for (let round = 0; round < 40; round += 1) {
      const files: Record<string, Buffer> = {};
      files[`${BUNDLE}.log`] = randomBytes(next, randomInt(next, 0, 32 * 1024));
      const damaged = Array.from({ length: 200 }, () =>
        damagedLine(next, lines[randomInt(next, 0, lines.length - 1)] ?? ''),
      );
      files[`${BUNDLE}.log.1`] = Buffer.concat(damaged.flatMap((line) => [line, Buffer.from('\n')]));
      inputs += 1 + damaged.length;
      const result = await aggregateFolder(files);
      expect(() => AggregateResultSchema.parse(result)).not.toThrow();
    }
    tried['log lines and byte blobs'] = inputs;
  });

  it('reads a 40 MiB line without a newline in bounded memory and says it was cut', async () => {
    const huge = Buffer.alloc(40 * 1024 * 1024, 'A');
    const real = Buffer.from(`${sampleLines().find((line) => line.includes(' DEBUG ')) ?? ''}\n`);
    const before = process.memoryUsage().rss;
    const result = await aggregateFolder({
      [`${BUNDLE}.log`]: Buffer.concat([real, huge, Buffer.from('\n'), real]),
    });
    const grownMiB = (process.memoryUsage().rss - before) / 1024 / 1024;
    expect(grownMiB).toBeLessThan(200);
    expect(JSON.stringify(result)).toMatch(/long|cut|truncat/i);
  });

  it('reports a broken gzip log as a problem of that file and still reads the others', async () => {
    const next = seededPrng(7);
    const text = Buffer.from(sampleLines().slice(0, 400).join('\n'));
    const gzip = gzipSync(text);
    let inputs = 0;
    for (let round = 0; round < 20; round += 1) {
      const broken = Buffer.from(gzip);
      const at = randomInt(next, 10, broken.length - 1);
      if (round % 2 === 0) broken[at] = (broken[at] ?? 0) ^ 0xff;
      const cut = round % 2 === 1 ? broken.subarray(0, randomInt(next, 1, broken.length - 2)) : broken;
      const result = await aggregateFolder({ [`${BUNDLE}.log.2.gz`]: cut, [`${BUNDLE}.log`]: text });
      expect(() => AggregateResultSchema.parse(result)).not.toThrow();
      inputs += 1;
    }
    tried['broken gzip files'] = inputs;
  });

  it('answers every mutation of a valid config with CONFIG_INVALID naming a key path, never a crash', () => {
    const next = seededPrng(2026);
    expect(() => parseConfig(VALID_CONFIG, 'fuzz')).not.toThrow();
    let rejected = 0;
    for (let round = 0; round < 2000; round += 1) {
      const { mutated, path } = mutate(next, VALID_CONFIG);
      try {
        parseConfig(mutated, 'fuzz.json');
      } catch (error) {
        expect(error, path).toBeInstanceOf(RatchetError);
        expect((error as RatchetError).code, path).toBe('CONFIG_INVALID');
        const problems = (error as RatchetError).details?.problems as string[];
        for (const problem of problems) expect(problem, path).toMatch(/^[\w.()]+(, [\w.]+)*: \S/);
        rejected += 1;
      }
    }
    expect(rejected).toBeGreaterThan(1000);
    tried['config mutations'] = 2000;
  });

  it('prints CONFIG_* with the file and exits 2 through the real bin for broken config files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-fuzz-config-'));
    const next = seededPrng(99);
    const cases: [string, string][] = [
      ['truncated.json', JSON.stringify(VALID_CONFIG).slice(0, 80)],
      ['binary.json', randomBytes(next, 300).toString('latin1')],
      ['empty.json', ''],
      ['array.json', '[1,2,3]'],
      ['bad.yaml', 'phases:\n  aggregate: [unclosed\n'],
      ['mutated.json', JSON.stringify(mutate(next, VALID_CONFIG).mutated)],
    ];
    for (const [name, text] of cases) writeFileSync(join(dir, name), text);
    for (const [name] of cases) {
      const run = await runBin(['validate', '--config', name], { cwd: dir, timeoutMs: 30_000 });
      expect(run.code, `${name}: ${run.stderr}`).toBe(2);
      expect(run.stderr, name).toMatch(/CONFIG_(INVALID|LOAD_FAILED|NOT_FOUND)/);
      expect(run.stderr, name).not.toMatch(STACK_TRACE);
    }
  });

  it('rejects random and mutated rule files with INPUT_INVALID naming the file, never a crash', () => {
    const next = seededPrng(5);
    const valid = readFileSync(
      join(import.meta.dirname, '..', '..', '..', 'plex-sim', 'rules', 'simdb.yaml'),
      'utf8',
    );
    expect(parseRules(valid, 'simdb.yaml').length).toBeGreaterThan(0);
    const codes = new Set<string>();
    for (let round = 0; round < 300; round += 1) {
      const chars = [...valid];
      for (let i = 0; i < 5; i += 1)
        chars[randomInt(next, 0, chars.length - 1)] = String.fromCharCode(randomInt(next, 9, 126));
      const text = round % 10 === 0 ? randomBytes(next, 500).toString('latin1') : chars.join('');
      try {
        parseRules(text, round % 3 === 0 ? 'fuzz.json' : 'fuzz.yaml');
      } catch (error) {
        expect(error).toBeInstanceOf(RatchetError);
        expect((error as RatchetError).message).toContain('fuzz.');
        codes.add((error as RatchetError).code);
      }
    }
    expect([...codes].every((code) => /INVALID/.test(code))).toBe(true);
    tried['rule files'] = 300;
  });
});

describe('bad input: a subprocess phase that answers badly', () => {
  const misbehaving: [string, string, RegExp][] = [
    [
      'invalid JSON',
      `require('fs').writeFileSync(process.argv[1], '{"decision": "KEEP", "rule": ')`,
      /SUBPROCESS_BAD_JSON|JSON/,
    ],
    [
      'JSON of the wrong shape',
      `require('fs').writeFileSync(process.argv[1], JSON.stringify({ decision: 'MAYBE' }))`,
      /PHASE_INVALID_OUTPUT|decision/,
    ],
    [
      '64 MiB of output on stdout',
      `const s = 'x'.repeat(1 << 20); for (let i = 0; i < 80; i += 1) process.stdout.write(s)`,
      /SUBPROCESS|output|MiB|bytes/i,
    ],
    ['a process that never exits', `setInterval(() => {}, 1000)`, /SUBPROCESS_TIMEOUT|timed out|time/i],
  ];
  for (const [name, script, message] of misbehaving) {
    it(`fails the test phase on ${name} with a message that says which phase and why, and keeps the state`, async () => {
      const dir = fixtureCopy('fake-loop');
      const resultInFile = !name.includes('stdout') && !name.includes('never');
      const argv = ['node', '-e', script, resultInFile ? '{output}' : '{input}'];
      const config = readFileSync(join(dir, 'ratchet.config.mjs'), 'utf8')
        .replace(
          "['python3', './judge.py', '--input', '{input}', '--output', '{output}']",
          JSON.stringify(argv),
        )
        .replace("timeout: '30s'", "timeout: '3s', killGrace: '1s', maxOutputBytes: 4194304");
      writeFileSync(join(dir, 'ratchet.config.mjs'), config);
      const run = await runBin(['run'], { cwd: dir, timeoutMs: 60_000 });
      expect(run.timedOut).toBe(false);
      expect([1, 3], run.stderr).toContain(run.code);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('test');
      expect(run.stderr).not.toMatch(STACK_TRACE);
      expect(() => JSON.parse(readFileSync(join(dir, '.ratchet', 'loop_state.json'), 'utf8'))).not.toThrow();
    });
  }
});
