#!/usr/bin/env node
// `pnpm publish -r --dry-run`: what `changeset publish` would publish, without publishing. Fails
// unless every package under packages/ would go out, at the version in its package.json.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNPM, workspacePackages } from './packaging.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = spawnSync('npx', ['--yes', PNPM, 'publish', '--recursive', '--dry-run', '--no-git-checks'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
const output = `${result.stdout}${result.stderr}`;
if (result.status !== 0) {
  console.error(output);
  console.error(`publish-dry-run: FAILED: pnpm publish exited ${result.status ?? result.signal}`);
  process.exit(1);
}
const published = new Set(output.match(/^\+ \S+$/gm)?.map((line) => line.slice(2)));
const missing = workspacePackages(root)
  .map(({ manifest }) => `${manifest.name}@${manifest.version}`)
  .filter((id) => !published.has(id));
if (missing.length > 0) {
  console.error(output);
  console.error(`publish-dry-run: FAILED: would not publish ${missing.join(', ')}`);
  process.exit(1);
}
console.error(`publish-dry-run: would publish ${[...published].sort().join(', ')}`);
