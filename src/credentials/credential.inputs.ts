import { IsOptional, Matches, ValidateNested } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { IdempotencyKeyBound, IsIdentifier, IsSlug, UriBound } from '../common/input-bounds';
import { CredentialType, CredentialUnion, type CredentialRow } from './credential.entity';
import { JWKS_LIMITS } from './jwks';

/** A token subject: printable, no control characters. */
const SUBJECT_PATTERN = /^[^\p{Cc}]{1,256}$/u;
const JWKS_DESCRIPTION =
  `A JWK Set (RFC 7517) of 1 to ${JWKS_LIMITS.keys} public signing keys, at most ${JWKS_LIMITS.bytes} bytes: RSA of at least ${JWKS_LIMITS.minRsaBits} bits, ` +
  'EC P-256/384/521 or OKP Ed25519/Ed448; a `kid` on each key when there are several. Exclusive with jwksUri.';

@InputType({ description: 'A TOKEN credential: accepts tokens a provider issued.' })
export class TokenCredentialInput {
  @Field(() => ID, { description: "A provider of your organization in the application's zone." }) providerId!: string;
  @Field(() => String, {
    nullable: true,
    description: 'The accepted subject (`sub`), 1 to 256 characters without control characters; omitted or null accepts any subject ("*").',
  })
  @IsOptional()
  @Matches(SUBJECT_PATTERN, { message: 'must be 1 to 256 characters without control characters' })
  subject?: string | null;
}

@InputType({ description: 'A PASSWORD credential; Clavis generates the password and returns it once, in the payload.' })
export class PasswordCredentialInput {
  @Field(() => String, {
    nullable: true,
    description: 'The username (an OAuth client id), 1 to 128 printable ASCII characters without whitespace, unique within the zone; generated when omitted.',
  })
  @IsOptional()
  @IsIdentifier()
  identifier?: string;
}

@InputType({ description: 'A PUBLIC_KEY credential: exactly one of jwksUri and jwks.' })
export class PublicKeyCredentialInput {
  @Field(() => String, {
    nullable: true,
    description: 'An OAuth client id, 1 to 128 printable ASCII characters without whitespace, unique within the zone; generated when omitted.',
  })
  @IsOptional()
  @IsIdentifier()
  identifier?: string;
  @Field(() => String, {
    nullable: true,
    description: 'Where the JWK Set is published: an absolute https URL of at most 2048 characters. Exclusive with jwks.',
  })
  @IsOptional()
  @UriBound()
  jwksUri?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: JWKS_DESCRIPTION })
  jwks?: Record<string, unknown> | null;
}

@InputType({ description: 'A URL credential.' })
export class UrlCredentialInput {
  @Field(() => String, { description: 'An absolute https URL of at most 2048 characters; it is also the identifier.' })
  @UriBound()
  url!: string;
}

@InputType({ description: 'A PUBLIC credential: a client id without a secret.' })
export class PublicCredentialInput {
  @Field(() => String, {
    nullable: true,
    description: 'An OAuth client id, 1 to 128 printable ASCII characters without whitespace, unique within the zone; generated when omitted.',
  })
  @IsOptional()
  @IsIdentifier()
  identifier?: string;
}

/** The five kinds of credential input; a create takes exactly one. */
export const CREDENTIAL_INPUT_KINDS = [
  { field: 'token', type: CredentialType.TOKEN },
  { field: 'password', type: CredentialType.PASSWORD },
  { field: 'publicKey', type: CredentialType.PUBLIC_KEY },
  { field: 'url', type: CredentialType.URL },
  { field: 'public', type: CredentialType.PUBLIC },
] as const;

@InputType({ description: 'Exactly one of token, password, publicKey, url and public.' })
export class CreateCredentialInput {
  @Field(() => ID, { description: 'The application the credential belongs to.' }) applicationId!: string;
  @Field(() => String, {
    nullable: true,
    description: 'At most 64 lowercase letters, digits and single hyphens, unique within the application; derived from the identifier when omitted.',
  })
  @IsOptional()
  @IsSlug()
  slug?: string;
  @Field(() => String, {
    nullable: true,
    description: 'At most 200 characters. A retry with the same key and input within 24 hours returns the first result (without the secret).',
  })
  @IsOptional()
  @IdempotencyKeyBound()
  idempotencyKey?: string;
  @Field(() => TokenCredentialInput, { nullable: true, description: 'Creates a TOKEN credential.' })
  @IsOptional()
  @ValidateNested()
  token?: TokenCredentialInput;
  @Field(() => PasswordCredentialInput, { nullable: true, description: 'Creates a PASSWORD credential.' })
  @IsOptional()
  @ValidateNested()
  password?: PasswordCredentialInput;
  @Field(() => PublicKeyCredentialInput, { nullable: true, description: 'Creates a PUBLIC_KEY credential.' })
  @IsOptional()
  @ValidateNested()
  publicKey?: PublicKeyCredentialInput;
  @Field(() => UrlCredentialInput, { nullable: true, description: 'Creates a URL credential.' }) @IsOptional() @ValidateNested() url?: UrlCredentialInput;
  // Quoted: unquoted, `public` would read as the TypeScript modifier.
  @Field(() => PublicCredentialInput, { nullable: true, description: 'Creates a PUBLIC credential.' })
  @IsOptional()
  @ValidateNested()
  'public'?: PublicCredentialInput;
}

@InputType({ description: 'Changes to a TOKEN credential.' })
export class UpdateTokenCredentialInput {
  @Field(() => String, {
    nullable: true,
    description: 'The new accepted subject, 1 to 256 characters without control characters; null accepts any subject ("*").',
  })
  @IsOptional()
  @Matches(SUBJECT_PATTERN, { message: 'must be 1 to 256 characters without control characters' })
  subject?: string | null;
}

@InputType({ description: 'Changes to a PUBLIC_KEY credential. Setting one of jwksUri and jwks clears the other; giving both is refused.' })
export class UpdatePublicKeyCredentialInput {
  @Field(() => String, { nullable: true, description: 'The new JWK Set URL: an absolute https URL of at most 2048 characters.' })
  @IsOptional()
  @UriBound()
  jwksUri?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: JWKS_DESCRIPTION }) jwks?: Record<string, unknown> | null;
}

@InputType({ description: 'Changes to a URL credential.' })
export class UpdateUrlCredentialInput {
  @Field(() => String, { nullable: true, description: 'The new absolute https URL, at most 2048 characters; the identifier follows it.' })
  @IsOptional()
  @UriBound()
  url?: string;
}

@InputType({ description: "Changes to a credential; omitted fields keep their value. The sub-input given must match the credential's type." })
export class UpdateCredentialInput {
  @Field(() => ID, { description: 'The credential to change.' }) id!: string;
  @Field(() => Int, { nullable: true, description: 'Fails with CONFLICT unless the credential is still at this version.' }) expectedVersion?: number;
  @Field(() => String, { nullable: true, description: 'At most 64 lowercase letters, digits and single hyphens, unique within the application.' })
  @IsOptional()
  @IsSlug()
  slug?: string;
  @Field(() => UpdateTokenCredentialInput, { nullable: true, description: 'For a TOKEN credential.' })
  @IsOptional()
  @ValidateNested()
  token?: UpdateTokenCredentialInput;
  @Field(() => UpdatePublicKeyCredentialInput, { nullable: true, description: 'For a PUBLIC_KEY credential.' })
  @IsOptional()
  @ValidateNested()
  publicKey?: UpdatePublicKeyCredentialInput;
  @Field(() => UpdateUrlCredentialInput, { nullable: true, description: 'For a URL credential.' })
  @IsOptional()
  @ValidateNested()
  url?: UpdateUrlCredentialInput;
}

@InputType({ description: 'The credential to delete.' })
export class DeleteCredentialInput {
  @Field(() => ID, { description: 'The id of the credential.' }) id!: string;
}

@InputType({ description: 'The PASSWORD credential whose password to replace.' })
export class RotateCredentialSecretInput {
  @Field(() => ID, { description: 'The id of a PASSWORD credential.' }) id!: string;
}

@InputType({ description: 'Narrows a list of credentials; the conditions given must all hold.' })
export class CredentialFilter {
  @Field(() => ID, { nullable: true, description: 'Only the credentials of this application.' }) applicationId?: string;
  @Field(() => CredentialType, { nullable: true, description: 'Only credentials of this type.' }) type?: CredentialType;
}

@ObjectType({ simpleResolvers: true, description: 'The result of createCredential.' })
export class CreateCredentialPayload {
  @Field(() => CredentialUnion, { description: 'The new credential.' }) credential!: CredentialRow;
  @Field(() => String, {
    nullable: true,
    description:
      'The generated password of a PASSWORD credential, shown only here (`clv_pw_` and 43 characters); null for other types and on an idempotent replay.',
  })
  secret!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The result of updateCredential.' })
export class UpdateCredentialPayload {
  @Field(() => CredentialUnion, { description: 'The credential as changed.' }) credential!: CredentialRow;
}

@ObjectType({ simpleResolvers: true, description: 'The result of deleteCredential.' })
export class DeleteCredentialPayload {
  @Field(() => ID, { description: 'The id of the deleted credential.' }) deletedId!: string;
}

@ObjectType({ simpleResolvers: true, description: 'The result of rotateCredentialSecret.' })
export class RotateCredentialSecretPayload {
  @Field(() => CredentialUnion, { description: 'The credential, with its new secretRotatedAt.' }) credential!: CredentialRow;
  @Field(() => String, { description: 'The new password (`clv_pw_` and 43 characters), shown only here.' }) secret!: string;
}
