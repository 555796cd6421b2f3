import type { EditAction } from './schemas.js';

function countLiteral(content: string, search: string): number {
  let count = 0;
  for (let at = content.indexOf(search); at !== -1; at = content.indexOf(search, at + search.length))
    count += 1;
  return count;
}

/** Search and replace; the number of matches must be exactly the expected count, or nothing changes. */
export function applyEdit(
  content: string,
  action: Pick<EditAction, 'search' | 'replace' | 'count' | 'regex' | 'flags'>,
) {
  if (action.regex) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(action.search, `g${action.flags ?? ''}`);
    } catch (error) {
      throw new Error(`invalid regular expression /${action.search}/: ${(error as Error).message}`);
    }
    const found = [...content.matchAll(pattern)].length;
    if (found !== action.count) {
      throw new Error(`expected ${action.count} match(es) of /${action.search}/, found ${found}`);
    }
    return content.replace(pattern, action.replace);
  }
  const found = countLiteral(content, action.search);
  if (found !== action.count) {
    throw new Error(`expected ${action.count} match(es) of ${JSON.stringify(action.search)}, found ${found}`);
  }
  return content.split(action.search).join(action.replace);
}
