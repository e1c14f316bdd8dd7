import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { childProperties } from '../common/child-pages';
import { Application } from '../applications/application.entity';
import { callerOf } from '../auth/guard';
import { NotFoundError } from '../common/errors';
import { ConnectionArgs } from '../common/pagination';
import type { RequestContext } from '../graphql/context';
import type { CredentialService } from './credential.service';
import { Provider } from '../providers/provider.entity';
import { ApplicationCredential, CredentialConnection, type CredentialRow, CredentialType, CredentialUnion, TokenCredential } from './credential.entity';
import {
  CreateCredentialInput,
  CreateCredentialPayload,
  CredentialFilter,
  DeleteCredentialInput,
  DeleteCredentialPayload,
  RotateCredentialSecretInput,
  RotateCredentialSecretPayload,
  UpdateCredentialInput,
  UpdateCredentialPayload,
} from './credential.inputs';

@Resolver()
export class CredentialResolver {
  constructor(private readonly credentialService: CredentialService) {}

  @Authorized('credentials:read')
  @Query(() => CredentialUnion, { nullable: true })
  credential(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<CredentialRow | null> {
    return ctx.loaders.credentials.byId.load(id);
  }

  @Authorized('credentials:read')
  @Query(() => CredentialConnection)
  async credentials(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => CredentialFilter, { nullable: true }) filter: CredentialFilter | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<CredentialConnection> {
    return CredentialConnection.from(await this.credentialService.list(callerOf(ctx), filter, page));
  }

  @Authorized('credentials:write')
  @Mutation(() => CreateCredentialPayload, { description: 'Takes exactly one of token, password, publicKey, url and public.' })
  createCredential(@Arg('input', () => CreateCredentialInput) input: CreateCredentialInput, @Ctx() ctx: RequestContext): Promise<CreateCredentialPayload> {
    return this.credentialService.create(callerOf(ctx), input);
  }

  @Authorized('credentials:write')
  @Mutation(() => UpdateCredentialPayload)
  async updateCredential(@Arg('input', () => UpdateCredentialInput) input: UpdateCredentialInput, @Ctx() ctx: RequestContext): Promise<UpdateCredentialPayload> {
    return { credential: await this.credentialService.update(callerOf(ctx), input) };
  }

  @Authorized('credentials:write')
  @Mutation(() => DeleteCredentialPayload)
  async deleteCredential(@Arg('input', () => DeleteCredentialInput) input: DeleteCredentialInput, @Ctx() ctx: RequestContext): Promise<DeleteCredentialPayload> {
    return { deletedId: await this.credentialService.delete(callerOf(ctx), input) };
  }

  @Authorized('secrets:rotate')
  @Mutation(() => RotateCredentialSecretPayload, { description: 'A new password for a PASSWORD credential; the old one stops working at once.' })
  rotateCredentialSecret(
    @Arg('input', () => RotateCredentialSecretInput) input: RotateCredentialSecretInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RotateCredentialSecretPayload> {
    return this.credentialService.rotateSecret(callerOf(ctx), input);
  }
}

/** `application` on every credential type, through the interface. */
@Resolver(() => ApplicationCredential)
export class ApplicationCredentialResolver {
  @Authorized('applications:read')
  @FieldResolver(() => Application)
  async application(@Root() credential: CredentialRow, @Ctx() ctx: RequestContext): Promise<Application> {
    const application = await ctx.loaders.applications.byId.load(credential.applicationId);
    if (!application) throw new NotFoundError('Application', credential.applicationId);
    return application;
  }
}

@Resolver(() => TokenCredential)
export class TokenCredentialResolver {
  @Authorized('providers:read')
  @FieldResolver(() => Provider)
  async provider(@Root() credential: CredentialRow, @Ctx() ctx: RequestContext): Promise<Provider> {
    const provider = await ctx.loaders.providers.byId.load(credential.providerId!);
    if (!provider) throw new NotFoundError('Provider', String(credential.providerId));
    return provider;
  }
}

/** The credential fields of Application, owned by the credentials feature. */
@Resolver(() => Application)
export class ApplicationCredentialsResolver {
  @Authorized('credentials:read')
  @FieldResolver(() => CredentialConnection)
  async credentials(
    @Root() application: Application,
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('type', () => CredentialType, { nullable: true }) type: CredentialType | undefined,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<CredentialConnection> {
    // `provider` needs providerId; `type` (always read) picks each node's GraphQL type.
    const properties = childProperties(info, { provider: ['providerId'] });
    return CredentialConnection.from(
      await ctx.loaders.credentials.pageByApplication.load({ parentId: application.id, ...page, filter: { type }, properties }),
    );
  }
}
