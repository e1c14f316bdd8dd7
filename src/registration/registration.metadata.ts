import { createHash } from 'node:crypto';
import { CLIENT_SECRET_JWT_REFUSAL } from '../clients/client-auth-methods';
import { type Client, ClientType, GrantType, ResponseType, TokenEndpointAuthMethod } from '../clients/client.entity';
import type { ClientSettingsInput } from '../clients/client.inputs';
import type { ValidationIssue } from '../common/issues';
import { IssueSeverity } from '../common/issues';

/** RFC 7591 §3.2.2 error codes (and RFC 6750's for a bad bearer token). */
export type RegistrationErrorCode =
  'invalid_redirect_uri' | 'invalid_client_metadata' | 'invalid_software_statement' | 'unapproved_software_statement' | 'invalid_token' | 'rate_limited';

/** A refusal of the registration endpoint: an RFC error code, its HTTP status and a reason for people. */
export class RegistrationError extends Error {
  constructor(
    readonly error: RegistrationErrorCode,
    readonly description: string,
    readonly status: number = error === 'invalid_token' ? 401 : 400,
    readonly retryAfterSeconds?: number,
  ) {
    super(description);
  }
}

const GRANT_TYPES: Record<string, GrantType> = {
  authorization_code: GrantType.AUTHORIZATION_CODE,
  refresh_token: GrantType.REFRESH_TOKEN,
  client_credentials: GrantType.CLIENT_CREDENTIALS,
  'urn:ietf:params:oauth:grant-type:device_code': GrantType.DEVICE_CODE,
};
const RESPONSE_TYPES: Record<string, ResponseType> = { code: ResponseType.CODE, id_token: ResponseType.ID_TOKEN, token: ResponseType.TOKEN };
const AUTH_METHODS: Record<string, TokenEndpointAuthMethod> = {
  none: TokenEndpointAuthMethod.NONE,
  client_secret_basic: TokenEndpointAuthMethod.CLIENT_SECRET_BASIC,
  client_secret_post: TokenEndpointAuthMethod.CLIENT_SECRET_POST,
  private_key_jwt: TokenEndpointAuthMethod.PRIVATE_KEY_JWT,
  tls_client_auth: TokenEndpointAuthMethod.TLS_CLIENT_AUTH,
  self_signed_tls_client_auth: TokenEndpointAuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH,
};
const invert = <V extends string>(map: Record<string, V>): Record<V, string> =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [v, k])) as Record<V, string>;
const GRANT_NAMES = invert(GRANT_TYPES);
const RESPONSE_NAMES = invert(RESPONSE_TYPES);
const AUTH_NAMES = invert(AUTH_METHODS);

/** Clavis field → RFC 7591 member, to name the member a validation issue is about. */
const MEMBER_OF_FIELD: Record<string, string> = {
  name: 'client_name',
  redirectUris: 'redirect_uris',
  grantTypes: 'grant_types',
  responseTypes: 'response_types',
  scopes: 'scope',
  tokenEndpointAuthMethod: 'token_endpoint_auth_method',
  clientUri: 'client_uri',
  logoUri: 'logo_uri',
  policyUri: 'policy_uri',
  tosUri: 'tos_uri',
  requirePkce: 'token_endpoint_auth_method',
  clientType: 'redirect_uris',
  // RFC 8705 §2.1.2.
  tlsClientAuthSubjectDn: 'tls_client_auth_subject_dn',
  tlsClientAuthSanDns: 'tls_client_auth_san_dns',
  tlsClientAuthSanUri: 'tls_client_auth_san_uri',
  tlsClientAuthSanIp: 'tls_client_auth_san_ip',
  tlsClientAuthSanEmail: 'tls_client_auth_san_email',
};
const TLS_CLIENT_AUTH_MEMBERS = [
  ['tlsClientAuthSubjectDn', 'tls_client_auth_subject_dn'],
  ['tlsClientAuthSanDns', 'tls_client_auth_san_dns'],
  ['tlsClientAuthSanUri', 'tls_client_auth_san_uri'],
  ['tlsClientAuthSanIp', 'tls_client_auth_san_ip'],
  ['tlsClientAuthSanEmail', 'tls_client_auth_san_email'],
] as const;

/** Members Clavis accepts and ignores (RFC 7591 §2: a server may ignore metadata it does not support). */
const IGNORED = new Set(['contacts', 'client_id', 'client_secret', 'jwks', 'jwks_uri']);
const MAX_STRING = 2048;
const MAX_LIST = 100;
export const DEFAULT_CLIENT_NAME = 'Dynamically registered client';

/** What a registration request asks for, in Clavis's terms. */
export interface RequestedClient {
  input: ClientSettingsInput & { name: string };
  softwareId: string | null;
  softwareVersion: string | null;
  /** SHA-256 of the canonical metadata: equal requests, equal hashes. */
  metadataHash: Buffer;
}

function bad(description: string): never {
  throw new RegistrationError('invalid_client_metadata', description);
}

function optionalString(body: Record<string, unknown>, member: string): string | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_STRING) bad(`${member} must be a string of 1 to ${MAX_STRING} characters`);
  return value;
}

function stringList(body: Record<string, unknown>, member: string): string[] | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > MAX_LIST || value.some((item) => typeof item !== 'string' || item.length > MAX_STRING)) {
    bad(`${member} must be an array of at most ${MAX_LIST} strings of at most ${MAX_STRING} characters`);
  }
  return value as string[];
}

function mapped<V>(member: string, values: string[] | undefined, table: Record<string, V>): V[] | undefined {
  return values?.map((value) => (Object.hasOwn(table, value) ? table[value] : bad(`${member}: "${value}" is not supported`)));
}

/** Loopback http or a private-use scheme: a native app's redirect (RFC 8252 §7). */
function isNativeRedirect(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol !== 'https:' && (url.protocol !== 'http:' || ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname));
  } catch {
    return false;
  }
}

/**
 * Maps an RFC 7591 §2 client metadata document onto Clavis's client settings. Only shape is
 * checked here; the client rules (client.validation.ts) run afterwards, as for createClient.
 */
export function requestedClient(body: unknown): RequestedClient {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) bad('the request body must be a JSON object');
  const doc = body as Record<string, unknown>;
  if (doc.software_statement !== undefined) {
    // Verifying software statements needs trusted issuer keys, which Clavis has no place for yet.
    throw new RegistrationError('unapproved_software_statement', 'software statements are not accepted by this server');
  }
  const authName = optionalString(doc, 'token_endpoint_auth_method');
  if (authName === 'client_secret_jwt') bad(`token_endpoint_auth_method: ${CLIENT_SECRET_JWT_REFUSAL}`);
  const authMethod = authName === undefined ? undefined : (mapped('token_endpoint_auth_method', [authName], AUTH_METHODS)?.[0] as TokenEndpointAuthMethod);
  const redirectUris = stringList(doc, 'redirect_uris');
  const scope = optionalString(doc, 'scope');
  const responseTypes = stringList(doc, 'response_types')?.flatMap((value) => value.split(' '));
  const input: RequestedClient['input'] = {
    name: optionalString(doc, 'client_name') ?? DEFAULT_CLIENT_NAME,
    clientType: clientTypeFor(redirectUris ?? [], authMethod),
    redirectUris,
    grantTypes: mapped('grant_types', stringList(doc, 'grant_types'), GRANT_TYPES),
    responseTypes: mapped('response_types', responseTypes && [...new Set(responseTypes)], RESPONSE_TYPES),
    scopes: scope?.split(' '),
    tokenEndpointAuthMethod: authMethod,
    clientUri: optionalString(doc, 'client_uri'),
    logoUri: optionalString(doc, 'logo_uri'),
    policyUri: optionalString(doc, 'policy_uri'),
    tosUri: optionalString(doc, 'tos_uri'),
    ...Object.fromEntries(TLS_CLIENT_AUTH_MEMBERS.map(([field, member]) => [field, optionalString(doc, member)])),
  };
  const known = new Set([...Object.values(MEMBER_OF_FIELD), 'software_id', 'software_version', ...IGNORED]);
  const canonical = Object.fromEntries(
    Object.keys(doc)
      .filter((key) => known.has(key) && !IGNORED.has(key))
      .sort()
      .map((key) => [key, doc[key]]),
  );
  return {
    input: Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as RequestedClient['input'],
    softwareId: optionalString(doc, 'software_id') ?? null,
    softwareVersion: optionalString(doc, 'software_version') ?? null,
    metadataHash: createHash('sha256').update(JSON.stringify(canonical)).digest(),
  };
}

/** The client type the metadata describes: public clients with native redirects are NATIVE, other public ones SPA. */
function clientTypeFor(redirectUris: string[], authMethod: TokenEndpointAuthMethod | undefined): ClientType {
  if (redirectUris.length === 0) return ClientType.MACHINE;
  if (authMethod !== TokenEndpointAuthMethod.NONE) return ClientType.WEB;
  return redirectUris.some(isNativeRedirect) ? ClientType.NATIVE : ClientType.SPA;
}

/** The first ERROR issue as an RFC 7591 §3.2.2 error: redirect URI problems are invalid_redirect_uri. */
export function registrationErrorOf(issues: ValidationIssue[]): RegistrationError | undefined {
  const errors = issues.filter((issue) => issue.severity === IssueSeverity.ERROR);
  if (errors.length === 0) return undefined;
  const redirect = errors.find((issue) => issue.path.startsWith('redirectUris'));
  const describe = (issue: ValidationIssue) => `${MEMBER_OF_FIELD[issue.path.split('.')[0]] ?? issue.path}: ${issue.message}`;
  if (redirect) return new RegistrationError('invalid_redirect_uri', describe(redirect));
  return new RegistrationError('invalid_client_metadata', errors.map(describe).join('; '));
}

/** The client's registered metadata (RFC 7591 §3.2.1), without credentials. */
export function metadataOf(client: Client): Record<string, unknown> {
  return {
    client_id: client.clientId,
    client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
    client_name: client.name,
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes.map((grant) => GRANT_NAMES[grant]),
    response_types: client.responseTypes.map((type) => RESPONSE_NAMES[type]),
    token_endpoint_auth_method: AUTH_NAMES[client.tokenEndpointAuthMethod] ?? client.tokenEndpointAuthMethod.toLowerCase(),
    ...(client.scopes.length > 0 ? { scope: client.scopes.join(' ') } : {}),
    ...(client.clientUri ? { client_uri: client.clientUri } : {}),
    ...(client.logoUri ? { logo_uri: client.logoUri } : {}),
    ...(client.policyUri ? { policy_uri: client.policyUri } : {}),
    ...(client.tosUri ? { tos_uri: client.tosUri } : {}),
    ...(client.softwareId ? { software_id: client.softwareId } : {}),
    ...(client.softwareVersion ? { software_version: client.softwareVersion } : {}),
    ...Object.fromEntries(TLS_CLIENT_AUTH_MEMBERS.filter(([field]) => client[field] != null).map(([field, member]) => [member, client[field]])),
  };
}
