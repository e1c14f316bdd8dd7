import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { primeAll } from '../common/loaders';
import { ConnectionArgs } from '../common/pagination';
import { callerOf } from '../auth/guard';
import type { RequestContext } from '../graphql/context';
import type { ApplicationService } from './application.service';
import { Application, ApplicationConnection } from './application.entity';
import {
  ApplicationFilter,
  ApplicationOrder,
  CreateApplicationInput,
  CreateApplicationPayload,
  DeleteApplicationInput,
  DeleteApplicationPayload,
  UpdateApplicationInput,
  UpdateApplicationPayload,
} from './application.inputs';

@Resolver(() => Application)
export class ApplicationResolver {
  constructor(private readonly applicationService: ApplicationService) {}

  @Authorized('applications:read')
  @Query(() => Application, { nullable: true })
  application(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Application | null> {
    return ctx.loaders.applications.byId.load(id);
  }

  @Authorized('applications:read')
  @Query(() => ApplicationConnection)
  async applications(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => ApplicationFilter, { nullable: true }) filter: ApplicationFilter | undefined,
    @Arg('orderBy', () => ApplicationOrder, { nullable: true }) orderBy: ApplicationOrder | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<ApplicationConnection> {
    const result = await this.applicationService.list(callerOf(ctx), filter, orderBy, page);
    primeAll(ctx.loaders.applications.byId, result.edges.map((edge) => edge.node));
    return ApplicationConnection.from(result);
  }

  @Authorized('applications:write')
  @Mutation(() => CreateApplicationPayload, { description: 'Creates an application and its default client in one transaction.' })
  async createApplication(@Arg('input', () => CreateApplicationInput) input: CreateApplicationInput, @Ctx() ctx: RequestContext): Promise<CreateApplicationPayload> {
    const created = await this.applicationService.create(callerOf(ctx), input);
    return { application: created.application, defaultClient: created.client, clientSecret: created.clientSecret };
  }

  @Authorized('applications:write')
  @Mutation(() => UpdateApplicationPayload)
  async updateApplication(@Arg('input', () => UpdateApplicationInput) input: UpdateApplicationInput, @Ctx() ctx: RequestContext): Promise<UpdateApplicationPayload> {
    return { application: await this.applicationService.update(callerOf(ctx), input) };
  }

  @Authorized('applications:delete')
  @Mutation(() => DeleteApplicationPayload, { description: 'Deletes the application with its clients and credentials.' })
  async deleteApplication(@Arg('input', () => DeleteApplicationInput) input: DeleteApplicationInput, @Ctx() ctx: RequestContext): Promise<DeleteApplicationPayload> {
    return { deletedId: await this.applicationService.delete(callerOf(ctx), input) };
  }
}
