import type { DataSource } from 'typeorm';
import { childPageLoaders } from '../common/child-pages';
import { batchLoader } from '../common/loaders';
import type { Client } from './client.entity';
import { clientsByApplication, clientsByClientIds, clientsByIds, defaultClientsOfApplications } from './client.repository';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createClientLoaders(dataSource: DataSource, organizationId: string) {
  return {
    byId: batchLoader<string, Client>(
      (ids) => clientsByIds(dataSource, organizationId, ids),
      (client) => client.id,
    ),
    byClientId: batchLoader<string, Client>(
      (clientIds) => clientsByClientIds(dataSource, organizationId, clientIds),
      (client) => client.clientId,
    ),
    defaultByApplicationId: batchLoader<string, Client>(
      (applicationIds) => defaultClientsOfApplications(dataSource, organizationId, applicationIds),
      (client) => client.applicationId,
    ),
    pageByApplication: childPageLoaders<Client>({ source: clientsByApplication(dataSource, organizationId), parentIdOf: (c) => c.applicationId }),
  };
}

export type ClientLoaders = ReturnType<typeof createClientLoaders>;
