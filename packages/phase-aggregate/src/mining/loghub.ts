import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The header formats of the Loghub-2k systems (fixtures/loghub/README.md) as line-format regexes with
 * a `message` group: the standard setup of the benchmark, given to the miner like `--line-format`.
 */
export const LOGHUB_LINE_FORMATS: Readonly<Record<string, string>> = {
  HDFS: '^(?<date>\\d+) (?<time>\\d+) (?<pid>\\d+) (?<level>\\w+) (?<component>[^:]+): (?<message>.*)$',
  Spark: '^(?<date>\\S+) (?<time>\\S+) (?<level>\\w+) (?<component>[^:]+): (?<message>.*)$',
  Zookeeper: '^(?<date>\\S+) (?<time>\\S+) - (?<level>\\w+) +\\[(?<node>.+?)\\] - (?<message>.*)$',
  Linux:
    '^(?<month>\\w+) +(?<day>\\d+) (?<time>\\S+) (?<host>\\S+) (?<component>[^\\[:]+)(?:\\[(?<pid>\\d+)\\])?: (?<message>.*)$',
  HealthApp: '^(?<time>[^|]+)\\|(?<component>[^|]+)\\|(?<pid>[^|]+)\\|(?<message>.*)$',
  Apache: '^\\[(?<time>[^\\]]+)\\] \\[(?<level>[^\\]]+)\\] (?<message>.*)$',
};

/** Splits one CSV line (RFC 4180 quoting; the Loghub files hold no newline inside a field). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quoted) {
      if (char === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i += 1;
        } else quoted = false;
      } else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

export interface LoghubSystem {
  name: string;
  lines: string[];
  eventIds: string[];
}

/** Reads `<root>/<name>/<name>_2k.log` and the EventId column of its `_structured.csv`. */
export async function loadLoghubSystem(root: string, name: string): Promise<LoghubSystem> {
  const raw = await readFile(join(root, name, `${name}_2k.log`), 'utf8');
  const csv = await readFile(join(root, name, `${name}_2k.log_structured.csv`), 'utf8');
  const lines = raw.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const rows = csv.split('\n').filter((row) => row.length > 0);
  const header = splitCsvLine(rows[0] ?? '');
  const eventColumn = header.indexOf('EventId');
  const eventIds = rows.slice(1).map((row) => splitCsvLine(row)[eventColumn] ?? '');
  return { name, lines: lines.map((line) => line.replace(/\r$/, '')), eventIds };
}
