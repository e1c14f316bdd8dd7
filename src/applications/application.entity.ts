import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { ZonedRecord } from '../common/base-entity';
import { EntityMetadata } from '../common/metadata';
import { Node, registerNodeType } from '../common/node';
import { ConnectionType } from '../common/pagination';

@ObjectType({ simpleResolvers: true })
export class OAuth2ApplicationProtocol {
  @Field(() => [String], { description: 'Redirect URIs the default client is derived from.' })
  redirectUris!: string[];

  @Field(() => [String])
  postLogoutRedirectUris!: string[];
}

@ObjectType({ simpleResolvers: true })
export class ApplicationProtocols {
  @Field(() => OAuth2ApplicationProtocol, { nullable: true })
  oauth2?: OAuth2ApplicationProtocol | null;
}

@ObjectType({ simpleResolvers: true, implements: Node, description: 'An OAuth/OIDC application: the unit that owns clients and credentials.' })
@Directive('@key(fields: "id")')
@Entity({ name: 'applications' })
export class Application extends ZonedRecord implements Node {
  @Field(() => String, { description: 'User-specified, unique within the zone.' })
  identifier!: string;

  @Field(() => String, { description: 'URL-safe, unique within the zone; derived from the name when omitted.' })
  slug!: string;

  @Field(() => EntityMetadata, { nullable: true })
  @Column({ type: 'jsonb', nullable: true })
  metadata!: EntityMetadata | null;

  @Field(() => ApplicationProtocols, { nullable: true })
  @Column({ type: 'jsonb', nullable: true })
  protocols!: ApplicationProtocols | null;

  @Field(() => [String], { description: 'Resource identifiers (absolute URIs) the application needs.' })
  @Column({ type: 'text', array: true })
  dependencies!: string[];

  @Field(() => Int)
  get dependenciesCount(): number {
    return this.dependencies.length;
  }
}

@ObjectType({ simpleResolvers: true })
export class ApplicationConnection extends ConnectionType('Application', () => Application) {}

registerNodeType('application', 'Application');
