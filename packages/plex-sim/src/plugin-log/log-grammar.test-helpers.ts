/**
 * The plug-in log grammar of docs/plex/FORMAT.md, written independently of the writer so
 * that the simulator's output is checked against the documented format, not against itself.
 */
export const RECORD_LINE =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),(\d{3}) \((-?[0-9a-f]+)\) :\s+(DEBUG|INFO|WARNING|ERROR|CRITICAL) \((\w+):(\d+)\) - (.*)$/;
const FRAME_LINE = /^ {2}File "[^"]+", line \d+, in \w+$/;
const SOURCE_LINE = /^ {4}\S.*$/;
const TAIL_LINE = /^[A-Za-z_][\w.]*: .+$/;

export interface ParsedRecord {
  time: Date;
  thread: string;
  level: string;
  module: string;
  line: number;
  message: string;
  continuation: string[];
}

/** Parse a whole log text; throws on any line that is neither a record nor a traceback line. */
export function parsePluginLog(text: string): ParsedRecord[] {
  const records: ParsedRecord[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [index, line] of lines.entries()) {
    const match = RECORD_LINE.exec(line);
    if (match) {
      const [, y, mo, d, h, mi, s, ms, thread, level, module, lineNo, message] = match;
      records.push({
        time: new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms)),
        thread: thread!,
        level: level!,
        module: module!,
        line: Number(lineNo),
        message: message!,
        continuation: [],
      });
      continue;
    }
    const last = records.at(-1);
    if (!last || !(FRAME_LINE.test(line) || SOURCE_LINE.test(line) || TAIL_LINE.test(line))) {
      throw new Error(
        `line ${index + 1} matches neither a record nor a traceback line: ${JSON.stringify(line)}`,
      );
    }
    last.continuation.push(line);
  }
  return records;
}

/** Records grouped by operation: from a `Searching for matches for` record to the next on that thread. */
export function operationsByItem(records: ParsedRecord[]): Map<string, ParsedRecord[][]> {
  const open = new Map<string, ParsedRecord[]>();
  const byItem = new Map<string, ParsedRecord[][]>();
  for (const record of records) {
    const search = /^Searching for matches for \{.*'id': '(\d+)'/.exec(record.message);
    if (search) {
      const operation: ParsedRecord[] = [];
      open.set(record.thread, operation);
      const list = byItem.get(search[1]!) ?? [];
      list.push(operation);
      byItem.set(search[1]!, list);
    }
    open.get(record.thread)?.push(record);
  }
  return byItem;
}
