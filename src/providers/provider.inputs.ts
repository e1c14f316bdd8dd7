import { ArrayMaxSize, IsOptional, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { EntityMetadataInput } from '../common/metadata';
import { DescriptionBound, IdempotencyKeyBound, INPUT_BOUNDS, IsIdentifier, IsSlug, NameBound, UriBound } from '../common/input-bounds';
import { OwnerType } from '../common/node';
import { Provider, ProviderType } from './provider.entity';

const PARAMETER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

@InputType({ description: 'OAuth 2.0 settings of a provider; unset fields are not stored.' })
export class OAuth2ProviderProtocolInput {
  @Field(() => String, { nullable: true, description: "The provider's issuer identifier (RFC 8414 §2): an absolute https URL of at most 2048 characters." })
  @IsOptional()
  @UriBound()
  issuer?: string | null;
  @Field(() => String, { nullable: true, description: 'The authorization endpoint (RFC 6749 §3.1): an absolute https URL of at most 2048 characters.' })
  @IsOptional()
  @UriBound()
  authorizationEndpoint?: string | null;
  @Field(() => String, { nullable: true, description: 'The token endpoint (RFC 6749 §3.2): an absolute https URL of at most 2048 characters.' })
  @IsOptional()
  @UriBound()
  tokenEndpoint?: string | null;
  @Field(() => String, { nullable: true, description: 'The revocation endpoint (RFC 7009): an absolute https URL of at most 2048 characters.' })
  @IsOptional()
  @UriBound()
  revocationEndpoint?: string | null;
  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description:
      'Extra parameters sent with every authorization request: at most 50, names of 1 to 64 letters, digits, "_", "." or "-", ' +
      'string values of at most 1024 characters.',
  })
  authorizationParameters?: Record<string, unknown> | null;
  @Field(() => Boolean, { nullable: true, description: 'Whether to send the requested resource (RFC 8707) to the provider.' })
  authorizationResourceEnabled?: boolean | null;
  @Field(() => String, { nullable: true, description: 'Name of the resource parameter: 1 to 64 letters, digits, "_", "." or "-".' })
  @IsOptional()
  @Matches(PARAMETER_NAME, { message: 'must be a parameter name of 1 to 64 letters, digits, "_", "." or "-"' })
  authorizationResourceParameter?: string | null;
  @Field(() => String, { nullable: true, description: 'Name of the scope parameter: 1 to 64 letters, digits, "_", "." or "-".' })
  @IsOptional()
  @Matches(PARAMETER_NAME, { message: 'must be a parameter name of 1 to 64 letters, digits, "_", "." or "-"' })
  scopeParameter?: string | null;
  @Field(() => String, { nullable: true, description: 'Separator between scopes, 1 to 4 characters.' })
  @IsOptional()
  @MinLength(1)
  @MaxLength(4)
  scopeSeparator?: string | null;
  @Field(() => String, { nullable: true, description: 'JSON pointer (RFC 6901) to the access token in the token response, at most 256 characters.' })
  @IsOptional()
  @MaxLength(256)
  // "/" is excluded from the reference-token class: with it, "////…~" backtracks exponentially.
  @Matches(/^(\/([^~/]|~[01])*)*$/, { message: 'must be a JSON pointer (RFC 6901) such as /access_token' })
  tokenResponseAccessTokenPointer?: string | null;
}

@InputType({ description: 'OpenID Connect settings of a provider; unset fields are not stored.' })
export class OpenIdProviderProtocolInput {
  @Field(() => String, {
    nullable: true,
    description: 'The OpenID discovery document (/.well-known/openid-configuration): an absolute https URL of at most 2048 characters.',
  })
  @IsOptional()
  @UriBound()
  discoveryUri?: string | null;
  @Field(() => String, { nullable: true, description: 'The UserInfo endpoint (OpenID Connect Core §5.3): an absolute https URL of at most 2048 characters.' })
  @IsOptional()
  @UriBound()
  userinfoUri?: string | null;
  @Field(() => String, { nullable: true, description: "The provider's JWK Set URL: an absolute https URL of at most 2048 characters." })
  @IsOptional()
  @UriBound()
  jwksUri?: string | null;
  @Field(() => String, { nullable: true, description: 'The end-session endpoint (RP-Initiated Logout): an absolute https URL of at most 2048 characters.' })
  @IsOptional()
  @UriBound()
  endSessionUri?: string | null;
  @Field(() => [String], { nullable: true, description: 'Accepted ID token signing algorithms, at most 20: RS, PS or ES with 256, 384 or 512, or EdDSA.' })
  @IsOptional()
  @ArrayMaxSize(20)
  @Matches(/^(RS|PS|ES)(256|384|512)$|^EdDSA$/, { each: true, message: 'must be a JWS algorithm such as RS256, PS256, ES256 or EdDSA' })
  idTokenSigningAlgorithms?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Scopes requested on sign-in: at most 100, each 1 to 128 characters without whitespace.' })
  @IsOptional()
  @ArrayMaxSize(100)
  @Matches(/^[^\s]{1,128}$/, { each: true, message: 'must be a scope without whitespace' })
  scopes?: string[] | null;
}

@InputType({ description: 'The protocol settings of a provider; on update they replace the stored ones as a whole.' })
export class ProviderProtocolsInput {
  @Field(() => OAuth2ProviderProtocolInput, { nullable: true, description: 'OAuth 2.0 settings.' })
  @IsOptional()
  @ValidateNested()
  oauth2?: OAuth2ProviderProtocolInput | null;
  @Field(() => OpenIdProviderProtocolInput, { nullable: true, description: 'OpenID Connect settings.' })
  @IsOptional()
  @ValidateNested()
  openid?: OpenIdProviderProtocolInput | null;
}

/** Fields create and update share; on update every one is optional. */
@InputType()
abstract class ProviderFieldsInput {
  @Field(() => String, {
    nullable: true,
    description: 'At most 64 lowercase letters, digits and single hyphens, unique within the zone; on create, derived from the name when omitted.',
  })
  @IsOptional()
  @IsSlug()
  slug?: string;
  @Field(() => String, { nullable: true, description: 'Free text of at most 2000 characters.' }) @IsOptional() @DescriptionBound() description?: string | null;
  @Field(() => ProviderType, { nullable: true, description: 'What kind of system the provider is; EXTERNAL when omitted on create.' }) type?: ProviderType;
  @Field(() => String, { nullable: true, description: "Clavis's client id at the provider, at most 256 characters." })
  @IsOptional()
  @MaxLength(256)
  clientId?: string | null;
  @Field(() => String, {
    nullable: true,
    description: "Clavis's client secret at the provider, 1 to 4096 characters; stored encrypted, never returned. On update, replaces the stored one.",
  })
  @IsOptional()
  @MinLength(1)
  @MaxLength(4096)
  clientSecret?: string;
  @Field(() => EntityMetadataInput, { nullable: true, description: 'Links about the provider; on update, null removes them.' })
  @IsOptional()
  @ValidateNested()
  metadata?: EntityMetadataInput | null;
  @Field(() => ProviderProtocolsInput, {
    nullable: true,
    description: 'How Clavis talks to the provider; on update, replaces the stored settings (null removes them).',
  })
  @IsOptional()
  @ValidateNested()
  protocols?: ProviderProtocolsInput | null;
}

@InputType({ description: "A new provider in one zone of the caller's organization." })
export class CreateProviderInput extends ProviderFieldsInput {
  @Field(() => String, { description: 'Unique within the zone: 1 to 128 printable ASCII characters without whitespace.' }) @IsIdentifier() identifier!: string;
  @Field(() => String, { description: 'Display name, 1 to 200 characters.' }) @NameBound() name!: string;
  @Field(() => ID, { nullable: true, description: 'The zone, 1 to 64 printable ASCII characters without whitespace; defaults to "default".' })
  @IsOptional()
  @IsIdentifier(INPUT_BOUNDS.zoneId)
  zoneId?: string;
  @Field(() => OwnerType, { nullable: true, description: 'Defaults to CUSTOMER; PLATFORM needs platform:write.' }) ownerType?: OwnerType;
  @Field(() => String, { nullable: true, description: 'At most 200 characters. A retry with the same key and input within 24 hours returns the first result.' })
  @IsOptional()
  @IdempotencyKeyBound()
  idempotencyKey?: string;
}

@InputType({ description: 'Changes to a provider; omitted fields keep their value.' })
export class UpdateProviderInput extends ProviderFieldsInput {
  @Field(() => ID, { description: 'The provider to change.' }) id!: string;
  @Field(() => Int, { nullable: true, description: 'Fails with CONFLICT unless the provider is still at this version.' }) expectedVersion?: number;
  @Field(() => String, { nullable: true, description: 'Unique within the zone: 1 to 128 printable ASCII characters without whitespace.' })
  @IsOptional()
  @IsIdentifier()
  identifier?: string;
  @Field(() => String, { nullable: true, description: 'Display name, 1 to 200 characters.' }) @IsOptional() @NameBound() name?: string;
  @Field(() => Boolean, { nullable: true, description: 'Removes the stored client secret; cannot be combined with clientSecret.' }) clearClientSecret?: boolean;
}

@InputType({ description: 'The provider to delete.' })
export class DeleteProviderInput {
  @Field(() => ID, { description: 'The id of the provider.' }) id!: string;
}

@InputType({ description: 'Narrows a list of providers; the conditions given must all hold.' })
export class ProviderFilter {
  @Field(() => ID, { nullable: true, description: 'Only providers of this zone.' }) zoneId?: string;
  @Field(() => ProviderType, { nullable: true, description: 'Only providers of this type.' }) type?: ProviderType;
}

@ObjectType({ simpleResolvers: true, description: 'The result of createProvider.' })
export class CreateProviderPayload {
  @Field(() => Provider, { description: 'The new provider.' }) provider!: Provider;
}

@ObjectType({ simpleResolvers: true, description: 'The result of updateProvider.' })
export class UpdateProviderPayload {
  @Field(() => Provider, { description: 'The provider as changed.' }) provider!: Provider;
}

@ObjectType({ simpleResolvers: true, description: 'The result of deleteProvider.' })
export class DeleteProviderPayload {
  @Field(() => ID, { description: 'The id of the deleted provider.' }) deletedId!: string;
}
