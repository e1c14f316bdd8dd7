import { Arg, Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Application } from '../applications/application.entity';
import { callerOf } from '../auth/guard';
import { Client } from '../clients/client.entity';
import { ConnectionArgs } from '../common/pagination';
import type { RequestContext } from '../graphql/context';
import type { AuditLog } from './audit.service';
import { AuditEventConnection } from './audit.entity';
import { AuditEventFilter } from './audit.inputs';

@Resolver()
export class AuditResolver {
  constructor(private readonly auditLog: AuditLog) {}

  @Authorized('audit:read')
  @Query(() => AuditEventConnection, { description: "The organization's audit trail, oldest first. Needs audit:read." })
  async auditEvents(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => AuditEventFilter, { nullable: true, description: 'Conditions the events must meet; every event when omitted.' })
    filter: AuditEventFilter | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<AuditEventConnection> {
    return AuditEventConnection.from(await this.auditLog.list(callerOf(ctx), filter, page));
  }
}

/** `auditEvents` of one object, for the object types that carry it. */
function targetAuditEvents(root: { id: string }, page: ConnectionArgs, ctx: RequestContext) {
  return ctx.loaders.audit.pageByTarget.load({ parentId: root.id, ...page }).then((result) => AuditEventConnection.from(result));
}

@Resolver(() => Application)
export class ApplicationAuditResolver {
  @Authorized('audit:read')
  @FieldResolver(() => AuditEventConnection, { description: 'Changes made to this application, oldest first. Needs audit:read.' })
  auditEvents(@Root() application: Application, @Args(() => ConnectionArgs) page: ConnectionArgs, @Ctx() ctx: RequestContext): Promise<AuditEventConnection> {
    return targetAuditEvents(application, page, ctx);
  }
}

@Resolver(() => Client)
export class ClientAuditResolver {
  @Authorized('audit:read')
  @FieldResolver(() => AuditEventConnection, { description: 'Changes made to this client, oldest first. Needs audit:read.' })
  auditEvents(@Root() client: Client, @Args(() => ConnectionArgs) page: ConnectionArgs, @Ctx() ctx: RequestContext): Promise<AuditEventConnection> {
    return targetAuditEvents(client, page, ctx);
  }
}
