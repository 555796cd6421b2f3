export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

export interface PluginLogRecord {
  time: Date;
  /** Thread id as `%(thread)x` prints it: lower-case hex, no `0x`. */
  thread: string;
  level: LogLevel;
  module: string;
  line: number;
  message: string;
  /** Lines after the first one (traceback frames and the final `Type: message` line). */
  continuation?: readonly string[];
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** Python logging's default `asctime` in local time: `2019-02-26 21:33:48,052`. */
export function formatLocalTimestamp(time: Date): string {
  return (
    `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ` +
    `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())},${pad(time.getMilliseconds(), 3)}`
  );
}

/**
 * One record in the Plug-in Framework's file format (core.py:
 * `'%(asctime)-15s (%(thread)x) :  %(levelname)s (%(module)s:%(lineno)d) - %(message)s'`).
 */
export function formatRecord(record: PluginLogRecord): string {
  const head = `${formatLocalTimestamp(record.time)} (${record.thread}) :  ${record.level} (${record.module}:${record.line}) - ${record.message}`;
  const rest =
    record.continuation && record.continuation.length > 0 ? `\n${record.continuation.join('\n')}` : '';
  return `${head}${rest}\n`;
}
