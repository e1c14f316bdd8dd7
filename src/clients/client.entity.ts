import { Directive, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { Node, registerNodeType } from '../common/node';
import { dnsHostOf } from '../common/uris';
import { ConnectionType } from '../common/pagination';
import { VersionedRecord } from '../common/versioned';

export enum ClientType {
  WEB = 'WEB',
  SPA = 'SPA',
  NATIVE = 'NATIVE',
  MACHINE = 'MACHINE',
}
export enum ClientVisibility {
  PRIVATE = 'PRIVATE',
  PUBLIC = 'PUBLIC',
}
export enum GrantType {
  AUTHORIZATION_CODE = 'AUTHORIZATION_CODE',
  REFRESH_TOKEN = 'REFRESH_TOKEN',
  CLIENT_CREDENTIALS = 'CLIENT_CREDENTIALS',
  DEVICE_CODE = 'DEVICE_CODE',
}
export enum ResponseType {
  CODE = 'CODE',
  ID_TOKEN = 'ID_TOKEN',
  TOKEN = 'TOKEN',
}
export enum TokenEndpointAuthMethod {
  NONE = 'NONE',
  CLIENT_SECRET_BASIC = 'CLIENT_SECRET_BASIC',
  CLIENT_SECRET_POST = 'CLIENT_SECRET_POST',
  PRIVATE_KEY_JWT = 'PRIVATE_KEY_JWT',
  TLS_CLIENT_AUTH = 'TLS_CLIENT_AUTH',
  SELF_SIGNED_TLS_CLIENT_AUTH = 'SELF_SIGNED_TLS_CLIENT_AUTH',
  CLIENT_SECRET_JWT = 'CLIENT_SECRET_JWT',
}
/** How authenticateClient authenticated a client. */
export enum ClientAuthenticationMethod {
  CLIENT_SECRET = 'CLIENT_SECRET',
  PRIVATE_KEY_JWT = 'PRIVATE_KEY_JWT',
  TLS_CLIENT_AUTH = 'TLS_CLIENT_AUTH',
  SELF_SIGNED_TLS_CLIENT_AUTH = 'SELF_SIGNED_TLS_CLIENT_AUTH',
}
registerEnumType(ClientAuthenticationMethod, {
  name: 'ClientAuthenticationMethod',
  description: 'Which credential authenticateClient accepted.',
  valuesConfig: {
    CLIENT_SECRET: { description: 'The current or the previous client secret (CLIENT_SECRET_BASIC, CLIENT_SECRET_POST).' },
    PRIVATE_KEY_JWT: { description: 'A client assertion (RFC 7523) signed by a key of a PublicKeyCredential.' },
    TLS_CLIENT_AUTH: { description: 'A PKI certificate matching the registered subject DN or SAN (RFC 8705 §2.1).' },
    SELF_SIGNED_TLS_CLIENT_AUTH: { description: 'A self-signed certificate registered in a PublicKeyCredential (RFC 8705 §2.2).' },
  },
});
export enum ClientUriVerificationStatus {
  PENDING = 'PENDING',
  IN_PROGRESS = 'IN_PROGRESS',
  VERIFIED = 'VERIFIED',
  FAILED = 'FAILED',
}
registerEnumType(ClientType, {
  name: 'ClientType',
  description:
    'The kind of application a client serves; it decides the defaults and which rules apply. Omitted on create: WEB with redirect URIs, MACHINE without.',
  valuesConfig: {
    WEB: {
      description:
        'A server-side web application, a confidential client (RFC 6749 §2.1). Defaults: AUTHORIZATION_CODE and REFRESH_TOKEN, CODE, CLIENT_SECRET_BASIC.',
    },
    SPA: {
      description: 'A browser (single-page) application, a public client: auth method NONE with PKCE. Defaults: AUTHORIZATION_CODE and REFRESH_TOKEN, CODE.',
    },
    NATIVE: {
      description:
        'A native or mobile app (RFC 8252), a public client: auth method NONE with PKCE; may use loopback http and private-use scheme redirect URIs.',
    },
    MACHINE: { description: 'A service acting on its own behalf, without users: CLIENT_CREDENTIALS only. Default auth method CLIENT_SECRET_BASIC.' },
  },
});
registerEnumType(ClientVisibility, {
  name: 'ClientVisibility',
  description: 'Whether a client is listed for others (e.g. in a consent screen or an app directory).',
  valuesConfig: {
    PRIVATE: { description: 'Not listed for others. The default.' },
    PUBLIC: { description: 'Listed for others; needs a `clientUri` whose ownership is VERIFIED (see verifyClientUri).' },
  },
});
registerEnumType(GrantType, {
  name: 'GrantType',
  description: 'An OAuth grant type a client may use (`grant_types`, RFC 7591 §2).',
  valuesConfig: {
    AUTHORIZATION_CODE: {
      description: '`authorization_code` (RFC 6749 §4.1): a user signs in through a redirect. Needs at least one redirect URI and the CODE response type.',
    },
    REFRESH_TOKEN: {
      description: '`refresh_token` (RFC 6749 §6): new access tokens without the user. Needs AUTHORIZATION_CODE or DEVICE_CODE to issue the first one.',
    },
    CLIENT_CREDENTIALS: { description: '`client_credentials` (RFC 6749 §4.4): the client acts on its own behalf. Confidential clients only.' },
    DEVICE_CODE: { description: '`urn:ietf:params:oauth:grant-type:device_code` (RFC 8628): the user signs in on a second device.' },
  },
});
registerEnumType(ResponseType, {
  name: 'ResponseType',
  description: 'What a client may ask the authorization endpoint to return (`response_types`, RFC 7591 §2). The implicit flow is refused (RFC 9700 §2.1.2).',
  valuesConfig: {
    CODE: { description: '`code`: an authorization code (RFC 6749 §4.1); goes with the AUTHORIZATION_CODE grant, both ways (RFC 7591 §2.1).' },
    ID_TOKEN: { description: '`id_token` (OpenID Connect): an ID token in the authorization response; only together with CODE.' },
    TOKEN: { description: '`token`: an access token in the authorization response; only together with CODE, and discouraged (RFC 9700 §2.1.2).' },
  },
});
registerEnumType(TokenEndpointAuthMethod, {
  name: 'TokenEndpointAuthMethod',
  description: 'How a client authenticates at the token endpoint (`token_endpoint_auth_method`, RFC 7591 §2).',
  valuesConfig: {
    NONE: { description: '`none`: a public client without a secret (SPA and NATIVE only); PKCE is then required (RFC 9700 §2.1.1).' },
    CLIENT_SECRET_BASIC: { description: '`client_secret_basic`: a generated secret in HTTP Basic authentication (RFC 6749 §2.3.1).' },
    CLIENT_SECRET_POST: { description: '`client_secret_post`: a generated secret in the request body (RFC 6749 §2.3.1); allowed, not recommended.' },
    PRIVATE_KEY_JWT: {
      description:
        "`private_key_jwt`: a JWT signed with the client's private key (RFC 7523, OpenID Connect Core §9), verified by authenticateClient against " +
        'the PublicKeyCredential of the same application whose identifier is the client id; no secret is generated.',
    },
    TLS_CLIENT_AUTH: {
      description:
        '`tls_client_auth` (RFC 8705 §2.1): a certificate from a PKI the authorization server trusts, matched by exactly one of ' +
        '`tlsClientAuthSubjectDn`, `tlsClientAuthSanDns`, `tlsClientAuthSanUri`, `tlsClientAuthSanIp`, `tlsClientAuthSanEmail`.',
    },
    SELF_SIGNED_TLS_CLIENT_AUTH: {
      description:
        '`self_signed_tls_client_auth` (RFC 8705 §2.2): a self-signed certificate that must be one of the `x5c` certificates of the ' +
        'PublicKeyCredential of the same application whose identifier is the client id.',
    },
    CLIENT_SECRET_JWT: {
      description:
        '`client_secret_jwt` (RFC 7523 with an HMAC): always refused by createClient and updateClient — verifying it needs the plain secret, ' +
        'and Clavis stores only keyed hashes of secrets. Use PRIVATE_KEY_JWT.',
    },
  },
});
registerEnumType(ClientUriVerificationStatus, {
  name: 'ClientUriVerificationStatus',
  description: 'Where the proof of ownership of the host of `clientUri` stands.',
  valuesConfig: {
    PENDING: { description: 'Nothing checked yet since `clientUri` was set.' },
    IN_PROGRESS: { description: 'A DNS lookup started by verifyClientUri is running.' },
    VERIFIED: { description: 'The TXT record was found with the expected value: the client may be made PUBLIC.' },
    FAILED: { description: 'The last lookup did not find the expected value (see `reason`); verifyClientUri may be called again.' },
  },
});

export enum RegistrationSource {
  CONSOLE = 'CONSOLE',
  DYNAMIC = 'DYNAMIC',
  METADATA_DOCUMENT = 'METADATA_DOCUMENT',
}
registerEnumType(RegistrationSource, {
  name: 'RegistrationSource',
  description: 'How a client came to exist.',
  valuesConfig: {
    CONSOLE: { description: 'Made through this API (createClient, createApplication).' },
    DYNAMIC: { description: 'Registered by the client itself at `POST /oauth/register` (RFC 7591).' },
    METADATA_DOCUMENT: { description: 'Described by a Client ID Metadata Document at its `client_id` URL.' },
  },
});

/** Auth methods that authenticate with a client secret. */
export const SECRET_AUTH_METHODS: ReadonlySet<TokenEndpointAuthMethod> = new Set([
  TokenEndpointAuthMethod.CLIENT_SECRET_BASIC,
  TokenEndpointAuthMethod.CLIENT_SECRET_POST,
]);

/** The DNS label under which the ownership TXT record of a client URI's host is published. */
const CLIENT_URI_CHALLENGE_LABEL = '_clavis-challenge';

/** The DNS name whose TXT record proves ownership of the host of `clientUri`; null for IP literals and loopback names. */
export function challengeRecordName(clientUri: string): string | null {
  const host = dnsHostOf(clientUri);
  return host ? `${CLIENT_URI_CHALLENGE_LABEL}.${host}` : null;
}

@ObjectType({
  simpleResolvers: true,
  description:
    'Proof of ownership of the host of `clientUri`: publish a TXT record whose value is exactly `txtRecord` at `recordName` ' +
    '(`_clavis-challenge.<host of clientUri>`), then call `verifyClientUri`. Status: PENDING (nothing checked yet) → ' +
    'IN_PROGRESS (a lookup is running) → VERIFIED or FAILED (with `reason`; verifyClientUri may be called again). ' +
    'A new `clientUri` starts over with a new `txtRecord`.',
})
export class ClientUriVerification {
  @Field(() => ClientUriVerificationStatus, { description: 'Where the verification stands.' }) status!: ClientUriVerificationStatus;

  @Field(() => String, { description: 'Exact value of the TXT record to publish (a record split into several strings is joined).' })
  txtRecord!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'DNS name to publish the TXT record at: `_clavis-challenge.<host of clientUri>`. ' +
      'Null when the host is an IP address or a loopback name, which cannot be verified.',
  })
  recordName?: string | null;

  @Field(() => String, { nullable: true, description: 'Why the last check FAILED; null otherwise.' })
  reason?: string | null;

  @Field(() => Date, { nullable: true, description: 'When the current check started (IN_PROGRESS) or the last one ended (VERIFIED, FAILED).' })
  checkedAt?: string | null;
}

@ObjectType({
  simpleResolvers: true,
  implements: Node,
  description: 'An OAuth client of an application: the registration of one `client_id`, with the client metadata of RFC 7591 §2.',
})
@Directive('@key(fields: "id")')
@Directive('@key(fields: "clientId")')
@Entity({ name: 'clients' })
export class Client extends VersionedRecord implements Node {
  @Field(() => String, { description: 'The OAuth `client_id`: 24 random URL-safe characters (144 bits), globally unique, never changes.' })
  @Column({ type: 'text', name: 'client_id' })
  clientId!: string;

  @Column({ type: 'text', name: 'organization_id' })
  organizationId!: string;

  @Column({ type: 'text', name: 'application_id' })
  applicationId!: string;

  @Field(() => Boolean, {
    description:
      "Whether this is its application's default client: exactly one per application; it cannot be deleted. Moved by `updateClient(isDefault: true)`.",
  })
  @Column({ type: 'boolean', name: 'is_default' })
  isDefault!: boolean;

  @Field(() => String, { description: "Display name, 1 to 200 characters, not blank; the application's name for a default client created without one." })
  @Column({ type: 'text' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Free text for people, at most 2000 characters; null when unset.' })
  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Field(() => ClientType, { description: 'The kind of application the client serves; it decides the defaults and which rules apply.' })
  @Column({ type: 'text', name: 'client_type' })
  clientType!: ClientType;

  @Field(() => ClientVisibility, { description: 'Whether the client is listed for others; PUBLIC needs a VERIFIED `clientUri`.' })
  @Column({ type: 'text' })
  visibility!: ClientVisibility;

  @Field(() => Date, { nullable: true, description: 'When the client last became PUBLIC; null while it is PRIVATE.' })
  @Column({ type: 'timestamptz', precision: 3, name: 'promoted_at', nullable: true })
  promotedAt!: Date | null;

  @Field(() => [String], {
    description:
      'Registered redirect URIs, matched exactly (RFC 6749 §3.1.2, RFC 9700 §2.1): https, http on a loopback address (RFC 8252 §7.3), ' +
      'or a reverse-domain private-use scheme for NATIVE clients (RFC 8252 §7.1).',
  })
  @Column({ type: 'text', array: true, name: 'redirect_uris' })
  redirectUris!: string[];

  @Field(() => [String], { description: 'Where users may be sent after logout (OpenID Connect RP-Initiated Logout); the same rules as `redirectUris`.' })
  @Column({ type: 'text', array: true, name: 'post_logout_redirect_uris' })
  postLogoutRedirectUris!: string[];

  @Field(() => [String], {
    description:
      'Browser origins allowed for cross-origin requests of this client: scheme, host and optional port only (RFC 6454 §6.2); https, or http on loopback.',
  })
  @Column({ type: 'text', array: true, name: 'allowed_cors_origins' })
  allowedCorsOrigins!: string[];

  @Field(() => [GrantType], { description: 'The grant types the client may use (RFC 7591 §2); at least one.' })
  @Column({ type: 'text', array: true, name: 'grant_types' })
  grantTypes!: GrantType[];

  @Field(() => [ResponseType], {
    description: 'The response types the client may request (RFC 7591 §2); empty unless `grantTypes` includes AUTHORIZATION_CODE.',
  })
  @Column({ type: 'text', array: true, name: 'response_types' })
  responseTypes!: ResponseType[];

  @Field(() => [String], { description: 'The scopes the client may request (RFC 6749 §3.3): tokens without whitespace or ":".' })
  @Column({ type: 'text', array: true })
  scopes!: string[];

  @Field(() => TokenEndpointAuthMethod, { description: 'How the client authenticates at the token endpoint (RFC 7591 §2).' })
  @Column({ type: 'text', name: 'token_endpoint_auth_method' })
  tokenEndpointAuthMethod!: TokenEndpointAuthMethod;

  @Field(() => Boolean, { description: 'Whether authorization requests must use PKCE (RFC 7636); always true for the NONE auth method (RFC 9700 §2.1.1).' })
  @Column({ type: 'boolean', name: 'require_pkce' })
  requirePkce!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "The client's home page (RFC 7591 §2), an absolute https URL; the host whose ownership `clientUriVerification` proves. Null when unset.",
  })
  @Column({ type: 'text', name: 'client_uri', nullable: true })
  clientUri!: string | null;

  @Field(() => String, { nullable: true, description: "The client's logo (RFC 7591 §2), an absolute https URL; null when unset." })
  @Column({ type: 'text', name: 'logo_uri', nullable: true })
  logoUri!: string | null;

  @Field(() => String, { nullable: true, description: "The client's privacy policy (RFC 7591 §2), an absolute https URL; null when unset." })
  @Column({ type: 'text', name: 'policy_uri', nullable: true })
  policyUri!: string | null;

  @Field(() => String, { nullable: true, description: "The client's terms of service (RFC 7591 §2), an absolute https URL; null when unset." })
  @Column({ type: 'text', name: 'tos_uri', nullable: true })
  tosUri!: string | null;

  @Field(() => ClientUriVerification, { nullable: true, description: 'Proof of ownership of the host of `clientUri`; null while `clientUri` is unset.' })
  @Column({ type: 'jsonb', name: 'client_uri_verification', nullable: true })
  clientUriVerification!: ClientUriVerification | null;

  @Field(() => Int, { nullable: true, description: 'Lifetime of the access tokens issued to the client, in seconds (1 to 86400); null when unset.' })
  @Column({ type: 'integer', name: 'access_token_ttl', nullable: true })
  accessTokenTtl!: number | null;

  @Field(() => Int, { nullable: true, description: 'Lifetime of the refresh tokens issued to the client, in seconds (1 to 31536000); null when unset.' })
  @Column({ type: 'integer', name: 'refresh_token_ttl', nullable: true })
  refreshTokenTtl!: number | null;

  @Field(() => [String], { description: 'Resource identifiers (absolute URIs without fragment, RFC 8707 §2) this client may request tokens for.' })
  @Column({ type: 'text', array: true })
  resources!: string[];

  /** HMAC of the current secret; null for clients that authenticate without one. */
  @Column({ type: 'bytea', name: 'secret_hash', nullable: true })
  secretHash!: Buffer | null;

  /** HMAC of the previous secret while it is still accepted after a rotation. */
  @Column({ type: 'bytea', name: 'rotated_secret_hash', nullable: true })
  rotatedSecretHash!: Buffer | null;

  @Field(() => Date, { nullable: true, description: 'When the previous secret stops working; null when there is none or it works until deleted.' })
  @Column({ type: 'timestamptz', precision: 3, name: 'rotated_secret_expires_at', nullable: true })
  rotatedSecretExpiresAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When rotateClientSecret last issued the current secret; null if it was never rotated.' })
  @Column({ type: 'timestamptz', precision: 3, name: 'secret_rotated_at', nullable: true })
  secretRotatedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the current secret last authenticated (refreshed at most once a minute); null until it first does.' })
  @Column({ type: 'timestamptz', precision: 3, name: 'secret_last_used_at', nullable: true })
  secretLastUsedAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the previous secret last authenticated (refreshed at most once a minute): answers "is the old secret still in use?" during a rotation.',
  })
  @Column({ type: 'timestamptz', precision: 3, name: 'rotated_secret_last_used_at', nullable: true })
  rotatedSecretLastUsedAt!: Date | null;

  @Field(() => RegistrationSource, { description: 'How the client came to exist: CONSOLE, DYNAMIC (RFC 7591) or METADATA_DOCUMENT.' })
  @Column({ type: 'text', name: 'registration_source' })
  registrationSource!: RegistrationSource;

  @Field(() => String, { nullable: true, description: '`software_id` given at dynamic registration (RFC 7591 §2); null otherwise.' })
  @Column({ type: 'text', name: 'software_id', nullable: true })
  softwareId!: string | null;

  @Field(() => String, { nullable: true, description: '`software_version` given at dynamic registration (RFC 7591 §2); null otherwise.' })
  @Column({ type: 'text', name: 'software_version', nullable: true })
  softwareVersion!: string | null;

  /** The initial access token that registered the client: re-registrations are deduplicated per token. */
  @Column({ type: 'text', name: 'registration_token_id', nullable: true })
  registrationTokenId!: string | null;

  /** RFC 7592 registration access token, as a keyed hash; rotated on every update. */
  @Column({ type: 'bytea', name: 'registration_access_token_hash', nullable: true })
  registrationAccessTokenHash!: Buffer | null;

  /** Hash of the registered metadata: the same software_id with the same metadata is the same client. */
  @Column({ type: 'bytea', name: 'registration_metadata_hash', nullable: true })
  registrationMetadataHash!: Buffer | null;

  /** Days without use after which a dynamically registered client is deleted; null: never. */
  @Column({ type: 'integer', name: 'unused_expiry_days', nullable: true })
  unusedExpiryDays!: number | null;

  @Field(() => Date, {
    nullable: true,
    description:
      'When a dynamically registered client is deleted unless it is used before: its last use (or registration) ' +
      'plus the expiry days of its registration token; null when it never expires.',
  })
  get expiresAt(): Date | null {
    if (this.unusedExpiryDays == null) return null;
    const lastUse = this.secretLastUsedAt ?? this.createdAt;
    return new Date(lastUse.getTime() + this.unusedExpiryDays * 86_400_000);
  }
  @Field(() => String, {
    nullable: true,
    description:
      '`tls_client_auth_subject_dn` (RFC 8705 §2.1.2): the subject DN of the certificate, in RFC 4514 string form, for TLS_CLIENT_AUTH; ' +
      'compared after RFC 4514 normalisation (attribute types case-insensitive, values caseIgnoreMatch, RDN order significant).',
  })
  @Column({ type: 'text', name: 'tls_client_auth_subject_dn', nullable: true })
  tlsClientAuthSubjectDn!: string | null;

  @Field(() => String, { nullable: true, description: '`tls_client_auth_san_dns` (RFC 8705 §2.1.2): a dNSName SAN the certificate must carry.' })
  @Column({ type: 'text', name: 'tls_client_auth_san_dns', nullable: true })
  tlsClientAuthSanDns!: string | null;

  @Field(() => String, {
    nullable: true,
    description: '`tls_client_auth_san_uri` (RFC 8705 §2.1.2): a uniformResourceIdentifier SAN the certificate must carry.',
  })
  @Column({ type: 'text', name: 'tls_client_auth_san_uri', nullable: true })
  tlsClientAuthSanUri!: string | null;

  @Field(() => String, {
    nullable: true,
    description: '`tls_client_auth_san_ip` (RFC 8705 §2.1.2): an iPAddress SAN (IPv4 or IPv6) the certificate must carry.',
  })
  @Column({ type: 'text', name: 'tls_client_auth_san_ip', nullable: true })
  tlsClientAuthSanIp!: string | null;

  @Field(() => String, { nullable: true, description: '`tls_client_auth_san_email` (RFC 8705 §2.1.2): an rfc822Name SAN the certificate must carry.' })
  @Column({ type: 'text', name: 'tls_client_auth_san_email', nullable: true })
  tlsClientAuthSanEmail!: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the client last authenticated with a client assertion or a certificate (refreshed at most once a minute); null until it does.',
  })
  @Column({ type: 'timestamptz', precision: 3, name: 'last_authenticated_at', nullable: true })
  lastAuthenticatedAt!: Date | null;

  @Field(() => Boolean, { description: 'Whether the client has a current secret (CLIENT_SECRET_BASIC, CLIENT_SECRET_POST). Secrets are never returned here.' })
  get hasSecret(): boolean {
    return this.secretHash != null;
  }

  @Field(() => Boolean, { description: 'Whether a previous secret is still accepted (until `rotatedSecretExpiresAt`, or until deleted).' })
  get hasRotatedSecret(): boolean {
    return this.rotatedSecretHash != null && (this.rotatedSecretExpiresAt == null || this.rotatedSecretExpiresAt.getTime() > Date.now());
  }
}

@ObjectType({ simpleResolvers: true, description: 'A page of clients, oldest first.' })
export class ClientConnection extends ConnectionType('Client', () => Client) {}

registerNodeType('client', 'Client');
