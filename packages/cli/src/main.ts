import { redactProcessOutput } from '@ratchet/core/redact';
import { Command, InvalidArgumentError, Option } from 'commander';
import { EXIT } from './exit-codes.js';
import { guardOutput } from './ui/closed-output.js';
import { failWith } from './ui/fail.js';

guardOutput();

// Command implementations are imported lazily, inside each action: `ratchet --help` must not pay
// for loading the phases, zod schemas or the simulator.

// Before anything can print: no secret reaches stdout or stderr, whoever writes it.
redactProcessOutput();

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a positive integer');
  return parsed;
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new InvalidArgumentError('expected a port number (0-65535)');
  return parsed;
}

const program = new Command('ratchet')
  .description(
    'Measure a system from its logs, apply one fix at a time, keep what helps, roll back what does not.',
  )
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : EXIT.usage);
  });

program
  .command('run')
  .description('run the improvement loop')
  .option('-c, --config <file>', 'config file (default: searched from the current folder)')
  .option('-o, --out <dir>', "output folder (default: the config's outDir, .ratchet)")
  .option('-y, --yes', 'approve every fix without asking')
  .option('--approve', 'ask before each fix is applied (as `approve: true` in the implement phase)')
  .option('--step', 'pause for Enter between iterations')
  .option('--dry-run', 'diagnose and show what each fix would change, without changing anything')
  .option('--max-iterations <n>', 'override exit.maxIterations', positiveInt)
  .option('--json', 'print one JSON document with the outcome, nothing else on stdout')
  .option('-v, --verbose', 'also show info and debug messages, and the stderr of subprocess phases')
  .action(async (options) => (await import('./commands/run.js')).runCommand(options));

program
  .command('resume')
  .description('go on with a paused, interrupted or crashed run')
  .argument('[state-file]', 'a loop_state.json (default: <out>/loop_state.json)')
  .option('-o, --out <dir>', 'output folder of the run', '.ratchet')
  .option('-c, --config <file>', 'config file (default: the one the run started with)')
  .option('-y, --yes', 'approve every fix without asking')
  .option('--step', 'pause for Enter between iterations')
  .option('--json', 'print one JSON document with the outcome')
  .option('-v, --verbose', 'also show info and debug messages, and the stderr of subprocess phases')
  .action(async (stateFile, options) =>
    (await import('./commands/run.js')).resumeCommand(stateFile, options),
  );

program
  .command('abandon')
  .description('give up an unfinished run whose process is gone, so a new run can start in its folder')
  .option('-o, --out <dir>', 'output folder of the run', '.ratchet')
  .option('--json', 'print the result as JSON')
  .action(async (options) => (await import('./commands/abandon.js')).abandonCommand(options));

program
  .command('status')
  .description('show where a run stands')
  .option('-o, --out <dir>', 'output folder of the run', '.ratchet')
  .option('--json', 'print the state summary as JSON')
  .action(async (options) => (await import('./commands/status.js')).statusCommand(options));

program
  .command('report')
  .description('write (again) the final report of a run')
  .option('-o, --out <dir>', 'output folder of the run', '.ratchet')
  .addOption(
    new Option('--format <format>', 'print this format on stdout instead of writing files').choices([
      'md',
      'html',
    ]),
  )
  .action(async (options) => (await import('./commands/report.js')).reportCommand(options));

program
  .command('validate')
  .description(
    'check a config (keys, metric names, every phase loads) and the world it needs (logs, server, token, restart command)',
  )
  .option('-c, --config <file>', 'config file')
  .option('--json', 'print the result as JSON')
  .option('--offline', 'check the file only: no logs read, no server asked (CI, config linting)')
  .option('--measure', 'measure once and print the metrics and the objective')
  .action(async (options) =>
    (await import('./commands/validate/validate-command.js')).validateCommand(options),
  );

program
  .command('init')
  .description('write a starter ratchet.config.ts')
  .addOption(
    new Option('--preset <preset>', 'what the config is for').choices(['plex', 'generic']).default('plex'),
  )
  .option('--force', 'overwrite an existing config')
  .option(
    '--restart-command <argv>',
    'plex preset: the command that restarts your server, as words or a JSON array',
  )
  .addOption(
    new Option('--platform <os>', 'plex preset: look for the install as on this OS').choices([
      'linux',
      'darwin',
      'win32',
    ]),
  )
  .action(async (options) => (await import('./commands/init/init-command.js')).initCommand(options));

program
  .command('aggregate')
  .description('measure logs: metrics, rates and error types')
  .argument('[paths...]', 'log files or folders (default: the Plex log folder)')
  .addOption(new Option('--preset <preset>', 'log grammar').choices(['plex', 'generic']).default('plex'))
  .option('--since <when>', 'only records since then: 24h, 30m, or an ISO time')
  .option('--until <when>', 'only records before then (ISO time)')
  .option('--agent <bundle-id...>', 'only these agents')
  .option('--rules <file...>', 'extra rule files: error types (plex preset) or metrics (generic preset)')
  .option(
    '--line-format <regex>',
    'generic preset: a regex with named groups message, and optionally ts, level, item',
  )
  .option('--include-server-log', 'also read Plex Media Server.log, reported apart from the plug-in metrics')
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'md']).default('md'))
  .option('--output <file>', 'write to a file instead of stdout')
  .action(async (paths, options) =>
    (await import('./commands/delegated.js')).aggregateCommand(paths, options),
  );

program
  .command('templates')
  .description('mine message templates from any log')
  .argument('<paths...>', 'log files')
  .option('--line-format <regex>', 'a JavaScript regex with a named group "message": the part to mine')
  .option('--assignments <file>', 'write line,templateId,template CSV')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(async (paths, options) =>
    (await import('./commands/delegated.js')).templatesCommand(paths, options),
  );

program
  .command('diagnose')
  .description('diagnose an aggregate result: root causes and ranked fixes')
  .requiredOption('--input <file>', 'an aggregate.json')
  .addOption(
    new Option('--mode <mode>', 'full, or focused on what remains')
      .choices(['full', 'focused'])
      .default('full'),
  )
  .option('--previous <file>', 'the previous diagnosis.json (focused mode)')
  .option('--rules <file...>', 'extra rule files')
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'md']).default('md'))
  .option('--output <file>', 'write to a file instead of stdout')
  .action(async (options) => (await import('./commands/delegated.js')).diagnoseCommand(options));

program
  .command('sim')
  .description('run the Plex simulator')
  .option('--port <n>', 'port (0: any free port)', port, 32400)
  .option('--data <dir>', 'server data folder (created and seeded when missing)', './plex-sim-data')
  .option(
    '--token <token>',
    'the token clients must send (visible in ps: prefer PLEX_TOKEN or --token-file; default: $PLEX_TOKEN or a random one)',
  )
  .option('--token-file <file>', 'read the token from the first line of this file')
  .option('--seed <n>', 'seed of the simulated library and agent', positiveInt)
  .option('--faults <file>', 'a fault plan (JSON) to rehearse failures: see docs/plex-sim.md')
  .action(async (options) => (await import('./commands/delegated.js')).simCommand(options));

program
  .command('demo')
  .description('run the whole loop against the Plex simulator')
  .option(
    '-o, --out <dir>',
    'folder for the simulator data and the run (resumable: run the same command again)',
  )
  .option('--json', 'print one JSON document with the outcome')
  .option('-v, --verbose', 'also show info and debug messages')
  .option(
    '--items <n>',
    'movies in the simulated library (default 300; used when the folder is created)',
    positiveInt,
  )
  .option('--seed <n>', 'seed of the simulated library and agent (default 7)', positiveInt)
  .option('--faults <file>', "a fault plan (JSON) for the simulator: rehearse a server's failures")
  .action(async (options) => (await import('./commands/demo.js')).demoCommand(options));

program.parseAsync(process.argv).then(
  () => {
    if (process.exitCode === undefined) process.exitCode = EXIT.ok;
  },
  (error: unknown) => failWith(error),
);
