import { type DataSource, In } from 'typeorm';
import { childPageLoaders } from '../common/child-pages';
import { batchLoader } from '../common/loaders';
import { CredentialRow } from './credential.entity';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createCredentialLoaders(dataSource: DataSource, organizationId: string) {
  const repository = dataSource.getRepository(CredentialRow);
  return {
    byId: batchLoader<string, CredentialRow>((ids) => repository.findBy({ organizationId, id: In([...ids]) }), (credential) => credential.id),
    pageByApplication: childPageLoaders<CredentialRow>({
      dataSource,
      entity: CredentialRow,
      table: 'credentials',
      parentColumn: 'application_id',
      parentIdOf: (c) => c.applicationId,
      organizationId,
    }),
  };
}

export type CredentialLoaders = ReturnType<typeof createCredentialLoaders>;
