import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RatchetError } from '@ratchet/core';
import { findPlexInstall, type PlexInstall } from '@ratchet/plex';
import { EXIT } from '../../exit-codes.js';
import { GENERIC_CONFIG, GENERIC_RULES } from './generic-config.js';
import { renderPlexConfig } from './plex-config.js';

export interface InitFlags {
  preset: 'plex' | 'generic';
  force?: boolean;
  /** argv of the restart command, as a JSON array or words separated by spaces. */
  restartCommand?: string;
  /** Look for a Plex install as on this OS (default: this machine's). */
  platform?: 'linux' | 'darwin' | 'win32';
}

function parseArgv(text: string): string[] {
  if (text.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new RatchetError('USAGE', `--restart-command: not a JSON array: ${(error as Error).message}`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a) => typeof a === 'string' && a))
      throw new RatchetError('USAGE', '--restart-command: expected a JSON array of non-empty strings');
    return parsed as string[];
  }
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) throw new RatchetError('USAGE', '--restart-command: empty');
  return words;
}

function describeInstall(install: PlexInstall): string[] {
  const lines = [
    `  data folder: ${install.dataDir ? `${install.dataDir.value} (${install.dataDir.source})` : 'not found: TODO in the config'}`,
    `  logs:        ${install.logsDir ? `${install.logsDir.value} (${install.logsDir.source})` : 'not found: TODO in the config'}`,
    `  token:       ${install.tokenSource === 'PLEX_TOKEN' ? 'PLEX_TOKEN, read at run time' : install.tokenSource === 'Preferences.xml' ? "the server's PlexOnlineToken in Preferences.xml, read at run time" : 'none found: TODO in the config'}`,
    `  server:      ${install.url.value} (${install.url.source})`,
  ];
  if (!install.dataDir) lines.push(`  looked in:   ${install.searched.join('\n               ')}`);
  return lines;
}

export async function initCommand(flags: InitFlags): Promise<void> {
  const file = resolve('ratchet.config.ts');
  if (existsSync(file) && !flags.force) {
    throw new RatchetError('USAGE', `${file} already exists`, { hint: 'pass --force to overwrite it' });
  }
  const restart = flags.restartCommand === undefined ? undefined : parseArgv(flags.restartCommand);
  if (flags.preset === 'generic') {
    writeFileSync(file, GENERIC_CONFIG);
    const rules = resolve('rules.yaml');
    if (!existsSync(rules)) writeFileSync(rules, GENERIC_RULES);
    process.stdout.write(
      `wrote ${file}\nnext: put your logs in ./logs, ratchet validate --measure, then ratchet run\n`,
    );
    process.exitCode = EXIT.ok;
    return;
  }
  const install = findPlexInstall(flags.platform ? { platform: flags.platform } : {});
  writeFileSync(file, renderPlexConfig(install, restart));
  const complete =
    install.dataDir && install.logsDir && install.tokenSource && (restart ?? install.restart.command);
  process.stdout.write(
    [
      `wrote ${file}`,
      ...describeInstall(install),
      `  restart:     ${restart ? restart.join(' ') : (install.restart.command?.join(' ') ?? 'not known: TODO in the config')}`,
      complete
        ? 'next: ratchet validate, then ratchet run'
        : 'next: replace each TODO in the config (ratchet validate refuses them), then ratchet validate',
      '',
    ].join('\n'),
  );
  process.exitCode = EXIT.ok;
}
