import { applyPatch, parsePatch } from 'diff';

/** Applies a single-file unified diff exactly: every hunk's context must match (no fuzz). */
export function applyUnifiedDiff(content: string, diff: string): string {
  let patches: ReturnType<typeof parsePatch>;
  try {
    patches = parsePatch(diff);
  } catch (error) {
    throw new Error(`the diff cannot be parsed: ${(error as Error).message}`);
  }
  if (patches.length !== 1)
    throw new Error(`the diff must describe exactly one file, it describes ${patches.length}`);
  const [patch] = patches;
  if (!patch || patch.hunks.length === 0) throw new Error('the diff holds no hunk');
  const result = applyPatch(content, patch, { fuzzFactor: 0 });
  if (result === false) {
    throw new Error('the diff does not apply: a hunk context or a removed line does not match the file');
  }
  return result;
}
