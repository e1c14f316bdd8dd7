import { ArrayMaxSize, IsBoolean, IsInt, IsOptional, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Client, ClientType, ClientVisibility, GrantType, ResponseType, TokenEndpointAuthMethod } from './client.entity';
import { IssueSeverity } from '../common/issue-severity';

/** Bounds on every string and list a client carries. */
export const CLIENT_LIMITS = {
  name: 200,
  description: 2000,
  uri: 2048,
  uriList: 100,
  scope: 128,
  scopeList: 200,
  accessTokenTtlMax: 86_400,
  refreshTokenTtlMax: 31_536_000,
  gracePeriodMax: 30 * 86_400,
} as const;

/** Every setting of a client; all optional (omitted ones are derived or left unchanged). */
@InputType()
export class ClientSettingsInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MinLength(1)
  @MaxLength(CLIENT_LIMITS.name)
  name?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(CLIENT_LIMITS.description)
  description?: string | null;

  @Field(() => ClientType, { nullable: true }) clientType?: ClientType;
  @Field(() => ClientVisibility, { nullable: true }) visibility?: ClientVisibility;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(CLIENT_LIMITS.uriList)
  @MaxLength(CLIENT_LIMITS.uri, { each: true })
  redirectUris?: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(CLIENT_LIMITS.uriList)
  @MaxLength(CLIENT_LIMITS.uri, { each: true })
  postLogoutRedirectUris?: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(CLIENT_LIMITS.uriList)
  @MaxLength(CLIENT_LIMITS.uri, { each: true })
  allowedCorsOrigins?: string[];

  @Field(() => [GrantType], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(4)
  grantTypes?: GrantType[];

  @Field(() => [ResponseType], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(3)
  responseTypes?: ResponseType[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(CLIENT_LIMITS.scopeList)
  @MaxLength(CLIENT_LIMITS.scope, { each: true })
  scopes?: string[];

  @Field(() => TokenEndpointAuthMethod, { nullable: true }) tokenEndpointAuthMethod?: TokenEndpointAuthMethod;

  @Field(() => Boolean, { nullable: true })
  @IsOptional()
  @IsBoolean()
  requirePkce?: boolean;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(CLIENT_LIMITS.uri)
  clientUri?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(CLIENT_LIMITS.uri)
  logoUri?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(CLIENT_LIMITS.uri)
  policyUri?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(CLIENT_LIMITS.uri)
  tosUri?: string | null;

  @Field(() => Int, { nullable: true, description: 'Seconds, 1 to 86400.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(CLIENT_LIMITS.accessTokenTtlMax)
  accessTokenTtl?: number | null;

  @Field(() => Int, { nullable: true, description: 'Seconds, 1 to 31536000.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(CLIENT_LIMITS.refreshTokenTtlMax)
  refreshTokenTtl?: number | null;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(CLIENT_LIMITS.uriList)
  @MaxLength(CLIENT_LIMITS.uri, { each: true })
  resources?: string[];
}

@InputType()
export class CreateClientInput extends ClientSettingsInput {
  @Field(() => ID) applicationId!: string;

  @Field(() => String)
  @MinLength(1)
  @MaxLength(CLIENT_LIMITS.name)
  name!: string;

  @Field(() => String, { nullable: true, description: 'Retries with the same key and input return the first result.' })
  @IsOptional()
  @MaxLength(200)
  idempotencyKey?: string;
}

@InputType()
export class UpdateClientInput extends ClientSettingsInput {
  @Field(() => ID) id!: string;

  @Field(() => Int, { nullable: true, description: 'Fails with CONFLICT unless the client is still at this version.' })
  expectedVersion?: number;

  @Field(() => Boolean, { nullable: true, description: '`true` makes this the default client of its application.' })
  isDefault?: boolean;
}

@InputType()
export class DeleteClientInput {
  @Field(() => ID) id!: string;
}

@InputType()
export class ClientFilter {
  @Field(() => ID, { nullable: true }) applicationId?: string;
  @Field(() => ClientVisibility, { nullable: true }) visibility?: ClientVisibility;
}

@ObjectType({ simpleResolvers: true })
export class CreateClientPayload {
  @Field(() => Client) client!: Client;
  @Field(() => String, { nullable: true, description: 'The generated secret, shown only here. Null for clients without one.' })
  clientSecret!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class UpdateClientPayload {
  @Field(() => Client) client!: Client;
}

@ObjectType({ simpleResolvers: true })
export class DeleteClientPayload {
  @Field(() => ID) deletedId!: string;
}

@InputType()
export class RotateClientSecretInput {
  @Field(() => ID) id!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'How long the previous secret keeps working, in seconds (at most 30 days). 0 or omitted: until deleteRotatedClientSecret.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(CLIENT_LIMITS.gracePeriodMax)
  gracePeriodSeconds?: number;
}

@ObjectType({ simpleResolvers: true })
export class RotateClientSecretPayload {
  @Field(() => Client) client!: Client;
  @Field(() => String, { description: 'The new current secret, shown only here.' }) clientSecret!: string;
}

@InputType()
export class DeleteRotatedClientSecretInput {
  @Field(() => ID) id!: string;
}

@ObjectType({ simpleResolvers: true })
export class DeleteRotatedClientSecretPayload {
  @Field(() => Client) client!: Client;
}

@InputType()
export class AuthenticateClientInput {
  @Field(() => String)
  @MaxLength(256)
  clientId!: string;

  @Field(() => String)
  @MaxLength(512)
  clientSecret!: string;
}

@ObjectType({ simpleResolvers: true })
export class AuthenticateClientPayload {
  @Field(() => Boolean) authenticated!: boolean;
  @Field(() => Client, { nullable: true, description: 'The authenticated client; null whenever authentication failed.' }) client!: Client | null;
  @Field(() => Boolean, { description: 'Whether the previous (rotated) secret was the one that matched.' }) usedRotatedSecret!: boolean;
}

@InputType()
export class VerifyClientUriInput {
  @Field(() => ID) id!: string;
}

@ObjectType({ simpleResolvers: true })
export class VerifyClientUriPayload {
  @Field(() => Client, { description: 'The client with the outcome in `clientUriVerification` (VERIFIED or FAILED with a reason).' })
  client!: Client;
}

registerEnumType(IssueSeverity, {
  name: 'ClientSettingsIssueSeverity',
  valuesConfig: {
    ERROR: { description: 'createClient / updateClient refuse these settings (BAD_USER_INPUT).' },
    WARNING: { description: 'Allowed, but against a recommendation of the referenced specification.' },
  },
});

@ObjectType({ simpleResolvers: true, description: 'One finding of the client rules, as validateClientSettings reports it.' })
export class ClientSettingsIssue {
  @Field(() => String, { description: 'Dotted path of the input field, relative to `input` (e.g. `redirectUris.2`).' })
  path!: string;

  @Field(() => String, { description: 'Stable code of the rule, e.g. `REDIRECT_URI_NOT_HTTPS`.' })
  code!: string;

  @Field(() => String)
  message!: string;

  @Field(() => IssueSeverity)
  severity!: IssueSeverity;

  @Field(() => String, { description: 'Source of the rule, e.g. "RFC 9700 §2.1" or "Clavis API: Validation".' })
  reference!: string;
}
