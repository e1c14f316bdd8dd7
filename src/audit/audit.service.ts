import type { DataSource, EntityManager } from 'typeorm';
import type { Caller } from '../auth/scopes';
import { newId } from '../common/ids';
import type { Page, PageArgs } from '../common/pagination';
import type { AuditEvent } from './audit.entity';
import type { AuditEventFilter } from './audit.inputs';
import { insertAuditEvent, listAuditEvents } from './audit.repository';

export interface AuditEntry {
  action: string;
  targetId: string;
  targetType: string;
  /** Names only; pass the input and the keys that are not fields are dropped. */
  changedFields?: string[];
}

/** Input keys that say which object or how to write, not what changed. */
const NOT_FIELDS = new Set(['id', 'applicationId', 'expectedVersion', 'idempotencyKey']);

/** The names of the fields an input sets: what an audit event records of a change. */
export function changedFieldsOf(input: object): string[] {
  return Object.entries(input)
    .filter(([key, value]) => value !== undefined && !NOT_FIELDS.has(key))
    .map(([key]) => key)
    .sort();
}

/**
 * The audit trail. `record` runs in the mutation's own transaction, so a rolled-back
 * change leaves no event and a committed one always has its event.
 */
export class AuditLog {
  constructor(private readonly dataSource: DataSource) {}

  async record(manager: EntityManager, caller: Caller, entry: AuditEntry): Promise<void> {
    await insertAuditEvent(manager, {
      id: newId('auditEvent'),
      organizationId: caller.organizationId,
      actor: caller.subject,
      action: entry.action,
      targetId: entry.targetId,
      targetType: entry.targetType,
      changedFields: entry.changedFields ?? [],
      requestId: caller.requestId ?? null,
      createdAt: new Date(),
    });
  }

  list(caller: Caller, filter: AuditEventFilter | undefined, page: PageArgs): Promise<Page<AuditEvent>> {
    return listAuditEvents(this.dataSource, caller, filter, page);
  }
}
