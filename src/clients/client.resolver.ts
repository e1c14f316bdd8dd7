import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { childProperties } from '../common/child-pages';
import { Application } from '../applications/application.entity';
import { callerOf } from '../auth/guard';
import { NotFoundError } from '../common/errors';
import { ConnectionArgs } from '../common/pagination';
import type { RequestContext } from '../graphql/context';
import type { ClientService } from './client.service';
import type { ClientUriVerificationService } from './client-uri-verification';
import type { ClientSecretService } from './client-secret.service';
import type { ClientAuthenticationService } from './client-authentication.service';
import { Client, ClientConnection, ClientType } from './client.entity';
import {
  AuthenticateClientInput,
  AuthenticateClientPayload,
  ClientFilter,
  ClientSettingsInput,
  ClientSettingsIssue,
  CreateClientInput,
  CreateClientPayload,
  DeleteClientInput,
  DeleteClientPayload,
  DeleteRotatedClientSecretInput,
  DeleteRotatedClientSecretPayload,
  RotateClientSecretInput,
  RotateClientSecretPayload,
  UpdateClientInput,
  UpdateClientPayload,
  VerifyClientUriInput,
  VerifyClientUriPayload,
} from './client.inputs';
import { validateClientSettings } from './client.validation';

/**
 * For createClient, updateClient and validateClientSettings: the input's decorator bounds
 * are checked by the clients feature together with every client rule (client.validation.ts),
 * so a caller hears of every problem at once and the dry run reports exactly what the
 * mutations refuse. type-graphql's argument validation would stop at the bounds.
 */
const VALIDATED_BY_CLIENT_RULES = { validateFn: () => undefined };

@Resolver(() => Client)
export class ClientResolver {
  constructor(
    private readonly clientService: ClientService,
    private readonly uriVerification: ClientUriVerificationService,
  ) {}

  @Authorized('applications:read')
  @Query(() => Client, {
    nullable: true,
    description: 'A client by id; null when it does not exist or belongs to another organization. Scope applications:read.',
  })
  client(@Arg('id', () => ID, { description: 'Id of the client (`cli_…`).' }) id: string, @Ctx() ctx: RequestContext): Promise<Client | null> {
    return ctx.loaders.clients.byId.load(id);
  }

  @Authorized('applications:read')
  @Query(() => Client, {
    nullable: true,
    description: 'Looks a client up by its OAuth client_id; null when there is none in the organization. Scope applications:read.',
  })
  clientByClientId(
    @Arg('clientId', () => String, { description: 'The OAuth `client_id`.' }) clientId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<Client | null> {
    return ctx.loaders.clients.byClientId.load(clientId);
  }

  @Authorized('applications:read')
  @Query(() => ClientConnection, { description: "The organization's clients, oldest first. Scope applications:read." })
  async clients(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => ClientFilter, { nullable: true, description: 'Only the clients matching every condition given.' }) filter: ClientFilter | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<ClientConnection> {
    return ClientConnection.from(await this.clientService.list(callerOf(ctx), filter, page));
  }

  // Every field that leads from one object to another demands the read scope of where it leads,
  // whatever reached the object (a payload, node, _entities): docs/API.md (Callers, tenancy and scopes).
  @Authorized('applications:read')
  @FieldResolver(() => Application, { description: 'The application the client belongs to. Needs applications:read, whatever reached the client.' })
  async application(@Root() client: Client, @Ctx() ctx: RequestContext): Promise<Application> {
    const application = await ctx.loaders.applications.byId.load(client.applicationId);
    if (!application) throw new NotFoundError('Application', client.applicationId);
    return application;
  }

  @Authorized('applications:write')
  @Mutation(() => CreateClientPayload, {
    description:
      'Adds a client to an application; refuses the ERROR issues of the client rules, all at once (BAD_USER_INPUT). ' +
      'Scope applications:write; a PLATFORM application also platform:write.',
  })
  async createClient(
    @Arg('input', () => CreateClientInput, { ...VALIDATED_BY_CLIENT_RULES, description: 'The new client.' }) input: CreateClientInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CreateClientPayload> {
    return this.clientService.create(callerOf(ctx), input);
  }

  @Authorized('applications:write')
  @Mutation(() => UpdateClientPayload, {
    description:
      'Changes the settings given and increments `version`; the result must pass the client rules. Scope applications:write; ' +
      'a PLATFORM application also platform:write.',
  })
  async updateClient(
    @Arg('input', () => UpdateClientInput, { ...VALIDATED_BY_CLIENT_RULES, description: 'The client and the changes.' }) input: UpdateClientInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UpdateClientPayload> {
    return { client: await this.clientService.update(callerOf(ctx), input) };
  }

  @Authorized('applications:write')
  @Mutation(() => VerifyClientUriPayload, {
    description:
      'Looks up the TXT record `clientUriVerification.txtRecord` at `_clavis-challenge.<host of clientUri>` and moves the verification ' +
      'to IN_PROGRESS, then VERIFIED or FAILED (with a reason: record missing, wrong value, resolver timeout or unreachable). ' +
      'A FAILED verification may be retried; a VERIFIED one is left as it is. CONFLICT while another check of the same client runs. ' +
      'Scope applications:write; a PLATFORM application also platform:write.',
  })
  async verifyClientUri(
    @Arg('input', () => VerifyClientUriInput, { description: 'The client to verify.' }) input: VerifyClientUriInput,
    @Ctx() ctx: RequestContext,
  ): Promise<VerifyClientUriPayload> {
    return { client: await this.uriVerification.verify(callerOf(ctx), input) };
  }

  @Authorized('applications:read')
  @Query(() => [ClientSettingsIssue], {
    description:
      'Dry run: every issue (errors and warnings) that the client rules find in these settings, with the defaults createClient ' +
      'would apply. Writes and reads nothing. createClient refuses exactly the ERROR issues (same paths). `clientType` stands in ' +
      'for `input.clientType` when that is omitted. Scope applications:read.',
  })
  validateClientSettings(
    @Arg('input', () => ClientSettingsInput, { ...VALIDATED_BY_CLIENT_RULES, description: 'The settings to check, as createClient would take them.' })
    input: ClientSettingsInput,
    @Arg('clientType', () => ClientType, { nullable: true, description: 'The client type to assume when `input.clientType` is omitted.' })
    clientType: ClientType | undefined,
  ): ClientSettingsIssue[] {
    return validateClientSettings({ mode: 'dry-run', input, clientType });
  }

  @Authorized('applications:delete')
  @Mutation(() => DeleteClientPayload, {
    description: 'Deletes a client; never the default one (BAD_USER_INPUT). Scope applications:delete; a PLATFORM application also platform:write.',
  })
  async deleteClient(
    @Arg('input', () => DeleteClientInput, { description: 'The client to delete.' }) input: DeleteClientInput,
    @Ctx() ctx: RequestContext,
  ): Promise<DeleteClientPayload> {
    return { deletedId: await this.clientService.delete(callerOf(ctx), input) };
  }
}

@Resolver()
export class ClientSecretResolver {
  constructor(
    private readonly secretService: ClientSecretService,
    private readonly authentication: ClientAuthenticationService,
  ) {}

  @Authorized('secrets:rotate')
  @Mutation(() => RotateClientSecretPayload, {
    description:
      'Issues a new current secret; the previous one keeps working until the grace period ends or it is deleted, and an older one stops at once. ' +
      'Scope secrets:rotate.',
  })
  rotateClientSecret(
    @Arg('input', () => RotateClientSecretInput, { description: 'The client and the grace period.' }) input: RotateClientSecretInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RotateClientSecretPayload> {
    return this.secretService.rotate(callerOf(ctx), input);
  }

  @Authorized('secrets:rotate')
  @Mutation(() => DeleteRotatedClientSecretPayload, { description: "The client's previous secret stops working at once. Scope secrets:rotate." })
  async deleteRotatedClientSecret(
    @Arg('input', () => DeleteRotatedClientSecretInput, { description: 'The client.' }) input: DeleteRotatedClientSecretInput,
    @Ctx() ctx: RequestContext,
  ): Promise<DeleteRotatedClientSecretPayload> {
    return { client: await this.secretService.deleteRotated(callerOf(ctx), input) };
  }

  @Authorized('clients:authenticate')
  @Mutation(() => AuthenticateClientPayload, {
    description:
      'Checks one credential of a client: a secret (in constant time), a client assertion (private_key_jwt, RFC 7523) or a mutual-TLS client ' +
      'certificate (RFC 8705); a failure carries no reason. Rate limited with one lockout for every method; one per operation. Scope clients:authenticate.',
  })
  authenticateClient(
    @Arg('input', () => AuthenticateClientInput, { description: 'The client id and exactly one credential.' }) input: AuthenticateClientInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AuthenticateClientPayload> {
    return this.authentication.authenticate(callerOf(ctx), input);
  }
}

/** Columns behind the computed fields of Client. */
const CLIENT_FIELD_COLUMNS = {
  hasSecret: ['secretHash'],
  hasRotatedSecret: ['rotatedSecretHash', 'rotatedSecretExpiresAt'],
};

/** The client fields of Application, owned by the clients feature. */
@Resolver(() => Application)
export class ApplicationClientsResolver {
  @Authorized('applications:read')
  @FieldResolver(() => Client, { description: 'The default client: created with the application, exactly one per application. Needs applications:read.' })
  async defaultClient(@Root() application: Application, @Ctx() ctx: RequestContext): Promise<Client> {
    const client = await ctx.loaders.clients.defaultByApplicationId.load(application.id);
    if (!client) throw new NotFoundError('Default client of application', application.id);
    return client;
  }

  @Authorized('applications:read')
  @FieldResolver(() => ClientConnection, { description: "The application's clients, oldest first. Needs applications:read." })
  async clients(
    @Root() application: Application,
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ClientConnection> {
    const properties = childProperties(info, CLIENT_FIELD_COLUMNS);
    return ClientConnection.from(await ctx.loaders.clients.pageByApplication.load({ parentId: application.id, ...page, properties }));
  }
}
