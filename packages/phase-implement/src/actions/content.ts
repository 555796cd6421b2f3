import { lstat, open, readFile } from 'node:fs/promises';
import { READ_NOFOLLOW } from '../fs/confined.js';
import { applyEdit } from './edit.js';
import { setJsonValue } from './json-set.js';
import { applyUnifiedDiff } from './patch.js';
import type { EditAction, JsonSetAction, PatchAction, SetPrefAction } from './schemas.js';
import { setPreference } from './set-pref.js';

export type ContentAction = EditAction | PatchAction | SetPrefAction | JsonSetAction;

export function isContentAction(action: { type: string }): action is ContentAction {
  return (
    action.type === 'edit' ||
    action.type === 'patch' ||
    action.type === 'set-pref' ||
    action.type === 'json-set'
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The file's text, `undefined` when it does not exist; refuses folders and bytes that are not UTF-8. */
export async function readText(path: string): Promise<string | undefined> {
  let stat: Awaited<ReturnType<typeof lstat>>;
  try {
    stat = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!stat.isFile()) throw new Error('it is not a regular file');
  try {
    return utf8.decode(await readFile(path));
  } catch {
    throw new Error('it is not UTF-8 text');
  }
}

/** The text of a file opened without following a link (a path from an open folder). */
export async function readTextAt(path: string): Promise<string> {
  const handle = await open(path, READ_NOFOLLOW);
  try {
    if (!(await handle.stat()).isFile()) throw new Error('it is not a regular file');
    const bytes = await handle.readFile();
    try {
      return utf8.decode(bytes);
    } catch {
      throw new Error('it is not UTF-8 text');
    }
  } finally {
    await handle.close();
  }
}

/** The new text of a file after one content action; pure, so dry run and apply agree. */
export function transformContent(action: ContentAction, current: string | undefined): string {
  switch (action.type) {
    case 'edit':
      if (current === undefined) throw new Error('the file does not exist');
      return applyEdit(current, action);
    case 'patch':
      if (current === undefined) throw new Error('the file does not exist');
      return applyUnifiedDiff(current, action.diff);
    case 'set-pref':
      return setPreference(current, action.key, action.value);
    case 'json-set':
      return setJsonValue(current, action.path, action.value as Parameters<typeof setJsonValue>[2]);
  }
}
