import { chmod, lstat, mkdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { snapshot, type TestFolder, testFolder } from '../test-support/context.test-helpers.js';
import { sha256Tree } from './hash.js';
import { moveAcrossDevices, moveTree } from './move.js';

let folder: TestFolder;
afterEach(() => folder?.cleanup());

async function bundle() {
  folder = await testFolder({
    'abc.bundle/Contents/Info.xml': { content: '<corrupt', mode: 0o640 },
    'abc.bundle/Contents/art/poster.jpg': { content: new Uint8Array([255, 216, 255, 0, 7]), mode: 0o600 },
    'abc.bundle/Contents/run.sh': { content: '#!/bin/sh\n', mode: 0o755 },
    'abc.bundle/Contents/current': { symlink: 'art/poster.jpg' },
  });
  await chmod(join(folder.system, 'abc.bundle/Contents/art'), 0o700);
  return join(folder.system, 'abc.bundle');
}

describe('moving a deleted folder into the backup', () => {
  it('keeps bytes, modes, symlinks and the tree hash when it renames on one device', async () => {
    const source = await bundle();
    const before = await snapshot(source);
    const hash = await sha256Tree(source);
    const target = join(folder.outDir, 'trees-0');
    await mkdir(folder.outDir, { recursive: true });
    await moveTree(source, target);
    expect(await lstat(source).catch(() => undefined)).toBeUndefined();
    expect(await snapshot(target)).toEqual(before);
    expect(await sha256Tree(target)).toBe(hash);
  });

  it('copies, renames and then removes the source when the move crosses devices', async () => {
    const source = await bundle();
    const before = await snapshot(source);
    const hash = await sha256Tree(source);
    const target = join(folder.root, 'trees-0');
    await moveAcrossDevices(source, target);
    expect(await lstat(source).catch(() => undefined)).toBeUndefined();
    expect(await lstat(`${target}.partial`).catch(() => undefined)).toBeUndefined();
    expect(await snapshot(target)).toEqual(before);
    expect(await readlink(join(target, 'Contents/current'))).toBe('art/poster.jpg');
    expect(await sha256Tree(target)).toBe(hash);
  });
});
