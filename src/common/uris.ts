/**
 * URI rules shared by clients, applications and providers. Each check returns a reason
 * (a message for `extensions.fields`) or null when the value is acceptable.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

function parse(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/** A private-use URI scheme in reverse-domain form, e.g. `com.example.app` (RFC 8252 §7.1). */
function isPrivateUseScheme(protocol: string): boolean {
  const scheme = protocol.slice(0, -1);
  return /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+$/.test(scheme);
}

export interface RedirectUriOptions {
  /** NATIVE clients may use private-use schemes (RFC 8252 §7.1). */
  allowPrivateUseScheme: boolean;
}

/**
 * Redirect and post-logout URIs: absolute, no fragment, no wildcard, compared by exact
 * match; `https`, except `http` on loopback (RFC 8252 §7.3) and private-use schemes for
 * native clients.
 */
export function redirectUriProblem(value: string, options: RedirectUriOptions): string | null {
  if (value.includes('*')) return 'must not contain a wildcard: redirect URIs are matched exactly';
  const url = parse(value);
  if (!url) return 'must be an absolute URI';
  if (value.includes('#')) return 'must not contain a fragment';
  if (url.protocol === 'https:') return url.hostname ? null : 'must name a host';
  if (url.protocol === 'http:') return isLoopback(url) ? null : 'must use https (http is allowed only for loopback addresses)';
  if (isPrivateUseScheme(url.protocol)) {
    return options.allowPrivateUseScheme ? null : 'private-use URI schemes are allowed only for NATIVE clients';
  }
  return 'must use https, http on a loopback address, or (NATIVE clients) a reverse-domain private-use scheme';
}

/** CORS origins: scheme, host and optional port, nothing else. */
export function corsOriginProblem(value: string): string | null {
  // WHATWG URL accepts `*` in a host, so `https://*.example.com` would pass as its own origin.
  if (value.includes('*')) return 'must not contain a wildcard: origins are matched exactly';
  const url = parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return 'must be an http(s) origin such as https://app.example.com';
  if (url.origin !== value) return 'must be an origin only: scheme, host and optional port, with no path, query or trailing slash';
  if (url.protocol === 'http:' && !isLoopback(url)) return 'must use https (http is allowed only for loopback addresses)';
  return null;
}

/** An absolute `https` URL (client, logo, policy and terms URIs; JWKS and docs URLs). */
export function httpsUrlProblem(value: string): string | null {
  const url = parse(value);
  if (!url || !url.hostname) return 'must be an absolute https URL';
  if (url.protocol !== 'https:') return 'must use https';
  return null;
}

/** A resource or dependency identifier: an absolute URI without a fragment (RFC 8707 §2). */
export function resourceUriProblem(value: string): string | null {
  const url = parse(value);
  if (!url) return 'must be an absolute URI';
  if (value.includes('#')) return 'must not contain a fragment';
  return null;
}
