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
}
export enum ClientUriVerificationStatus {
  PENDING = 'PENDING',
  IN_PROGRESS = 'IN_PROGRESS',
  VERIFIED = 'VERIFIED',
  FAILED = 'FAILED',
}
registerEnumType(ClientType, { name: 'ClientType' });
registerEnumType(ClientVisibility, { name: 'ClientVisibility' });
registerEnumType(GrantType, { name: 'GrantType' });
registerEnumType(ResponseType, { name: 'ResponseType' });
registerEnumType(TokenEndpointAuthMethod, { name: 'TokenEndpointAuthMethod' });
registerEnumType(ClientUriVerificationStatus, { name: 'ClientUriVerificationStatus' });

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
  @Field(() => ClientUriVerificationStatus) status!: ClientUriVerificationStatus;

  @Field(() => String, { description: 'Exact value of the TXT record to publish (a record split into several strings is joined).' })
  txtRecord!: string;

  @Field(() => String, {
    nullable: true,
    description: 'DNS name to publish the TXT record at: `_clavis-challenge.<host of clientUri>`. Null when the host is an IP address or a loopback name, which cannot be verified.',
  })
  recordName?: string | null;

  @Field(() => String, { nullable: true, description: 'Why the last check FAILED; null otherwise.' })
  reason?: string | null;

  @Field(() => Date, { nullable: true, description: 'When the current check started (IN_PROGRESS) or the last one ended (VERIFIED, FAILED).' })
  checkedAt?: string | null;
}

@ObjectType({ simpleResolvers: true, implements: Node, description: 'An OAuth client of an application.' })
@Directive('@key(fields: "id")')
@Directive('@key(fields: "clientId")')
@Entity({ name: 'clients' })
export class Client extends VersionedRecord implements Node {
  @Field(() => String, { description: 'The OAuth `client_id`: random, URL-safe, globally unique.' })
  @Column({ type: 'text', name: 'client_id' })
  clientId!: string;

  @Column({ type: 'text', name: 'organization_id' })
  organizationId!: string;

    @Column({ type: 'text', name: 'application_id' })
  applicationId!: string;

  @Field(() => Boolean)
  @Column({ type: 'boolean', name: 'is_default' })
  isDefault!: boolean;

  @Field(() => String)
  @Column({ type: 'text' })
  name!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Field(() => ClientType)
  @Column({ type: 'text', name: 'client_type' })
  clientType!: ClientType;

  @Field(() => ClientVisibility)
  @Column({ type: 'text' })
  visibility!: ClientVisibility;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', precision: 3, name: 'promoted_at', nullable: true })
  promotedAt!: Date | null;

  @Field(() => [String])
  @Column({ type: 'text', array: true, name: 'redirect_uris' })
  redirectUris!: string[];

  @Field(() => [String])
  @Column({ type: 'text', array: true, name: 'post_logout_redirect_uris' })
  postLogoutRedirectUris!: string[];

  @Field(() => [String])
  @Column({ type: 'text', array: true, name: 'allowed_cors_origins' })
  allowedCorsOrigins!: string[];

  @Field(() => [GrantType])
  @Column({ type: 'text', array: true, name: 'grant_types' })
  grantTypes!: GrantType[];

  @Field(() => [ResponseType])
  @Column({ type: 'text', array: true, name: 'response_types' })
  responseTypes!: ResponseType[];

  @Field(() => [String])
  @Column({ type: 'text', array: true })
  scopes!: string[];

  @Field(() => TokenEndpointAuthMethod)
  @Column({ type: 'text', name: 'token_endpoint_auth_method' })
  tokenEndpointAuthMethod!: TokenEndpointAuthMethod;

  @Field(() => Boolean)
  @Column({ type: 'boolean', name: 'require_pkce' })
  requirePkce!: boolean;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', name: 'client_uri', nullable: true })
  clientUri!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', name: 'logo_uri', nullable: true })
  logoUri!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', name: 'policy_uri', nullable: true })
  policyUri!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', name: 'tos_uri', nullable: true })
  tosUri!: string | null;

  @Field(() => ClientUriVerification, { nullable: true })
  @Column({ type: 'jsonb', name: 'client_uri_verification', nullable: true })
  clientUriVerification!: ClientUriVerification | null;

  @Field(() => Int, { nullable: true, description: 'Seconds.' })
  @Column({ type: 'integer', name: 'access_token_ttl', nullable: true })
  accessTokenTtl!: number | null;

  @Field(() => Int, { nullable: true, description: 'Seconds.' })
  @Column({ type: 'integer', name: 'refresh_token_ttl', nullable: true })
  refreshTokenTtl!: number | null;

  @Field(() => [String], { description: 'Resource identifiers (absolute URIs) this client may request tokens for.' })
  @Column({ type: 'text', array: true })
  resources!: string[];

  /** HMAC of the current secret; null for clients that authenticate without one. */
  @Column({ type: 'bytea', name: 'secret_hash', nullable: true })
  secretHash!: Buffer | null;

  /** HMAC of the previous secret while it is still accepted after a rotation. */
  @Column({ type: 'bytea', name: 'rotated_secret_hash', nullable: true })
  rotatedSecretHash!: Buffer | null;

  @Field(() => Date, { nullable: true, description: 'When the previous secret stops working; null while it works until deleted.' })
  @Column({ type: 'timestamptz', precision: 3, name: 'rotated_secret_expires_at', nullable: true })
  rotatedSecretExpiresAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', precision: 3, name: 'secret_rotated_at', nullable: true })
  secretRotatedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', precision: 3, name: 'secret_last_used_at', nullable: true })
  secretLastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Answers "is the old secret still in use?" during a rotation.' })
  @Column({ type: 'timestamptz', precision: 3, name: 'rotated_secret_last_used_at', nullable: true })
  rotatedSecretLastUsedAt!: Date | null;

  @Field(() => Boolean)
  get hasSecret(): boolean {
    return this.secretHash != null;
  }

  @Field(() => Boolean, { description: 'Whether a previous secret is still accepted.' })
  get hasRotatedSecret(): boolean {
    return this.rotatedSecretHash != null && (this.rotatedSecretExpiresAt == null || this.rotatedSecretExpiresAt.getTime() > Date.now());
  }
}

@ObjectType({ simpleResolvers: true })
export class ClientConnection extends ConnectionType('Client', () => Client) {}

registerNodeType('client', 'Client');
