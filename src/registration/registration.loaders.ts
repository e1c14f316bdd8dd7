import type { DataSource } from 'typeorm';
import { batchLoader } from '../common/loaders';
import type { RegistrationToken } from './registration-token.entity';
import { registrationTokensByIds } from './registration.repository';

/** Per-request loaders; every lookup is scoped to the caller's organization. */
export function createRegistrationLoaders(dataSource: DataSource, organizationId: string) {
  return {
    tokenById: batchLoader<string, RegistrationToken>(
      (ids) => registrationTokensByIds(dataSource, organizationId, ids),
      (token) => token.id,
    ),
  };
}

export type RegistrationLoaders = ReturnType<typeof createRegistrationLoaders>;
