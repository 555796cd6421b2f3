// A separate process that applies one fix with the implement phase, so a test can kill it with
// SIGKILL at a known point (see RATCHET_IMPLEMENT_FAULT) and then check what recover() repairs.
// Run as: node --import ./register-ts.mjs apply-fix-child.mjs '<json {configDir, options, fix, outDir, runDir, settings?}>'
// (or with the JSON in RATCHET_TEST_JOB instead of the argument).
const { default: createImplementPhase } = await import('../index.ts');

const job = JSON.parse(process.argv[2] ?? process.env.RATCHET_TEST_JOB ?? '{}');
const log = { debug() {}, info() {}, warn() {}, error() {} };
const phase = createImplementPhase(job.options, {
  configDir: job.configDir,
  log,
  settings: job.settings ?? { yes: true },
});
const ctx = {
  iteration: 1,
  runDir: job.runDir,
  outDir: job.outDir,
  signal: new AbortController().signal,
  log,
  events: { emit() {} },
  state: {},
  measure: async () => {
    throw new Error('not used');
  },
  progress() {},
};
await phase.run({ fix: job.fix }, ctx);
process.stdout.write('applied\n');
