import { GraphQLJSONObject } from 'graphql-scalars';
import { createUnionType, Directive, Field, ID, Int, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Node, registerNodeType } from '../common/node';
import { ConnectionType } from '../common/pagination';

export enum CredentialType {
  TOKEN = 'TOKEN',
  PASSWORD = 'PASSWORD',
  PUBLIC_KEY = 'PUBLIC_KEY',
  URL = 'URL',
  PUBLIC = 'PUBLIC',
}
registerEnumType(CredentialType, { name: 'CredentialType' });

/**
 * One table holds every kind of credential; the GraphQL type of a row is chosen by its
 * `type` column, never by `instanceof` (rows are plain entities).
 */
@Entity({ name: 'credentials' })
export class CredentialRow {
  @PrimaryColumn({ type: 'text' }) id!: string;
  @Column({ type: 'text' }) type!: CredentialType;
  @Column({ type: 'text', name: 'organization_id' }) organizationId!: string;
  @Column({ type: 'text', name: 'zone_id' }) zoneId!: string;
  @Column({ type: 'text', name: 'application_id' }) applicationId!: string;
  @Column({ type: 'text' }) identifier!: string;
  @Column({ type: 'text' }) slug!: string;
  /** TOKEN: the provider whose tokens are accepted. */
  @Column({ type: 'text', name: 'provider_id', nullable: true }) providerId!: string | null;
  /** TOKEN: the accepted subject; null accepts any subject of the provider. */
  @Column({ type: 'text', nullable: true }) subject!: string | null;
  /** PASSWORD: HMAC of the generated password. */
  @Column({ type: 'bytea', name: 'password_hash', nullable: true }) passwordHash!: Buffer | null;
  @Column({ type: 'timestamptz', precision: 3, name: 'secret_rotated_at', nullable: true }) secretRotatedAt!: Date | null;
  @Column({ type: 'text', name: 'jwks_uri', nullable: true }) jwksUri!: string | null;
  // `any`: TypeORM's update types cannot express arbitrary JSON otherwise.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  @Column({ type: 'jsonb', nullable: true }) jwks!: Record<string, any> | null;
  @Column({ type: 'text', nullable: true }) url!: string | null;
  @Column({ type: 'integer' }) version!: number;
  @Column({ type: 'timestamptz', precision: 3, name: 'created_at' }) createdAt!: Date;
  @Column({ type: 'timestamptz', precision: 3, name: 'updated_at' }) updatedAt!: Date;
}

export const CREDENTIAL_TYPE_NAMES: Record<CredentialType, string> = {
  [CredentialType.TOKEN]: 'TokenCredential',
  [CredentialType.PASSWORD]: 'PasswordCredential',
  [CredentialType.PUBLIC_KEY]: 'PublicKeyCredential',
  [CredentialType.URL]: 'UrlCredential',
  [CredentialType.PUBLIC]: 'PublicCredential',
};
const credentialTypeName = (row: { type?: unknown }) => CREDENTIAL_TYPE_NAMES[row.type as CredentialType];
registerNodeType('credential', credentialTypeName);

@InterfaceType({ implements: Node, resolveType: credentialTypeName, description: 'The fields every credential has.' })
export abstract class ApplicationCredential implements Node {
  @Field(() => ID) id!: string;
  @Field(() => CredentialType) type!: CredentialType;
  @Field(() => String) identifier!: string;
  @Field(() => String) slug!: string;
  @Field(() => ID) organizationId!: string;
  @Field(() => ID) zoneId!: string;
  @Field(() => ID) applicationId!: string;
  @Field(() => Int) version!: number;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
}

@ObjectType({ simpleResolvers: true, implements: [Node, ApplicationCredential], description: 'Accepts tokens of a provider, for one subject or for any ("*").' })
@Directive('@key(fields: "id")')
export class TokenCredential extends ApplicationCredential {
  @Field(() => ID) providerId!: string;
  @Field(() => String, { nullable: true }) subject!: string | null;
}

@ObjectType({ simpleResolvers: true, implements: [Node, ApplicationCredential], description: 'A generated password; the identifier is the username (an OAuth client id).' })
@Directive('@key(fields: "id")')
export class PasswordCredential extends ApplicationCredential {
  @Field(() => Date, { nullable: true }) secretRotatedAt!: Date | null;
}

@ObjectType({ simpleResolvers: true, implements: [Node, ApplicationCredential], description: 'Public keys, inline (jwks) or by reference (jwksUri): exactly one of the two.' })
@Directive('@key(fields: "id")')
export class PublicKeyCredential extends ApplicationCredential {
  @Field(() => String, { nullable: true }) jwksUri!: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) jwks!: Record<string, unknown> | null;
}

@ObjectType({ simpleResolvers: true, implements: [Node, ApplicationCredential], description: 'Identified by a URL (e.g. a client ID metadata document); identifier = url.' })
@Directive('@key(fields: "id")')
export class UrlCredential extends ApplicationCredential {
  @Field(() => String) url!: string;
}

@ObjectType({ simpleResolvers: true, implements: [Node, ApplicationCredential], description: 'A public client: an OAuth client id with no secret.' })
@Directive('@key(fields: "id")')
export class PublicCredential extends ApplicationCredential {}

export const CredentialUnion = createUnionType({
  name: 'Credential',
  types: () => [TokenCredential, PasswordCredential, PublicKeyCredential, UrlCredential, PublicCredential] as const,
  resolveType: credentialTypeName,
});

@ObjectType({ simpleResolvers: true })
export class CredentialConnection extends ConnectionType('Credential', () => CredentialUnion) {}
