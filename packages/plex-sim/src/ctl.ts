#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { describeError, isRatchetError } from '@ratchet/core';
import { readPlexOnlineToken } from '@ratchet/plex';
import { requestAgentRestart } from './cli/restart-request.js';

const USAGE = `usage: node ctl.js restart --url URL [--token T | --preferences FILE] [--wait] [--timeout-ms N]
  Ask a running Plex simulator to restart its agent (it reloads the agent's preferences).
  The token comes from --token, PLEX_TOKEN, or the PlexOnlineToken of --preferences FILE. Exit 0 when the restart was accepted
  (with --wait: once the server is healthy again), 1 when refused or unreachable, 2 on bad usage.`;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    await requestAgentRestart(parsed.request);
    process.stdout.write(parsed.request.waitHealthy ? 'restarted\n' : 'restart accepted\n');
    return 0;
  } catch (error) {
    process.stderr.write(`plex-sim ctl: ${describeError(error)}\n`);
    return isRatchetError(error) && error.code === 'USAGE' ? 2 : 1;
  }
}

function parseCommand(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      preferences: { type: 'string' },
      wait: { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true as const, request: { url: '', token: '' } };
  if (positionals[0] !== 'restart' || positionals.length !== 1) {
    throw new Error(`unknown command: ${positionals.join(' ') || '(none)'}`);
  }
  if (!values.url) throw new Error('--url is required');
  // Like a local admin restarting a real server, the restart may use the server's own token.
  const token =
    values.token ||
    process.env['PLEX_TOKEN'] ||
    (values.preferences ? readPlexOnlineToken(values.preferences) : undefined);
  if (!token) throw new Error('no token: pass --token, set PLEX_TOKEN, or give --preferences FILE');
  const timeout = values['timeout-ms'];
  if (timeout !== undefined && !/^\d+$/.test(timeout))
    throw new Error(`--timeout-ms: expected milliseconds, got "${timeout}"`);
  return {
    help: false as const,
    request: {
      url: values.url,
      token,
      waitHealthy: values.wait,
      ...(timeout === undefined ? {} : { timeoutMs: Number(timeout) }),
    },
  };
}

process.exitCode = await main(process.argv.slice(2));
