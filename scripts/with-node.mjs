#!/usr/bin/env node
// Runs a command on another Node major version: `node scripts/with-node.mjs 24 npx vitest run e2e`.
// The Node binary comes from the npm registry (the `node-<platform>-<arch>` package ships it), is
// kept in node_modules/.cache/node-<major>/, and goes first on PATH, so `node`, `npx` and every
// `#!/usr/bin/env node` script in the command run on it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, command, ...args] = process.argv.slice(2);
if (!/^\d+$/.test(major ?? '') || !command) {
  console.error('usage: node scripts/with-node.mjs MAJOR COMMAND [ARG...]   (e.g. 24 npx vitest run e2e)');
  process.exit(2);
}

const pkg = `node-${process.platform}-${process.arch}`;
const prefix = join(root, 'node_modules', '.cache', `node-${major}`);
const binDir = join(prefix, 'node_modules', pkg, 'bin');
if (!existsSync(join(binDir, 'node'))) {
  console.error(`with-node: installing ${pkg}@${major} into ${prefix}`);
  const install = spawnSync(
    'npm',
    ['install', '--prefix', prefix, '--no-audit', '--no-fund', `${pkg}@${major}`],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (install.status !== 0 || !existsSync(join(binDir, 'node'))) {
    console.error(
      `with-node: could not install ${pkg}@${major} (npm exit ${install.status ?? install.signal})`,
    );
    process.exit(1);
  }
}

const env = { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` };
const version = spawnSync(join(binDir, 'node'), ['--version'], { encoding: 'utf8' }).stdout.trim();
console.error(`with-node: Node ${version}: ${command} ${args.join(' ')}`);
const result = spawnSync(command, args, { stdio: 'inherit', env });
if (result.error) {
  console.error(`with-node: cannot run ${command}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
