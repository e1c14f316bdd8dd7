import type { DataSource } from 'typeorm';
import { batchLoader } from '../common/loaders';
import { RowReader } from '../db/rows';
import { Provider } from './provider.entity';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createProviderLoaders(dataSource: DataSource, organizationId: string) {
  const rows = RowReader.of(dataSource, Provider);
  return {
    byId: batchLoader<string, Provider>((ids) => rows.select('WHERE t.organization_id = $1 AND t.id = ANY($2)', [organizationId, ids]), (provider) => provider.id),
  };
}

export type ProviderLoaders = ReturnType<typeof createProviderLoaders>;
