/**
 * One aggregate of the given paths in this process, on the built package (build first:
 * `node node_modules/typescript/bin/tsc -b packages/phase-aggregate`). Prints the metrics, the wall
 * time and the peak RSS as JSON. run.ts runs it as a child so that its peak RSS is its own.
 */
import { aggregatePlexLogs } from '../../packages/phase-aggregate/dist/index.js';

const started = process.hrtime.bigint();
const result = await aggregatePlexLogs({ paths: process.argv.slice(2) });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const usage = process.resourceUsage();
console.log(
  JSON.stringify({
    seconds,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    maxRssBytes: usage.maxRSS * 1024,
    metrics: result.metrics,
    errorTypes: result.errorTypes.length,
    problems: result.problems,
  }),
);
