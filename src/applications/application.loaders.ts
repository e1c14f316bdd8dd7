import type { DataSource } from 'typeorm';
import { batchLoader } from '../common/loaders';
import type { Application } from './application.entity';
import { applicationsByIds } from './application.repository';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createApplicationLoaders(dataSource: DataSource, organizationId: string) {
  return {
    byId: batchLoader<string, Application>(
      (ids) => applicationsByIds(dataSource, organizationId, ids),
      (app) => app.id,
    ),
  };
}

export type ApplicationLoaders = ReturnType<typeof createApplicationLoaders>;
