import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { callerOf } from '../auth/guard';
import { ConnectionArgs } from '../common/pagination';
import type { RequestContext } from '../graphql/context';
import type { ProviderService } from './provider.service';
import { Provider, ProviderConnection } from './provider.entity';
import {
  CreateProviderInput,
  CreateProviderPayload,
  DeleteProviderInput,
  DeleteProviderPayload,
  ProviderFilter,
  UpdateProviderInput,
  UpdateProviderPayload,
} from './provider.inputs';

@Resolver(() => Provider)
export class ProviderResolver {
  constructor(private readonly providerService: ProviderService) {}

  @Authorized('providers:read')
  @Query(() => Provider, { nullable: true, description: "A provider of the caller's organization by id; null when there is none. Needs providers:read." })
  provider(@Arg('id', () => ID, { description: 'The provider id (`prv_…`).' }) id: string, @Ctx() ctx: RequestContext): Promise<Provider | null> {
    return ctx.loaders.providers.byId.load(id);
  }

  @Authorized('providers:read')
  @Query(() => ProviderConnection, { description: "The caller's organization's providers, oldest first. Needs providers:read." })
  async providers(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => ProviderFilter, { nullable: true, description: 'Conditions the providers must meet; all of them when omitted.' })
    filter: ProviderFilter | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<ProviderConnection> {
    return ProviderConnection.from(await this.providerService.list(callerOf(ctx), filter, page));
  }

  @Authorized('providers:write')
  @Mutation(() => CreateProviderPayload, { description: 'Creates a provider. Needs providers:write, and platform:write for a PLATFORM-owned one.' })
  async createProvider(
    @Arg('input', () => CreateProviderInput, { description: 'The provider to create.' }) input: CreateProviderInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CreateProviderPayload> {
    return { provider: await this.providerService.create(callerOf(ctx), input) };
  }

  @Authorized('providers:write')
  @Mutation(() => UpdateProviderPayload, { description: 'Changes a provider. Needs providers:write, and platform:write for a PLATFORM-owned one.' })
  async updateProvider(
    @Arg('input', () => UpdateProviderInput, { description: 'The provider and its changes.' }) input: UpdateProviderInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UpdateProviderPayload> {
    return { provider: await this.providerService.update(callerOf(ctx), input) };
  }

  @Authorized('providers:write')
  @Mutation(() => DeleteProviderPayload, {
    description:
      'Deletes a provider; fails with CONFLICT while token credentials trust it. Needs providers:write, and platform:write for a PLATFORM-owned one.',
  })
  async deleteProvider(
    @Arg('input', () => DeleteProviderInput, { description: 'The provider to delete.' }) input: DeleteProviderInput,
    @Ctx() ctx: RequestContext,
  ): Promise<DeleteProviderPayload> {
    return { deletedId: await this.providerService.delete(callerOf(ctx), input) };
  }
}
