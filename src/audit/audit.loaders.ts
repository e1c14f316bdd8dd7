import type { DataSource } from 'typeorm';
import { childPageLoaders } from '../common/child-pages';
import { batchLoader } from '../common/loaders';
import { RowReader } from '../db/rows';
import { AuditEvent } from './audit.entity';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createAuditLoaders(dataSource: DataSource, organizationId: string) {
  const rows = RowReader.of(dataSource, AuditEvent);
  return {
    byId: batchLoader<string, AuditEvent>((ids) => rows.select('WHERE t.organization_id = $1 AND t.id = ANY($2)', [organizationId, ids]), (event) => event.id),
    /** `auditEvents` under applications and clients: one statement for a whole page of them. */
    pageByTarget: childPageLoaders<AuditEvent>({ dataSource, rows, parentColumn: 'target_id', parentIdOf: (e) => e.targetId, organizationId }),
  };
}

export type AuditLoaders = ReturnType<typeof createAuditLoaders>;
