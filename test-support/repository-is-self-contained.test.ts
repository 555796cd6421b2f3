import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from './fixtures.js';

const ROOT = join(FIXTURES_DIR, '..');
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', '.git', 'fixtures', '.ratchet', 'out']);
const CHECKED = /\.(ts|mts|cts|js|mjs|cjs|json|ya?ml|sh|py|md)$|^run$/;
// Spelled in pieces so that this file does not name them itself.
const FORBIDDEN = [
  ['..', 'shared'].join('/'),
  ['', 'work', ''].join('/'),
  ['RATCHET', 'SHARED', 'DIR'].join('_'),
];

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return SKIPPED_FOLDERS.has(entry.name) ? [] : filesUnder(path);
    return entry.isFile() && CHECKED.test(entry.name) ? [path] : [];
  });
}

describe('the repository is self-contained', () => {
  it('has no source, test, script or doc that reads data from outside the clone', () => {
    const files = filesUnder(ROOT);
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          FORBIDDEN.some((needle) => line.includes(needle))
            ? [`${relative(ROOT, file)}:${index + 1}: ${line.trim()}`]
            : [],
        ),
    );
    expect(offenders).toEqual([]);
  });

  it('checks .ci/run and the test helpers too', () => {
    const files = filesUnder(ROOT).map((file) => relative(ROOT, file));
    expect(files).toContain(join('.ci', 'run'));
    expect(files).toContain(join('test-support', 'fixtures.ts'));
  });
});
