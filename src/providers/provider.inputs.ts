import { ArrayMaxSize, IsOptional, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { EntityMetadataInput } from '../common/metadata';
import { DescriptionBound, IdempotencyKeyBound, INPUT_BOUNDS, IsIdentifier, IsSlug, NameBound, UriBound } from '../common/input-bounds';
import { OwnerType } from '../common/node';
import { Provider, ProviderType } from './provider.entity';

const PARAMETER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

@InputType()
export class OAuth2ProviderProtocolInput {
  @Field(() => String, { nullable: true }) @IsOptional() @UriBound() issuer?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @UriBound() authorizationEndpoint?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @UriBound() tokenEndpoint?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @UriBound() revocationEndpoint?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'String values only; at most 50 parameters.' })
  authorizationParameters?: Record<string, unknown> | null;
  @Field(() => Boolean, { nullable: true }) authorizationResourceEnabled?: boolean | null;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(PARAMETER_NAME, { message: 'must be a parameter name of 1 to 64 letters, digits, "_", "." or "-"' })
  authorizationResourceParameter?: string | null;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(PARAMETER_NAME, { message: 'must be a parameter name of 1 to 64 letters, digits, "_", "." or "-"' })
  scopeParameter?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MinLength(1) @MaxLength(4) scopeSeparator?: string | null;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(256)
  // "/" is excluded from the reference-token class: with it, "////…~" backtracks exponentially.
  @Matches(/^(\/([^~/]|~[01])*)*$/, { message: 'must be a JSON pointer (RFC 6901) such as /access_token' })
  tokenResponseAccessTokenPointer?: string | null;
}

@InputType()
export class OpenIdProviderProtocolInput {
  @Field(() => String, { nullable: true }) @IsOptional() @UriBound() discoveryUri?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @UriBound() userinfoUri?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @UriBound() jwksUri?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @UriBound() endSessionUri?: string | null;
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(20)
  @Matches(/^(RS|PS|ES)(256|384|512)$|^EdDSA$/, { each: true, message: 'must be a JWS algorithm such as RS256, PS256, ES256 or EdDSA' })
  idTokenSigningAlgorithms?: string[] | null;
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(100)
  @Matches(/^[^\s]{1,128}$/, { each: true, message: 'must be a scope without whitespace' })
  scopes?: string[] | null;
}

@InputType()
export class ProviderProtocolsInput {
  @Field(() => OAuth2ProviderProtocolInput, { nullable: true }) @IsOptional() @ValidateNested() oauth2?: OAuth2ProviderProtocolInput | null;
  @Field(() => OpenIdProviderProtocolInput, { nullable: true }) @IsOptional() @ValidateNested() openid?: OpenIdProviderProtocolInput | null;
}

/** Fields create and update share; on update every one is optional. */
@InputType()
abstract class ProviderFieldsInput {
  @Field(() => String, { nullable: true }) @IsOptional() @IsSlug() slug?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @DescriptionBound() description?: string | null;
  @Field(() => ProviderType, { nullable: true }) type?: ProviderType;
  @Field(() => String, { nullable: true, description: "Clavis's client id at the provider." })
  @IsOptional()
  @MaxLength(256)
  clientId?: string | null;
  @Field(() => String, { nullable: true, description: 'Stored encrypted; never returned.' })
  @IsOptional()
  @MinLength(1)
  @MaxLength(4096)
  clientSecret?: string;
  @Field(() => EntityMetadataInput, { nullable: true }) @IsOptional() @ValidateNested() metadata?: EntityMetadataInput | null;
  @Field(() => ProviderProtocolsInput, { nullable: true }) @IsOptional() @ValidateNested() protocols?: ProviderProtocolsInput | null;
}

@InputType()
export class CreateProviderInput extends ProviderFieldsInput {
  @Field(() => String) @IsIdentifier() identifier!: string;
  @Field(() => String) @NameBound() name!: string;
  @Field(() => ID, { nullable: true, description: 'Defaults to "default".' }) @IsOptional() @IsIdentifier(INPUT_BOUNDS.zoneId) zoneId?: string;
  @Field(() => OwnerType, { nullable: true, description: 'Defaults to CUSTOMER; PLATFORM needs platform:write.' }) ownerType?: OwnerType;
  @Field(() => String, { nullable: true, description: 'Retries with the same key and input return the first result.' })
  @IsOptional()
  @IdempotencyKeyBound()
  idempotencyKey?: string;
}

@InputType()
export class UpdateProviderInput extends ProviderFieldsInput {
  @Field(() => ID) id!: string;
  @Field(() => Int, { nullable: true, description: 'Fails with CONFLICT unless the provider is still at this version.' }) expectedVersion?: number;
  @Field(() => String, { nullable: true }) @IsOptional() @IsIdentifier() identifier?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @NameBound() name?: string;
  @Field(() => Boolean, { nullable: true, description: 'Removes the stored client secret.' }) clearClientSecret?: boolean;
}

@InputType()
export class DeleteProviderInput {
  @Field(() => ID) id!: string;
}

@InputType()
export class ProviderFilter {
  @Field(() => ID, { nullable: true }) zoneId?: string;
  @Field(() => ProviderType, { nullable: true }) type?: ProviderType;
}

@ObjectType({ simpleResolvers: true })
export class CreateProviderPayload {
  @Field(() => Provider) provider!: Provider;
}

@ObjectType({ simpleResolvers: true })
export class UpdateProviderPayload {
  @Field(() => Provider) provider!: Provider;
}

@ObjectType({ simpleResolvers: true })
export class DeleteProviderPayload {
  @Field(() => ID) deletedId!: string;
}
