import { type DataSource, In } from 'typeorm';
import { childPageLoaders } from '../common/child-pages';
import { batchLoader } from '../common/loaders';
import { AuditEvent } from './audit.entity';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createAuditLoaders(dataSource: DataSource, organizationId: string) {
  const repository = dataSource.getRepository(AuditEvent);
  return {
    byId: batchLoader<string, AuditEvent>((ids) => repository.findBy({ organizationId, id: In([...ids]) }), (event) => event.id),
    /** `auditEvents` under applications and clients: one statement for a whole page of them. */
    pageByTarget: childPageLoaders<AuditEvent>({ dataSource, entity: AuditEvent, table: 'audit_events', parentColumn: 'target_id', parentIdOf: (e) => e.targetId, organizationId }),
  };
}

export type AuditLoaders = ReturnType<typeof createAuditLoaders>;
