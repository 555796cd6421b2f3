import { afterEach, describe, expect, it } from 'vitest';
import { REDACTED, redactConfigSecrets, SecretRedactor, secretForms } from './redact.js';

const TOKEN = 'xQ7pLm2KzR9vBn4TgW1s';

describe('SecretRedactor', () => {
  const redactor = new SecretRedactor();
  afterEach(() => redactor.reset());

  it('removes a known secret in its plain, URL-encoded and base64 forms', () => {
    redactor.addSecret('se/cr+et=value!');
    const encoded = encodeURIComponent('se/cr+et=value!');
    const base64 = Buffer.from('user:se/cr+et=value!').toString('base64');
    const text = `a se/cr+et=value! b ${encoded} c ${encodeURIComponent(encoded)} d Basic ${base64}`;
    const redacted = redactor.redact(text);
    expect(redacted).not.toContain('se/cr+et=value!');
    expect(redacted).not.toContain(encoded);
    for (const form of secretForms('se/cr+et=value!')) expect(redacted).not.toContain(form);
  });

  it('finds the base64 form of a secret at every offset inside a longer encoded text', () => {
    redactor.addSecret(TOKEN);
    for (const prefix of ['', 'a', 'ab', 'abc:']) {
      const encoded = Buffer.from(`${prefix}${TOKEN}:tail`).toString('base64');
      expect(redactor.redact(encoded)).toContain(REDACTED);
    }
  });

  it('reads PLEX_TOKEN and configured environment variables from the environment when it redacts', () => {
    process.env.RATCHET_TEST_SECRET = 'configured-secret-42';
    redactor.addSecretEnv(['RATCHET_TEST_SECRET']);
    expect(redactor.redact('value configured-secret-42 here')).toBe(`value ${REDACTED} here`);
    delete process.env.RATCHET_TEST_SECRET;
  });

  it('replaces the value behind every credential-shaped key, without knowing the value', () => {
    const cases: Array<[string, string]> = [
      ['GET /library?X-Plex-Token=abcdef123456&x=1', `GET /library?X-Plex-Token=${REDACTED}&x=1`],
      [
        '/photo/:/transcode?url=%2Flib%3FX-Plex-Token%3Dabcdef123456%26w%3D1',
        `/photo/:/transcode?url=%2Flib%3FX-Plex-Token%3D${REDACTED}%26w%3D1`,
      ],
      [`headers {'X-Plex-Token': 'abcdef123456'}`, `headers {'X-Plex-Token': '${REDACTED}'}`],
      ['Authorization: Bearer eyJhbGciOi.abc.def', `Authorization: Bearer ${REDACTED}`],
      ['curl -H "Authorization: Basic dXNlcjpwYXNz"', `curl -H "Authorization: Basic ${REDACTED}"`],
      ['sent Bearer abcdefgh12345678 upstream', `sent Bearer ${REDACTED} upstream`],
      ['run --api-key=k-12345 now', `run --api-key=${REDACTED} now`],
      ['http://h/health?token=abc123&x=1', `http://h/health?token=${REDACTED}&x=1`],
      ['api_key=zzz999 {"apiKey": "yyy888"}', `api_key=${REDACTED} {"apiKey": "${REDACTED}"}`],
      ['X-Plex-Token: abcdef123456', `X-Plex-Token: ${REDACTED}`],
      ['<Preferences PlexOnlineToken="abcdef123456" />', `<Preferences PlexOnlineToken="${REDACTED}" />`],
      ['https://admin:hunter22@example.com/x', `https://admin:${REDACTED}@example.com/x`],
    ];
    for (const [input, expected] of cases) expect(redactor.redact(input)).toBe(expected);
  });

  it('is idempotent: redacting a redacted text changes nothing', () => {
    const once = redactor.redact('X-Plex-Token=abc123456 Authorization: Bearer abcdefghijk --token=zz9zz9');
    expect(redactor.redact(once)).toBe(once);
  });

  it('leaves ordinary text alone', () => {
    const text =
      'HTTP Error 429: Too Many Requests; tokens 12; see ${PLEX_TOKEN} and --token <token>; token:  the one given; {"token": 5, "password": "${DB_PASSWORD}"}';
    expect(redactor.redact(text)).toBe(text);
  });

  it('learns secrets from a config: secret-looking keys and credentials inside URLs and arguments', () => {
    redactor.addSecretsFromConfig({
      phases: {
        test: { with: { apiKey: 'key-from-config-1', token: '${PLEX_TOKEN}' } },
        implement: {
          with: {
            healthUrl: 'http://h/identity?X-Plex-Token=tok%2Bfrom%2Burl',
            argv: ['x', '--api-key=argv-key-77'],
          },
        },
      },
      secrets: ['SOME_VAR'],
    });
    expect(redactor.redact('key-from-config-1 tok+from+url argv-key-77 SOME_VAR')).toBe(
      `${REDACTED} ${REDACTED} ${REDACTED} SOME_VAR`,
    );
  });
});

describe('redactConfigSecrets', () => {
  it('keeps ${ENV} references and secret names, hides values under secret keys and in URLs and arguments', () => {
    const written = redactConfigSecrets({
      secrets: ['MY_API_KEY'],
      token: '${PLEX_TOKEN}',
      password: 'hunter2222',
      restart: {
        healthUrl: 'http://127.0.0.1:32400/identity?X-Plex-Token=abc123def',
        command: ['svc', '--api-key=k123456'],
      },
    });
    expect(written).toEqual({
      secrets: ['MY_API_KEY'],
      token: '${PLEX_TOKEN}',
      password: REDACTED,
      restart: {
        healthUrl: `http://127.0.0.1:32400/identity?X-Plex-Token=${REDACTED}`,
        command: ['svc', `--api-key=${REDACTED}`],
      },
    });
  });
});
