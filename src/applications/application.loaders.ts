import type { DataSource } from 'typeorm';
import { batchLoader } from '../common/loaders';
import { RowReader } from '../db/rows';
import { Application } from './application.entity';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createApplicationLoaders(dataSource: DataSource, organizationId: string) {
  const rows = RowReader.of(dataSource, Application);
  return {
    byId: batchLoader<string, Application>((ids) => rows.select('WHERE t.organization_id = $1 AND t.id = ANY($2)', [organizationId, ids]), (app) => app.id),
  };
}

export type ApplicationLoaders = ReturnType<typeof createApplicationLoaders>;
