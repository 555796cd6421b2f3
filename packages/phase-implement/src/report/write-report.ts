import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { escapeMarkdownCell, escapeMarkdownInline, markdownCodeBlock, redactText } from '@ratchet/core';
import { writeFileAtomic } from '../fs/atomic-write.js';

export interface ImplementationRecord {
  fixId: string;
  fixName?: string;
  outcome: 'applied' | 'dry-run' | 'failed' | 'declined';
  startedAt: string;
  durationMs: number;
  backups?: string;
  restarted: boolean;
  changes: Record<string, unknown>[];
  targets: {
    path: string;
    kind: string;
    hashBefore: string | null;
    hashAfter: string | null;
    mode: number | null;
  }[];
  error?: string;
  restoredAfterFailure?: boolean;
}

/** A code span that text cannot leave: its fence is longer than any backtick run inside. */
function codeSpan(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return longest === 0 ? `${fence}${clean}${fence}` : `${fence} ${clean} ${fence}`;
}

export function renderMarkdown(records: readonly ImplementationRecord[]): string {
  const parts: string[] = [];
  for (const record of records) {
    const id = codeSpan(record.fixId);
    const title = record.fixName ? `${escapeMarkdownInline(record.fixName)} (${id})` : id;
    parts.push(`## Implementation: ${title}`, '');
    const outcome =
      record.outcome === 'failed'
        ? `failed${record.restoredAfterFailure ? ', everything restored' : ''}`
        : record.outcome === 'dry-run'
          ? 'dry run (nothing changed)'
          : record.outcome;
    parts.push(
      `- Outcome: ${outcome}`,
      `- Duration: ${record.durationMs} ms`,
      `- Restarted: ${record.restarted ? 'yes' : 'no'}`,
    );
    if (record.backups) parts.push(`- Backups: ${codeSpan(record.backups)}`);
    if (record.error) parts.push(`- Error: ${escapeMarkdownInline(record.error)}`);
    parts.push(
      '',
      '| # | Action | Target | What | Before (sha256) | After (sha256) |',
      '| - | - | - | - | - | - |',
    );
    for (const [index, change] of record.changes.entries()) {
      const short = (hash: unknown) => (typeof hash === 'string' ? hash.slice(0, 12) : '-');
      parts.push(
        `| ${index + 1} | ${escapeMarkdownCell(String(change.action))} | ${escapeMarkdownCell(String(change.path ?? '-'))} | ${escapeMarkdownCell(String(change.description ?? ''))} | ${short(change.hashBefore)} | ${short(change.hashAfter)} |`,
      );
    }
    const diffs = record.changes.filter(
      (change) => typeof change.diff === 'string' && change.diff.length > 0,
    );
    for (const change of diffs) {
      parts.push('', markdownCodeBlock(String(change.diff).trimEnd(), 'diff'));
    }
    parts.push('');
  }
  return parts.join('\n');
}

/**
 * Writes `implementation.json` and `implementation.md` into the iteration folder. When the same
 * iteration applies several fixes (a kept fix, then the next), the earlier records are kept under
 * `earlier`; the top level is always the latest fix.
 */
export async function writeImplementationReport(runDir: string, record: ImplementationRecord): Promise<void> {
  await mkdir(runDir, { recursive: true });
  const jsonPath = join(runDir, 'implementation.json');
  let earlier: ImplementationRecord[] = [];
  try {
    const previous = JSON.parse(await readFile(jsonPath, 'utf8')) as ImplementationRecord & {
      earlier?: ImplementationRecord[];
    };
    const { earlier: olderStill = [], ...latest } = previous;
    earlier = [...olderStill, latest];
  } catch {
    earlier = [];
  }
  const document = { ...record, ...(earlier.length ? { earlier } : {}) };
  // Ratchet's own report files: redacted like every other (this writer also writes users' files).
  await writeFileAtomic(jsonPath, redactText(`${JSON.stringify(document, null, 2)}\n`));
  await writeFileAtomic(join(runDir, 'implementation.md'), redactText(renderMarkdown([...earlier, record])));
}
