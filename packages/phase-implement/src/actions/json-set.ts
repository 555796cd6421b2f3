import { isDeepStrictEqual } from 'node:util';

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

interface Span {
  start: number;
  end: number;
}
interface ObjectNode extends Span {
  kind: 'object';
  members: { key: string; keyStart: number; value: Node }[];
}
interface ArrayNode extends Span {
  kind: 'array';
  elements: Node[];
}
interface ScalarNode extends Span {
  kind: 'scalar';
}
type Node = ObjectNode | ArrayNode | ScalarNode;

/** A JSON parser that keeps where every value starts and ends, so one value can be replaced in place. */
function parseWithSpans(text: string): Node {
  let at = 0;
  const fail = (what: string): never => {
    const line = text.slice(0, at).split('\n').length;
    throw new Error(`not valid JSON: ${what} at line ${line}`);
  };
  const skip = () => {
    while (at < text.length && /[\s\uFEFF]/.test(text[at] as string)) at += 1;
  };
  const string = (): string => {
    const start = at;
    at += 1;
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    if (at >= text.length) fail('unterminated string');
    at += 1;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const value = (): Node => {
    skip();
    const start = at;
    const char = text[at];
    if (char === '{') {
      at += 1;
      const members: ObjectNode['members'] = [];
      skip();
      if (text[at] === '}') {
        at += 1;
        return { kind: 'object', start, end: at, members };
      }
      for (;;) {
        skip();
        if (text[at] !== '"') fail('expected a key');
        const keyStart = at;
        const key = string();
        skip();
        if (text[at] !== ':') fail("expected ':'");
        at += 1;
        members.push({ key, keyStart, value: value() });
        skip();
        if (text[at] === ',') {
          at += 1;
          continue;
        }
        if (text[at] === '}') {
          at += 1;
          return { kind: 'object', start, end: at, members };
        }
        fail("expected ',' or '}'");
      }
    }
    if (char === '[') {
      at += 1;
      const elements: Node[] = [];
      skip();
      if (text[at] === ']') {
        at += 1;
        return { kind: 'array', start, end: at, elements };
      }
      for (;;) {
        elements.push(value());
        skip();
        if (text[at] === ',') {
          at += 1;
          continue;
        }
        if (text[at] === ']') {
          at += 1;
          return { kind: 'array', start, end: at, elements };
        }
        fail("expected ',' or ']'");
      }
    }
    if (char === '"') {
      string();
      return { kind: 'scalar', start, end: at };
    }
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(at, at + 400),
    );
    if (!literal) return fail('unexpected character');
    at += literal[0].length;
    return { kind: 'scalar', start, end: at };
  };
  const root = value();
  skip();
  if (at !== text.length) fail('unexpected text after the value');
  return root;
}

function indentUnitOf(text: string): string {
  return /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
}

function lineIndentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

function serialize(value: JsonValue, unit: string, indent: string, multiline: boolean, eol = '\n'): string {
  const json = JSON.stringify(value, null, multiline ? unit : undefined);
  return multiline ? json.replace(/\n/g, `${eol}${indent}`) : json;
}

export function toKeyPath(path: string | readonly string[]): string[] {
  return typeof path === 'string' ? path.split('.') : [...path];
}

/**
 * Sets the value at a key path, keeping the file's formatting: only the old value's text is
 * replaced, or one member is inserted in the style of its neighbours. Missing objects on the path
 * are created; a missing file gets `{}` first.
 */
export function setJsonValue(
  text: string | undefined,
  path: string | readonly string[],
  value: JsonValue,
): string {
  const keys = toKeyPath(path);
  const source = text === undefined || text.trim() === '' ? '{}\n' : text;
  const multiline = source.trim().includes('\n') || text === undefined;
  const unit = indentUnitOf(source);
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  let node = parseWithSpans(source);

  for (let depth = 0; depth < keys.length; depth += 1) {
    const key = keys[depth] as string;
    const rest = keys.slice(depth + 1);
    if (node.kind === 'array') {
      const index = /^\d+$/.test(key) ? Number(key) : Number.NaN;
      const element = node.elements[index];
      if (!element)
        throw new Error(`path ${keys.slice(0, depth + 1).join('.')}: no element ${key} in the array`);
      node = element;
      continue;
    }
    if (node.kind !== 'object') {
      throw new Error(
        `path ${keys.slice(0, depth).join('.') || '(root)'} is not an object, cannot set '${key}'`,
      );
    }
    const member = node.members.find((candidate) => candidate.key === key);
    if (member) {
      node = member.value;
      continue;
    }
    let inserted: JsonValue = value;
    for (const nested of [...rest].reverse()) inserted = { [nested]: inserted };
    const result = insertMember(source, node, key, inserted, unit, multiline, eol);
    return verified(result, keys, value);
  }
  const indent = lineIndentAt(source, node.start);
  const replaced =
    source.slice(0, node.start) + serialize(value, unit, indent, multiline, eol) + source.slice(node.end);
  return verified(replaced, keys, value);
}

function insertMember(
  source: string,
  object: ObjectNode,
  key: string,
  value: JsonValue,
  unit: string,
  multiline: boolean,
  eol: string,
): string {
  const last = object.members.at(-1);
  if (last) {
    const sameLine = !source.slice(object.start, last.keyStart).includes('\n');
    const indent = sameLine ? '' : lineIndentAt(source, last.keyStart);
    const [first, second] = object.members;
    const compactSeparator =
      first && second ? source.slice(first.value.end, second.keyStart) : source.includes('": ') ? ', ' : ',';
    const separator = sameLine ? compactSeparator : `,${eol}${indent}`;
    const member = `${JSON.stringify(key)}: ${serialize(value, unit, indent, multiline && !sameLine, eol)}`;
    return source.slice(0, last.value.end) + separator + member + source.slice(last.value.end);
  }
  if (!multiline) {
    return `${source.slice(0, object.start)}{${JSON.stringify(key)}: ${serialize(value, unit, '', false)}}${source.slice(object.end)}`;
  }
  const outer = lineIndentAt(source, object.start);
  const inner = outer + unit;
  const member = `${JSON.stringify(key)}: ${serialize(value, unit, inner, true, eol)}`;
  return `${source.slice(0, object.start)}{${eol}${inner}${member}${eol}${outer}}${source.slice(object.end)}`;
}

function verified(result: string, keys: string[], value: JsonValue): string {
  let current: unknown = JSON.parse(result.replace(/^\uFEFF/, ''));
  for (const key of keys) current = (current as Record<string, unknown>)[key];
  if (!isDeepStrictEqual(current, value))
    throw new Error('internal: the edited JSON does not hold the new value');
  return result;
}
