import { type DataSource, In } from 'typeorm';
import { batchLoader } from '../common/loaders';
import { CredentialRow } from './credential.entity';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createCredentialLoaders(dataSource: DataSource, organizationId: string) {
  const repository = dataSource.getRepository(CredentialRow);
  return {
    byId: batchLoader<string, CredentialRow>((ids) => repository.findBy({ organizationId, id: In([...ids]) }), (credential) => credential.id),
  };
}

export type CredentialLoaders = ReturnType<typeof createCredentialLoaders>;
