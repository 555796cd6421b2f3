import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePluginLog } from './log-grammar.test-helpers.js';
import { formatRecord } from './record-format.js';
import { PLEX_LOG_MAX_BYTES, RotatingLogFile } from './rotating-log-file.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function tempLog(): string {
  const folder = mkdtempSync(join(tmpdir(), 'plex-sim-rotation-'));
  folders.push(folder);
  return join(folder, 'com.plexapp.agents.simdb.log');
}

function record(index: number): string {
  return formatRecord({
    time: new Date(2024, 5, 1, 12, 0, 0, index % 1000),
    thread: '7f00aa55bb66',
    level: 'DEBUG',
    module: 'networking',
    line: 143,
    message: `Requesting 'http://api.simdb.example/v2/movie/sd${index}' ${'x'.repeat(120)}`,
  });
}

describe('RotatingLogFile', () => {
  it('rotates at 1 MiB into .log.1 ... .log.5 like Python RotatingFileHandler, dropping the oldest', () => {
    const path = tempLog();
    const log = new RotatingLogFile(path);
    const perRecord = Buffer.byteLength(record(0));
    const records = Math.ceil((7.5 * PLEX_LOG_MAX_BYTES) / perRecord);
    for (let index = 0; index < records; index += 1) log.write(record(index));
    log.close();

    for (const suffix of ['', '.1', '.2', '.3', '.4', '.5']) {
      expect(existsSync(`${path}${suffix}`)).toBe(true);
      expect(statSync(`${path}${suffix}`).size).toBeLessThan(PLEX_LOG_MAX_BYTES);
    }
    expect(existsSync(`${path}.6`)).toBe(false);
    expect(statSync(`${path}.1`).size).toBeGreaterThan(PLEX_LOG_MAX_BYTES - 2 * perRecord);
    // every file holds whole records, and the newest record is last in the live file
    for (const suffix of ['', '.1', '.5']) parsePluginLog(readFileSync(`${path}${suffix}`, 'utf8'));
    expect(
      readFileSync(path, 'utf8')
        .trimEnd()
        .endsWith(`sd${records - 1}' ${'x'.repeat(120)}`),
    ).toBe(true);
  });

  it('rolls the previous run over to .log.1 at plug-in start, as the framework does', () => {
    const path = tempLog();
    const first = new RotatingLogFile(path);
    first.write(record(1));
    first.close();
    const second = new RotatingLogFile(path);
    second.rolloverIfNotEmpty();
    second.write(record(2));
    second.close();
    expect(readFileSync(`${path}.1`, 'utf8')).toBe(record(1));
    expect(readFileSync(path, 'utf8')).toBe(record(2));
  });
});
