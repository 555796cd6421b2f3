import { createHash } from 'node:crypto';
import type { ErrorType } from '@ratchet/core';
import { redactText } from '@ratchet/core';
import { plexTimestampToIso, searchItemIdOf, updateGuidOf } from '@ratchet/plex';
import { type TemplateCluster, TemplateMiner } from '../../mining/template-miner.js';
import { detach } from '../detach.js';

const MAX_EXAMPLES = 3;
const MAX_LISTED = 200;
const MAX_FILES_LISTED = 50;
const MAX_EXAMPLE_CHARS = 2000;
export const MAX_ERROR_TYPES = 5000;

/** What the error table reads of a record that is an error. */
export interface ErrorRecord {
  file: string;
  agent: string;
  timestamp: string | undefined;
  level: string | undefined;
  message: string;
  line: string;
  tail: string | undefined;
  operation: { item: string | undefined } | undefined;
}

/** What a classification found out about an error beyond its key. */
export interface ErrorDetail {
  httpStatus?: number | undefined;
  host?: string | undefined;
  exceptionType?: string | undefined;
  exceptionMessage?: string | undefined;
  path?: string | undefined;
  template?: string | undefined;
}

interface ErrorAccumulator {
  category: string;
  agent: string;
  level: string | undefined;
  keyParts: string[];
  cluster: TemplateCluster | undefined;
  template: string | undefined;
  count: number;
  firstSeen: string | undefined;
  lastSeen: string | undefined;
  examples: string[];
  files: Set<string>;
  items: Set<string>;
  paths: Set<string>;
  httpStatus: number | undefined;
  host: string | undefined;
  exceptionType: string | undefined;
  exceptionMessage: string | undefined;
}

function bounded(set: Set<string>, value: string | undefined, max = MAX_LISTED): void {
  if (value !== undefined && set.size < max && !set.has(value)) set.add(detach(value));
}

function shortHash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 10);
}

/**
 * The error types of a measurement: one entry per category, agent and key (or template cluster),
 * with counts, first and last time, a few redacted examples and the files, items and paths seen.
 * Bounded: past `MAX_ERROR_TYPES` types, new ones are only counted as dropped.
 */
export class ErrorTable {
  private readonly errors = new Map<string, ErrorAccumulator>();
  private dropped = 0;

  /** Records that were not given a type because the table was full. */
  get droppedCount(): number {
    return this.dropped;
  }

  add(
    record: ErrorRecord,
    category: string,
    keyParts: string[],
    detail: ErrorDetail,
    cluster?: TemplateCluster,
  ): void {
    const key = [category, record.agent, ...keyParts].join(':');
    let error = this.errors.get(key);
    if (!error) {
      if (this.errors.size >= MAX_ERROR_TYPES) {
        this.dropped += 1;
        return;
      }
      // Only a key that is kept is copied off the text it was built from.
      error = {
        category,
        agent: record.agent,
        level: record.level,
        keyParts: keyParts.map((part) => detach(part)),
        cluster,
        template: detail.template === undefined ? undefined : redactText(detail.template),
        count: 0,
        firstSeen: undefined,
        lastSeen: undefined,
        examples: [],
        files: new Set(),
        items: new Set(),
        paths: new Set(),
        httpStatus: detail.httpStatus,
        host: detach(detail.host),
        exceptionType: detach(detail.exceptionType),
        exceptionMessage: detach(
          detail.exceptionMessage === undefined ? undefined : redactText(detail.exceptionMessage),
        ),
      };
      this.errors.set(detach(key), error);
    }
    error.count += 1;
    const timestamp = record.timestamp;
    if (timestamp !== undefined) {
      if (error.firstSeen === undefined || timestamp < error.firstSeen) error.firstSeen = timestamp;
      if (error.lastSeen === undefined || timestamp > error.lastSeen) error.lastSeen = timestamp;
    }
    if (error.examples.length < MAX_EXAMPLES) {
      const example =
        record.tail === undefined || record.line.includes(record.tail)
          ? record.line
          : `${record.line}\n  ...\n${record.tail}`;
      const clipped =
        example.length > MAX_EXAMPLE_CHARS ? `${example.slice(0, MAX_EXAMPLE_CHARS)}...` : example;
      error.examples.push(detach(redactText(clipped)));
    }
    bounded(error.files, record.file, MAX_FILES_LISTED);
    bounded(
      error.items,
      record.operation?.item ?? updateGuidOf(record.message) ?? searchItemIdOf(record.message),
    );
    bounded(error.paths, detail.path);
    error.httpStatus ??= detail.httpStatus;
    error.host ??= detach(detail.host);
    error.exceptionType ??= detach(detail.exceptionType);
    error.exceptionMessage ??= detach(
      detail.exceptionMessage === undefined ? undefined : redactText(detail.exceptionMessage),
    );
  }

  /** The error types, most frequent first; clusters with one template are merged. */
  errorTypes(): ErrorType[] {
    const merged = new Map<string, ErrorType>();
    for (const error of this.errors.values()) {
      const template = error.cluster ? TemplateMiner.template(error.cluster) : error.template;
      const idParts =
        error.cluster !== undefined
          ? [error.category, error.agent, shortHash(template ?? '')]
          : [error.category, error.agent, ...error.keyParts];
      const id = idParts.join(':');
      const existing = merged.get(id);
      if (existing) {
        existing.count += error.count;
        continue;
      }
      const errorType: ErrorType = {
        id,
        category: error.category,
        count: error.count,
        agents: [error.agent],
        files: [...error.files],
        examples: error.examples,
      };
      if (template !== undefined) errorType.template = template;
      if (error.level !== undefined) errorType.level = error.level;
      if (error.firstSeen !== undefined) errorType.firstSeen = plexTimestampToIso(error.firstSeen);
      if (error.lastSeen !== undefined) errorType.lastSeen = plexTimestampToIso(error.lastSeen);
      if (error.items.size > 0) errorType.items = [...error.items];
      if (error.paths.size > 0) errorType.paths = [...error.paths];
      if (error.httpStatus !== undefined) errorType.httpStatus = error.httpStatus;
      if (error.host !== undefined) errorType.host = error.host;
      if (error.exceptionType !== undefined) errorType.exceptionType = error.exceptionType;
      if (error.exceptionMessage !== undefined) errorType.exceptionMessage = error.exceptionMessage;
      merged.set(id, errorType);
    }
    return [...merged.values()].sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : 1));
  }
}
