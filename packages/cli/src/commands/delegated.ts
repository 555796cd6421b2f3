// Commands whose work lives in a phase package: the CLI only maps flags to that package's API.
const io = { stdout: process.stdout, stderr: process.stderr };

export async function aggregateCommand(
  paths: string[],
  flags: {
    preset: 'plex' | 'generic';
    since?: string;
    until?: string;
    agent?: string[];
    rules?: string[];
    lineFormat?: string;
    includeServerLog?: boolean;
    format: 'json' | 'md';
    output?: string;
  },
): Promise<void> {
  const { runAggregateCommand } = await import('@ratchet/phase-aggregate');
  process.exitCode = await runAggregateCommand(
    {
      paths,
      preset: flags.preset,
      since: flags.since,
      until: flags.until,
      agents: flags.agent,
      rules: flags.rules,
      lineFormat: flags.lineFormat,
      includeServerLog: flags.includeServerLog,
      format: flags.format,
      output: flags.output,
    },
    io,
  );
}

export async function templatesCommand(
  paths: string[],
  flags: { lineFormat?: string; assignments?: string; format: 'json' | 'text' },
): Promise<void> {
  const { runTemplatesCommand } = await import('@ratchet/phase-aggregate');
  process.exitCode = await runTemplatesCommand(
    { paths, lineFormat: flags.lineFormat, assignments: flags.assignments, format: flags.format },
    io,
  );
}

export async function diagnoseCommand(flags: {
  input: string;
  mode: 'full' | 'focused';
  previous?: string;
  rules?: string[];
  format: 'json' | 'md';
  output?: string;
}): Promise<void> {
  const { runDiagnoseCommand } = await import('@ratchet/phase-diagnose');
  process.exitCode = await runDiagnoseCommand(flags, io);
}

export async function simCommand(flags: {
  port: number;
  data: string;
  token?: string;
  tokenFile?: string;
  seed?: number;
  faults?: string;
}): Promise<void> {
  const { runSimCommand } = await import('@ratchet/plex-sim');
  process.exitCode = await runSimCommand(flags, io);
}
