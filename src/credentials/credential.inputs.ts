import { IsOptional, Matches, ValidateNested } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { IdempotencyKeyBound, IsIdentifier, IsSlug, UriBound } from '../common/input-bounds';
import { CredentialType, CredentialUnion, type CredentialRow } from './credential.entity';

/** A token subject: printable, no control characters. */
const SUBJECT_PATTERN = /^[^\p{Cc}]{1,256}$/u;

@InputType()
export class TokenCredentialInput {
  @Field(() => ID, { description: 'A provider of your organization.' }) providerId!: string;
  @Field(() => String, { nullable: true, description: 'The accepted subject; omitted or null accepts any subject ("*").' })
  @IsOptional()
  @Matches(SUBJECT_PATTERN, { message: 'must be 1 to 256 characters without control characters' })
  subject?: string | null;
}

@InputType()
export class PasswordCredentialInput {
  @Field(() => String, { nullable: true, description: 'The username (an OAuth client id); generated when omitted.' })
  @IsOptional()
  @IsIdentifier()
  identifier?: string;
}

@InputType()
export class PublicKeyCredentialInput {
  @Field(() => String, { nullable: true, description: 'An OAuth client id; generated when omitted.' })
  @IsOptional()
  @IsIdentifier()
  identifier?: string;
  @Field(() => String, { nullable: true, description: 'Where the public keys are published (https). Exclusive with jwks.' })
  @IsOptional()
  @UriBound()
  jwksUri?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'A JWK Set of public keys. Exclusive with jwksUri.' })
  jwks?: Record<string, unknown> | null;
}

@InputType()
export class UrlCredentialInput {
  @Field(() => String, { description: 'An absolute https URL; it is also the identifier.' })
  @UriBound()
  url!: string;
}

@InputType()
export class PublicCredentialInput {
  @Field(() => String, { nullable: true, description: 'An OAuth client id; generated when omitted.' })
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
  @Field(() => ID) applicationId!: string;
  @Field(() => String, { nullable: true, description: 'Unique within the application; derived when omitted.' }) @IsOptional() @IsSlug() slug?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IdempotencyKeyBound() idempotencyKey?: string;
  @Field(() => TokenCredentialInput, { nullable: true }) @IsOptional() @ValidateNested() token?: TokenCredentialInput;
  @Field(() => PasswordCredentialInput, { nullable: true }) @IsOptional() @ValidateNested() password?: PasswordCredentialInput;
  @Field(() => PublicKeyCredentialInput, { nullable: true }) @IsOptional() @ValidateNested() publicKey?: PublicKeyCredentialInput;
  @Field(() => UrlCredentialInput, { nullable: true }) @IsOptional() @ValidateNested() url?: UrlCredentialInput;
  // Quoted: unquoted, `public` would read as the TypeScript modifier.
  @Field(() => PublicCredentialInput, { nullable: true }) @IsOptional() @ValidateNested() 'public'?: PublicCredentialInput;
}

@InputType()
export class UpdateTokenCredentialInput {
  @Field(() => String, { nullable: true, description: 'null accepts any subject ("*").' })
  @IsOptional()
  @Matches(SUBJECT_PATTERN, { message: 'must be 1 to 256 characters without control characters' })
  subject?: string | null;
}

@InputType()
export class UpdatePublicKeyCredentialInput {
  @Field(() => String, { nullable: true }) @IsOptional() @UriBound() jwksUri?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) jwks?: Record<string, unknown> | null;
}

@InputType()
export class UpdateUrlCredentialInput {
  @Field(() => String, { nullable: true }) @IsOptional() @UriBound() url?: string;
}

@InputType({ description: 'The sub-input must match the credential type.' })
export class UpdateCredentialInput {
  @Field(() => ID) id!: string;
  @Field(() => Int, { nullable: true }) expectedVersion?: number;
  @Field(() => String, { nullable: true }) @IsOptional() @IsSlug() slug?: string;
  @Field(() => UpdateTokenCredentialInput, { nullable: true }) @IsOptional() @ValidateNested() token?: UpdateTokenCredentialInput;
  @Field(() => UpdatePublicKeyCredentialInput, { nullable: true }) @IsOptional() @ValidateNested() publicKey?: UpdatePublicKeyCredentialInput;
  @Field(() => UpdateUrlCredentialInput, { nullable: true }) @IsOptional() @ValidateNested() url?: UpdateUrlCredentialInput;
}

@InputType()
export class DeleteCredentialInput {
  @Field(() => ID) id!: string;
}

@InputType()
export class RotateCredentialSecretInput {
  @Field(() => ID) id!: string;
}

@InputType()
export class CredentialFilter {
  @Field(() => ID, { nullable: true }) applicationId?: string;
  @Field(() => CredentialType, { nullable: true }) type?: CredentialType;
}

@ObjectType({ simpleResolvers: true })
export class CreateCredentialPayload {
  @Field(() => CredentialUnion) credential!: CredentialRow;
  @Field(() => String, { nullable: true, description: 'The generated password of a PASSWORD credential, shown only here.' }) secret!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class UpdateCredentialPayload {
  @Field(() => CredentialUnion) credential!: CredentialRow;
}

@ObjectType({ simpleResolvers: true })
export class DeleteCredentialPayload {
  @Field(() => ID) deletedId!: string;
}

@ObjectType({ simpleResolvers: true })
export class RotateCredentialSecretPayload {
  @Field(() => CredentialUnion) credential!: CredentialRow;
  @Field(() => String, { description: 'The new password, shown only here.' }) secret!: string;
}
