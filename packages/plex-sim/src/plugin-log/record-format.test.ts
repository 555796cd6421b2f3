import { describe, expect, it } from 'vitest';
import { parsePluginLog, RECORD_LINE } from './log-grammar.test-helpers.js';
import { formatLocalTimestamp, formatRecord } from './record-format.js';

describe('the plug-in log record format', () => {
  it('formats a record exactly like the framework file handler, two spaces before the level', () => {
    const time = new Date(2019, 1, 26, 21, 33, 48, 52);
    const line = formatRecord({
      time,
      thread: '7f6f4ebd0700',
      level: 'INFO',
      module: 'agentkit',
      line: 961,
      message: "Searching for matches for {'id': '1'}",
    });
    expect(line).toBe(
      "2019-02-26 21:33:48,052 (7f6f4ebd0700) :  INFO (agentkit:961) - Searching for matches for {'id': '1'}\n",
    );
    expect(RECORD_LINE.test(line.trimEnd())).toBe(true);
  });

  it('writes timestamps in local time with a comma before the milliseconds', () => {
    const time = new Date(2024, 0, 2, 3, 4, 5, 6);
    expect(formatLocalTimestamp(time)).toBe('2024-01-02 03:04:05,006');
  });

  it('puts traceback lines after the header so that they parse as continuation lines', () => {
    const text = formatRecord({
      time: new Date(),
      thread: '5484',
      level: 'CRITICAL',
      module: 'agentkit',
      line: 1095,
      message:
        "Exception in the update function of agent named 'SimDB', called with guid 'x' (most recent call last):",
      continuation: [
        '  File "/a/b.py", line 3, in update',
        '    do_it()',
        'HTTPError: HTTP Error 404: Not Found',
      ],
    });
    const [record] = parsePluginLog(text);
    expect(record?.continuation.at(-1)).toBe('HTTPError: HTTP Error 404: Not Found');
    expect(record?.message.endsWith('(most recent call last):')).toBe(true);
  });
});
