import { ArrayMaxSize, IsOptional, Max, MaxLength, Min } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { GrantType } from '../clients/client.entity';
import { CLIENT_LIMITS } from '../clients/client.inputs';
import { DescriptionBound } from '../common/input-bounds';
import { RegistrationToken } from './registration-token.entity';

@InputType({ description: 'A new RFC 7591 initial access token.' })
export class CreateRegistrationTokenInput {
  @Field(() => ID, { description: 'The application every client registered with the token joins.' }) applicationId!: string;

  @Field(() => String, { nullable: true, description: 'Free text for people, at most 2000 characters.' })
  @IsOptional()
  @DescriptionBound()
  description?: string | null;

  @Field(() => Date, { nullable: true, description: 'When the token stops working; in the future. Default: never.' })
  expiresAt?: Date | null;

  @Field(() => Int, { nullable: true, description: 'How many clients the token may register, 1 to 1000000. Default: no limit.' })
  @IsOptional()
  @Min(1)
  @Max(1_000_000)
  maxUses?: number | null;

  @Field(() => [String], { nullable: true, description: 'The scopes a registered client may ask for (and gets when it names none). Default: any.' })
  @IsOptional()
  @ArrayMaxSize(CLIENT_LIMITS.scopeList)
  @MaxLength(CLIENT_LIMITS.scope, { each: true })
  allowedScopes?: string[] | null;

  @Field(() => [GrantType], { nullable: true, description: 'The grant types a registered client may ask for. Default: any.' })
  @IsOptional()
  @ArrayMaxSize(4)
  allowedGrantTypes?: GrantType[] | null;

  @Field(() => Int, { nullable: true, description: 'Days without use, 1 to 3650, after which a client registered with the token is deleted. Default: never.' })
  @IsOptional()
  @Min(1)
  @Max(3650)
  unusedClientExpiryDays?: number | null;
}

@ObjectType({ description: 'The new token, and the token itself, shown this once.' })
export class CreateRegistrationTokenPayload {
  @Field(() => RegistrationToken, { description: 'The new token.' }) registrationToken!: RegistrationToken;

  @Field(() => String, { description: 'The bearer token for `POST /oauth/register`; shown only here, stored as a keyed hash.' }) token!: string;
}

@InputType({ description: 'The registration token to revoke.' })
export class RevokeRegistrationTokenInput {
  @Field(() => ID, { description: 'Id of the token (`rgt_…`).' }) id!: string;
}

@ObjectType({ description: 'The revoked token.' })
export class RevokeRegistrationTokenPayload {
  @Field(() => RegistrationToken, { description: 'The token, with `revokedAt` set.' }) registrationToken!: RegistrationToken;
}
