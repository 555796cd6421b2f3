import { redactText } from '@ratchet/core';
import { parsePlexLine, plexTimestampToIso } from '@ratchet/plex';
import { TemplateMiner } from '../mining/template-miner.js';
import type { ReadProblem, ReadStats } from '../reading/line-reader.js';
import { detach } from './detach.js';
import type { PlexWindow } from './record-state/window.js';

const ERROR_LEVELS = new Set(['ERROR', 'CRITICAL', 'FATAL']);
const MAX_TEMPLATES_LISTED = 20;
const MAX_EXAMPLE_CHARS = 2000;

export interface ServerLogMetrics {
  records: number;
  errorRecords: number;
  warningRecords: number;
  /** Non-empty lines before the first record of a file. */
  unparsedLines: number;
}

/** The main server log's own breakdown (`result.serverLog`), kept apart from the plug-in metrics. */
export interface ServerLogBreakdown {
  files: Array<{ path: string; bytes?: number; lines?: number; metrics: ServerLogMetrics }>;
  metrics: ServerLogMetrics;
  /** Records per level as written (`DEBUG`, `INFO`, `WARNING`, `ERROR`, ...). */
  levels: Record<string, number>;
  /** Error records grouped by mined template, most frequent first (at most 20). */
  errorTemplates: Array<{
    template: string;
    count: number;
    firstSeen?: string;
    lastSeen?: string;
    example: string;
  }>;
}

function emptyMetrics(): ServerLogMetrics {
  return { records: 0, errorRecords: 0, warningRecords: 0, unparsedLines: 0 };
}

interface TemplateStats {
  count: number;
  firstSeen: string | undefined;
  lastSeen: string | undefined;
  example: string;
}

/**
 * Counts the records of `Plex Media Server.log` (`May 03, 2019 15:51:20.439 [0x7f14...] DEBUG - ...`)
 * by level, and groups its error records by mined template. Memory is bounded by the miner's cap.
 */
export class ServerLogAggregator {
  private readonly window: PlexWindow | undefined;
  private readonly miner = new TemplateMiner({ maxClusters: 500 });
  private readonly templates = new Map<number, TemplateStats>();
  private readonly totals = emptyMetrics();
  private readonly levels: Record<string, number> = {};
  private readonly files: ServerLogBreakdown['files'] = [];
  readonly problems: ReadProblem[] = [];
  private fileMetrics = emptyMetrics();
  private sawRecord = false;

  constructor(window?: PlexWindow) {
    this.window = window;
  }

  beginFile(path: string): void {
    this.fileMetrics = emptyMetrics();
    this.files.push({ path, metrics: this.fileMetrics });
    this.sawRecord = false;
  }

  fileRead(stats: ReadStats, problems: readonly ReadProblem[]): void {
    const entry = this.files[this.files.length - 1];
    if (entry) {
      entry.bytes = stats.bytes;
      entry.lines = stats.lines;
    }
    this.problems.push(...problems);
  }

  line(line: string): void {
    const record = parsePlexLine(line);
    if (record === undefined) {
      if (!this.sawRecord && line.length > 0) this.count('unparsedLines');
      return;
    }
    this.sawRecord = true;
    const timestamp = record.timestamp;
    const window = this.window;
    if (window && timestamp !== undefined) {
      if (window.start !== undefined && timestamp < window.start) return;
      if (window.end !== undefined && timestamp >= window.end) return;
    }
    this.count('records');
    const level = record.level ?? 'UNKNOWN';
    this.levels[level] = (this.levels[level] ?? 0) + 1;
    if (level === 'WARNING' || level === 'WARN') this.count('warningRecords');
    if (!ERROR_LEVELS.has(level)) return;
    this.count('errorRecords');
    const cluster = this.miner.add(redactText(record.message));
    const stats = this.templates.get(cluster.id);
    if (stats) {
      stats.count += 1;
      if (timestamp !== undefined) {
        if (stats.firstSeen === undefined || timestamp < stats.firstSeen) stats.firstSeen = timestamp;
        if (stats.lastSeen === undefined || timestamp > stats.lastSeen) stats.lastSeen = timestamp;
      }
    } else {
      this.templates.set(cluster.id, {
        count: 1,
        firstSeen: timestamp,
        lastSeen: timestamp,
        example: detach(redactText(line.slice(0, MAX_EXAMPLE_CHARS))),
      });
    }
  }

  private count(metric: keyof ServerLogMetrics): void {
    this.totals[metric] += 1;
    this.fileMetrics[metric] += 1;
  }

  result(): ServerLogBreakdown {
    const clusters = this.miner.clusters();
    const errorTemplates = [...this.templates.entries()]
      .map(([id, stats]) => {
        const cluster = clusters[id - 1];
        return {
          template: cluster ? TemplateMiner.template(cluster) : '<*>',
          count: stats.count,
          ...(stats.firstSeen !== undefined ? { firstSeen: plexTimestampToIso(stats.firstSeen) } : {}),
          ...(stats.lastSeen !== undefined ? { lastSeen: plexTimestampToIso(stats.lastSeen) } : {}),
          example: stats.example,
        };
      })
      .sort((a, b) => b.count - a.count || (a.template < b.template ? -1 : 1))
      .slice(0, MAX_TEMPLATES_LISTED);
    return { files: this.files, metrics: { ...this.totals }, levels: { ...this.levels }, errorTemplates };
  }
}
