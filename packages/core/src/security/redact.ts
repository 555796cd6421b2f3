/**
 * The one redaction layer. Every file Ratchet writes, every line it prints and every error message
 * passes through `redactText`: it removes every known secret value (in plain, URL-encoded and
 * base64 forms) and every value that sits behind a credential-shaped key (`X-Plex-Token=`,
 * `Authorization:`, `Bearer ...`, `--api-key=...`, `?token=` in a URL).
 */
export const REDACTED = '[redacted]';

/** Environment variables whose values are always secrets, configured or not. */
export const DEFAULT_SECRET_ENV = ['PLEX_TOKEN'] as const;

/** Config keys whose values are secrets (unless they are `${ENV}` references). */
export const SECRET_KEY = /(token|password|passwd|secret|api[-_]?key|authorization|cookie|credential)/i;

const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$/;

/** Shorter values are not treated as secrets: they would blank ordinary words out of every text. */
const MIN_SECRET_CHARS = 6;
/** A base64 form shorter than this could occur by chance in any long identifier. */
const MIN_BASE64_CHARS = 8;

// What follows a credential key up to the end of the value: stops at URL, quote and markup delimiters.
const VALUE = String.raw`(?:(?!%26|%2526)[^\s&'"<>\\,;()[\]{}])+`;
// `=` plain, URL-encoded once (%3D) or twice (%253D).
const EQUALS = String.raw`(?:=|%3D|%253D)`;
// `:` with optional quotes: a header, a Python dict, JSON.
const COLON = String.raw`["']?\s*:\s*["']?`;
const CREDENTIAL_KEY = String.raw`(?:access_token|auth_token|api[-_]?key|apikey|client_secret|password|passwd|secret|token)`;
// A JSON literal after a key (`"token": 5`, `"password": null`) holds no secret, and replacing it
// would break the JSON the text is part of; a `${ENV}` reference names a secret without holding it.
const NOT_A_LITERAL = String.raw`(?!(?:true|false|null|-?\d[\d.eE+-]*)\b|\$\{)`;

// Each pattern captures (prefix)(value): the value is replaced, the prefix kept so a reader sees
// what was there.
const CREDENTIAL_PATTERNS: readonly RegExp[] = [
  // The Plex token after any separator: a URL query, a header, a quoted dict entry, the
  // PlexOnlineToken="..." attribute of Preferences.xml.
  new RegExp(
    String.raw`(\b(?:X-Plex-Token|PlexOnlineToken)(?:${EQUALS}|${COLON})["']?)${NOT_A_LITERAL}(${VALUE})`,
    'gi',
  ),
  // A credential key in a query or an assignment: token=..., api_key=..., password%3D...
  new RegExp(String.raw`(\b${CREDENTIAL_KEY}${EQUALS})(?!\$\{)(${VALUE})`, 'gi'),
  // A quoted credential key, as in a dict or JSON: 'token': '...', "apiKey": "..."
  new RegExp(String.raw`(["']${CREDENTIAL_KEY}["']\s*:\s*["']?)${NOT_A_LITERAL}(${VALUE})`, 'gi'),
  // Command-line options: --api-key=..., --token ..., --password=...
  new RegExp(String.raw`(--(?:api[-_]?key|token|password|passwd|secret|auth)(?:=|\s+))(${VALUE})`, 'gi'),
  // Authorization headers, quoted or not, with or without a scheme.
  /(\b(?:Proxy-)?Authorization["']?\s*[:=]\s*["']?(?:(?:Bearer|Basic|Token|Digest)\s+|(?!(?:Bearer|Basic|Token|Digest)\s)))([^\s'"<>\\,;[\]]+)/gi,
  // A bearer token anywhere.
  /(\bBearer\s+)([A-Za-z0-9._~+/=-]{8,})/gi,
  // Credentials in a URL: https://user:password@host
  /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"<>]+:)([^\s/@'"<>[\]]+)(?=@)/gi,
];

// Every credential pattern needs one of these words: most text skips the patterns at this test.
const CREDENTIAL_HINT = /token|key|secret|passw|authori|bearer|:\/\/[^\s/]*@/i;

function replaceCredentials(text: string, found?: (value: string) => void): string {
  if (!CREDENTIAL_HINT.test(text)) return text;
  let result = text;
  for (const pattern of CREDENTIAL_PATTERNS) {
    pattern.lastIndex = 0;
    result = result.replace(pattern, (_whole, prefix: string, value: string) => {
      if (value === REDACTED) return `${prefix}${value}`;
      found?.(value);
      return `${prefix}${REDACTED}`;
    });
  }
  return result;
}

/** The forms a secret value may take in text: plain, URL-encoded (once, twice), base64 at any offset. */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([value]);
  const encoded = encodeURIComponent(value);
  forms.add(encoded);
  forms.add(encoded.replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase()));
  forms.add(encodeURIComponent(encoded));
  const bytes = Buffer.from(value, 'utf8');
  for (const offset of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const base64 = padded.toString('base64');
    // Keep only the characters that depend on the secret's bytes alone, so the form is found
    // wherever the secret sits inside a longer encoded text (a Basic header's `user:token`).
    const skip = offset === 0 ? 0 : offset + 1;
    if (offset === 0) forms.add(base64);
    const stable = base64.slice(skip, Math.floor(padded.length / 3) * 4);
    if (stable.length < MIN_BASE64_CHARS) continue;
    forms.add(stable);
    forms.add(stable.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_CHARS).sort((a, b) => b.length - a.length);
}

export class SecretRedactor {
  readonly #values = new Set<string>();
  readonly #envNames = new Set<string>(DEFAULT_SECRET_ENV);
  #forms: string[] | undefined;
  #envSnapshot = '';

  /** A value to redact wherever it appears from now on. Short values are ignored. */
  addSecret(value: string | undefined): void {
    if (value === undefined || value.length < MIN_SECRET_CHARS || this.#values.has(value)) return;
    this.#values.add(value);
    this.#forms = undefined;
  }

  /** Environment variables whose values are secrets (read each time, so a later export counts). */
  addSecretEnv(names: Iterable<string>): void {
    for (const name of names) this.#envNames.add(name);
    this.#forms = undefined;
  }

  /** Every string under a secret-looking key of a config (resolved values, not `${ENV}` references). */
  addSecretsFromConfig(value: unknown, key = ''): void {
    if (typeof value === 'string') {
      if (key !== 'secrets' && SECRET_KEY.test(key) && !ENV_REFERENCE.test(value)) this.addSecret(value);
      // A token given in a URL query or an `--api-key=...` argument is a secret wherever it shows up.
      replaceCredentials(value, (found) => this.addSecret(decodeOrKeep(found)));
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) this.addSecretsFromConfig(item, key);
      return;
    }
    if (value && typeof value === 'object') {
      for (const [childKey, child] of Object.entries(value)) this.addSecretsFromConfig(child, childKey);
    }
  }

  #currentForms(): string[] {
    const envValues = [...this.#envNames].map((name) => process.env[name] ?? '');
    const snapshot = envValues.join('\0');
    if (this.#forms === undefined || snapshot !== this.#envSnapshot) {
      this.#envSnapshot = snapshot;
      const values = new Set([...this.#values, ...envValues.filter((v) => v.length >= MIN_SECRET_CHARS)]);
      this.#forms = [...new Set([...values].flatMap(secretForms))].sort((a, b) => b.length - a.length);
    }
    return this.#forms;
  }

  /** The text with every known secret and every credential-shaped value replaced by the marker. */
  redact(text: string): string {
    let result = text;
    for (const form of this.#currentForms()) {
      if (result.includes(form)) result = result.split(form).join(REDACTED);
    }
    return replaceCredentials(result);
  }

  /** A deep copy with every string redacted. */
  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.redactDeep(item)) as T;
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redactDeep(v)])) as T;
    }
    return value;
  }

  /** Forgets configured secrets (tests). Environment names other than the defaults are dropped too. */
  reset(): void {
    this.#values.clear();
    this.#envNames.clear();
    for (const name of DEFAULT_SECRET_ENV) this.#envNames.add(name);
    this.#forms = undefined;
  }
}

/** The process-wide redactor every write and print boundary uses. */
export const secretRedactor = new SecretRedactor();

/** `text` with every secret the process knows of replaced by `[redacted]`. */
export function redactText(text: string): string {
  return secretRedactor.redact(text);
}

/** Registers a secret value (a token read from a file, a header given on the command line). */
export function registerSecret(value: string | undefined): void {
  secretRedactor.addSecret(value);
}

/**
 * A copy of a config safe to write: values under secret-looking keys are replaced unless they are
 * `${ENV}` references (which name a secret without holding it); every other string is redacted
 * like any text (a token in a `healthUrl` query, an `--api-key=...` argument).
 */
export function redactConfigSecrets<T>(value: T, key = ''): T {
  if (typeof value === 'string') {
    if (key !== 'secrets' && SECRET_KEY.test(key) && !ENV_REFERENCE.test(value)) return REDACTED as T;
    return redactText(value) as T;
  }
  if (Array.isArray(value)) return value.map((item) => redactConfigSecrets(item, key)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfigSecrets(v, k)])) as T;
  }
  return value;
}

function decodeOrKeep(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const GUARDED = Symbol.for('ratchet.redactedOutput');

/**
 * Redacts everything this process prints: every write to stdout and stderr passes through
 * `redactText`, whoever makes it (progress lines, `--json`, error messages, a phase's log).
 */
export function redactProcessOutput(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    const marked = stream as NodeJS.WriteStream & { [GUARDED]?: true };
    if (marked[GUARDED]) continue;
    marked[GUARDED] = true;
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string') return write(redactText(chunk), ...rest);
      if (chunk instanceof Uint8Array) {
        const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
        const redacted = redactText(text);
        return write(redacted === text ? chunk : redacted, ...rest);
      }
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}
