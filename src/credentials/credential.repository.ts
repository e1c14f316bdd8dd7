import type { DataSource, DeepPartial, EntityManager } from 'typeorm';
import type { Caller } from '../auth/scopes';
import { organizationPage } from '../common/crud';
import type { Page, PageArgs } from '../common/pagination';
import { type ChildRowSource, childRowSource } from '../db/child-rows';
import { RowReader } from '../db/rows';
import { freeSlug } from '../db/slugs';
import { CredentialRow } from './credential.entity';
import type { CredentialFilter } from './credential.inputs';

/** Every SQL statement on the credentials table. */

/** Inserts the credential; the entity instance written is returned. */
export async function insertCredential(manager: EntityManager, fields: DeepPartial<CredentialRow>): Promise<CredentialRow> {
  const credential = manager.create(CredentialRow, fields);
  await manager.insert(CredentialRow, credential);
  return credential;
}

export function findCredential(manager: EntityManager, caller: Caller, id: string): Promise<CredentialRow | null> {
  return manager.findOneBy(CredentialRow, { id, organizationId: caller.organizationId });
}

/** The application of the caller's credential, read without a lock (to lock the application first). */
export async function applicationIdOfCredential(manager: EntityManager, caller: Caller, id: string): Promise<string | null> {
  const found = await manager.findOne(CredentialRow, { where: { id, organizationId: caller.organizationId }, select: { id: true, applicationId: true } });
  return found?.applicationId ?? null;
}

/** The caller's credential, row-locked for the rest of the transaction; null when there is none. */
export function lockCredentialRow(manager: EntityManager, caller: Caller, id: string): Promise<CredentialRow | null> {
  return manager.findOne(CredentialRow, { where: { id, organizationId: caller.organizationId }, lock: { mode: 'pessimistic_write' } });
}

export async function updateCredential(manager: EntityManager, id: string, changes: Partial<CredentialRow>): Promise<void> {
  await manager.update(CredentialRow, { id }, changes);
}

export async function deleteCredential(manager: EntityManager, id: string): Promise<void> {
  await manager.delete(CredentialRow, { id });
}

/** The first free slug derived from `base` among the application's credentials. */
export function freeCredentialSlug(manager: EntityManager, applicationId: string, base: string): Promise<string> {
  return freeSlug(manager, 'credentials', { application_id: applicationId }, base);
}

/** How many token credentials trust the provider: the providers feature refuses to delete one in use. */
export async function countCredentialsTrustingProvider(manager: EntityManager, providerId: string): Promise<number> {
  const [{ n }]: { n: number }[] = await manager.query(`SELECT count(*)::int AS n FROM credentials WHERE provider_id = $1`, [providerId]);
  return n;
}

/** One page of the caller's credentials, oldest first. */
export function listCredentials(dataSource: DataSource, caller: Caller, filter: CredentialFilter | undefined, page: PageArgs): Promise<Page<CredentialRow>> {
  return organizationPage(RowReader.of(dataSource, CredentialRow), caller, { application_id: filter?.applicationId, type: filter?.type }, page);
}

/**
 * The organization's PUBLIC_KEY credentials known by this OAuth client id, for authentication:
 * those of one application when the client id is a client's, else of any zone (at most one per zone).
 */
export function publicKeyCredentialsFor(
  dataSource: DataSource,
  organizationId: string,
  identifier: string,
  applicationId: string | null,
): Promise<CredentialRow[]> {
  const where =
    `WHERE t.organization_id = $1 AND t.type = 'PUBLIC_KEY' AND t.identifier = $2 ` + `AND ($3::text IS NULL OR t.application_id = $3) ORDER BY t.id LIMIT 10`;
  return RowReader.of(dataSource, CredentialRow).select(where, [organizationId, identifier, applicationId]);
}

/** Records that the credential authenticated at `usedAt`, unless a use at or after `notBefore` is recorded. */
export async function recordCredentialUse(dataSource: DataSource, id: string, usedAt: Date, notBefore: Date): Promise<void> {
  await dataSource.query(`UPDATE credentials SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)`, [id, usedAt, notBefore]);
}

/** Loader batch: the organization's credentials by id. */
export function credentialsByIds(dataSource: DataSource, organizationId: string, ids: readonly string[]): Promise<CredentialRow[]> {
  return RowReader.of(dataSource, CredentialRow).select('WHERE t.organization_id = $1 AND t.id = ANY($2)', [organizationId, ids]);
}

/** `credentials` under applications: one statement for a whole page of applications. */
export function credentialsByApplication(dataSource: DataSource, organizationId: string): ChildRowSource<CredentialRow> {
  return childRowSource(dataSource, RowReader.of(dataSource, CredentialRow), 'application_id', organizationId);
}
