import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { callerOf } from '../auth/guard';
import { ConnectionArgs } from '../common/pagination';
import type { RequestContext } from '../graphql/context';
import { RegistrationTokenConnection } from './registration-token.entity';
import {
  CreateRegistrationTokenInput,
  CreateRegistrationTokenPayload,
  RevokeRegistrationTokenInput,
  RevokeRegistrationTokenPayload,
} from './registration.inputs';
import type { RegistrationService } from './registration.service';

@Resolver()
export class RegistrationResolver {
  constructor(private readonly registrationService: RegistrationService) {}

  @Authorized('registration:manage')
  @Query(() => RegistrationTokenConnection, { description: "The organization's RFC 7591 initial access tokens, oldest first. Scope registration:manage." })
  registrationTokens(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('applicationId', () => ID, { nullable: true, description: 'Only the tokens of this application.' }) applicationId: string | undefined,
    @Ctx() ctx: RequestContext,
  ) {
    return this.registrationService.listTokens(callerOf(ctx), applicationId ?? undefined, page);
  }

  @Authorized('registration:manage')
  @Mutation(() => CreateRegistrationTokenPayload, {
    description: 'Makes an initial access token for `POST /oauth/register` (RFC 7591 §3); the token is shown once. Scope registration:manage.',
  })
  createRegistrationToken(
    @Arg('input', () => CreateRegistrationTokenInput, { description: 'The new token.' }) input: CreateRegistrationTokenInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CreateRegistrationTokenPayload> {
    return this.registrationService.createToken(callerOf(ctx), input);
  }

  @Authorized('registration:manage')
  @Mutation(() => RevokeRegistrationTokenPayload, {
    description: 'Stops an initial access token; clients it registered keep working. Scope registration:manage.',
  })
  async revokeRegistrationToken(
    @Arg('input', () => RevokeRegistrationTokenInput, { description: 'The token to revoke.' }) input: RevokeRegistrationTokenInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RevokeRegistrationTokenPayload> {
    return { registrationToken: await this.registrationService.revokeToken(callerOf(ctx), input.id) };
  }
}
