import type { DataSource, DeepPartial, EntityManager } from 'typeorm';
import type { Caller } from '../auth/scopes';
import { organizationPage } from '../common/crud';
import type { Page, PageArgs } from '../common/pagination';
import { RowReader } from '../db/rows';
import { freeSlug } from '../db/slugs';
import { Provider } from './provider.entity';
import type { ProviderFilter } from './provider.inputs';

/** Every SQL statement on the providers table. */

/** Inserts the provider; the entity instance written is returned. */
export async function insertProvider(manager: EntityManager, fields: DeepPartial<Provider>): Promise<Provider> {
  const provider = manager.create(Provider, fields);
  await manager.insert(Provider, provider);
  return provider;
}

export function findProvider(manager: EntityManager, caller: Caller, id: string): Promise<Provider | null> {
  return manager.findOneBy(Provider, { id, organizationId: caller.organizationId });
}

/** The caller's provider, row-locked (FOR UPDATE) for the rest of the transaction; null when there is none. */
export function lockProviderRow(manager: EntityManager, caller: Caller, id: string): Promise<Provider | null> {
  return manager.findOne(Provider, { where: { id, organizationId: caller.organizationId }, lock: { mode: 'pessimistic_write' } });
}

/**
 * Id and zone of the caller's provider, share-locked (FOR SHARE): it cannot be deleted before
 * the transaction commits what refers to it (a token credential trusting it).
 */
export function lockProviderShared(manager: EntityManager, caller: Caller, id: string): Promise<Pick<Provider, 'id' | 'zoneId'> | null> {
  return manager.findOne(Provider, {
    where: { id, organizationId: caller.organizationId },
    select: { id: true, zoneId: true },
    lock: { mode: 'pessimistic_read' },
  });
}

export async function updateProvider(manager: EntityManager, id: string, changes: Partial<Provider>): Promise<void> {
  await manager.update(Provider, { id }, changes);
}

export async function deleteProvider(manager: EntityManager, id: string): Promise<void> {
  await manager.delete(Provider, { id });
}

/** The first free slug derived from `base` among the caller's providers of the zone. */
export function freeProviderSlug(manager: EntityManager, caller: Caller, zoneId: string, base: string): Promise<string> {
  return freeSlug(manager, 'providers', { organization_id: caller.organizationId, zone_id: zoneId }, base);
}

/** One page of the caller's providers, oldest first. */
export function listProviders(dataSource: DataSource, caller: Caller, filter: ProviderFilter | undefined, page: PageArgs): Promise<Page<Provider>> {
  return organizationPage(RowReader.of(dataSource, Provider), caller, { zone_id: filter?.zoneId, type: filter?.type }, page);
}

/** Loader batch: the organization's providers by id. */
export function providersByIds(dataSource: DataSource, organizationId: string, ids: readonly string[]): Promise<Provider[]> {
  return RowReader.of(dataSource, Provider).select('WHERE t.organization_id = $1 AND t.id = ANY($2)', [organizationId, ids]);
}
