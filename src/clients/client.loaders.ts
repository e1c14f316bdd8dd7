import { type DataSource, In } from 'typeorm';
import { childPageLoaders } from '../common/child-pages';
import { batchLoader } from '../common/loaders';
import { Client } from './client.entity';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createClientLoaders(dataSource: DataSource, organizationId: string) {
  const repository = dataSource.getRepository(Client);
  return {
    byId: batchLoader<string, Client>((ids) => repository.findBy({ organizationId, id: In([...ids]) }), (client) => client.id),
    byClientId: batchLoader<string, Client>((clientIds) => repository.findBy({ organizationId, clientId: In([...clientIds]) }), (client) => client.clientId),
    defaultByApplicationId: batchLoader<string, Client>(
      (applicationIds) => repository.findBy({ organizationId, isDefault: true, applicationId: In([...applicationIds]) }),
      (client) => client.applicationId,
    ),
    pageByApplication: childPageLoaders<Client>({ dataSource, entity: Client, table: 'clients', parentColumn: 'application_id', parentIdOf: (c) => c.applicationId, organizationId }),
  };
}

export type ClientLoaders = ReturnType<typeof createClientLoaders>;
