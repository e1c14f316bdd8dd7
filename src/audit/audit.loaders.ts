import type { DataSource } from 'typeorm';
import { childPageLoaders } from '../common/child-pages';
import { batchLoader } from '../common/loaders';
import type { AuditEvent } from './audit.entity';
import { auditEventsByIds, auditEventsByTarget } from './audit.repository';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createAuditLoaders(dataSource: DataSource, organizationId: string) {
  return {
    byId: batchLoader<string, AuditEvent>(
      (ids) => auditEventsByIds(dataSource, organizationId, ids),
      (event) => event.id,
    ),
    /** `auditEvents` under applications and clients: one statement for a whole page of them. */
    pageByTarget: childPageLoaders<AuditEvent>({ source: auditEventsByTarget(dataSource, organizationId), parentIdOf: (e) => e.targetId }),
  };
}

export type AuditLoaders = ReturnType<typeof createAuditLoaders>;
