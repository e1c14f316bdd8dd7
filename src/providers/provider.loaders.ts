import { type DataSource, In } from 'typeorm';
import { batchLoader } from '../common/loaders';
import { Provider } from './provider.entity';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createProviderLoaders(dataSource: DataSource, organizationId: string) {
  const repository = dataSource.getRepository(Provider);
  return {
    byId: batchLoader<string, Provider>((ids) => repository.findBy({ organizationId, id: In([...ids]) }), (provider) => provider.id),
  };
}

export type ProviderLoaders = ReturnType<typeof createProviderLoaders>;
