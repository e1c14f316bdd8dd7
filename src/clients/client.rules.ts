import { isIP } from 'node:net';
import { CLAVIS_VALIDATION, type Finding, IssueSeverity, type Rule, type ValidationIssue, issueOf } from '../common/issues';
import { type UriIssue, type UriRuleCode, corsOriginIssue, dnsHostOf, httpsUrlIssue, redirectUriIssue, resourceUriIssue } from '../common/uris';
import { INPUT_RULES } from '../common/validation';
import {
  ClientType,
  ClientUriVerificationStatus,
  ClientVisibility,
  GrantType,
  ResponseType,
  SECRET_AUTH_METHODS,
  TokenEndpointAuthMethod,
} from './client.entity';
import type { ClientSettingsInput } from './client.inputs';
import { CLIENT_SECRET_JWT_REFUSAL } from './client-auth-methods';
import { TLS_CLIENT_AUTH_FIELDS, normalizeDn } from './client-certificate';

/** A client's complete OAuth settings, after defaults are applied. */
export interface ClientSettings {
  name: string;
  description: string | null;
  clientType: ClientType;
  visibility: ClientVisibility;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  allowedCorsOrigins: string[];
  grantTypes: GrantType[];
  responseTypes: ResponseType[];
  scopes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  requirePkce: boolean;
  clientUri: string | null;
  logoUri: string | null;
  policyUri: string | null;
  tosUri: string | null;
  accessTokenTtl: number | null;
  refreshTokenTtl: number | null;
  resources: string[];
  tlsClientAuthSubjectDn: string | null;
  tlsClientAuthSanDns: string | null;
  tlsClientAuthSanUri: string | null;
  tlsClientAuthSanIp: string | null;
  tlsClientAuthSanEmail: string | null;
}

/** Settings a new client of a given type starts from (RFC 9700: code + PKCE for user flows). */
function defaultsFor(clientType: ClientType): Pick<ClientSettings, 'grantTypes' | 'responseTypes' | 'tokenEndpointAuthMethod' | 'requirePkce'> {
  switch (clientType) {
    case ClientType.MACHINE:
      return {
        grantTypes: [GrantType.CLIENT_CREDENTIALS],
        responseTypes: [],
        tokenEndpointAuthMethod: TokenEndpointAuthMethod.CLIENT_SECRET_BASIC,
        requirePkce: false,
      };
    case ClientType.SPA:
    case ClientType.NATIVE:
      return {
        grantTypes: [GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN],
        responseTypes: [ResponseType.CODE],
        tokenEndpointAuthMethod: TokenEndpointAuthMethod.NONE,
        requirePkce: true,
      };
    case ClientType.WEB:
      return {
        grantTypes: [GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN],
        responseTypes: [ResponseType.CODE],
        tokenEndpointAuthMethod: TokenEndpointAuthMethod.CLIENT_SECRET_BASIC,
        requirePkce: false,
      };
  }
}

/**
 * Where each element of a de-duplicated list stood in the caller's list, so a problem
 * names the index the caller sent (`redirectUris.2`), not its index after duplicates went.
 */
const inputIndexes = new WeakMap<readonly unknown[], number[]>();

function unique<T>(values: T[]): T[] {
  const seen = new Set<T>();
  const out: T[] = [];
  const indexes: number[] = [];
  values.forEach((value, i) => {
    if (seen.has(value)) return;
    seen.add(value);
    out.push(value);
    indexes.push(i);
  });
  inputIndexes.set(out, indexes);
  return out;
}

const inputIndex = (list: readonly unknown[], i: number): number => inputIndexes.get(list)?.[i] ?? i;

/**
 * The settings of a new client: what the input says, the rest derived. Without a client
 * type, redirect URIs make it a WEB client and their absence a MACHINE client.
 */
export function newClientSettings(input: ClientSettingsInput, fallbackName: string): ClientSettings {
  const clientType = input.clientType ?? ((input.redirectUris?.length ?? 0) > 0 ? ClientType.WEB : ClientType.MACHINE);
  const defaults = defaultsFor(clientType);
  const authMethod = input.tokenEndpointAuthMethod ?? defaults.tokenEndpointAuthMethod;
  return {
    name: input.name ?? fallbackName,
    description: input.description ?? null,
    clientType,
    visibility: input.visibility ?? ClientVisibility.PRIVATE,
    redirectUris: unique(input.redirectUris ?? []),
    postLogoutRedirectUris: unique(input.postLogoutRedirectUris ?? []),
    allowedCorsOrigins: unique(input.allowedCorsOrigins ?? []),
    grantTypes: unique(input.grantTypes ?? defaults.grantTypes),
    responseTypes: unique(input.responseTypes ?? defaults.responseTypes),
    scopes: unique(input.scopes ?? []),
    tokenEndpointAuthMethod: authMethod,
    // A public client must use PKCE; the rule below rejects an explicit `false`.
    requirePkce: input.requirePkce ?? (authMethod === TokenEndpointAuthMethod.NONE || defaults.requirePkce),
    clientUri: input.clientUri ?? null,
    logoUri: input.logoUri ?? null,
    policyUri: input.policyUri ?? null,
    tosUri: input.tosUri ?? null,
    accessTokenTtl: input.accessTokenTtl ?? null,
    refreshTokenTtl: input.refreshTokenTtl ?? null,
    resources: unique(input.resources ?? []),
    tlsClientAuthSubjectDn: input.tlsClientAuthSubjectDn ?? null,
    tlsClientAuthSanDns: input.tlsClientAuthSanDns ?? null,
    tlsClientAuthSanUri: input.tlsClientAuthSanUri ?? null,
    tlsClientAuthSanIp: input.tlsClientAuthSanIp ?? null,
    tlsClientAuthSanEmail: input.tlsClientAuthSanEmail ?? null,
  };
}

/** Every setting a client has (a Record, so a setting added to ClientSettings must be listed here to compile). */
const CLIENT_SETTING_KEYS = Object.keys({
  name: true,
  description: true,
  clientType: true,
  visibility: true,
  redirectUris: true,
  postLogoutRedirectUris: true,
  allowedCorsOrigins: true,
  grantTypes: true,
  responseTypes: true,
  scopes: true,
  tokenEndpointAuthMethod: true,
  requirePkce: true,
  clientUri: true,
  logoUri: true,
  policyUri: true,
  tosUri: true,
  accessTokenTtl: true,
  refreshTokenTtl: true,
  resources: true,
  tlsClientAuthSubjectDn: true,
  tlsClientAuthSanDns: true,
  tlsClientAuthSanUri: true,
  tlsClientAuthSanIp: true,
  tlsClientAuthSanEmail: true,
} satisfies Record<keyof ClientSettings, true>) as (keyof ClientSettings)[];

/** The settings of a stored client (or anything that carries them), and nothing else. */
export function settingsOf(source: ClientSettings): ClientSettings {
  return Object.fromEntries(CLIENT_SETTING_KEYS.map((key) => [key, source[key]])) as unknown as ClientSettings;
}

/** The settings after a partial update: omitted fields keep their values, `null` clears. */
export function updatedClientSettings(current: ClientSettings, input: ClientSettingsInput): ClientSettings {
  const next: ClientSettings = { ...current };
  for (const key of Object.keys(current) as (keyof ClientSettings)[]) {
    const value = (input as Record<string, unknown>)[key];
    if (value === undefined) continue;
    (next as unknown as Record<string, unknown>)[key] = Array.isArray(value) ? unique(value) : value;
  }
  if (input.tokenEndpointAuthMethod === TokenEndpointAuthMethod.NONE && input.requirePkce === undefined) next.requirePkce = true;
  return next;
}

const { ERROR, WARNING } = IssueSeverity;
const CLAVIS_VERIFICATION = 'Clavis: client URI verification';

/**
 * Every client rule: its code, severity and source. The rules below (with the URI rules and
 * the input bounds they include) emit these codes only, so this table is the whole catalogue
 * (the README lists it for people).
 */
export const CLIENT_RULES = {
  NAME_BLANK: { severity: ERROR, reference: CLAVIS_VALIDATION },
  // Redirect and post-logout URIs
  REDIRECT_URI_WILDCARD: { severity: ERROR, reference: 'RFC 9700 §2.1' },
  REDIRECT_URI_NOT_ABSOLUTE: { severity: ERROR, reference: 'RFC 6749 §3.1.2' },
  REDIRECT_URI_FRAGMENT: { severity: ERROR, reference: 'RFC 6749 §3.1.2' },
  REDIRECT_URI_NOT_HTTPS: { severity: ERROR, reference: 'RFC 8252 §7.3' },
  REDIRECT_URI_PRIVATE_USE_SCHEME: { severity: ERROR, reference: 'RFC 8252 §7.1' },
  REDIRECT_URI_SCHEME: { severity: ERROR, reference: 'RFC 8252 §7.1' },
  REDIRECT_URIS_REQUIRED: { severity: ERROR, reference: 'RFC 6749 §3.1.2.2' },
  LOOPBACK_REDIRECT_NOT_NATIVE: { severity: WARNING, reference: 'RFC 8252 §7.3' },
  LOOPBACK_REDIRECT_LOCALHOST: { severity: WARNING, reference: 'RFC 8252 §8.3' },
  // CORS origins, resources, metadata URLs
  CORS_ORIGIN_WILDCARD: { severity: ERROR, reference: 'RFC 6454 §6.2' },
  CORS_ORIGIN_NOT_ORIGIN: { severity: ERROR, reference: 'RFC 6454 §6.2' },
  CORS_ORIGIN_NOT_HTTPS: { severity: ERROR, reference: CLAVIS_VALIDATION },
  RESOURCE_NOT_ABSOLUTE: { severity: ERROR, reference: 'RFC 8707 §2' },
  RESOURCE_FRAGMENT: { severity: ERROR, reference: 'RFC 8707 §2' },
  URL_NOT_ABSOLUTE: { severity: ERROR, reference: 'RFC 7591 §2' },
  URL_NOT_HTTPS: { severity: ERROR, reference: 'RFC 7591 §2' },
  CLIENT_URI_HOST_NOT_VERIFIABLE: { severity: WARNING, reference: CLAVIS_VERIFICATION },
  // Every URI: stored as checked (exact matching of the stored text, RFC 9700 §2.1 / §4.1.3)
  URI_NOT_CANONICAL: { severity: ERROR, reference: 'RFC 9700 §4.1.3' },
  URI_USERINFO: { severity: ERROR, reference: 'RFC 3986 §7.6' },
  // Scopes
  SCOPE_EMPTY: { severity: ERROR, reference: 'RFC 6749 §3.3' },
  SCOPE_WHITESPACE: { severity: ERROR, reference: 'RFC 6749 §3.3' },
  SCOPE_COLON: { severity: ERROR, reference: CLAVIS_VALIDATION },
  // Grant types and response types
  GRANT_TYPES_EMPTY: { severity: ERROR, reference: 'RFC 7591 §2' },
  RESPONSE_TYPE_CODE_MISSING: { severity: ERROR, reference: 'RFC 7591 §2.1' },
  RESPONSE_TYPES_WITHOUT_CODE_GRANT: { severity: ERROR, reference: 'RFC 7591 §2.1' },
  IMPLICIT_FLOW: { severity: ERROR, reference: 'RFC 9700 §2.1.2' },
  ACCESS_TOKEN_IN_AUTHORIZATION_RESPONSE: { severity: WARNING, reference: 'RFC 9700 §2.1.2' },
  REFRESH_TOKEN_WITHOUT_INITIAL_GRANT: { severity: ERROR, reference: 'RFC 6749 §1.5' },
  MACHINE_GRANT_TYPE: { severity: ERROR, reference: 'RFC 6749 §4.4' },
  // Client authentication and PKCE
  AUTH_METHOD_NONE_CONFIDENTIAL_CLIENT: { severity: ERROR, reference: 'RFC 6749 §2.1' },
  PUBLIC_CLIENT_WITH_SECRET: { severity: ERROR, reference: 'RFC 8252 §8.4' },
  CLIENT_CREDENTIALS_PUBLIC_CLIENT: { severity: ERROR, reference: 'RFC 6749 §4.4' },
  PKCE_REQUIRED: { severity: ERROR, reference: 'RFC 9700 §2.1.1' },
  PKCE_RECOMMENDED: { severity: WARNING, reference: 'RFC 9700 §2.1.1' },
  CLIENT_SECRET_POST_NOT_RECOMMENDED: { severity: WARNING, reference: 'RFC 6749 §2.3.1' },
  CLIENT_SECRET_JWT_UNSUPPORTED: { severity: ERROR, reference: 'RFC 7523 §2.2' },
  TLS_CLIENT_AUTH_METADATA_REQUIRED: { severity: ERROR, reference: 'RFC 8705 §2.1.2' },
  TLS_CLIENT_AUTH_METADATA_AMBIGUOUS: { severity: ERROR, reference: 'RFC 8705 §2.1.2' },
  TLS_CLIENT_AUTH_METADATA_UNUSED: { severity: WARNING, reference: 'RFC 8705 §2.1.2' },
  TLS_CLIENT_AUTH_SUBJECT_DN_INVALID: { severity: ERROR, reference: 'RFC 4514 §3' },
  TLS_CLIENT_AUTH_SAN_IP_INVALID: { severity: ERROR, reference: 'RFC 8705 §2.1.2' },
  TLS_CLIENT_AUTH_SAN_URI_INVALID: { severity: ERROR, reference: 'RFC 8705 §2.1.2' },
  TLS_CLIENT_AUTH_SAN_EMAIL_INVALID: { severity: ERROR, reference: 'RFC 8705 §2.1.2' },
  TLS_CLIENT_AUTH_SAN_DNS_INVALID: { severity: ERROR, reference: 'RFC 8705 §2.1.2' },
  // Publication
  CLIENT_URI_NOT_VERIFIED: { severity: ERROR, reference: CLAVIS_VERIFICATION },
  // Bounds and formats from the input type's decorators (class-validator)
  ...INPUT_RULES,
} as const satisfies Record<string, Rule> & Record<UriRuleCode, Rule>;

export type ClientRuleCode = keyof typeof CLIENT_RULES;

/** What a settings rule finds: a catalogued code at a path relative to the settings. */
type ClientFinding = Finding<ClientRuleCode> & { path: string };
/** A named rule of a client's settings. */
type SettingsRule = (s: ClientSettings) => Iterable<ClientFinding>;

const at = (path: string, code: ClientRuleCode, message: string): ClientFinding => ({ path, code, message });
const isNative = (s: ClientSettings) => s.clientType === ClientType.NATIVE;
const isPublic = (s: ClientSettings) => s.tokenEndpointAuthMethod === TokenEndpointAuthMethod.NONE;

type UriListKey = 'redirectUris' | 'postLogoutRedirectUris' | 'allowedCorsOrigins' | 'resources';

/** Each URI of a list against a URI rule, at the index the caller sent. */
function* eachUri(s: ClientSettings, key: UriListKey, rule: (value: string) => UriIssue | null): Iterable<ClientFinding> {
  for (const [i, value] of s[key].entries()) {
    const found = rule(value);
    if (found) yield { path: `${key}.${inputIndex(s[key], i)}`, ...found };
  }
}

function* nameNotBlank(s: ClientSettings): Iterable<ClientFinding> {
  if (!s.name.trim()) yield at('name', 'NAME_BLANK', 'must not be blank');
}

/** Redirect URIs: the URI rule, then for those that pass, the loopback recommendations (RFC 8252). */
function* redirectUris(s: ClientSettings): Iterable<ClientFinding> {
  const options = { allowPrivateUseScheme: isNative(s) };
  for (const [i, uri] of s.redirectUris.entries()) {
    const path = `redirectUris.${inputIndex(s.redirectUris, i)}`;
    const found = redirectUriIssue(uri, options);
    if (found) {
      yield { path, ...found };
      continue;
    }
    const url = new URL(uri);
    if (url.protocol !== 'http:') continue;
    if (!isNative(s)) {
      yield at(
        path,
        'LOOPBACK_REDIRECT_NOT_NATIVE',
        'http on a loopback address reaches only the machine the browser runs on; it is meant for native apps (use https for deployed WEB and SPA clients)',
      );
    } else if (url.hostname === 'localhost') {
      yield at(
        path,
        'LOOPBACK_REDIRECT_LOCALHOST',
        'prefer the loopback IP literal (http://127.0.0.1 or http://[::1]) to "localhost", which a local resolver may send elsewhere',
      );
    }
  }
}

function postLogoutRedirectUris(s: ClientSettings): Iterable<ClientFinding> {
  const options = { allowPrivateUseScheme: isNative(s) };
  return eachUri(s, 'postLogoutRedirectUris', (uri) => redirectUriIssue(uri, options));
}

const corsOrigins: SettingsRule = (s) => eachUri(s, 'allowedCorsOrigins', corsOriginIssue);
const resources: SettingsRule = (s) => eachUri(s, 'resources', resourceUriIssue);

/** Client, logo, policy and terms URIs: absolute https URLs. */
function* metadataUrls(s: ClientSettings): Iterable<ClientFinding> {
  for (const key of ['clientUri', 'logoUri', 'policyUri', 'tosUri'] as const) {
    const value = s[key];
    const found = value == null ? null : httpsUrlIssue(value);
    if (found) yield { path: key, ...found };
  }
}

/** A client URI whose host has no DNS zone can never be verified, so never published. */
function* clientUriVerifiable(s: ClientSettings): Iterable<ClientFinding> {
  if (s.clientUri != null && !httpsUrlIssue(s.clientUri) && dnsHostOf(s.clientUri) == null) {
    yield at(
      'clientUri',
      'CLIENT_URI_HOST_NOT_VERIFIABLE',
      'its host is an IP address or a loopback name, which has no DNS zone to publish the ownership TXT record in: the client can never be made PUBLIC',
    );
  }
}

function* scopes(s: ClientSettings): Iterable<ClientFinding> {
  for (const [i, scope] of s.scopes.entries()) {
    const path = `scopes.${inputIndex(s.scopes, i)}`;
    if (!scope) yield at(path, 'SCOPE_EMPTY', 'must not be empty');
    else if (/\s/.test(scope)) yield at(path, 'SCOPE_WHITESPACE', 'must not contain whitespace: scopes are space-separated tokens');
    else if (scope.includes(':')) yield at(path, 'SCOPE_COLON', 'must not contain ":"');
  }
}

function* grantTypesPresent(s: ClientSettings): Iterable<ClientFinding> {
  if (s.grantTypes.length === 0) yield at('grantTypes', 'GRANT_TYPES_EMPTY', 'must contain at least one grant type');
}

/** RFC 7591 §2.1: the code response type goes with the authorization_code grant, both ways. */
function* codeResponseMatchesGrant(s: ClientSettings): Iterable<ClientFinding> {
  const hasCodeGrant = s.grantTypes.includes(GrantType.AUTHORIZATION_CODE);
  if (hasCodeGrant && !s.responseTypes.includes(ResponseType.CODE)) {
    yield at('responseTypes', 'RESPONSE_TYPE_CODE_MISSING', 'must include CODE when grantTypes includes AUTHORIZATION_CODE (RFC 7591 §2.1)');
  }
  if (s.responseTypes.length > 0 && !hasCodeGrant) {
    yield at('responseTypes', 'RESPONSE_TYPES_WITHOUT_CODE_GRANT', 'must be empty unless grantTypes includes AUTHORIZATION_CODE (RFC 7591 §2.1)');
  }
}

/** RFC 9700 §2.1.2: the implicit grant is not supported; TOKEN / ID_TOKEN only in hybrid flows with CODE. */
function* noImplicitFlow(s: ClientSettings): Iterable<ClientFinding> {
  const responses = new Set(s.responseTypes);
  if ((responses.has(ResponseType.TOKEN) || responses.has(ResponseType.ID_TOKEN)) && !responses.has(ResponseType.CODE)) {
    yield at('responseTypes', 'IMPLICIT_FLOW', 'TOKEN and ID_TOKEN are allowed only together with CODE: the implicit flow is not supported (RFC 9700 §2.1.2)');
  } else if (responses.has(ResponseType.TOKEN)) {
    yield at(
      'responseTypes',
      'ACCESS_TOKEN_IN_AUTHORIZATION_RESPONSE',
      'TOKEN returns an access token in the authorization response, where it can leak or be replayed; ' +
        'prefer CODE (with ID_TOKEN if needed) and get access tokens from the token endpoint',
    );
  }
}

function* refreshTokenNeedsInitialGrant(s: ClientSettings): Iterable<ClientFinding> {
  const grants = new Set(s.grantTypes);
  if (grants.has(GrantType.REFRESH_TOKEN) && !grants.has(GrantType.AUTHORIZATION_CODE) && !grants.has(GrantType.DEVICE_CODE)) {
    yield at('grantTypes', 'REFRESH_TOKEN_WITHOUT_INITIAL_GRANT', 'REFRESH_TOKEN needs AUTHORIZATION_CODE or DEVICE_CODE to issue the first refresh token');
  }
}

function* redirectUrisRequired(s: ClientSettings): Iterable<ClientFinding> {
  if (s.grantTypes.includes(GrantType.AUTHORIZATION_CODE) && s.redirectUris.length === 0) {
    yield at('redirectUris', 'REDIRECT_URIS_REQUIRED', 'must contain at least one URI when grantTypes includes AUTHORIZATION_CODE');
  }
}

function* machineGrants(s: ClientSettings): Iterable<ClientFinding> {
  if (s.clientType === ClientType.MACHINE && s.grantTypes.some((grant) => grant !== GrantType.CLIENT_CREDENTIALS)) {
    yield at('grantTypes', 'MACHINE_GRANT_TYPE', 'MACHINE clients may only use CLIENT_CREDENTIALS');
  }
}

/** Public clients (NONE) are SPA or NATIVE with PKCE and no client credentials grant; SPA and NATIVE are public. */
function* clientAuthentication(s: ClientSettings): Iterable<ClientFinding> {
  const browserOrDevice = s.clientType === ClientType.SPA || s.clientType === ClientType.NATIVE;
  if (isPublic(s)) {
    if (!browserOrDevice) yield at('tokenEndpointAuthMethod', 'AUTH_METHOD_NONE_CONFIDENTIAL_CLIENT', 'NONE is allowed only for SPA and NATIVE clients');
    if (!s.requirePkce) yield at('requirePkce', 'PKCE_REQUIRED', 'must be true for clients with the NONE auth method (RFC 9700 §2.1.1)');
    if (s.grantTypes.includes(GrantType.CLIENT_CREDENTIALS)) {
      yield at('grantTypes', 'CLIENT_CREDENTIALS_PUBLIC_CLIENT', 'CLIENT_CREDENTIALS is not allowed with the NONE auth method');
    }
  } else if (browserOrDevice) {
    yield at('tokenEndpointAuthMethod', 'PUBLIC_CLIENT_WITH_SECRET', 'SPA and NATIVE clients cannot keep a secret and must use NONE (RFC 8252 §8.4)');
  } else if (s.grantTypes.includes(GrantType.AUTHORIZATION_CODE) && !s.requirePkce) {
    yield at('requirePkce', 'PKCE_RECOMMENDED', 'PKCE is recommended for confidential clients too: it protects the authorization code against injection');
  }
}

function* secretNotInBody(s: ClientSettings): Iterable<ClientFinding> {
  if (s.tokenEndpointAuthMethod === TokenEndpointAuthMethod.CLIENT_SECRET_POST) {
    yield at(
      'tokenEndpointAuthMethod',
      'CLIENT_SECRET_POST_NOT_RECOMMENDED',
      'sending the secret in the request body is not recommended; prefer CLIENT_SECRET_BASIC or PRIVATE_KEY_JWT',
    );
  }
}

/** RFC 7523 §2.2 with an HMAC key needs the plain secret; Clavis keeps only keyed hashes (issue 15 item 3). */
function* noClientSecretJwt(s: ClientSettings): Iterable<ClientFinding> {
  if (s.tokenEndpointAuthMethod === TokenEndpointAuthMethod.CLIENT_SECRET_JWT)
    yield at('tokenEndpointAuthMethod', 'CLIENT_SECRET_JWT_UNSUPPORTED', CLIENT_SECRET_JWT_REFUSAL);
}

/**
 * RFC 8705 §2.1.2: a TLS_CLIENT_AUTH client registers exactly one way to match its certificate;
 * each value must be of its kind (a DN that parses per RFC 4514, an IP address, an absolute URI,
 * a mailbox, a DNS name). The fields mean nothing for other methods.
 */
function* tlsClientAuthMetadata(s: ClientSettings): Iterable<ClientFinding> {
  const given = TLS_CLIENT_AUTH_FIELDS.filter((field) => s[field] != null);
  if (s.tokenEndpointAuthMethod !== TokenEndpointAuthMethod.TLS_CLIENT_AUTH) {
    for (const field of given) {
      yield at(field, 'TLS_CLIENT_AUTH_METADATA_UNUSED', 'is used only with the TLS_CLIENT_AUTH auth method; it is ignored otherwise');
    }
    return;
  }
  if (given.length === 0) {
    for (const field of TLS_CLIENT_AUTH_FIELDS) {
      yield at(field, 'TLS_CLIENT_AUTH_METADATA_REQUIRED', `TLS_CLIENT_AUTH needs exactly one of ${TLS_CLIENT_AUTH_FIELDS.join(', ')} (RFC 8705 §2.1.2)`);
    }
    return;
  }
  if (given.length > 1) {
    for (const field of given) {
      yield at(field, 'TLS_CLIENT_AUTH_METADATA_AMBIGUOUS', `give exactly one of ${given.join(', ')}: RFC 8705 §2.1.2 allows one way to match the certificate`);
    }
    return;
  }
  const value = s[given[0]]!;
  switch (given[0]) {
    case 'tlsClientAuthSubjectDn':
      if (!normalizeDn(value))
        yield at(given[0], 'TLS_CLIENT_AUTH_SUBJECT_DN_INVALID', 'must be a distinguished name in RFC 4514 form, e.g. "CN=client,O=Example"');
      break;
    case 'tlsClientAuthSanIp':
      if (isIP(value) === 0) yield at(given[0], 'TLS_CLIENT_AUTH_SAN_IP_INVALID', 'must be an IPv4 or IPv6 address');
      break;
    case 'tlsClientAuthSanUri':
      if (!URL.canParse(value)) yield at(given[0], 'TLS_CLIENT_AUTH_SAN_URI_INVALID', 'must be an absolute URI');
      break;
    case 'tlsClientAuthSanEmail':
      if (!/^[^\s@]+@[^\s@]+$/.test(value)) yield at(given[0], 'TLS_CLIENT_AUTH_SAN_EMAIL_INVALID', 'must be a mailbox (local@domain)');
      break;
    case 'tlsClientAuthSanDns':
      if (!/^(?!-)[A-Za-z0-9*-]{1,63}(\.(?!-)[A-Za-z0-9-]{1,63})*\.?$/.test(value)) yield at(given[0], 'TLS_CLIENT_AUTH_SAN_DNS_INVALID', 'must be a DNS name');
      break;
  }
}

/** The rules of a client's settings, in the order their issues are reported. */
const SETTINGS_RULES: readonly SettingsRule[] = [
  nameNotBlank,
  redirectUris,
  postLogoutRedirectUris,
  corsOrigins,
  resources,
  metadataUrls,
  clientUriVerifiable,
  scopes,
  grantTypesPresent,
  codeResponseMatchesGrant,
  noImplicitFlow,
  refreshTokenNeedsInitialGrant,
  redirectUrisRequired,
  machineGrants,
  clientAuthentication,
  secretNotInBody,
  noClientSecretJwt,
  tlsClientAuthMetadata,
];

/**
 * Every settings rule, errors and warnings, with paths relative to `prefix` (so
 * `defaultClient.redirectUris.0` inside createApplication). One step of validateClientSettings.
 */
export function clientSettingsIssues(s: ClientSettings, prefix = ''): ValidationIssue[] {
  return SETTINGS_RULES.flatMap((rule) => Array.from(rule(s), ({ path, code, message }) => issueOf(CLIENT_RULES, code, prefix + path, message)));
}

/** Visibility PUBLIC needs a client URI whose ownership is VERIFIED. */
export function publicationIssues(
  s: Pick<ClientSettings, 'visibility' | 'clientUri'>,
  verification: { status: ClientUriVerificationStatus } | null,
  prefix = '',
  uriChanged = false,
): ValidationIssue[] {
  if (s.visibility !== ClientVisibility.PUBLIC || verification?.status === ClientUriVerificationStatus.VERIFIED) return [];
  const message = !s.clientUri
    ? 'PUBLIC needs a clientUri whose ownership is VERIFIED (set clientUri, publish its TXT record, then call verifyClientUri)'
    : uriChanged
      ? 'PUBLIC needs a clientUri whose ownership is VERIFIED; a new clientUri starts a new verification, so a PUBLIC client cannot move it — ' +
        'set visibility: PRIVATE in the same update, verify the new URI, then publish again'
      : 'PUBLIC needs a clientUri whose ownership is VERIFIED (publish the TXT record of clientUriVerification, then call verifyClientUri)';
  return [issueOf(CLIENT_RULES, 'CLIENT_URI_NOT_VERIFIED', `${prefix}visibility`, message)];
}

/** Whether clients with these settings authenticate with a generated secret. */
export function usesClientSecret(s: Pick<ClientSettings, 'tokenEndpointAuthMethod'>): boolean {
  return SECRET_AUTH_METHODS.has(s.tokenEndpointAuthMethod);
}
