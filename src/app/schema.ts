import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { type GraphQLSchema, graphql, parse } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema, createResolversMap } from 'type-graphql';
// First: the resolvers' modules register the schema's types, in the order schema.graphql lists them.
import { RESOLVERS, type ResolverClass, createResolvers } from './resolvers';
import { callerOf, hasScope, scopeAuthChecker } from '../auth/guard';
import type { Scope } from '../auth/scopes';
import { ForbiddenError, UnauthenticatedError } from '../common/errors';
import { validateArgument } from '../common/validation';
import { nodeTypeName } from '../common/node';
import {
  PasswordCredential,
  PublicCredential,
  PublicKeyCredential,
  TokenCredential,
  UrlCredential,
  credentialTypeName,
} from '../credentials/credential.entity';
import type { RequestContext } from '../graphql/context';
import type { Services } from './services';
import { describeRootTypes } from '../graphql/root-types';

const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

/** Reference resolvers for the federation entities, through the same loaders and tenancy as `node`. */
function entityReferenceResolvers() {
  const resolve =
    <R>(scope: Scope, load: (ref: R, ctx: RequestContext) => Promise<unknown>) =>
    (ref: R, ctx: RequestContext) => {
      if (!hasScope(callerOf(ctx), scope)) throw new ForbiddenError(`Resolving this entity needs the scope ${scope}.`);
      return load(ref, ctx);
    };
  const credential = { __resolveReference: resolve<{ id: string }>('credentials:read', (ref, ctx) => ctx.loaders.credentials.byId.load(ref.id)) };
  return {
    Application: { __resolveReference: resolve<{ id: string }>('applications:read', (ref, ctx) => ctx.loaders.applications.byId.load(ref.id)) },
    Client: {
      __resolveReference: resolve<{ id?: string; clientId?: string }>('applications:read', (ref, ctx) =>
        ref.id ? ctx.loaders.clients.byId.load(ref.id) : ctx.loaders.clients.byClientId.load(ref.clientId ?? ''),
      ),
    },
    Provider: { __resolveReference: resolve<{ id: string }>('providers:read', (ref, ctx) => ctx.loaders.providers.byId.load(ref.id)) },
    TokenCredential: credential,
    PasswordCredential: credential,
    PublicKeyCredential: credential,
    UrlCredential: credential,
    PublicCredential: credential,
    AuditEvent: { __resolveReference: resolve<{ id: string }>('audit:read', (ref, ctx) => ctx.loaders.audit.byId.load(ref.id)) },
  };
}

/**
 * The type-graphql schema on its own (resolvers, validation, auth), before federation.
 * Object types declare `simpleResolvers: true`: their plain fields use graphql-js's default
 * resolver instead of type-graphql's per-field middleware wrapper, which was the largest cost
 * of a large page (guards live on the field resolvers, which keep their wrapper).
 */
function buildTypeGraphqlSchema(services: Services | undefined): Promise<GraphQLSchema> {
  // type-graphql asks the container for the resolver instance of every field it resolves.
  const instances = new Map<unknown, object>(services ? createResolvers(services).map((resolver) => [resolver.constructor, resolver]) : []);
  // A resolver class left out of createResolvers fails the start-up, not its first request.
  const unwired = services ? RESOLVERS.filter((resolverClass) => !instances.has(resolverClass)) : [];
  if (unwired.length > 0) throw new Error(`createResolvers builds no instance of ${unwired.map((resolverClass) => resolverClass.name).join(', ')}`);
  return buildSchema({
    resolvers: RESOLVERS,
    container: {
      get: (resolverClass: ResolverClass) => {
        const instance = instances.get(resolverClass);
        if (!instance) throw new Error(`No instance of ${resolverClass.name}: this schema was built without services, to be printed only.`);
        return instance;
      },
    },
    authChecker: scopeAuthChecker,
    validateFn: validateArgument,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    // Credential types are reached through the union and the interface only.
    orphanedTypes: [TokenCredential, PasswordCredential, PublicKeyCredential, UrlCredential, PublicCredential],
    // Federation adds its own types and directives; the subgraph build below checks the result.
    skipCheck: true,
  });
}

export interface ClavisSchemaOptions {
  /** What the resolvers call; without it the schema can only be printed (`npm run schema`). */
  services?: Services;
  /**
   * `_service { sdl }` only for a caller with a valid token (any scope). Set wherever
   * introspection is off (production): the SDL is the whole schema, descriptions included.
   */
  sdlNeedsCaller?: boolean;
}

/**
 * Clavis as an Apollo Federation 2 subgraph. Reference resolvers go into the resolver map
 * before the build: added afterwards they are never called (federation#1070).
 */
export async function buildClavisSchema(options: ClavisSchemaOptions = {}): Promise<GraphQLSchema> {
  const schema = describeRootTypes(await buildTypeGraphqlSchema(options.services));
  const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`);
  const resolvers = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  // type-graphql wraps every resolveType in an async function; graphql-jit (compiled-executor.ts)
  // needs the name synchronously, so the abstract types get the plain functions they were declared with.
  const abstractTypeResolvers = { Node: nodeTypeName, ApplicationCredential: credentialTypeName, Credential: credentialTypeName };
  for (const [typeName, resolveType] of Object.entries(abstractTypeResolvers)) {
    resolvers[typeName] = { ...resolvers[typeName], __resolveType: resolveType };
  }
  for (const [typeName, extra] of Object.entries(entityReferenceResolvers())) {
    resolvers[typeName] = { ...resolvers[typeName], ...extra };
  }
  if (options.sdlNeedsCaller) {
    // On `_Service.sdl`, not `Query._service`: buildSubgraphSchema resolves the latter itself.
    resolvers._Service = {
      sdl: (service: { sdl: string }, _args: unknown, ctx: RequestContext) => {
        if (!ctx.caller) throw new UnauthenticatedError('Reading the schema (_service) needs a valid bearer token.');
        return service.sdl;
      },
    };
  }
  // GraphQLResolverMap has no __resolveReference in its type, hence the cast.
  return buildSubgraphSchema({ typeDefs, resolvers } as Parameters<typeof buildSubgraphSchema>[0]);
}

/** The subgraph SDL as a gateway sees it (`_service { sdl }`): what `schema.graphql` holds. */
export async function printClavisSchema(schema?: GraphQLSchema): Promise<string> {
  const result = await graphql({ schema: schema ?? (await buildClavisSchema()), source: '{ _service { sdl } }' });
  if (result.errors?.length) throw result.errors[0];
  return `${(result.data as { _service: { sdl: string } })._service.sdl.trim()}\n`;
}
