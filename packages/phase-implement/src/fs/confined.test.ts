import { lstat, mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestFolder, testFolder } from '../test-support/context.test-helpers.js';
import { writeChildAtomic } from './atomic-write.js';
import { openParent, recordParents, removeChild, withParent } from './confined.js';

let folder: TestFolder;
afterEach(() => folder?.cleanup());

describe('confined file operations', () => {
  it('writes through the folders recorded at planning, and refuses a folder swapped for a link', async () => {
    folder = await testFolder({ 'sub/a.conf': 'inside\n' });
    const outside = join(folder.root, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'a.conf'), 'outside\n');
    const target = join(folder.system, 'sub', 'a.conf');
    const parents = await recordParents(target);
    await withParent(target, parents, (dir, name) => writeChildAtomic(dir, name, 'one\n'));
    expect(await readFile(target, 'utf8')).toBe('one\n');

    await rename(join(folder.system, 'sub'), join(folder.system, 'sub-moved'));
    await symlink(outside, join(folder.system, 'sub'));
    await expect(
      withParent(target, parents, (dir, name) => writeChildAtomic(dir, name, 'two\n')),
    ).rejects.toThrow('it is a symbolic link now');
    // Even without a record, a link on the way is never followed.
    await expect(openParent(target, undefined)).rejects.toThrow('symbolic link');
    expect(await readFile(join(outside, 'a.conf'), 'utf8')).toBe('outside\n');
  });

  it('refuses a real folder put in the place of the planned one (another inode)', async () => {
    folder = await testFolder({ 'sub/a.conf': 'inside\n' });
    const target = join(folder.system, 'sub', 'a.conf');
    const parents = await recordParents(target);
    await rename(join(folder.system, 'sub'), join(folder.system, 'sub-old'));
    await mkdir(join(folder.system, 'sub'));
    await expect(openParent(target, parents)).rejects.toThrow('another folder is in its place');
  });

  it('removes a folder tree without following the links inside it', async () => {
    folder = await testFolder({ 'tree/keep/x': 'x', 'victim/file': 'precious' });
    await symlink(join(folder.system, 'victim'), join(folder.system, 'tree', 'link'));
    await withParent(join(folder.system, 'tree'), undefined, (dir, name) => removeChild(dir, name));
    expect(await lstat(join(folder.system, 'tree')).catch(() => undefined)).toBeUndefined();
    expect(await readFile(join(folder.system, 'victim', 'file'), 'utf8')).toBe('precious');
  });
});
