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
  @Query(() => CredentialUnion, {
    nullable: true,
    description: "A credential of the caller's organization by id; null when there is none. Needs credentials:read.",
  })
  credential(@Arg('id', () => ID, { description: 'The credential id (`cred_…`).' }) id: string, @Ctx() ctx: RequestContext): Promise<CredentialRow | null> {
    return ctx.loaders.credentials.byId.load(id);
  }

  @Authorized('credentials:read')
  @Query(() => CredentialConnection, { description: "The caller's organization's credentials, oldest first. Needs credentials:read." })
  async credentials(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => CredentialFilter, { nullable: true, description: 'Conditions the credentials must meet; all of them when omitted.' })
    filter: CredentialFilter | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<CredentialConnection> {
    return CredentialConnection.from(await this.credentialService.list(callerOf(ctx), filter, page));
  }

  @Authorized('credentials:write')
  @Mutation(() => CreateCredentialPayload, {
    description: 'Adds a credential to an application; takes exactly one of token, password, publicKey, url and public. Needs credentials:write.',
  })
  createCredential(
    @Arg('input', () => CreateCredentialInput, { description: 'The credential to create.' }) input: CreateCredentialInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CreateCredentialPayload> {
    return this.credentialService.create(callerOf(ctx), input);
  }

  @Authorized('credentials:write')
  @Mutation(() => UpdateCredentialPayload, { description: "Changes a credential's slug or the settings of its own type. Needs credentials:write." })
  async updateCredential(
    @Arg('input', () => UpdateCredentialInput, { description: 'The credential and its changes.' }) input: UpdateCredentialInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UpdateCredentialPayload> {
    return { credential: await this.credentialService.update(callerOf(ctx), input) };
  }

  @Authorized('credentials:write')
  @Mutation(() => DeleteCredentialPayload, { description: 'Deletes a credential. Needs credentials:write.' })
  async deleteCredential(
    @Arg('input', () => DeleteCredentialInput, { description: 'The credential to delete.' }) input: DeleteCredentialInput,
    @Ctx() ctx: RequestContext,
  ): Promise<DeleteCredentialPayload> {
    return { deletedId: await this.credentialService.delete(callerOf(ctx), input) };
  }

  @Authorized('secrets:rotate')
  @Mutation(() => RotateCredentialSecretPayload, {
    description: 'A new password for a PASSWORD credential; the old one stops working at once. Needs secrets:rotate.',
  })
  rotateCredentialSecret(
    @Arg('input', () => RotateCredentialSecretInput, { description: 'The PASSWORD credential.' }) input: RotateCredentialSecretInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RotateCredentialSecretPayload> {
    return this.credentialService.rotateSecret(callerOf(ctx), input);
  }
}

/** `application` on every credential type, through the interface. */
@Resolver(() => ApplicationCredential)
export class ApplicationCredentialResolver {
  @Authorized('applications:read')
  @FieldResolver(() => Application, { description: 'The application the credential belongs to. Needs applications:read.' })
  async application(@Root() credential: CredentialRow, @Ctx() ctx: RequestContext): Promise<Application> {
    const application = await ctx.loaders.applications.byId.load(credential.applicationId);
    if (!application) throw new NotFoundError('Application', credential.applicationId);
    return application;
  }
}

@Resolver(() => TokenCredential)
export class TokenCredentialResolver {
  @Authorized('providers:read')
  @FieldResolver(() => Provider, { description: 'The provider whose tokens are accepted. Needs providers:read.' })
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
  @FieldResolver(() => CredentialConnection, { description: "The application's credentials, oldest first. Needs credentials:read." })
  async credentials(
    @Root() application: Application,
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('type', () => CredentialType, { nullable: true, description: 'Only credentials of this type; every type when omitted.' })
    type: CredentialType | undefined,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<CredentialConnection> {
    // `provider` needs providerId; `type` (always read) picks each node's GraphQL type.
    const properties = childProperties(info, { provider: ['providerId'], document: ['url'] });
    return CredentialConnection.from(await ctx.loaders.credentials.pageByApplication.load({ parentId: application.id, ...page, filter: { type }, properties }));
  }
}
