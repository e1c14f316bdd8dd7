import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { ZonedRecord } from '../common/base-entity';
import { EntityMetadata } from '../common/metadata';
import { Node, registerNodeType } from '../common/node';
import { ConnectionType } from '../common/pagination';

@ObjectType({ simpleResolvers: true, description: "The application's OAuth 2.0 settings." })
export class OAuth2ApplicationProtocol {
  @Field(() => [String], {
    description: 'Redirect URIs the default client is derived from at creation (RFC 6749 §3.1.2; private-use schemes per RFC 8252 §7.1), without duplicates.',
  })
  redirectUris!: string[];

  @Field(() => [String], {
    description: 'Where users may be sent after logout (OpenID Connect RP-Initiated Logout); the default client is derived from them at creation.',
  })
  postLogoutRedirectUris!: string[];
}

@ObjectType({ simpleResolvers: true, description: 'Protocol settings of an application, one member per protocol.' })
export class ApplicationProtocols {
  @Field(() => OAuth2ApplicationProtocol, { nullable: true, description: 'OAuth 2.0 settings; null when none were given.' })
  oauth2?: OAuth2ApplicationProtocol | null;
}

@ObjectType({ simpleResolvers: true, implements: Node, description: 'An OAuth/OIDC application: the unit that owns clients and credentials.' })
@Directive('@key(fields: "id")')
@Entity({ name: 'applications' })
export class Application extends ZonedRecord implements Node {
  @Field(() => EntityMetadata, { nullable: true, description: 'Descriptive links (documentation); null when none were given.' })
  @Column({ type: 'jsonb', nullable: true })
  metadata!: EntityMetadata | null;

  @Field(() => ApplicationProtocols, { nullable: true, description: 'Protocol settings (OAuth 2.0 redirect URIs); null when none were given.' })
  @Column({ type: 'jsonb', nullable: true })
  protocols!: ApplicationProtocols | null;

  @Field(() => [String], { description: 'Resource identifiers (absolute URIs without fragment, RFC 8707 §2) the application needs, without duplicates.' })
  @Column({ type: 'text', array: true })
  dependencies!: string[];

  @Field(() => Int, { description: 'Number of entries in `dependencies`.' })
  get dependenciesCount(): number {
    return this.dependencies.length;
  }
}

@ObjectType({ simpleResolvers: true, description: 'A page of applications, in the order `orderBy` asks for.' })
export class ApplicationConnection extends ConnectionType('Application', () => Application) {}

registerNodeType('application', 'Application');
