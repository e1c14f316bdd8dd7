import { type DataSource, In } from 'typeorm';
import { batchLoader } from '../common/loaders';
import { Application } from './application.entity';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createApplicationLoaders(dataSource: DataSource, organizationId: string) {
  const repository = dataSource.getRepository(Application);
  return {
    byId: batchLoader<string, Application>((ids) => repository.findBy({ organizationId, id: In([...ids]) }), (app) => app.id),
  };
}

export type ApplicationLoaders = ReturnType<typeof createApplicationLoaders>;
