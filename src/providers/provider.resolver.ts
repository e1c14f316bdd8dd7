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
  @Query(() => Provider, { nullable: true })
  provider(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Provider | null> {
    return ctx.loaders.providers.byId.load(id);
  }

  @Authorized('providers:read')
  @Query(() => ProviderConnection)
  async providers(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => ProviderFilter, { nullable: true }) filter: ProviderFilter | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<ProviderConnection> {
    return ProviderConnection.from(await this.providerService.list(callerOf(ctx), filter, page));
  }

  @Authorized('providers:write')
  @Mutation(() => CreateProviderPayload)
  async createProvider(@Arg('input', () => CreateProviderInput) input: CreateProviderInput, @Ctx() ctx: RequestContext): Promise<CreateProviderPayload> {
    return { provider: await this.providerService.create(callerOf(ctx), input) };
  }

  @Authorized('providers:write')
  @Mutation(() => UpdateProviderPayload)
  async updateProvider(@Arg('input', () => UpdateProviderInput) input: UpdateProviderInput, @Ctx() ctx: RequestContext): Promise<UpdateProviderPayload> {
    return { provider: await this.providerService.update(callerOf(ctx), input) };
  }

  @Authorized('providers:write')
  @Mutation(() => DeleteProviderPayload, { description: 'Fails with CONFLICT while token credentials trust the provider.' })
  async deleteProvider(@Arg('input', () => DeleteProviderInput) input: DeleteProviderInput, @Ctx() ctx: RequestContext): Promise<DeleteProviderPayload> {
    return { deletedId: await this.providerService.delete(callerOf(ctx), input) };
  }
}
