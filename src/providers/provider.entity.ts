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
  description: 'EXTERNAL: a third-party authorization server; VAULT: a secret store; STS: a security token service (token exchange).',
});

@ObjectType({ simpleResolvers: true, description: 'How Clavis talks OAuth 2.0 to the provider.' })
export class OAuth2ProviderProtocol {
  @Field(() => String, { nullable: true }) issuer?: string | null;
  @Field(() => String, { nullable: true }) authorizationEndpoint?: string | null;
  @Field(() => String, { nullable: true }) tokenEndpoint?: string | null;
  @Field(() => String, { nullable: true }) revocationEndpoint?: string | null;
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
  @Field(() => String, { nullable: true }) userinfoUri?: string | null;
  @Field(() => String, { nullable: true }) jwksUri?: string | null;
  @Field(() => String, { nullable: true }) endSessionUri?: string | null;
  @Field(() => [String], { nullable: true, description: 'Accepted ID token signing algorithms (e.g. RS256, ES256).' })
  idTokenSigningAlgorithms?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Scopes requested on sign-in; ["openid"] when unset.' }) scopes?: string[] | null;
}

@ObjectType({ simpleResolvers: true })
export class ProviderProtocols {
  @Field(() => OAuth2ProviderProtocol, { nullable: true }) oauth2?: OAuth2ProviderProtocol | null;
  @Field(() => OpenIdProviderProtocol, { nullable: true }) openid?: OpenIdProviderProtocol | null;
}

@ObjectType({ simpleResolvers: true, implements: Node, description: 'An identity provider that credentials can trust.' })
@Directive('@key(fields: "id")')
@Entity({ name: 'providers' })
export class Provider extends ZonedRecord implements Node {
  @Field(() => ProviderType)
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

  @Field(() => EntityMetadata, { nullable: true })
  @Column({ type: 'jsonb', nullable: true })
  metadata!: EntityMetadata | null;

  @Field(() => ProviderProtocols, { nullable: true })
  @Column({ type: 'jsonb', nullable: true })
  protocols!: ProviderProtocols | null;
}

@ObjectType({ simpleResolvers: true })
export class ProviderConnection extends ConnectionType('Provider', () => Provider) {}

registerNodeType('provider', 'Provider');
