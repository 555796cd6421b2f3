import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatNumber } from '../judge/format.js';
import { workedExample } from '../testing/worked-example.test-helpers.js';

const DOC = new URL('../../../../docs/decisions.md', import.meta.url);

describe('the worked example of docs/decisions.md', () => {
  it('goes on after round 1 and keeps after round 2, with the numbers the doc quotes', async () => {
    const { result, looks, rationale } = await workedExample();
    expect(looks.map((look) => look.decision)).toEqual(['CONTINUE', 'KEEP']);
    const doc = readFileSync(DOC, 'utf8');
    const quoted = (doc.match(/^> .*$/gm) ?? []).map((line) => line.slice(2)).join(' ');
    expect(quoted).toContain(rationale);
    for (const look of looks) expect(doc).toContain(`e-value ${formatNumber(look.eValue)}`);
    expect(result.evidence.total).toEqual({ rounds: 2, items: 40, requests: 40, waitedMs: 0 });
  });
});
