import { ArrayMaxSize, IsBoolean, IsInt, IsOptional, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Client, ClientType, ClientVisibility, GrantType, ResponseType, TokenEndpointAuthMethod } from './client.entity';

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

@ObjectType()
export class CreateClientPayload {
  @Field(() => Client) client!: Client;
  @Field(() => String, { nullable: true, description: 'The generated secret, shown only here. Null for clients without one.' })
  clientSecret!: string | null;
}

@ObjectType()
export class UpdateClientPayload {
  @Field(() => Client) client!: Client;
}

@ObjectType()
export class DeleteClientPayload {
  @Field(() => ID) deletedId!: string;
}
