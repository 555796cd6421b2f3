import type { ErrorType } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import type { LoadedRule } from './load-rules.js';
import { matchRule } from './match-rule.js';
import { RuleSchema } from './rule-schema.js';

function rule(match: Record<string, unknown>): LoadedRule {
  const parsed = RuleSchema.parse({
    id: 'r',
    title: 'T',
    match,
    rootCause: 'x',
    recommendation: { title: 't' },
  });
  return { ...parsed, file: 'test.yaml' };
}

const urlError: ErrorType = {
  id: 'http-error:com.a:404:api.example',
  category: 'http-error',
  count: 7,
  agents: ['com.plexapp.agents.a', 'com.plexapp.agents.b'],
  httpStatus: 404,
  host: 'api.example',
  exceptionType: 'HTTPError',
  exceptionMessage: 'HTTP Error 404: Not Found',
  template: "Error opening URL '<*>'",
  examples: ["Error opening URL 'http://api.example/v2/movie/42'"],
};

describe('matchRule', () => {
  it('gives one hit per agent, with the standard captures', () => {
    const hits = matchRule(rule({ category: 'http-error' }), urlError);
    expect(hits.map((hit) => hit.captures.agent)).toEqual(['com.plexapp.agents.a', 'com.plexapp.agents.b']);
    expect(hits[0]?.captures).toMatchObject({
      host: 'api.example',
      httpStatus: '404',
      exceptionType: 'HTTPError',
      errorType: urlError.id,
      count: '7',
      category: 'http-error',
    });
  });

  it('captures named groups from the first text that matches: template, exception message, then examples', () => {
    const hits = matchRule(rule({ text: '/(?<version>v\\d)/movie/(?<movie>\\d+)' }), urlError);
    expect(hits[0]?.captures).toMatchObject({ version: 'v2', movie: '42' });
  });

  it('keeps only the agents the agent regex accepts, with its groups', () => {
    const hits = matchRule(rule({ agent: '\\.agents\\.(?<short>b)$' }), urlError);
    expect(hits.map((hit) => [hit.captures.agent, hit.captures.short])).toEqual([
      ['com.plexapp.agents.b', 'b'],
    ]);
  });

  it('requires every condition: status, host, exception, count', () => {
    expect(matchRule(rule({ httpStatus: [403, 404], host: '^api\\.' }), urlError)).toHaveLength(2);
    expect(matchRule(rule({ httpStatus: 403 }), urlError)).toEqual([]);
    expect(
      matchRule(rule({ exceptionType: '^HTTPError$', exceptionMessage: 'Not Found' }), urlError),
    ).toHaveLength(2);
    expect(matchRule(rule({ exceptionType: '^KeyError$' }), urlError)).toEqual([]);
    expect(matchRule(rule({ category: 'http-error', minCount: 8 }), urlError)).toEqual([]);
    expect(matchRule(rule({ template: 'Cannot read model' }), urlError)).toEqual([]);
  });

  it('does not match an agent condition when the error type names no agent', () => {
    const anonymous = { ...urlError, agents: [] };
    expect(matchRule(rule({ agent: '.' }), anonymous)).toEqual([]);
    expect(matchRule(rule({ category: 'http-error' }), anonymous)).toHaveLength(1);
  });

  it('keeps only the paths the path regex accepts and fails when none does', () => {
    const modelRead = {
      id: 'm',
      category: 'model-read',
      count: 2,
      paths: ['/x/Metadata/a.bundle', '/tmp/b'],
    };
    expect(matchRule(rule({ path: 'Metadata' }), modelRead)[0]?.paths).toEqual(['/x/Metadata/a.bundle']);
    expect(matchRule(rule({ path: '^C:' }), modelRead)).toEqual([]);
  });
});
