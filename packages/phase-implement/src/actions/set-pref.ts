const ROOT = 'PluginPreferences';

export function escapeXmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Replaces comments, CDATA and processing instructions by spaces so searches skip them; offsets stay. */
function maskNonElements(xml: string): string {
  return xml.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>/g, (match) =>
    ' '.repeat(match.length),
  );
}

export function newPreferencesFile(key: string, value: string): string {
  return `<${ROOT}><${key}>${escapeXmlText(value)}</${key}></${ROOT}>\n`;
}

/**
 * Sets `<key>value</key>` in a Plex plug-in preferences file at the text level: only the element's
 * text (or a new element) changes; every other byte of the file is kept.
 */
export function setPreference(xml: string | undefined, key: string, value: string): string {
  if (xml === undefined || xml.trim() === '') return newPreferencesFile(key, value);
  const escaped = escapeXmlText(value);
  const masked = maskNonElements(xml);

  const open = new RegExp(`<${ROOT}(\\s[^>]*)?>`).exec(masked);
  if (open?.[0].endsWith('/>')) {
    const attributes = open[0].slice(ROOT.length + 1, -2);
    const element = `<${ROOT}${attributes}><${key}>${escaped}</${key}></${ROOT}>`;
    return xml.slice(0, open.index) + element + xml.slice(open.index + open[0].length);
  }
  if (!open) throw new Error(`the file has no <${ROOT}> root element`);
  const bodyStart = open.index + open[0].length;
  const closeAt = masked.indexOf(`</${ROOT}`, bodyStart);
  if (closeAt === -1) throw new Error(`the <${ROOT}> element is not closed`);

  const body = masked.slice(bodyStart, closeAt);
  const name = key.replace(/\./g, '\\.');
  const elementPattern = new RegExp(`<${name}(\\s[^>]*?)?(/>|>([\\s\\S]*?)</${name}\\s*>)`, 'g');
  const matches = [...body.matchAll(elementPattern)];
  if (matches.length > 1)
    throw new Error(`the preference <${key}> appears ${matches.length} times; refusing to guess`);
  const match = matches[0];
  if (match) {
    const start = bodyStart + match.index;
    const end = start + match[0].length;
    if (match[2] === '/>') {
      return `${xml.slice(0, start)}<${key}${match[1] ?? ''}>${escaped}</${key}>${xml.slice(end)}`;
    }
    const textStart = start + match[0].indexOf('>') + 1;
    const textEnd = start + match[0].lastIndexOf('</');
    return xml.slice(0, textStart) + escaped + xml.slice(textEnd);
  }

  const element = `<${key}>${escaped}</${key}>`;
  const lineStart = xml.lastIndexOf('\n', closeAt - 1) + 1;
  const closingOnItsOwnLine = lineStart > bodyStart && xml.slice(lineStart, closeAt).trim() === '';
  if (closingOnItsOwnLine) {
    const childIndent = /\n([ \t]+)</.exec(body)?.[1] ?? '  ';
    const eol = xml[lineStart - 2] === '\r' ? '\r\n' : '\n';
    return `${xml.slice(0, lineStart)}${childIndent}${element}${eol}${xml.slice(lineStart)}`;
  }
  return xml.slice(0, closeAt) + element + xml.slice(closeAt);
}
