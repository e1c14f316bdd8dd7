import type { DataSource } from 'typeorm';
import { childPageLoaders } from '../common/child-pages';
import { batchLoader } from '../common/loaders';
import { RowReader } from '../db/rows';
import { Client } from './client.entity';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createClientLoaders(dataSource: DataSource, organizationId: string) {
  const rows = RowReader.of(dataSource, Client);
  return {
    byId: batchLoader<string, Client>((ids) => rows.select('WHERE t.organization_id = $1 AND t.id = ANY($2)', [organizationId, ids]), (client) => client.id),
    byClientId: batchLoader<string, Client>((clientIds) => rows.select('WHERE t.organization_id = $1 AND t.client_id = ANY($2)', [organizationId, clientIds]), (client) => client.clientId),
    defaultByApplicationId: batchLoader<string, Client>(
      (applicationIds) => rows.select('WHERE t.organization_id = $1 AND t.is_default AND t.application_id = ANY($2)', [organizationId, applicationIds]),
      (client) => client.applicationId,
    ),
    pageByApplication: childPageLoaders<Client>({ dataSource, rows, parentColumn: 'application_id', parentIdOf: (c) => c.applicationId, organizationId }),
  };
}

export type ClientLoaders = ReturnType<typeof createClientLoaders>;
