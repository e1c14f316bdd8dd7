import type { FieldError } from '../common/errors';
import { INPUT_BOUNDS } from '../common/input-bounds';
import { messageOf } from '../common/issues';
import { httpsUrlIssue, redirectUriIssue } from '../common/uris';
import { jwksProblems } from '../credentials/jwks';

/**
 * The rules of draft-ietf-oauth-client-id-metadata-document, as pure functions: what a client_id URL must look like
 * and what a fetched document must (not) contain. Nothing here fetches or stores.
 */

/** Why a document was refused: `extensions.reason` of CLIENT_METADATA_INVALID, the first rule broken. */
export type DocumentRejection =
  | 'INVALID_CLIENT_ID_URL'
  | 'NOT_JSON'
  | 'CLIENT_ID_MISMATCH'
  | 'SHARED_SECRET_AUTH_METHOD'
  | 'SECRET_IN_DOCUMENT'
  | 'PRIVATE_KEY'
  | 'INVALID_REDIRECT_URI'
  | 'INVALID_MEMBER';

/** The members Clavis keeps of a valid document (unknown members are ignored). */
export interface ValidatedDocument {
  clientName: string | null;
  redirectUris: string[];
  grantTypes: string[];
  tokenEndpointAuthMethod: string;
  jwks: Record<string, unknown> | null;
  jwksUri: string | null;
  logoUri: string | null;
  clientUri: string | null;
  policyUri: string | null;
  tosUri: string | null;
}

export type DocumentCheck = { ok: true; document: ValidatedDocument } | { ok: false; reason: DocumentRejection; fields: FieldError[] };

/** Shared-secret methods: a document is public, so no secret can be established with it (draft §4.1). */
export const SHARED_SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);
const PUBLIC_METHODS = new Set(['none', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']);
const PRIVATE_KEY_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const URI_MEMBERS = [
  ['logo_uri', 'logoUri'],
  ['client_uri', 'clientUri'],
  ['policy_uri', 'policyUri'],
  ['tos_uri', 'tosUri'],
  ['jwks_uri', 'jwksUri'],
] as const;
const MAX_GRANT_TYPES = 20;

/**
 * The client_id URL rules (draft §3): https, a path beyond "/", no fragment, no user information, no "." or ".."
 * segments (also percent-encoded), and written exactly as it is read (Clavis's canonical-form rule), at most 2048
 * characters. A query is allowed (the draft says SHOULD NOT, not MUST NOT). Null when acceptable.
 */
export function clientIdUrlIssue(value: string): string | null {
  if (value.length > INPUT_BOUNDS.uri) return `must be at most ${INPUT_BOUNDS.uri} characters`;
  if (value.includes('#')) return 'must not contain a fragment';
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || url.protocol !== 'https:') return 'must be an absolute https URL';
  if (url.username || url.password || /^https:\/\/[^/?#]*@/i.test(value)) return 'must not contain user information ("user@")';
  const rawPath = value.replace(/^https:\/\/[^/?#]*/i, '').split('?')[0];
  if (rawPath.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment))) return 'must not contain "." or ".." path segments';
  const form = messageOf(httpsUrlIssue(value));
  if (form) return form;
  if (url.pathname === '/' || url.pathname === '') return 'must have a path (e.g. https://client.example.com/oauth/client.json)';
  return null;
}

/** A trusted host pattern: a lower-case host name ("clients.example.com"), optionally "*." for its subdomains. */
export function hostPatternIssue(pattern: string): string | null {
  if (pattern.length > 253) return 'must be at most 253 characters';
  const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
  if (!new RegExp(`^(\\*\\.)?${label}(\\.${label})*$`).test(pattern)) {
    return 'must be a lower-case host name, optionally starting with "*." for its subdomains (e.g. "*.example.com")';
  }
  return null;
}

/** Whether the host matches a pattern: exactly, or ("*.example.com") as a subdomain of any depth. */
export function hostMatches(hostname: string, patterns: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  return patterns.some((pattern) => (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern));
}

/** The media types a document may be served with (draft §4: application/json or application/<x>+json). */
export function isJsonMediaType(contentType: string | null): boolean {
  return contentType === 'application/json' || (contentType !== null && /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(contentType));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Checks a fetched document against the URL it was fetched from (draft §4, §4.1, §8): a JSON object whose client_id is
 * exactly the URL (simple string comparison), no shared-secret auth method, no client_secret and no private key,
 * redirect URIs that pass Clavis's redirect rules, well-formed known members. Unknown members are ignored.
 */
export function checkDocument(body: Buffer | string, url: string): DocumentCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'NOT_JSON', fields: [{ path: '', message: 'the document is not valid JSON' }] };
  }
  if (!isObject(parsed)) return { ok: false, reason: 'NOT_JSON', fields: [{ path: '', message: 'the document must be a JSON object' }] };
  const doc = parsed;
  const problems: Array<{ reason: DocumentRejection; path: string; message: string }> = [];
  const fail = (reason: DocumentRejection, path: string, message: string) => problems.push({ reason, path, message });

  if (doc.client_id !== url) fail('CLIENT_ID_MISMATCH', 'client_id', `must be exactly the URL the document was fetched from (${url})`);

  const method = doc.token_endpoint_auth_method ?? 'none';
  if (typeof method !== 'string') fail('INVALID_MEMBER', 'token_endpoint_auth_method', 'must be a string');
  else if (SHARED_SECRET_METHODS.has(method)) {
    fail(
      'SHARED_SECRET_AUTH_METHOD',
      'token_endpoint_auth_method',
      `must not be a shared-secret method (${method}): a public document cannot establish a secret`,
    );
  } else if (!PUBLIC_METHODS.has(method)) fail('INVALID_MEMBER', 'token_endpoint_auth_method', `must be one of ${[...PUBLIC_METHODS].join(', ')}`);

  for (const member of ['client_secret', 'client_secret_expires_at']) {
    if (member in doc) fail('SECRET_IN_DOCUMENT', member, 'must not be present: a client metadata document is public');
  }

  if (doc.jwks !== undefined && doc.jwks_uri !== undefined) fail('INVALID_MEMBER', 'jwks', 'must not be given together with jwks_uri');
  let jwks: Record<string, unknown> | null = null;
  if (doc.jwks !== undefined) {
    const keys = isObject(doc.jwks) && Array.isArray(doc.jwks.keys) ? (doc.jwks.keys as unknown[]) : null;
    const privateKeys = (keys ?? []).map((key, i) => [i, isObject(key) ? PRIVATE_KEY_MEMBERS.filter((m) => m in key) : []] as const);
    const withPrivate = privateKeys.filter(([, members]) => members.length > 0);
    for (const [i, members] of withPrivate) fail('PRIVATE_KEY', `jwks.keys.${i}`, `must be a public key: remove the private members ${members.join(', ')}`);
    if (withPrivate.length === 0) {
      for (const problem of jwksProblems(doc.jwks, 'jwks')) fail('INVALID_MEMBER', problem.path, problem.message);
      jwks = doc.jwks as Record<string, unknown>;
    }
  }
  if ((method === 'private_key_jwt' || method === 'self_signed_tls_client_auth') && doc.jwks === undefined && doc.jwks_uri === undefined) {
    fail('INVALID_MEMBER', 'token_endpoint_auth_method', `${method} needs the client's keys: jwks or jwks_uri`);
  }

  const uris: Partial<Record<(typeof URI_MEMBERS)[number][1], string>> = {};
  for (const [member, property] of URI_MEMBERS) {
    const value = doc[member];
    if (value === undefined) continue;
    const problem = typeof value === 'string' ? (value.length > INPUT_BOUNDS.uri ? 'is too long' : messageOf(httpsUrlIssue(value))) : 'must be a string';
    if (problem) fail('INVALID_MEMBER', member, problem);
    else uris[property] = value as string;
  }

  let clientName: string | null = null;
  if (doc.client_name !== undefined) {
    if (typeof doc.client_name !== 'string' || doc.client_name.length === 0 || doc.client_name.length > INPUT_BOUNDS.name) {
      fail('INVALID_MEMBER', 'client_name', `must be a string of 1 to ${INPUT_BOUNDS.name} characters`);
    } else clientName = doc.client_name;
  }

  let grantTypes = ['authorization_code'];
  if (doc.grant_types !== undefined) {
    const valid =
      Array.isArray(doc.grant_types) &&
      doc.grant_types.length <= MAX_GRANT_TYPES &&
      doc.grant_types.every((g) => typeof g === 'string' && g.length > 0 && g.length <= 200);
    if (!valid) fail('INVALID_MEMBER', 'grant_types', `must be an array of at most ${MAX_GRANT_TYPES} grant type names`);
    else grantTypes = [...new Set(doc.grant_types as string[])];
  }

  let redirectUris: string[] = [];
  const native = doc.application_type === 'native';
  if (doc.redirect_uris !== undefined) {
    if (!Array.isArray(doc.redirect_uris) || doc.redirect_uris.length > INPUT_BOUNDS.uriList) {
      fail('INVALID_MEMBER', 'redirect_uris', `must be an array of at most ${INPUT_BOUNDS.uriList} URIs`);
    } else {
      doc.redirect_uris.forEach((uri: unknown, i) => {
        const problem =
          typeof uri !== 'string'
            ? 'must be a string'
            : uri.length > INPUT_BOUNDS.uri
              ? 'is too long'
              : messageOf(redirectUriIssue(uri, { allowPrivateUseScheme: native }));
        if (problem) fail('INVALID_REDIRECT_URI', `redirect_uris.${i}`, problem);
      });
      redirectUris = doc.redirect_uris as string[];
    }
  }
  const redirecting = grantTypes.includes('authorization_code') || grantTypes.includes('implicit');
  if (redirecting && redirectUris.length === 0 && !problems.some((p) => p.path.startsWith('redirect_uris'))) {
    fail('INVALID_REDIRECT_URI', 'redirect_uris', 'at least one redirect URI is required for the authorization_code grant');
  }

  if (problems.length > 0) return { ok: false, reason: problems[0].reason, fields: problems.map(({ path, message }) => ({ path, message })) };
  return {
    ok: true,
    document: {
      clientName,
      redirectUris,
      grantTypes,
      tokenEndpointAuthMethod: method as string,
      jwks,
      jwksUri: uris.jwksUri ?? null,
      logoUri: uris.logoUri ?? null,
      clientUri: uris.clientUri ?? null,
      policyUri: uris.policyUri ?? null,
      tosUri: uris.tosUri ?? null,
    },
  };
}
