// The packages as a user gets them: pack every workspace package with the pinned pnpm (which
// rewrites `workspace:*` to real versions), list what each tarball holds, and name what is missing
// from it. Used by scripts/install-test.mjs and by the packaging test.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const PNPM = 'pnpm@10.34.9';

/** Files a package keeps for its own tests and benchmarks: they are never needed at run time. */
const DEV_ONLY = [
  /(^|\/)test\//,
  /(^|\/)bench\//,
  /(^|\/)test-fixtures\//,
  /(^|\/)test-support\//,
  /\.test\.ts$/,
  /\.test-helpers\.ts$/,
  /^tsconfig\.json$/,
];

/** Never shipped and never checked: build output is checked against the sources instead. */
const NOT_SOURCE = new Set(['node_modules', 'dist']);

export function isDevOnly(path) {
  return DEV_ONLY.some((pattern) => pattern.test(path));
}

/** Every publishable package under packages/: `{ dir, manifest }`, by folder name. */
export function workspacePackages(root) {
  const packagesDir = join(root, 'packages');
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')))
    .map((entry) => {
      const dir = join(packagesDir, entry.name);
      return { dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) };
    })
    .filter(({ manifest }) => !manifest.private)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    throw new Error(
      `'${command} ${args.join(' ')}' failed (exit ${result.status ?? result.signal})\n${output}`,
    );
  }
  return result.stdout;
}

/** Packs one package folder into `dest` with the pinned pnpm; returns the tarball's path. */
export function packPackage(dir, dest) {
  const stdout = run('npx', ['--yes', PNPM, 'pack', '--pack-destination', dest], { cwd: dir });
  const tarball = stdout
    .split('\n')
    .map((line) => line.trim())
    .findLast((line) => line.endsWith('.tgz'));
  if (!tarball || !existsSync(tarball)) throw new Error(`pnpm pack in ${dir} named no tarball:\n${stdout}`);
  return tarball;
}

/** Packs every package under packages/ into `dest` in one pnpm call; returns name -> tarball path. */
export function packWorkspace(root, dest) {
  run('npx', ['--yes', PNPM, '--recursive', '--filter', './packages/*', 'pack', '--pack-destination', dest], {
    cwd: root,
  });
  const tarballs = new Map();
  for (const file of readdirSync(dest).filter((name) => name.endsWith('.tgz'))) {
    tarballs.set(tarballManifest(join(dest, file)).name, join(dest, file));
  }
  return tarballs;
}

/** The paths inside a tarball, without npm's `package/` prefix. */
export function tarballFiles(tarball) {
  return run('tar', ['-tzf', tarball])
    .split('\n')
    .filter((line) => line && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''));
}

/** The package.json inside a tarball, as a registry would serve it. */
export function tarballManifest(tarball) {
  return JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json']));
}

function walk(dir, base = dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (NOT_SOURCE.has(entry.name) && dir === base) continue;
    if (entry.name === 'node_modules' || entry.name.endsWith('.tsbuildinfo')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, base, out);
    else out.push(relative(base, path).split(sep).join('/'));
  }
  return out;
}

function entryPoints(manifest) {
  const targets = [];
  const collect = (value) => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') for (const inner of Object.values(value)) collect(inner);
  };
  collect(manifest.exports);
  collect(manifest.bin);
  collect(manifest.main);
  collect(manifest.types);
  return [...new Set(targets.map((target) => target.replace(/^\.\//, '')))];
}

/**
 * What a user of the package would miss: each problem names the file and why it is needed.
 * `files` are the tarball's paths; `packed` is the tarball's package.json.
 */
export function packageProblems({ dir, manifest }, files, packed) {
  const have = new Set(files);
  const problems = [];
  for (const target of entryPoints(manifest)) {
    if (!have.has(target))
      problems.push(`${target}: named in package.json (exports/bin/main/types) but not packed`);
  }
  for (const path of walk(dir)) {
    if (isDevOnly(path) || have.has(path)) continue;
    if (path.startsWith('src/') && path.endsWith('.ts')) {
      problems.push(`${path}: source not packed (add it to "files")`);
    } else {
      problems.push(`${path}: in the package folder but not packed (add it to "files", or it is dev-only)`);
    }
  }
  for (const path of walk(dir)) {
    if (!path.startsWith('src/') || !path.endsWith('.ts') || path.endsWith('.d.ts') || isDevOnly(path))
      continue;
    const built = path.replace(/^src\//, 'dist/').replace(/\.ts$/, '');
    for (const ext of ['.js', '.d.ts']) {
      if (!have.has(built + ext)) problems.push(`${built}${ext}: build output of ${path} not packed`);
    }
  }
  for (const path of files) {
    if (isDevOnly(path)) problems.push(`${path}: test or benchmark file packed (exclude it in "files")`);
  }
  for (const file of ['README.md', 'LICENSE']) {
    if (!have.has(file)) problems.push(`${file}: not packed`);
  }
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(packed[field] ?? {})) {
      if (String(range).startsWith('workspace:'))
        problems.push(`package.json ${field}.${name}: '${range}' left unresolved`);
    }
  }
  for (const field of ['license', 'repository', 'engines', 'description']) {
    if (!packed[field]) problems.push(`package.json: no "${field}"`);
  }
  return problems;
}
