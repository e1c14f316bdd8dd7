import type { Finding } from './issues';

/**
 * URI rules shared by clients, applications, credentials and providers. Each rule returns null
 * when the value is acceptable, otherwise its finding: a stable code (catalogued in CLIENT_RULES)
 * and the reason. Where only a message is reported (`extensions.fields`), take it with messageOf.
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

export type UriRuleCode =
  | 'REDIRECT_URI_WILDCARD'
  | 'REDIRECT_URI_NOT_ABSOLUTE'
  | 'REDIRECT_URI_FRAGMENT'
  | 'REDIRECT_URI_NOT_HTTPS'
  | 'REDIRECT_URI_PRIVATE_USE_SCHEME'
  | 'REDIRECT_URI_SCHEME'
  | 'CORS_ORIGIN_WILDCARD'
  | 'CORS_ORIGIN_NOT_ORIGIN'
  | 'CORS_ORIGIN_NOT_HTTPS'
  | 'RESOURCE_NOT_ABSOLUTE'
  | 'RESOURCE_FRAGMENT'
  | 'URL_NOT_ABSOLUTE'
  | 'URL_NOT_HTTPS'
  | 'URI_NOT_CANONICAL'
  | 'URI_USERINFO';

/** What a URI rule finds: a stable code and a message for the caller. */
export type UriIssue = Finding<UriRuleCode>;

const issue = (code: UriRuleCode, message: string): UriIssue => ({ code, message });

/**
 * A URI is stored and compared as the text the caller sent, while the rules below read its
 * parse: the two must be the same URI. WHATWG parsing drops tab and line breaks anywhere,
 * trims spaces and controls, turns `\` into `/`, lower-cases the host, removes default ports
 * and `.` segments and percent-encodes what it must, so `https://good.example.com\t.evil.net/`
 * was checked as a host under evil.net but shown and stored as good.example.com. Only text the
 * parser leaves unchanged is taken (but for the `/` it adds to an empty http(s) path), and no
 * user information (`https://good.example.com@evil.net/` is a host under evil.net).
 */
function formIssue(value: string, url: URL): UriIssue | null {
  if (url.username || url.password || /^[^/?#]*\/\/[^/?#]*@/.test(value)) {
    return issue('URI_USERINFO', 'must not contain user information ("user@"): it makes a URI read as a host it does not go to');
  }
  const special = url.protocol === 'https:' || url.protocol === 'http:';
  const emptyPath = special && url.pathname === '/' ? `${url.protocol}//${url.host}${url.search}${url.hash}` : null;
  if (value === url.href || value === emptyPath) return null;
  return issue(
    'URI_NOT_CANONICAL',
    'must be written in canonical form, exactly as it is read (no whitespace or control characters, lower-case host, ' +
      `no default port or dot segments, percent-encoded where needed): ${JSON.stringify(url.href)}`,
  );
}

/**
 * Redirect and post-logout URIs: absolute, no fragment, no wildcard, compared by exact
 * match; `https`, except `http` on loopback (RFC 8252 §7.3) and private-use schemes for
 * native clients.
 */
export function redirectUriIssue(value: string, options: RedirectUriOptions): UriIssue | null {
  if (value.includes('*')) return issue('REDIRECT_URI_WILDCARD', 'must not contain a wildcard: redirect URIs are matched exactly');
  const url = parse(value);
  if (!url) return issue('REDIRECT_URI_NOT_ABSOLUTE', 'must be an absolute URI');
  if (value.includes('#')) return issue('REDIRECT_URI_FRAGMENT', 'must not contain a fragment');
  const form = formIssue(value, url);
  if (form) return form;
  if (url.protocol === 'https:') return url.hostname ? null : issue('REDIRECT_URI_NOT_ABSOLUTE', 'must name a host');
  if (url.protocol === 'http:') return isLoopback(url) ? null : issue('REDIRECT_URI_NOT_HTTPS', 'must use https (http is allowed only for loopback addresses)');
  if (isPrivateUseScheme(url.protocol)) {
    return options.allowPrivateUseScheme ? null : issue('REDIRECT_URI_PRIVATE_USE_SCHEME', 'private-use URI schemes are allowed only for NATIVE clients');
  }
  return issue('REDIRECT_URI_SCHEME', 'must use https, http on a loopback address, or (NATIVE clients) a reverse-domain private-use scheme');
}

/** CORS origins: scheme, host and optional port, nothing else. */
export function corsOriginIssue(value: string): UriIssue | null {
  // WHATWG URL accepts `*` in a host, so `https://*.example.com` would pass as its own origin.
  if (value.includes('*')) return issue('CORS_ORIGIN_WILDCARD', 'must not contain a wildcard: origins are matched exactly');
  const url = parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    return issue('CORS_ORIGIN_NOT_ORIGIN', 'must be an http(s) origin such as https://app.example.com');
  if (url.origin !== value)
    return issue('CORS_ORIGIN_NOT_ORIGIN', 'must be an origin only: scheme, host and optional port, with no path, query or trailing slash');
  if (url.protocol === 'http:' && !isLoopback(url)) return issue('CORS_ORIGIN_NOT_HTTPS', 'must use https (http is allowed only for loopback addresses)');
  return null;
}

/** An absolute `https` URL (client, logo, policy and terms URIs; JWKS and docs URLs). */
export function httpsUrlIssue(value: string): UriIssue | null {
  const url = parse(value);
  if (!url || !url.hostname) return issue('URL_NOT_ABSOLUTE', 'must be an absolute https URL');
  if (url.protocol !== 'https:') return issue('URL_NOT_HTTPS', 'must use https');
  return formIssue(value, url);
}

/** A resource or dependency identifier: an absolute URI without a fragment (RFC 8707 §2). */
export function resourceUriIssue(value: string): UriIssue | null {
  const url = parse(value);
  if (!url) return issue('RESOURCE_NOT_ABSOLUTE', 'must be an absolute URI');
  if (value.includes('#')) return issue('RESOURCE_FRAGMENT', 'must not contain a fragment');
  return formIssue(value, url);
}

/** The host of an absolute URL when it is a DNS name (not an IP literal, not a loopback name); else null. */
export function dnsHostOf(value: string): string | null {
  const url = parse(value);
  if (!url || !url.hostname) return null;
  const host = url.hostname;
  if (host.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return null; // IPv6 / IPv4 literal
  if (host === 'localhost' || host.endsWith('.localhost')) return null;
  return host.endsWith('.') ? host.slice(0, -1) : host;
}
