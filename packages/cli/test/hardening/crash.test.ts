import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { agentModelFolder, initDataDir } from '@ratchet/plex-sim';
import { beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, randomInt, runBin, seededPrng, sha256, treeHash } from './support.js';

// The demo's library size: big enough that the judge decides most fixes on the first test.
const ITEMS = 120;
const DEMO_SEED = 7;
const CHAIN_SEEDS = [20261124, 8];
const KILLS_PER_CHAIN = 25;
const TOKEN = 'crash-suite-token-5d1e0b';
const AGENT_PREFS = join('Plug-in Support', 'Preferences', 'com.plexapp.agents.simdb.xml');

interface Outcome {
  status: string;
  exitCondition: string | null;
  fixesSuccessful: string[];
  fixesRolledBack: string[];
}

interface CrashPoint {
  chain: number;
  how: string;
  stateParses: boolean;
  prefsWhole: boolean;
  bundlesWhole: string[];
}

interface ManagedFiles {
  prefsVariants: Set<string>;
  corruptFolders: { folder: string; before: string }[];
}

/** The set-pref changes the rule file can make: key -> value after the fix. */
function prefChangesOfRules(): Map<string, string> {
  const sim = dirname(createRequire(import.meta.url).resolve('@ratchet/plex-sim/package.json'));
  const yaml = readFileSync(join(sim, 'rules', 'simdb.yaml'), 'utf8');
  const changes = new Map<string, string>();
  for (const match of yaml.matchAll(/type: set-pref\n(?:.*\n)*?\s+key: (\w+)\n\s+value: "?([^"\n]+)"?/g)) {
    changes.set(match[1] as string, match[2] as string);
  }
  return changes;
}

/** Every whole version of the preferences file: the shipped bytes with any subset of fixes applied. */
function wholePrefsVersions(shipped: string, changes: Map<string, string>): Set<string> {
  let versions = [shipped];
  for (const [key, value] of changes) {
    versions = versions.flatMap((text) => [
      text,
      text.replace(new RegExp(`<${key}>[^<]*</${key}>`), `<${key}>${value}</${key}>`),
    ]);
  }
  return new Set(versions.map((text) => sha256(text)));
}

/** A data folder laid out before the first run, so the bytes before any fix are known. */
async function preparedDemoDir(): Promise<{ dir: string; managed: ManagedFiles }> {
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-crash-'));
  const dataDir = join(dir, 'plex-data');
  const { library, corruptItems } = await initDataDir(dataDir, { seed: DEMO_SEED, items: ITEMS });
  const shipped = readFileSync(join(dataDir, AGENT_PREFS), 'utf8');
  const corruptFolders = library.movies
    .filter((movie) => corruptItems.includes(movie.ratingKey))
    .map((movie) => agentModelFolder(dataDir, movie))
    .map((folder) => ({ folder, before: treeHash(folder) }));
  return {
    dir,
    managed: { prefsVariants: wholePrefsVersions(shipped, prefChangesOfRules()), corruptFolders },
  };
}

/** A metadata folder is whole when it is as before the fix, gone, or a model the agent wrote whole. */
function bundleIsWhole(folder: string, before: string): boolean {
  const now = treeHash(folder);
  if (now === before || now === 'absent') return true;
  const names = readdirSync(folder);
  if (names.length !== 1 || names[0] !== 'Info.xml') return false;
  const model = readFileSync(join(folder, 'Info.xml'), 'utf8');
  return model.startsWith("<?xml version='1.0'") && model.endsWith('</Movie>\n') && !model.includes('\0');
}

function inspect(dir: string, managed: ManagedFiles, chain: number, how: string): CrashPoint {
  let stateParses = true;
  try {
    JSON.parse(readFileSync(join(dir, 'run', 'loop_state.json'), 'utf8'));
  } catch (error) {
    // Killed before the first snapshot: no state yet is fine, a torn one is not.
    stateParses = (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
  const prefs = readFileSync(join(dir, 'plex-data', AGENT_PREFS));
  return {
    chain,
    how,
    stateParses,
    prefsWhole: managed.prefsVariants.has(sha256(prefs)),
    bundlesWhole: managed.corruptFolders
      .filter(({ folder, before }) => !bundleIsWhole(folder, before))
      .map(({ folder }) => folder),
  };
}

const demoArgs = (dir: string) => ['demo', '--out', dir, '--items', String(ITEMS), '--json'];

/** Runs the demo until it finishes (a MONITOR pause exits 3 and the same command goes on). */
async function runToTheEnd(dir: string, chain: number, printed: string[]): Promise<Outcome> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const run = await runBin(demoArgs(dir), { env: { PLEX_TOKEN: TOKEN }, timeoutMs: 150_000 });
    printed.push(run.stdout, run.stderr);
    if (run.code === 3) continue;
    if (run.code !== 0)
      throw new Error(`chain ${chain}: demo exited ${run.code} ${run.signal}: ${run.stderr}`);
    return JSON.parse(run.stdout) as Outcome;
  }
  throw new Error(`chain ${chain}: still paused after 10 runs`);
}

function journalLength(dir: string): number {
  try {
    return readFileSync(join(dir, 'run', 'journal.jsonl'), 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

/**
 * One output folder, killed again and again: each run resumes the crash the previous one left. Half
 * the kills come right after a seeded journal entry, half after a seeded delay from the start.
 */
async function crashChain(chain: number, seed: number) {
  const { dir, managed } = await preparedDemoDir();
  const next = seededPrng(seed);
  const points: CrashPoint[] = [];
  const printed: string[] = [];
  let runs = 0;
  while (points.length < KILLS_PER_CHAIN && runs < KILLS_PER_CHAIN * 3) {
    runs += 1;
    const byJournal = next() < 0.5;
    const seq = journalLength(dir) + randomInt(next, 1, 6);
    const delay = randomInt(next, 300, 3500);
    const run = await runBin(demoArgs(dir), {
      env: { PLEX_TOKEN: TOKEN, ...(byJournal ? { RATCHET_FAULT_KILL_AFTER_JOURNAL_SEQ: String(seq) } : {}) },
      ...(byJournal ? {} : { killAfterMs: delay }),
      timeoutMs: 150_000,
    });
    printed.push(run.stdout, run.stderr);
    if (run.signal === 'SIGKILL' && !run.timedOut) {
      points.push(inspect(dir, managed, chain, byJournal ? `journal entry ${seq}` : `${delay} ms`));
    } else if (run.code === 0) {
      break;
    } else if (run.code !== 3) {
      throw new Error(`chain ${chain}: demo exited ${run.code} ${run.signal}: ${run.stderr}`);
    }
  }
  const outcome = await runToTheEnd(dir, chain, printed);
  const finalPrefs = sha256(readFileSync(join(dir, 'plex-data', AGENT_PREFS)));
  return { dir, points, outcome, finalPrefs, runs, printed };
}

describe('crashes: SIGKILL at seeded random moments of the demo loop, then the same command again', () => {
  let reference: { outcome: Outcome; finalPrefs: string };
  let chains: Awaited<ReturnType<typeof crashChain>>[];
  let points: CrashPoint[];

  beforeAll(async () => {
    const uninterrupted = (async () => {
      const { dir } = await preparedDemoDir();
      const outcome = await runToTheEnd(dir, 0, []);
      return { outcome, finalPrefs: sha256(readFileSync(join(dir, 'plex-data', AGENT_PREFS))) };
    })();
    // Two crash chains side by side, the uninterrupted reference beside them (mostly waiting on I/O).
    [reference, ...chains] = await Promise.all([
      uninterrupted,
      ...CHAIN_SEEDS.map((seed, index) => crashChain(index + 1, seed)),
    ]);
    points = chains.flatMap((chain) => chain.points);
    process.stderr.write(
      `crash suite: ${points.length} SIGKILLs (${points.filter((p) => p.how.startsWith('journal')).length} after a journal entry), ` +
        `${chains.reduce((sum, chain) => sum + chain.runs, 0)} killed or paused runs\n`,
    );
  }, 420_000);

  it('killed the loop at least 50 times, at journal entries and after random delays', () => {
    expect(points.length).toBeGreaterThanOrEqual(50);
    expect(points.filter((p) => p.how.startsWith('journal')).length).toBeGreaterThan(10);
    expect(points.filter((p) => p.how.endsWith('ms')).length).toBeGreaterThan(10);
  });

  it('leaves a loop_state.json that parses after every crash', () => {
    expect(points.filter((p) => !p.stateParses).map((p) => `${p.chain}: ${p.how}`)).toEqual([]);
  });

  it('leaves the agent preferences with exactly the bytes of a whole version after every crash', () => {
    expect(points.filter((p) => !p.prefsWhole).map((p) => `${p.chain}: ${p.how}`)).toEqual([]);
  });

  it('leaves every metadata folder a fix deletes either as it was, gone, or a whole agent model', () => {
    expect(points.filter((p) => p.bundlesWhole.length > 0)).toEqual([]);
  });

  it('finishes every crashed folder with the same kept and rolled-back fixes as the uninterrupted run', () => {
    expect(reference.outcome.status).toBe('finished');
    for (const chain of chains) {
      expect(chain.outcome.status, chain.dir).toBe('finished');
      expect([...chain.outcome.fixesSuccessful].sort(), chain.dir).toEqual(
        [...reference.outcome.fixesSuccessful].sort(),
      );
      expect([...chain.outcome.fixesRolledBack].sort(), chain.dir).toEqual(
        [...reference.outcome.fixesRolledBack].sort(),
      );
      expect(chain.outcome.exitCondition, chain.dir).toBe(reference.outcome.exitCondition);
    }
  });

  it('ends with the same preference bytes as the uninterrupted run', () => {
    for (const chain of chains) expect(chain.finalPrefs, chain.dir).toBe(reference.finalPrefs);
  });

  it('never writes or prints the token, in any file of a crashed run or on stdout and stderr', () => {
    for (const chain of chains) {
      expect(chain.printed.filter((text) => text.includes(TOKEN))).toEqual([]);
      expect(filesUnder(chain.dir).filter((file) => readFileSync(file).includes(TOKEN))).toEqual([]);
    }
  });
});
