import type { DataSource } from 'typeorm';
import { batchLoader } from '../common/loaders';
import type { CredentialRow } from './credential.entity';
import { credentialPagesByApplication, credentialsByIds } from './credential.repository';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createCredentialLoaders(dataSource: DataSource, organizationId: string) {
  return {
    byId: batchLoader<string, CredentialRow>((ids) => credentialsByIds(dataSource, organizationId, ids), (credential) => credential.id),
    pageByApplication: credentialPagesByApplication(dataSource, organizationId),
  };
}

export type CredentialLoaders = ReturnType<typeof createCredentialLoaders>;
