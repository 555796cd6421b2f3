// Text that came from a log, a config or a fix name must read as text in a Markdown report: no
// accidental emphasis, links, headings, raw HTML, or a `|` that splits a table row.
const INLINE_SPECIALS = /[\\`*_[\]|~]/g;
// Without `<` no tag can open, and `&` matters only where it would spell an entity: escaping just
// those keeps `0.40 -> 0.30` readable in the raw file.
const TAG_OR_ENTITY = /<|&(?=#?\w+;)/g;

/** Escapes text for a Markdown paragraph or list item; line breaks become spaces. */
export function escapeMarkdownInline(text: string): string {
  return text
    .replace(/\r\n?|\n/g, ' ')
    .replace(TAG_OR_ENTITY, (char) => (char === '<' ? '&lt;' : '&amp;'))
    .replace(INLINE_SPECIALS, (char) => `\\${char}`)
    .replace(/^(\s*)(>|[-+#=](?=\s|$|[-=#]))/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2');
}

/** Escapes text for one GFM table cell: line breaks become <br>, pipes are escaped. */
export function escapeMarkdownCell(text: string): string {
  const cell = text
    .split(/\r\n?|\n/)
    .map((line) => escapeMarkdownInline(line.trim()))
    .filter((line, index, lines) => line.length > 0 || (index > 0 && index < lines.length - 1))
    .join('<br>');
  return cell.length > 0 ? cell : ' ';
}

/** A fenced code block whose fence is longer than any backtick run inside: log lines stay verbatim. */
export function markdownCodeBlock(text: string, language = 'text'): string {
  const longestRun = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}${language}\n${text.replace(/\r\n?/g, '\n').replace(/\n+$/, '')}\n${fence}`;
}

/** A GFM table; every cell is already escaped by the caller. */
export function markdownTable(header: string[], rows: string[][], align?: Array<'left' | 'right'>): string {
  const separator = header.map((_, index) => (align?.[index] === 'right' ? '---:' : '---'));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(separator), ...rows.map(line)].join('\n');
}
