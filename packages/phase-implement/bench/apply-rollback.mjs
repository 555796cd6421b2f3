// Measures apply and rollback of typical fixes on real files in a temp folder.
// Run after building: node node_modules/typescript/bin/tsc -b packages/phase-implement
//   node packages/phase-implement/bench/apply-rollback.mjs [--files 5000]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import createImplementPhase from '../dist/index.js';

const { values } = parseArgs({
  options: { files: { type: 'string', default: '5000' }, 'big-mb': { type: 'string', default: '32' } },
});
const fileCount = Number(values.files);
const bigMb = Number(values['big-mb']);

const root = await mkdtemp(join(tmpdir(), 'ratchet-implement-bench-'));
const system = join(root, 'system');
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const ctx = {
  iteration: 1,
  runDir: join(root, 'out/iterations/01'),
  outDir: join(root, 'out'),
  signal: new AbortController().signal,
  log: silent,
  events: { emit() {} },
  state: {},
  measure: async () => ({}),
  progress() {},
};
const phase = createImplementPhase({ roots: ['system'] }, { configDir: root, log: silent, settings: {} });

async function time(label, fn) {
  const started = performance.now();
  const result = await fn();
  const ms = performance.now() - started;
  console.log(
    `${label.padEnd(58)} ${ms.toFixed(0).padStart(7)} ms   rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  );
  return result;
}

// 1. A metadata folder of many small files deleted (moved into the backup) and put back.
const bundle = join(system, 'Metadata/Movies/1/abc.bundle/Contents');
for (let index = 0; index < fileCount; index += 1) {
  const dir = join(bundle, `d${index % 50}`);
  if (index < 50) await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `f${index}.xml`), `<item id="${index}">${'x'.repeat(4000)}</item>\n`);
}
await mkdir(join(system, 'Plug-in Support/Preferences'), { recursive: true });
await writeFile(
  join(system, 'Plug-in Support/Preferences/com.plexapp.agents.simdb.xml'),
  '<PluginPreferences><normalize_titles>false</normalize_titles></PluginPreferences>\n',
);
const deleteFix = {
  id: 'delete-bundle',
  priority: 'HIGH',
  targets: [],
  actions: [{ type: 'delete', path: 'Metadata/Movies/1/abc.bundle' }],
};
const applied = await time(
  `delete a folder of ${fileCount} files (${((fileCount * 4) / 1024).toFixed(0)} MiB): apply`,
  () => phase.run({ fix: deleteFix }, ctx),
);
await time('  rollback (move back + tree hash verify)', () => phase.rollback(applied, ctx));

// 2. One preference, the common Plex fix.
const prefFix = {
  id: 'normalize',
  priority: 'HIGH',
  targets: [],
  actions: [
    { type: 'set-pref', bundleId: 'com.plexapp.agents.simdb', key: 'normalize_titles', value: 'true' },
  ],
};
const appliedPref = await time('set-pref on a preferences file: apply', () =>
  phase.run({ fix: prefFix }, ctx),
);
await time('  rollback', () => phase.rollback(appliedPref, ctx));

// 3. An edit in a big text file: the file is read whole (edits are text operations).
const big = join(system, 'big.log');
const line = `${'y'.repeat(99)}\n`;
await writeFile(big, `${line.repeat((bigMb * 2 ** 20) / 100)}needle\n`);
const bigFix = {
  id: 'big-edit',
  priority: 'HIGH',
  targets: [],
  actions: [{ type: 'edit', file: 'big.log', search: 'needle', replace: 'thread' }],
};
const appliedBig = await time(`edit one line in a ${bigMb} MiB file: apply`, () =>
  phase.run({ fix: bigFix }, ctx),
);
await time('  rollback', () => phase.rollback(appliedBig, ctx));

await rm(root, { recursive: true, force: true });
