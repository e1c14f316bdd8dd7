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
registerEnumType(CredentialType, {
  name: 'CredentialType',
  description: "The kind of a credential; it picks the credential's GraphQL type.",
  valuesConfig: {
    TOKEN: { description: 'Accepts tokens issued by a provider, for one subject or any (TokenCredential).' },
    PASSWORD: { description: 'A password Clavis generates; the identifier is the username, an OAuth client id (PasswordCredential).' },
    PUBLIC_KEY: { description: 'Public keys (a JWK Set, RFC 7517), inline or by jwksUri; the identifier is an OAuth client id (PublicKeyCredential).' },
    URL: { description: 'Identified by an https URL, such as a client ID metadata document (UrlCredential).' },
    PUBLIC: { description: 'A public client: an OAuth client id without a secret (RFC 6749 §2.1) (PublicCredential).' },
  },
});

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
  /** PUBLIC_KEY: when a key of it last verified a client assertion or held a client certificate. */
  @Column({ type: 'timestamptz', precision: 3, name: 'last_used_at', nullable: true }) lastUsedAt!: Date | null;
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
export const credentialTypeName = (row: { type?: unknown }) => CREDENTIAL_TYPE_NAMES[row.type as CredentialType];
registerNodeType('credential', credentialTypeName);

@InterfaceType({ implements: Node, resolveType: credentialTypeName, description: 'The fields every credential has.' })
export abstract class ApplicationCredential implements Node {
  @Field(() => ID, { description: 'Opaque id with the prefix `cred_`; fetch it again with `node(id)` or `credential(id)`.' }) id!: string;
  @Field(() => CredentialType, { description: 'The kind of credential; fixed at creation.' }) type!: CredentialType;
  @Field(() => String, {
    description:
      'What the credential is known by: the subject ("*" for any) of a TOKEN, the URL of a URL credential, the OAuth client id of the others ' +
      '(unique within the zone among PASSWORD, PUBLIC_KEY and PUBLIC credentials).',
  })
  identifier!: string;
  @Field(() => String, { description: 'URL-safe name, unique within the application; at most 64 lowercase letters, digits and single hyphens.' }) slug!: string;
  @Field(() => ID, { description: "The organization that owns the credential (from the caller's token)." }) organizationId!: string;
  @Field(() => ID, { description: "The zone of the credential's application." }) zoneId!: string;
  @Field(() => ID, { description: 'The application the credential belongs to.' }) applicationId!: string;
  @Field(() => Int, { description: 'Starts at 1 and is incremented on every change; pass it as `expectedVersion` for optimistic locking.' }) version!: number;
  @Field(() => Date, { description: 'When the credential was created (millisecond precision).' }) createdAt!: Date;
  @Field(() => Date, { description: 'When the credential last changed (millisecond precision).' }) updatedAt!: Date;
}

@ObjectType({
  simpleResolvers: true,
  implements: [Node, ApplicationCredential],
  description: 'Accepts tokens of a provider, for one subject or for any ("*").',
})
@Directive('@key(fields: "id")')
export class TokenCredential extends ApplicationCredential {
  @Field(() => ID, { description: 'The provider whose tokens are accepted; a provider of the same organization and zone.' }) providerId!: string;
  @Field(() => String, { nullable: true, description: 'The accepted token subject (`sub`); null accepts any subject of the provider.' })
  subject!: string | null;
}

@ObjectType({
  simpleResolvers: true,
  implements: [Node, ApplicationCredential],
  description: 'A generated password; the identifier is the username (an OAuth client id).',
})
@Directive('@key(fields: "id")')
export class PasswordCredential extends ApplicationCredential {
  @Field(() => Date, { nullable: true, description: 'When the password was last rotated (rotateCredentialSecret); null if never.' })
  secretRotatedAt!: Date | null;
}

@ObjectType({
  simpleResolvers: true,
  implements: [Node, ApplicationCredential],
  description: 'Public keys, inline (jwks) or by reference (jwksUri): exactly one of the two.',
})
@Directive('@key(fields: "id")')
export class PublicKeyCredential extends ApplicationCredential {
  @Field(() => String, { nullable: true, description: 'Absolute https URL where the client publishes its JWK Set; null when jwks is set.' })
  jwksUri!: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The JWK Set (RFC 7517) of public signing keys; null when jwksUri is set.' })
  jwks!: Record<string, unknown> | null;
  @Field(() => Date, {
    nullable: true,
    description: 'When one of its keys last authenticated a client (authenticateClient; refreshed at most once a minute); null until then.',
  })
  lastUsedAt!: Date | null;
}

@ObjectType({
  simpleResolvers: true,
  implements: [Node, ApplicationCredential],
  description: 'Identified by a URL (e.g. a client ID metadata document); identifier = url.',
})
@Directive('@key(fields: "id")')
export class UrlCredential extends ApplicationCredential {
  @Field(() => String, { description: 'The absolute https URL; the same as identifier.' }) url!: string;
}

@ObjectType({ simpleResolvers: true, implements: [Node, ApplicationCredential], description: 'A public client: an OAuth client id with no secret.' })
@Directive('@key(fields: "id")')
export class PublicCredential extends ApplicationCredential {}

export const CredentialUnion = createUnionType({
  name: 'Credential',
  types: () => [TokenCredential, PasswordCredential, PublicKeyCredential, UrlCredential, PublicCredential] as const,
  resolveType: credentialTypeName,
  description: 'Any credential; select common fields with `... on ApplicationCredential` and the others with a fragment per type.',
});

@ObjectType({ simpleResolvers: true, description: 'A page of credentials, oldest first.' })
export class CredentialConnection extends ConnectionType('Credential', () => CredentialUnion) {}
