import type { FieldError } from '../common/errors';
import { corsOriginProblem, httpsUrlProblem, redirectUriProblem, resourceUriProblem } from '../common/uris';
import { ClientType, ClientVisibility, GrantType, ResponseType, SECRET_AUTH_METHODS, TokenEndpointAuthMethod } from './client.entity';
import type { ClientSettingsInput } from './client.inputs';

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
}

/** Settings a new client of a given type starts from (RFC 9700: code + PKCE for user flows). */
function defaultsFor(clientType: ClientType): Pick<ClientSettings, 'grantTypes' | 'responseTypes' | 'tokenEndpointAuthMethod' | 'requirePkce'> {
  switch (clientType) {
    case ClientType.MACHINE:
      return { grantTypes: [GrantType.CLIENT_CREDENTIALS], responseTypes: [], tokenEndpointAuthMethod: TokenEndpointAuthMethod.CLIENT_SECRET_BASIC, requirePkce: false };
    case ClientType.SPA:
    case ClientType.NATIVE:
      return { grantTypes: [GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN], responseTypes: [ResponseType.CODE], tokenEndpointAuthMethod: TokenEndpointAuthMethod.NONE, requirePkce: true };
    case ClientType.WEB:
      return { grantTypes: [GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN], responseTypes: [ResponseType.CODE], tokenEndpointAuthMethod: TokenEndpointAuthMethod.CLIENT_SECRET_BASIC, requirePkce: false };
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
  };
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

/**
 * Every rule a client's settings must satisfy, as field errors whose paths are relative
 * to `prefix` (so `defaultClient.redirectUris.0` inside createApplication).
 */
export function clientSettingsProblems(s: ClientSettings, prefix = ''): FieldError[] {
  const problems: FieldError[] = [];
  const at = (path: string, message: string) => problems.push({ path: prefix + path, message });
  const grants = new Set(s.grantTypes);
  const responses = new Set(s.responseTypes);
  const isPublic = s.tokenEndpointAuthMethod === TokenEndpointAuthMethod.NONE;

  if (!s.name.trim()) at('name', 'must not be blank');

  const allowPrivateUseScheme = s.clientType === ClientType.NATIVE;
  s.redirectUris.forEach((uri, i) => {
    const problem = redirectUriProblem(uri, { allowPrivateUseScheme });
    if (problem) at(`redirectUris.${inputIndex(s.redirectUris, i)}`, problem);
  });
  s.postLogoutRedirectUris.forEach((uri, i) => {
    const problem = redirectUriProblem(uri, { allowPrivateUseScheme });
    if (problem) at(`postLogoutRedirectUris.${inputIndex(s.postLogoutRedirectUris, i)}`, problem);
  });
  s.allowedCorsOrigins.forEach((origin, i) => {
    const problem = corsOriginProblem(origin);
    if (problem) at(`allowedCorsOrigins.${inputIndex(s.allowedCorsOrigins, i)}`, problem);
  });
  s.resources.forEach((uri, i) => {
    const problem = resourceUriProblem(uri);
    if (problem) at(`resources.${inputIndex(s.resources, i)}`, problem);
  });
  for (const key of ['clientUri', 'logoUri', 'policyUri', 'tosUri'] as const) {
    const value = s[key];
    const problem = value == null ? null : httpsUrlProblem(value);
    if (problem) at(key, problem);
  }
  s.scopes.forEach((scope, i) => {
    if (!scope) at(`scopes.${inputIndex(s.scopes, i)}`, 'must not be empty');
    else if (/[\s:]/.test(scope)) at(`scopes.${inputIndex(s.scopes, i)}`, 'must not contain whitespace or ":"');
  });

  if (s.grantTypes.length === 0) at('grantTypes', 'must contain at least one grant type');
  // RFC 7591 §2.1: the code response type goes with the authorization_code grant, both ways.
  if (grants.has(GrantType.AUTHORIZATION_CODE) && !responses.has(ResponseType.CODE)) {
    at('responseTypes', 'must include CODE when grantTypes includes AUTHORIZATION_CODE (RFC 7591 §2.1)');
  }
  if (responses.size > 0 && !grants.has(GrantType.AUTHORIZATION_CODE)) {
    at('responseTypes', 'must be empty unless grantTypes includes AUTHORIZATION_CODE (RFC 7591 §2.1)');
  }
  // RFC 9700 §2.1.2: the implicit grant is not supported; TOKEN / ID_TOKEN only in hybrid flows with CODE.
  if ((responses.has(ResponseType.TOKEN) || responses.has(ResponseType.ID_TOKEN)) && !responses.has(ResponseType.CODE)) {
    at('responseTypes', 'TOKEN and ID_TOKEN are allowed only together with CODE: the implicit flow is not supported (RFC 9700 §2.1.2)');
  }
  if (grants.has(GrantType.REFRESH_TOKEN) && !grants.has(GrantType.AUTHORIZATION_CODE) && !grants.has(GrantType.DEVICE_CODE)) {
    at('grantTypes', 'REFRESH_TOKEN needs AUTHORIZATION_CODE or DEVICE_CODE to issue the first refresh token');
  }
  if (grants.has(GrantType.AUTHORIZATION_CODE) && s.redirectUris.length === 0) {
    at('redirectUris', 'must contain at least one URI when grantTypes includes AUTHORIZATION_CODE');
  }
  if (s.clientType === ClientType.MACHINE && s.grantTypes.some((grant) => grant !== GrantType.CLIENT_CREDENTIALS)) {
    at('grantTypes', 'MACHINE clients may only use CLIENT_CREDENTIALS');
  }

  if (isPublic) {
    if (s.clientType !== ClientType.SPA && s.clientType !== ClientType.NATIVE) {
      at('tokenEndpointAuthMethod', 'NONE is allowed only for SPA and NATIVE clients');
    }
    if (!s.requirePkce) at('requirePkce', 'must be true for clients with the NONE auth method (RFC 9700 §2.1.1)');
    if (grants.has(GrantType.CLIENT_CREDENTIALS)) at('grantTypes', 'CLIENT_CREDENTIALS is not allowed with the NONE auth method');
  } else if (s.clientType === ClientType.SPA || s.clientType === ClientType.NATIVE) {
    at('tokenEndpointAuthMethod', 'SPA and NATIVE clients cannot keep a secret and must use NONE (RFC 8252 §8.4)');
  }
  return problems;
}

/** Whether clients with these settings authenticate with a generated secret. */
export function usesClientSecret(s: Pick<ClientSettings, 'tokenEndpointAuthMethod'>): boolean {
  return SECRET_AUTH_METHODS.has(s.tokenEndpointAuthMethod);
}
