import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestFolder, testFolder } from '../test-support/context.test-helpers.js';
import { resolveRoots, resolveTarget } from './resolve-target.js';

describe('resolveTarget', () => {
  let folder: TestFolder;
  afterEach(() => folder.cleanup());

  async function scope() {
    folder = await testFolder({ 'Metadata/a.xml': '<a/>' });
    await mkdir(join(folder.root, 'elsewhere'), { recursive: true });
    return { roots: await resolveRoots([folder.system]), baseDir: folder.system };
  }

  it('resolves a relative path against the base folder, existing or not', async () => {
    const s = await scope();
    expect(await resolveTarget('Metadata/a.xml', s, 'edit')).toBe(join(folder.system, 'Metadata/a.xml'));
    expect(await resolveTarget('new/deep/file.json', s, 'edit')).toBe(
      join(folder.system, 'new/deep/file.json'),
    );
  });

  it('refuses an absolute path outside the roots and names the action and path', async () => {
    const s = await scope();
    const outside = join(folder.root, 'elsewhere', 'x.txt');
    const error = await resolveTarget(outside, s, 'fix f: actions[0] (edit)').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ACTION_REFUSED' });
    expect((error as Error).message).toContain('fix f: actions[0] (edit)');
    expect((error as Error).message).toContain(outside);
    await expect(resolveTarget('/etc/passwd', s, 'delete')).rejects.toMatchObject({ code: 'ACTION_REFUSED' });
  });

  it("refuses '..' segments even when they would land back inside the root", async () => {
    const s = await scope();
    await expect(resolveTarget('../outside-secret.txt', s, 'edit')).rejects.toThrow("'..' is not allowed");
    await expect(resolveTarget('Metadata/../Metadata/a.xml', s, 'edit')).rejects.toThrow(
      "'..' is not allowed",
    );
    await expect(resolveTarget('Metadata\\..\\..\\x', s, 'edit')).rejects.toMatchObject({
      code: 'ACTION_REFUSED',
    });
  });

  it('refuses a symlink inside the root that points out of it, and a path through such a link', async () => {
    const s = await scope();
    await symlink(join(folder.root, 'elsewhere'), join(folder.system, 'escape'));
    await writeFile(join(folder.root, 'outside-secret.txt'), 'secret');
    await symlink(join(folder.root, 'outside-secret.txt'), join(folder.system, 'secret-link'));
    await symlink(join(folder.root, 'elsewhere', 'not-yet.txt'), join(folder.system, 'dangling-link'));
    await expect(resolveTarget('escape/new.txt', s, 'json-set')).rejects.toThrow('outside the allowed roots');
    await expect(resolveTarget('secret-link', s, 'edit')).rejects.toThrow(
      `resolves to '${join(folder.root, 'outside-secret.txt')}'`,
    );
    await expect(resolveTarget('dangling-link', s, 'set-pref')).rejects.toThrow('outside the allowed roots');
  });

  it('accepts a symlink that stays inside the root and returns its real path', async () => {
    const s = await scope();
    await symlink(join(folder.system, 'Metadata'), join(folder.system, 'meta-link'));
    expect(await resolveTarget('meta-link/a.xml', s, 'edit')).toBe(join(folder.system, 'Metadata/a.xml'));
  });

  it('refuses the root itself unless asked to allow it', async () => {
    const s = await scope();
    await expect(resolveTarget(folder.system, s, 'delete')).rejects.toThrow('it is a root itself');
    expect(await resolveTarget(folder.system, s, 'command', { allowRoot: true })).toBe(folder.system);
  });

  it('refuses a root that does not exist with a clear error', async () => {
    await scope();
    await expect(resolveRoots([join(folder.root, 'missing')])).rejects.toMatchObject({
      code: 'ACTION_REFUSED',
    });
  });
});
