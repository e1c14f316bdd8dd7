import type { DataSource, EntityManager } from 'typeorm';
import { childPageLoaders } from '../common/child-pages';
import { freeSlug } from '../common/db';
import { type Page, type PageArgs, byCreatedAt, paginate } from '../common/pagination';
import { RowReader } from '../db/rows';
import { CredentialRow } from './credential.entity';
import type { CredentialFilter } from './credential.inputs';

/** Every statement on `credentials`. Reads are scoped to an organization; writes go by id, after a scoped lock. */

/** The organization's credentials among `ids` (loader batch), in no particular order. */
export function credentialsByIds(dataSource: DataSource, organizationId: string, ids: readonly string[]): Promise<CredentialRow[]> {
  return RowReader.of(dataSource, CredentialRow).select('WHERE t.organization_id = $1 AND t.id = ANY($2)', [organizationId, ids]);
}

/** Per-request loader of `Application.credentials` pages: one statement for all the parents of a page shape. */
export function credentialPagesByApplication(dataSource: DataSource, organizationId: string) {
  return childPageLoaders<CredentialRow>({
    dataSource,
    rows: RowReader.of(dataSource, CredentialRow),
    parentColumn: 'application_id',
    parentIdOf: (credential) => credential.applicationId,
    organizationId,
  });
}

/** One page of the organization's credentials, oldest first. */
export function credentialsPage(dataSource: DataSource, organizationId: string, filter: CredentialFilter | undefined, page: PageArgs): Promise<Page<CredentialRow>> {
  const query = dataSource.getRepository(CredentialRow).createQueryBuilder('credential').where('credential.organization_id = :organizationId', { organizationId });
  if (filter?.applicationId) query.andWhere('credential.application_id = :applicationId', { applicationId: filter.applicationId });
  if (filter?.type) query.andWhere('credential.type = :type', { type: filter.type });
  return paginate(query, 'credential.id', byCreatedAt('credential'), page);
}

export function findCredential(manager: EntityManager, organizationId: string, id: string): Promise<CredentialRow | null> {
  return manager.findOneBy(CredentialRow, { id, organizationId });
}

/** The application of the credential (unlocked), so the caller can lock the application first. */
export async function applicationIdOfCredential(manager: EntityManager, organizationId: string, id: string): Promise<string | null> {
  const found = await manager.findOne(CredentialRow, { where: { id, organizationId }, select: { id: true, applicationId: true } });
  return found?.applicationId ?? null;
}

/** The credential, locked for a change to it (FOR UPDATE). */
export function lockCredentialForChange(manager: EntityManager, organizationId: string, id: string): Promise<CredentialRow | null> {
  return manager.findOne(CredentialRow, { where: { id, organizationId }, lock: { mode: 'pessimistic_write' } });
}

/** How many credentials trust the provider (a provider in use cannot be deleted). */
export async function countCredentialsTrustingProvider(manager: EntityManager, providerId: string): Promise<number> {
  const [{ n }] = await manager.query(`SELECT count(*)::int AS n FROM credentials WHERE provider_id = $1`, [providerId]);
  return n;
}

/** The first free slug derived from `base` among the application's credentials. */
export function freeCredentialSlug(manager: EntityManager, applicationId: string, base: string): Promise<string> {
  return freeSlug(manager, 'credentials', { application_id: applicationId }, base);
}

/** Inserts a credential built from `fields`; returns it as an entity. */
export async function insertCredential(manager: EntityManager, fields: CredentialRow): Promise<CredentialRow> {
  const credential = manager.create(CredentialRow, fields);
  await manager.insert(CredentialRow, credential);
  return credential;
}

export async function updateCredential(manager: EntityManager, id: string, changes: Partial<CredentialRow>): Promise<void> {
  await manager.update(CredentialRow, { id }, changes);
}

export async function deleteCredential(manager: EntityManager, id: string): Promise<void> {
  await manager.delete(CredentialRow, { id });
}
