import { createHash } from 'node:crypto';
import { appendFile, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RatchetError } from '@ratchet/core';
import { z } from 'zod';
import { fsyncDirectory, writeFileAtomic } from '../fs/atomic-write.js';

export const MANIFEST_FILE = 'manifest.json';
export const PROGRESS_FILE = 'progress.jsonl';

const IdentitySchema = z.object({ dev: z.string(), ino: z.string() });

export const ManifestTargetSchema = z.object({
  path: z.string(),
  kind: z.enum(['file', 'dir', 'absent']),
  sha256: z.string().nullable(),
  mode: z.number().int().nullable(),
  uid: z.number().int().optional(),
  gid: z.number().int().optional(),
  /** Relative to the backup folder: `files/N` (a copy) or `trees/N` (a deleted folder, moved here). */
  backup: z.string().optional(),
  /** For an absent target: the folders that did not exist either, outermost first. */
  createdDirs: z.array(z.string()).optional(),
  /**
   * Device and inode of each folder from `/` to the target's parent, as planned: every operation
   * on the target compares them again and refuses a folder that changed.
   */
  parents: z.array(IdentitySchema).optional(),
  /** A file's own device and inode when it was backed up: the apply refuses another file there. */
  identity: IdentitySchema.optional(),
  /**
   * Entries of a folder moved into the backup whose setuid/setgid/sticky bits were cleared there
   * (path relative to the folder, '.' for itself, and the full mode): restored before it goes back.
   */
  specialModes: z.record(z.string(), z.number().int()).optional(),
});
export type ManifestTarget = z.infer<typeof ManifestTargetSchema>;

export const ManifestStatusSchema = z.enum(['applying', 'applied', 'failed', 'rolled-back', 'recovered']);
export type ManifestStatus = z.infer<typeof ManifestStatusSchema>;

export const ManifestSchema = z.object({
  version: z.literal(1),
  fixId: z.string(),
  fixName: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  status: ManifestStatusSchema,
  /** The validated actions, so rollback and recovery can run command undos without the fix. */
  actions: z.array(z.looseObject({ type: z.string() })),
  targets: z.array(ManifestTargetSchema),
  restarts: z.boolean(),
  error: z.string().optional(),
  /** The run and iteration that applied the fix: recover() only undoes an apply of its own attempt. */
  runId: z.string().optional(),
  iteration: z.number().int().optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * The backup folder of a fix. Fix ids may hold characters some file systems refuse (`:` on
 * Windows); those become `_` and a short hash of the id keeps two such ids apart.
 */
export function backupFolderName(fixId: string): string {
  const safe = fixId.replace(/[^A-Za-z0-9._-]/g, '_');
  if (safe === fixId && safe !== '.' && safe !== '..') return safe;
  return `${safe}-${createHash('sha256').update(fixId).digest('hex').slice(0, 8)}`;
}

export function backupFolderFor(outDir: string, fixId: string): string {
  return join(outDir, 'backups', backupFolderName(fixId));
}

export async function writeManifest(folder: string, manifest: Manifest): Promise<void> {
  manifest.updatedAt = new Date().toISOString();
  await writeFileAtomic(join(folder, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Reads a manifest; `undefined` when there is none, a clear error when it is damaged. */
export async function readManifest(folder: string): Promise<Manifest | undefined> {
  const file = join(folder, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: Manifest;
  try {
    parsed = ManifestSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new RatchetError(
      'ROLLBACK_FAILED',
      `backup manifest ${file} is damaged: ${(error as Error).message}`,
      {
        hint: 'The backed-up files are still in that folder; restore them by hand.',
        details: { file },
      },
    );
  }
  return parsed;
}

export type ProgressEvent = { event: 'start' | 'done'; action: number; at: string };

/** Appends one line and fsyncs it: after a crash the journal says which actions had started. */
export async function appendProgress(folder: string, event: 'start' | 'done', action: number): Promise<void> {
  const file = join(folder, PROGRESS_FILE);
  const line: ProgressEvent = { event, action, at: new Date().toISOString() };
  await appendFile(file, `${JSON.stringify(line)}\n`);
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function createProgress(folder: string): Promise<void> {
  const handle = await open(join(folder, PROGRESS_FILE), 'wx');
  await handle.sync();
  await handle.close();
  await fsyncDirectory(folder);
}

/** The actions that started; a torn last line (a crash mid-write) is ignored. */
export async function readStartedActions(folder: string): Promise<Set<number>> {
  const started = new Set<number>();
  let text = '';
  try {
    text = await readFile(join(folder, PROGRESS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const event = JSON.parse(line) as ProgressEvent;
      if (event.event === 'start' && Number.isInteger(event.action)) started.add(event.action);
    } catch {
      // A torn line: the write of that event never completed.
    }
  }
  return started;
}
