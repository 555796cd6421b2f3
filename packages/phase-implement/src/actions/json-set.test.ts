import { describe, expect, it } from 'vitest';
import { setJsonValue } from './json-set.js';

const pretty = `{
    "agent": {
        "retries": 0,
        "hosts": ["a", "b"]
    },
    "name": "simdb"
}
`;

describe('setJsonValue', () => {
  it('replaces a nested value in place and keeps the rest of the formatting', () => {
    expect(setJsonValue(pretty, 'agent.retries', 3)).toBe(pretty.replace('"retries": 0', '"retries": 3'));
  });

  it('adds a missing member after the last one with the same indentation', () => {
    const result = setJsonValue(pretty, 'agent.backoffMs', 500);
    expect(result).toBe(
      pretty.replace('"hosts": ["a", "b"]', '"hosts": ["a", "b"],\n        "backoffMs": 500'),
    );
  });

  it('creates missing objects along the path and indents a multi-line value', () => {
    const result = setJsonValue(pretty, ['limits', 'rate'], { perSecond: 2 });
    expect(JSON.parse(result)).toEqual({ ...JSON.parse(pretty), limits: { rate: { perSecond: 2 } } });
    expect(result).toContain(
      '    "limits": {\n        "rate": {\n            "perSecond": 2\n        }\n    }\n}',
    );
  });

  it('keeps a compact one-line document on one line', () => {
    expect(setJsonValue('{"a": 1}', 'b', true)).toBe('{"a": 1, "b": true}');
    expect(setJsonValue('{}', 'a', 'x')).toBe('{"a": "x"}');
  });

  it('sets an array element by index and a key that contains a dot through an array path', () => {
    expect(setJsonValue(pretty, 'agent.hosts.1', 'c')).toBe(pretty.replace('["a", "b"]', '["a", "c"]'));
    expect(JSON.parse(setJsonValue('{"a.b": 1}', ['a.b'], 2))).toEqual({ 'a.b': 2 });
  });

  it('creates a file holding just the value when there was none', () => {
    expect(setJsonValue(undefined, 'a.b', 1)).toBe('{\n  "a": {\n    "b": 1\n  }\n}\n');
  });

  it('keeps Windows line endings and a byte order mark', () => {
    const windows = '\uFEFF{\r\n  "a": 1\r\n}\r\n';
    expect(setJsonValue(windows, 'b', { c: 2 })).toBe(
      '\uFEFF{\r\n  "a": 1,\r\n  "b": {\r\n    "c": 2\r\n  }\r\n}\r\n',
    );
  });

  it('fails clearly on invalid JSON and on a path through a scalar', () => {
    expect(() => setJsonValue('{"a": 1,,}', 'a', 2)).toThrow('not valid JSON');
    expect(() => setJsonValue('{"a": 1}', 'a.b', 2)).toThrow('path a is not an object');
    expect(() => setJsonValue('{"a": [1]}', 'a.5', 2)).toThrow('no element 5');
  });
});
