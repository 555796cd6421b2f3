/**
 * Control characters a terminal acts on (C0 but tab and newline, DEL, C1) and the Unicode marks that
 * reorder or hide text (bidi overrides and isolates, zero-width and line separators).
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;
const CONTROL_WITH_LINES = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text safe to print on a terminal: every control character becomes visible (`ESC` shows as `\x1b`),
 * so text from a log or a fix cannot move the cursor, erase a line or fake a prompt. Tabs and
 * newlines are kept unless `lines: false` (one-line output such as a status line).
 */
export function escapeControl(text: string, options: { lines?: boolean } = {}): string {
  return text.replace(options.lines === false ? CONTROL_WITH_LINES : CONTROL, visible);
}
