import { GraphQLJSONObject } from 'graphql-scalars';
import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { ZonedRecord } from '../common/base-entity';
import { EntityMetadata } from '../common/metadata';
import { Node, registerNodeType } from '../common/node';
import { ConnectionType } from '../common/pagination';

export enum ProviderType {
  EXTERNAL = 'EXTERNAL',
  VAULT = 'VAULT',
  STS = 'STS',
}
registerEnumType(ProviderType, {
  name: 'ProviderType',
  description: 'What kind of system a provider is.',
  valuesConfig: {
    EXTERNAL: { description: 'A third-party OAuth 2.0 / OpenID Connect authorization server.' },
    VAULT: { description: 'A secret store.' },
    STS: { description: 'A security token service that exchanges tokens (RFC 8693).' },
  },
});

@ObjectType({ simpleResolvers: true, description: 'How Clavis talks OAuth 2.0 to the provider.' })
export class OAuth2ProviderProtocol {
  @Field(() => String, { nullable: true, description: "The provider's issuer identifier (RFC 8414 §2), an absolute https URL." }) issuer?: string | null;
  @Field(() => String, { nullable: true, description: 'The authorization endpoint (RFC 6749 §3.1), an absolute https URL.' })
  authorizationEndpoint?: string | null;
  @Field(() => String, { nullable: true, description: 'The token endpoint (RFC 6749 §3.2), an absolute https URL.' }) tokenEndpoint?: string | null;
  @Field(() => String, { nullable: true, description: 'The token revocation endpoint (RFC 7009), an absolute https URL.' }) revocationEndpoint?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Extra parameters sent with every authorization request.' })
  authorizationParameters?: Record<string, string> | null;
  @Field(() => Boolean, { nullable: true, description: 'Whether to send the requested resource (RFC 8707) to the provider.' })
  authorizationResourceEnabled?: boolean | null;
  @Field(() => String, { nullable: true, description: 'Name of the resource parameter; "resource" when unset.' })
  authorizationResourceParameter?: string | null;
  @Field(() => String, { nullable: true, description: 'Name of the scope parameter; "scope" when unset.' })
  scopeParameter?: string | null;
  @Field(() => String, { nullable: true, description: 'Separator between scopes; a space when unset.' })
  scopeSeparator?: string | null;
  @Field(() => String, { nullable: true, description: 'JSON pointer (RFC 6901) to the access token in the token response; "/access_token" when unset.' })
  tokenResponseAccessTokenPointer?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'OpenID Connect settings of the provider.' })
export class OpenIdProviderProtocol {
  @Field(() => String, { nullable: true, description: 'The OpenID discovery document, /.well-known/openid-configuration.' }) discoveryUri?: string | null;
  @Field(() => String, { nullable: true, description: 'The UserInfo endpoint (OpenID Connect Core §5.3), an absolute https URL.' }) userinfoUri?: string | null;
  @Field(() => String, { nullable: true, description: "Where the provider's signing keys (a JWK Set, RFC 7517) are published, an absolute https URL." })
  jwksUri?: string | null;
  @Field(() => String, { nullable: true, description: 'The end-session endpoint (OpenID Connect RP-Initiated Logout), an absolute https URL.' })
  endSessionUri?: string | null;
  @Field(() => [String], { nullable: true, description: 'Accepted ID token signing algorithms (e.g. RS256, ES256).' })
  idTokenSigningAlgorithms?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Scopes requested on sign-in; ["openid"] when unset.' }) scopes?: string[] | null;
}

@ObjectType({ simpleResolvers: true, description: 'The protocol settings of a provider; a section is null when none of its fields is set.' })
export class ProviderProtocols {
  @Field(() => OAuth2ProviderProtocol, { nullable: true, description: 'OAuth 2.0 endpoints and request parameters.' }) oauth2?: OAuth2ProviderProtocol | null;
  @Field(() => OpenIdProviderProtocol, { nullable: true, description: 'OpenID Connect settings.' }) openid?: OpenIdProviderProtocol | null;
}

@ObjectType({ simpleResolvers: true, implements: Node, description: 'An identity provider that credentials can trust.' })
@Directive('@key(fields: "id")')
@Entity({ name: 'providers' })
export class Provider extends ZonedRecord implements Node {
  @Field(() => ProviderType, { description: 'What kind of system the provider is; EXTERNAL unless set.' })
  @Column({ type: 'text' })
  type!: ProviderType;

  @Field(() => String, { nullable: true, description: "Clavis's client id at the provider." })
  @Column({ type: 'text', name: 'client_id', nullable: true })
  clientId!: string | null;

  /** AES-256-GCM sealed client secret (see KeyRing); never leaves the service. */
  @Column({ type: 'text', name: 'client_secret_encrypted', nullable: true })
  clientSecretEncrypted!: string | null;

  @Field(() => Boolean, { description: 'Whether a client secret is stored. The secret itself is never returned.' })
  get clientSecretSet(): boolean {
    return this.clientSecretEncrypted != null;
  }

  @Field(() => EntityMetadata, { nullable: true, description: 'Links about the provider; null when none is set.' })
  @Column({ type: 'jsonb', nullable: true })
  metadata!: EntityMetadata | null;

  @Field(() => ProviderProtocols, { nullable: true, description: 'How Clavis talks to the provider; null when no protocol setting is stored.' })
  @Column({ type: 'jsonb', nullable: true })
  protocols!: ProviderProtocols | null;
}

@ObjectType({ simpleResolvers: true, description: 'A page of providers, oldest first.' })
export class ProviderConnection extends ConnectionType('Provider', () => Provider) {}

registerNodeType('provider', 'Provider');
