import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from './redact.js';

describe('redactSecrets', () => {
  it('hides the token in URLs and headers, whatever its case', () => {
    const line =
      "Error opening URL 'http://127.0.0.1:32400/library/metadata/12/tree?X-Plex-Token=abcDEF123_-x&a=1' x-plex-token: zzz999";
    expect(redactSecrets(line, {})).toBe(
      `Error opening URL 'http://127.0.0.1:32400/library/metadata/12/tree?X-Plex-Token=${REDACTED}&a=1' x-plex-token: ${REDACTED}`,
    );
  });

  it('hides the value of PLEX_TOKEN wherever it appears', () => {
    expect(redactSecrets('token sekret-value-1 in a message', { PLEX_TOKEN: 'sekret-value-1' })).toBe(
      `token ${REDACTED} in a message`,
    );
  });

  it('leaves text without a token as it is', () => {
    expect(redactSecrets('HTTP Error 429: Too Many Requests', { PLEX_TOKEN: '' })).toBe(
      'HTTP Error 429: Too Many Requests',
    );
  });
});
