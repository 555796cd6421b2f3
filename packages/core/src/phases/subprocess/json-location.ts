/**
 * Finds where a JSON text stops being valid, because JSON.parse does not always say (V8 reports
 * "Unexpected token 'x', ... is not valid JSON" without a position). A small recursive-descent
 * scanner over the JSON grammar; it only runs after JSON.parse has already failed.
 */
export interface JsonErrorLocation {
  offset: number;
  line: number;
  column: number;
  /** What was expected or found there, in words. */
  problem: string;
  /** The text around the offset on its line, with a caret line under it. */
  excerpt: string;
}

class JsonSyntaxStop {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {}
}

const MAX_DEPTH = 10_000;

export function locateJsonError(text: string): JsonErrorLocation | undefined {
  let pos = 0;

  const fail = (problem: string, at = pos): never => {
    throw new JsonSyntaxStop(at, problem);
  };
  const describeHere = (): string =>
    pos >= text.length ? 'the end of the text' : `${JSON.stringify(text[pos])}`;
  const skipWhitespace = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos] as string)) pos++;
  };
  const expectLiteral = (word: string): void => {
    if (text.startsWith(word, pos)) pos += word.length;
    else fail(`expected a value but found ${describeHere()}`);
  };
  const scanString = (): void => {
    pos++; // opening quote
    while (pos < text.length) {
      const ch = text[pos] as string;
      if (ch === '"') {
        pos++;
        return;
      }
      if (ch === '\\') {
        const escaped = text[pos + 1];
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) fail('a \\u escape needs 4 hex digits');
          pos += 6;
        } else if (escaped !== undefined && '"\\/bfnrt'.includes(escaped)) {
          pos += 2;
        } else {
          fail('invalid escape in a string');
        }
        continue;
      }
      if (ch.charCodeAt(0) < 0x20) fail('a raw control character (e.g. a newline) inside a string');
      pos++;
    }
    fail('a string is not closed');
  };
  const scanNumber = (): void => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos, pos + 400));
    if (!match || match[0] === '-' || match[0] === '') fail(`expected a value but found ${describeHere()}`);
    pos += (match as RegExpExecArray)[0].length;
  };
  const scanValue = (depth: number): void => {
    if (depth > MAX_DEPTH) fail('nesting is too deep');
    skipWhitespace();
    const ch = text[pos];
    if (ch === '{') scanObject(depth);
    else if (ch === '[') scanArray(depth);
    else if (ch === '"') scanString();
    else if (ch === 't') expectLiteral('true');
    else if (ch === 'f') expectLiteral('false');
    else if (ch === 'n') expectLiteral('null');
    else if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) scanNumber();
    else fail(`expected a value but found ${describeHere()}`);
  };
  const scanObject = (depth: number): void => {
    pos++;
    skipWhitespace();
    if (text[pos] === '}') {
      pos++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (text[pos] !== '"') fail(`expected a property name in double quotes but found ${describeHere()}`);
      scanString();
      skipWhitespace();
      if (text[pos] !== ':') fail(`expected ':' after a property name but found ${describeHere()}`);
      pos++;
      scanValue(depth + 1);
      skipWhitespace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return;
      }
      fail(`expected ',' or '}' after a property value but found ${describeHere()}`);
    }
  };
  const scanArray = (depth: number): void => {
    pos++;
    skipWhitespace();
    if (text[pos] === ']') {
      pos++;
      return;
    }
    for (;;) {
      scanValue(depth + 1);
      skipWhitespace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return;
      }
      fail(`expected ',' or ']' after an array element but found ${describeHere()}`);
    }
  };

  try {
    if (text.trim() === '') fail('the text is empty', 0);
    scanValue(0);
    skipWhitespace();
    if (pos < text.length) fail(`unexpected ${describeHere()} after the end of the JSON value`);
    return undefined;
  } catch (stop) {
    if (!(stop instanceof JsonSyntaxStop)) throw stop;
    return { offset: stop.offset, problem: stop.problem, ...positionOf(text, stop.offset) };
  }
}

function positionOf(text: string, offset: number): { line: number; column: number; excerpt: string } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = offset - lineStart + 1;
  const lineEnd = text.indexOf('\n', lineStart);
  const fullLine = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd).replace(/\r$/, '');
  const from = Math.max(0, column - 1 - 40);
  const shown = fullLine.slice(from, from + 80);
  const caret = `${' '.repeat(column - 1 - from)}^`;
  return { line, column, excerpt: `${shown}\n${caret}` };
}
