import type { DataSource } from 'typeorm';
import { childPageLoaders } from '../common/child-pages';
import { batchLoader } from '../common/loaders';
import type { CredentialRow } from './credential.entity';
import { credentialsByApplication, credentialsByIds } from './credential.repository';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createCredentialLoaders(dataSource: DataSource, organizationId: string) {
  return {
    byId: batchLoader<string, CredentialRow>(
      (ids) => credentialsByIds(dataSource, organizationId, ids),
      (credential) => credential.id,
    ),
    pageByApplication: childPageLoaders<CredentialRow>({ source: credentialsByApplication(dataSource, organizationId), parentIdOf: (c) => c.applicationId }),
  };
}

export type CredentialLoaders = ReturnType<typeof createCredentialLoaders>;
