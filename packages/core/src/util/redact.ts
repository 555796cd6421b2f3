const SECRET_KEY = /(token|password|passwd|secret|api[-_]?key|authorization|cookie)/i;
const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$/;

/**
 * A copy of a config safe to write: values under secret-looking keys are replaced unless they
 * are `${ENV}` references (which name a secret without holding it).
 */
export function redactSecrets<T>(value: T, key = ''): T {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key) && !ENV_REFERENCE.test(value)) return '[redacted]' as T;
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, key)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, k)])) as T;
  }
  return value;
}
