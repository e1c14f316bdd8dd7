import type { DataSource } from 'typeorm';
import { batchLoader } from '../common/loaders';
import type { Provider } from './provider.entity';
import { providersByIds } from './provider.repository';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createProviderLoaders(dataSource: DataSource, organizationId: string) {
  return {
    byId: batchLoader<string, Provider>(
      (ids) => providersByIds(dataSource, organizationId, ids),
      (provider) => provider.id,
    ),
  };
}

export type ProviderLoaders = ReturnType<typeof createProviderLoaders>;
