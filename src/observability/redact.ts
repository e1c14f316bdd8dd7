/** Keys whose values never reach a log line. */
const SECRET_KEY = /secret|password|authorization|cookie|^token$|jwt/i;

/**
 * A copy of `value` with every secret-bearing value replaced by "[redacted]", at any depth
 * (variables nest secrets inside inputs: `input.clientSecret`). Objects under such a key
 * (`token: { providerId }`) are walked, not hidden: only their secret leaves go.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      key,
      SECRET_KEY.test(key) && (item === null || typeof item !== 'object') ? '[redacted]' : redactSecrets(item, depth + 1),
    ]),
  );
}
