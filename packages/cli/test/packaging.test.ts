import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  packageProblems,
  packPackage,
  packWorkspace,
  tarballFiles,
  tarballManifest,
  workspacePackages,
} from '../../../scripts/packaging.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'ratchet-packaging-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// The packages as `pnpm pack` makes them for the registry (scripts/install-test.mjs installs and
// runs them; this checks what is inside, without the network).
describe('the packed packages', () => {
  const packages = workspacePackages(root);
  let tarballs = new Map<string, string>();
  beforeAll(() => {
    const packedDir = join(scratch, 'packed');
    mkdirSync(packedDir);
    tarballs = packWorkspace(root, packedDir);
  });

  it('packs all eight packages, every workspace:* dependency turned into a version', () => {
    expect(packages.map((pkg) => pkg.manifest.name).sort()).toEqual(
      [
        '@ratchet/cli',
        '@ratchet/core',
        '@ratchet/phase-aggregate',
        '@ratchet/phase-diagnose',
        '@ratchet/phase-implement',
        '@ratchet/phase-test',
        '@ratchet/plex',
        '@ratchet/plex-sim',
      ].sort(),
    );
    const cli = tarballManifest(tarballs.get('@ratchet/cli') ?? '');
    const core = packages.find((pkg) => pkg.manifest.name === '@ratchet/core');
    expect(cli.dependencies).toMatchObject({ '@ratchet/core': core?.manifest.version });
    expect(JSON.stringify(cli)).not.toContain('workspace:');
  });

  it.each(packages.map((pkg) => [pkg.manifest.name, pkg] as const))(
    '%s holds what it needs at run time and nothing for tests',
    (name, pkg) => {
      const tarball = tarballs.get(name) ?? '';
      expect(packageProblems(pkg, tarballFiles(tarball), tarballManifest(tarball))).toEqual([]);
    },
  );

  it('ships the files the code reads at run time: rules, schemas, the bin', () => {
    const files = (name: string) => tarballFiles(tarballs.get(name) ?? '');
    expect(files('@ratchet/plex-sim')).toEqual(expect.arrayContaining(['rules/simdb.yaml', 'dist/ctl.js']));
    expect(files('@ratchet/phase-diagnose')).toEqual(
      expect.arrayContaining(['rules/plex.yaml', 'rules/schema.json']),
    );
    expect(files('@ratchet/core')).toContain('schema.json');
    expect(files('@ratchet/cli')).toEqual(expect.arrayContaining(['bin/ratchet.js', 'dist/main.js']));
  });
});

describe('the public API', () => {
  it.each(workspacePackages(root).map((pkg) => [pkg.manifest.name, pkg.dir] as const))(
    '%s exports its API by name, not with export *',
    (_name, dir) => {
      expect(readFileSync(join(dir, 'src', 'index.ts'), 'utf8')).not.toMatch(/^export \* from/m);
    },
  );
});

describe('packageProblems', () => {
  it('names a file the package folder holds but "files" leaves out, and the missing LICENSE', () => {
    const dir = join(scratch, 'forgetful');
    mkdirSync(join(dir, 'dist'), { recursive: true });
    mkdirSync(join(dir, 'rules'));
    const manifest = {
      name: 'forgetful',
      version: '1.0.0',
      description: 'a package that forgets its rules',
      license: 'MIT',
      repository: 'x',
      engines: { node: '>=20.19' },
      exports: { '.': './dist/index.js' },
      bin: { forgetful: './bin/forgetful.js' },
      files: ['dist'],
    };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'dist', 'index.js'), 'export {};\n');
    writeFileSync(join(dir, 'rules', 'simdb.yaml'), 'rules: []\n');
    writeFileSync(join(dir, 'README.md'), '# forgetful\n');
    const packedDir = join(scratch, 'forgetful-packed');
    mkdirSync(packedDir);
    const tarball = packPackage(dir, packedDir);

    expect(packageProblems({ dir, manifest }, tarballFiles(tarball), tarballManifest(tarball))).toEqual([
      'bin/forgetful.js: named in package.json (exports/bin/main/types) but not packed',
      'rules/simdb.yaml: in the package folder but not packed (add it to "files", or it is dev-only)',
      'LICENSE: not packed',
    ]);
  });
});
