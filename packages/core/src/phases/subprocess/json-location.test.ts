import { describe, expect, it } from 'vitest';
import { locateJsonError } from './json-location.js';

describe('locateJsonError', () => {
  it('Finds nothing wrong in valid JSON, exactly where JSON.parse agrees', () => {
    for (const text of ['{}', ' [1, -2.5e3, "a\\u00e9\\n", true, false, null, {"a": []}] ', '"x"', '0']) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(locateJsonError(text)).toBeUndefined();
    }
  });

  it('Points at the offending character with its line, column and a caret under it', () => {
    const text = '{\n  "fixes": [\n    {"id": "a"}\n    {"id": "b"}\n  ]\n}';

    const location = locateJsonError(text);

    expect(location).toMatchObject({
      line: 4,
      column: 5,
      problem: `expected ',' or ']' after an array element but found "{"`,
    });
    expect(location?.excerpt).toBe('    {"id": "b"}\n    ^');
  });

  it('Explains the usual mistakes: trailing commas, single quotes, unquoted keys, text after the value, truncation', () => {
    const cases: Array<[string, string, number]> = [
      ['{"a": 1,}', 'expected a property name in double quotes but found "}"', 9],
      ["{'a': 1}", `expected a property name in double quotes but found "'"`, 2],
      ['{a: 1}', 'expected a property name in double quotes but found "a"', 2],
      ['{"a": 1}\n{"b": 2}', 'unexpected "{" after the end of the JSON value', 1],
      ['{"a": [1, 2', "expected ',' or ']' after an array element but found the end of the text", 12],
      ['{"a": "line\nbreak"}', 'a raw control character (e.g. a newline) inside a string', 12],
      ['{"a": "open', 'a string is not closed', 12],
      ['{"a": NaN}', 'expected a value but found "N"', 7],
      ['{"a": -}', 'expected a value but found "-"', 7],
      ['', 'the text is empty', 1],
    ];
    for (const [text, problem, column] of cases) {
      expect(() => JSON.parse(text)).toThrow();
      expect(locateJsonError(text), text).toMatchObject({ problem, column });
    }
  });

  it('Shows only 80 characters around the error of a very long line', () => {
    const text = `{"items": [${'1,'.repeat(10_000)}x]}`;

    const location = locateJsonError(text);

    expect(location?.column).toBe(text.indexOf('x') + 1);
    const [shown, caret] = (location?.excerpt ?? '').split('\n');
    expect(shown?.length).toBeLessThanOrEqual(80);
    expect(shown?.[caret?.indexOf('^') ?? -1]).toBe('x');
  });
});
