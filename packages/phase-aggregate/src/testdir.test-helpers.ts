import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

const created: string[] = [];

afterEach(async () => {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A temp folder holding the given files (removed after the test). */
export async function testdir(files: Record<string, string | Buffer> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ratchet-aggregate-'));
  created.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
  return dir;
}

/** A framework-format plug-in log line. */
export function plexLine(
  timestamp: string,
  thread: string,
  level: string,
  source: string,
  message: string,
): string {
  return `${timestamp} (${thread}) :  ${level} (${source}) - ${message}`;
}

export { LOGHUB_DIR, PLEX_LOGS_DIR as PLEX_SAMPLES_DIR } from '../../../test-support/fixtures.js';
