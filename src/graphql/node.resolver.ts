import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { callerOf, hasScope } from '../auth/guard';
import type { Scope } from '../auth/scopes';
import { ForbiddenError } from '../common/errors';
import { type IdKind, idKind } from '../common/ids';
import { Node } from '../common/node';
import type { Loaders, RequestContext } from './context';

/** How `node(id)` finds each kind of object, and the scope that may read it. */
const NODE_LOOKUPS: Record<IdKind, { scope: Scope; load: (loaders: Loaders, id: string) => Promise<Node | null> }> = {
  application: { scope: 'applications:read', load: (loaders, id) => loaders.applications.byId.load(id) },
  client: { scope: 'applications:read', load: (loaders, id) => loaders.clients.byId.load(id) },
  credential: { scope: 'credentials:read', load: (loaders, id) => loaders.credentials.byId.load(id) },
  provider: { scope: 'providers:read', load: (loaders, id) => loaders.providers.byId.load(id) },
  auditEvent: { scope: 'audit:read', load: (loaders, id) => loaders.audit.byId.load(id) },
  registrationToken: { scope: 'registration:manage', load: (loaders, id) => loaders.registration.tokenById.load(id) },
};

@Resolver()
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description:
      'Any object by its id; null when it does not exist or belongs to another organization. Needs the read scope of its type ' +
      '(applications:read for applications and clients, credentials:read, providers:read, audit:read, registration:manage).',
  })
  async node(
    @Arg('id', () => ID, { description: 'The id of any object; its prefix picks the type.' }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<Node | null> {
    const caller = callerOf(ctx);
    const kind = idKind(id);
    const lookup = kind && NODE_LOOKUPS[kind];
    if (!lookup) return null;
    if (!hasScope(caller, lookup.scope)) throw new ForbiddenError(`Reading this object needs the scope ${lookup.scope}.`);
    return lookup.load(ctx.loaders, id);
  }
}
