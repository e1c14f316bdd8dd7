import type { DataSource, EntityManager } from 'typeorm';
import { freeSlug } from '../common/db';
import { type Page, type PageArgs, byCreatedAt, paginate } from '../common/pagination';
import { RowReader } from '../db/rows';
import { Provider } from './provider.entity';
import type { ProviderFilter } from './provider.inputs';

/** Every statement on `providers`. Reads are scoped to an organization; writes go by id, after a scoped lock. */

/** The organization's providers among `ids` (loader batch), in no particular order. */
export function providersByIds(dataSource: DataSource, organizationId: string, ids: readonly string[]): Promise<Provider[]> {
  return RowReader.of(dataSource, Provider).select('WHERE t.organization_id = $1 AND t.id = ANY($2)', [organizationId, ids]);
}

/** One page of the organization's providers, oldest first. */
export function providersPage(dataSource: DataSource, organizationId: string, filter: ProviderFilter | undefined, page: PageArgs): Promise<Page<Provider>> {
  const query = dataSource.getRepository(Provider).createQueryBuilder('provider').where('provider.organization_id = :organizationId', { organizationId });
  if (filter?.zoneId) query.andWhere('provider.zone_id = :zoneId', { zoneId: filter.zoneId });
  if (filter?.type) query.andWhere('provider.type = :type', { type: filter.type });
  return paginate(query, 'provider.id', byCreatedAt('provider'), page);
}

export async function findProvider(manager: EntityManager, organizationId: string, id: string): Promise<Provider | null> {
  return manager.findOneBy(Provider, { id, organizationId });
}

/** The provider, locked for a change to it (FOR UPDATE). */
export function lockProviderForChange(manager: EntityManager, organizationId: string, id: string): Promise<Provider | null> {
  return manager.findOne(Provider, { where: { id, organizationId }, lock: { mode: 'pessimistic_write' } });
}

/**
 * Id and zone of the provider, share-locked (FOR SHARE) so it cannot be deleted before the
 * transaction commits something that refers to it.
 */
export function lockProviderShared(manager: EntityManager, organizationId: string, id: string): Promise<Pick<Provider, 'id' | 'zoneId'> | null> {
  return manager.findOne(Provider, { where: { id, organizationId }, select: { id: true, zoneId: true }, lock: { mode: 'pessimistic_read' } });
}

/** The first free slug derived from `base` in the organization's zone. */
export function freeProviderSlug(manager: EntityManager, organizationId: string, zoneId: string, base: string): Promise<string> {
  return freeSlug(manager, 'providers', { organization_id: organizationId, zone_id: zoneId }, base);
}

/** Inserts a provider built from `fields`; returns it as an entity. */
export async function insertProvider(manager: EntityManager, fields: Omit<Provider, 'clientSecretSet'>): Promise<Provider> {
  const provider = manager.create(Provider, fields);
  await manager.insert(Provider, provider);
  return provider;
}

export async function updateProvider(manager: EntityManager, id: string, changes: Partial<Provider>): Promise<void> {
  await manager.update(Provider, { id }, changes);
}

export async function deleteProvider(manager: EntityManager, id: string): Promise<void> {
  await manager.delete(Provider, { id });
}
