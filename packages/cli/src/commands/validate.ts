import { envReferences, loadConfig, loadRunComponents } from '@ratchet/core';
import { EXIT } from '../exit-codes.js';
import { CLI_FILE } from '../paths.js';

/** Loads the config and builds every phase without running anything. */
export async function validateCommand(flags: { config?: string; json?: boolean }): Promise<void> {
  const loaded = await loadConfig({ configPath: flags.config });
  const { phases, policies } = await loadRunComponents(loaded, { resolveFrom: [CLI_FILE] });
  const result = {
    valid: true,
    config: loaded.filepath,
    phases: Object.fromEntries(
      Object.entries(phases).map(([kind, phase]) => [kind, (phase as { name: string }).name]),
    ),
    exitPolicies: policies.map((policy) => policy.name),
    environment: [...envReferences(loaded.config)],
  };
  if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write(`${loaded.filepath}: valid\n`);
    for (const [kind, name] of Object.entries(result.phases))
      process.stdout.write(`  ${kind.padEnd(9)} ${name}\n`);
    process.stdout.write(`  exit policies: ${result.exitPolicies.join(', ')}\n`);
    if (result.environment.length)
      process.stdout.write(`  environment used: ${result.environment.join(', ')}\n`);
  }
  process.exitCode = EXIT.ok;
}
