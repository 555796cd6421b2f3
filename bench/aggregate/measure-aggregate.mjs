/**
 * One aggregate of the given paths in this process, on the built package (build first:
 * `node node_modules/typescript/bin/tsc -b packages/phase-aggregate`). Prints the metrics, the wall
 * and CPU time of the aggregate and the peak RSS as JSON. run.ts runs it as a child so that its peak RSS is its own.
 */
import { aggregatePlexLogs } from '../../packages/phase-aggregate/dist/index.js';

// Wall and CPU (every thread of the process) of the aggregate alone, not of the start-up.
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
const result = await aggregatePlexLogs({ paths: process.argv.slice(2) });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuBefore);
const usage = process.resourceUsage();
console.log(
  JSON.stringify({
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssBytes: usage.maxRSS * 1024,
    metrics: result.metrics,
    errorTypes: result.errorTypes.length,
    problems: result.problems,
  }),
);
