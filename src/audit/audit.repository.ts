import type { DataSource, EntityManager } from 'typeorm';
import type { Caller } from '../auth/scopes';
import { organizationPage } from '../common/crud';
import type { Page, PageArgs } from '../common/pagination';
import { type ChildRowSource, childRowSource } from '../db/child-rows';
import { RowReader } from '../db/rows';
import { AuditEvent } from './audit.entity';
import type { AuditEventFilter } from './audit.inputs';

/** Every SQL statement on the audit_events table. */

/** Inserts in the mutation's own transaction. */
export async function insertAuditEvent(manager: EntityManager, event: AuditEvent): Promise<void> {
  await manager.insert(AuditEvent, event);
}

/** One page of the caller's audit trail, oldest first. */
export function listAuditEvents(dataSource: DataSource, caller: Caller, filter: AuditEventFilter | undefined, page: PageArgs): Promise<Page<AuditEvent>> {
  const equal = { target_id: filter?.targetId, action: filter?.action, actor: filter?.actor };
  return organizationPage(RowReader.of(dataSource, AuditEvent), caller, equal, page, undefined, (bind) =>
    filter?.since ? `t.created_at >= ${bind(filter.since)}` : undefined,
  );
}

/** Loader batch: the organization's events with these ids (in no particular order). */
export function auditEventsByIds(dataSource: DataSource, organizationId: string, ids: readonly string[]): Promise<AuditEvent[]> {
  return RowReader.of(dataSource, AuditEvent).select('WHERE t.organization_id = $1 AND t.id = ANY($2)', [organizationId, ids]);
}

/** `auditEvents` under applications and clients: one statement for a whole page of targets. */
export function auditEventsByTarget(dataSource: DataSource, organizationId: string): ChildRowSource<AuditEvent> {
  return childRowSource(dataSource, RowReader.of(dataSource, AuditEvent), 'target_id', organizationId);
}
