import type { DataSource } from 'typeorm';
import { childPageLoaders } from '../common/child-pages';
import { batchLoader } from '../common/loaders';
import { childRowSource } from '../db/child-rows';
import { RowReader } from '../db/rows';
import { CredentialRow } from './credential.entity';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createCredentialLoaders(dataSource: DataSource, organizationId: string) {
  const rows = RowReader.of(dataSource, CredentialRow);
  return {
    byId: batchLoader<string, CredentialRow>((ids) => rows.select('WHERE t.organization_id = $1 AND t.id = ANY($2)', [organizationId, ids]), (credential) => credential.id),
    pageByApplication: childPageLoaders<CredentialRow>({
      source: childRowSource(dataSource, rows, 'application_id', organizationId),
      parentIdOf: (c) => c.applicationId,
    }),
  };
}

export type CredentialLoaders = ReturnType<typeof createCredentialLoaders>;
