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
  @Query(() => Application, {
    nullable: true,
    description: 'An application by id; null when it does not exist or belongs to another organization. Scope applications:read.',
  })
  application(@Arg('id', () => ID, { description: 'Id of the application (`app_…`).' }) id: string, @Ctx() ctx: RequestContext): Promise<Application | null> {
    return ctx.loaders.applications.byId.load(id);
  }

  @Authorized('applications:read')
  @Query(() => ApplicationConnection, {
    description: "The organization's applications, oldest first unless `orderBy` says otherwise. Scope applications:read.",
  })
  async applications(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => ApplicationFilter, { nullable: true, description: 'Only the applications matching every condition given.' })
    filter: ApplicationFilter | undefined,
    @Arg('orderBy', () => ApplicationOrder, { nullable: true, description: 'Sort order; CREATED_AT ASC when omitted.' }) orderBy: ApplicationOrder | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<ApplicationConnection> {
    const result = await this.applicationService.list(callerOf(ctx), filter, orderBy, page);
    primeAll(
      ctx.loaders.applications.byId,
      result.edges.map((edge) => edge.node),
    );
    return ApplicationConnection.from(result);
  }

  @Authorized('applications:write')
  @Mutation(() => CreateApplicationPayload, {
    description: 'Creates an application and its default client in one transaction. Scope applications:write; PLATFORM ownership also platform:write.',
  })
  async createApplication(
    @Arg('input', () => CreateApplicationInput, { description: 'The new application.' }) input: CreateApplicationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CreateApplicationPayload> {
    const created = await this.applicationService.create(callerOf(ctx), input);
    return { application: created.application, defaultClient: created.client, clientSecret: created.clientSecret };
  }

  @Authorized('applications:write')
  @Mutation(() => UpdateApplicationPayload, {
    description: 'Changes the fields given and increments `version`. Scope applications:write; a PLATFORM application also platform:write.',
  })
  async updateApplication(
    @Arg('input', () => UpdateApplicationInput, { description: 'The application and the changes.' }) input: UpdateApplicationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UpdateApplicationPayload> {
    return { application: await this.applicationService.update(callerOf(ctx), input) };
  }

  @Authorized('applications:delete')
  @Mutation(() => DeleteApplicationPayload, {
    description: 'Deletes the application with its clients and credentials. Scope applications:delete; a PLATFORM application also platform:write.',
  })
  async deleteApplication(
    @Arg('input', () => DeleteApplicationInput, { description: 'The application to delete.' }) input: DeleteApplicationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<DeleteApplicationPayload> {
    return { deletedId: await this.applicationService.delete(callerOf(ctx), input) };
  }
}
