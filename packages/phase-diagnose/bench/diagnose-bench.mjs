// Times rule loading and diagnosis on synthetic aggregates of growing size.
// Run after a build: node node_modules/typescript/bin/tsc -b packages/phase-diagnose
//                    node packages/phase-diagnose/bench/diagnose-bench.mjs
import { fileURLToPath } from 'node:url';
import { DEFAULT_THRESHOLDS, diagnose, loadRuleSet } from '../dist/index.js';

const simdbRules = fileURLToPath(new URL('../../plex-sim/rules/simdb.yaml', import.meta.url));
const categories = [
  'title-mismatch',
  'rate-limited',
  'http-error',
  'model-read',
  'search-exception',
  'update-exception',
  'resource-hashes',
  'unknown',
];

function aggregate(size) {
  const errorTypes = [];
  for (let index = 0; index < size; index += 1) {
    const category = categories[index % categories.length];
    const agent = `com.plexapp.agents.a${index % 50}`;
    errorTypes.push({
      id: `${category}:${agent}:${index}`,
      category,
      count: 1 + (index % 17),
      agents: [agent],
      httpStatus: category === 'http-error' ? 404 : undefined,
      host: category === 'http-error' ? 'api.example' : undefined,
      template: `something <*> failed ${index}`,
      examples: [`2026-01-01 00:00:00,000 (1) :  ERROR (x:1) - something ${index} failed`],
      items: Array.from({ length: 5 }, (_, item) => `item-${(index * 5 + item) % 5000}`),
      paths:
        category === 'model-read' ? [`/pms/Metadata/Movies/a/${index}.bundle/Contents/${agent}`] : undefined,
    });
  }
  const items = Array.from({ length: 5000 }, (_, item) => ({ item: `item-${item}`, ok: item % 3 !== 0 }));
  return { metrics: { searchOps: 5000, updateOps: 5000, records: 200000 }, errorTypes, items };
}

let started = performance.now();
const rules = await loadRuleSet({ files: [simdbRules], builtin: true });
console.log(`load ${rules.length} rules: ${(performance.now() - started).toFixed(1)} ms`);
for (const size of [10, 100, 1000, 5000]) {
  const input = { aggregate: aggregate(size), mode: 'full', attemptedFixIds: [], rolledBackFixIds: [] };
  started = performance.now();
  const diagnosis = await diagnose(input, rules, { thresholds: DEFAULT_THRESHOLDS });
  const ms = performance.now() - started;
  const heap = process.memoryUsage().heapUsed / 1024 / 1024;
  console.log(
    `${size} error types: ${ms.toFixed(1)} ms, ${diagnosis.fixes.length} fixes, heap ${heap.toFixed(0)} MiB`,
  );
}
