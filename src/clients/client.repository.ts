import type { DataSource, DeepPartial, EntityManager } from 'typeorm';
import type { Caller } from '../auth/scopes';
import { organizationPage } from '../common/crud';
import type { Page, PageArgs } from '../common/pagination';
import { type ChildRowSource, childRowSource } from '../db/child-rows';
import { RowReader } from '../db/rows';
import { preparedQuery } from '../db/prepared';
import { Client, SECRET_AUTH_METHODS } from './client.entity';
import type { ClientFilter } from './client.inputs';

/** Every SQL statement on the clients table. */

/** Inserts the client; the entity instance written is returned. */
export async function insertClient(manager: EntityManager, fields: DeepPartial<Client>): Promise<Client> {
  const client = manager.create(Client, fields);
  await manager.insert(Client, client);
  return client;
}

export function findClient(manager: EntityManager, caller: Caller, id: string): Promise<Client | null> {
  return manager.findOneBy(Client, { id, organizationId: caller.organizationId });
}

/** The application of the caller's client, read without a lock (to lock the application first). */
export async function applicationIdOfClient(manager: EntityManager, caller: Caller, id: string): Promise<string | null> {
  const found = await manager.findOne(Client, { where: { id, organizationId: caller.organizationId }, select: { id: true, applicationId: true } });
  return found?.applicationId ?? null;
}

/** The caller's client, row-locked for the rest of the transaction; null when there is none. */
export function lockClientRow(manager: EntityManager, caller: Caller, id: string): Promise<Client | null> {
  return manager.findOne(Client, { where: { id, organizationId: caller.organizationId }, lock: { mode: 'pessimistic_write' } });
}

export async function updateClient(manager: EntityManager, id: string, changes: Partial<Client>): Promise<void> {
  await manager.update(Client, { id }, changes);
}

/** The application's default client stops being the default (a change of it: version bumped). */
export async function clearDefaultClient(manager: EntityManager, applicationId: string, now: Date): Promise<void> {
  await manager.update(Client, { applicationId, isDefault: true }, { isDefault: false, updatedAt: now, version: () => 'version + 1' });
}

export async function deleteClient(manager: EntityManager, id: string): Promise<void> {
  await manager.delete(Client, { id });
}

/** One page of the caller's clients, oldest first. */
export function listClients(dataSource: DataSource, caller: Caller, filter: ClientFilter | undefined, page: PageArgs): Promise<Page<Client>> {
  return organizationPage(RowReader.of(dataSource, Client), caller, { application_id: filter?.applicationId, visibility: filter?.visibility }, page);
}

/** The caller's client with this OAuth client_id, for authentication. */
export async function clientForAuthentication(dataSource: DataSource, caller: Caller, clientId: string): Promise<Client | undefined> {
  const [client] = await RowReader.of(dataSource, Client).select('WHERE t.organization_id = $1 AND t.client_id = $2', [caller.organizationId, clientId]);
  return client;
}

/** The SQL condition, in clientForAuthenticationJudged's statement, that the attempt failed. */
export const AUTHENTICATION_FAILED = 'NOT (SELECT matched FROM verdict)';

/**
 * Authentication in one prepared statement: the caller's client with this client_id, whether
 * `digest` (the HMAC of the presented secret) is its current secret's or its unexpired
 * rotated secret's, and — through `counting`, the rate-limit module's CTEs built with
 * AUTHENTICATION_FAILED, parameters numbered from $6 — the failure counted when it is not.
 * The digests are compared in SQL: an HMAC under a key the caller does not know, so how long a
 * comparison takes tells nothing usable about the secret.
 */
export async function clientForAuthenticationJudged<C extends { cte: string; columns: string; params: unknown[] }>(
  dataSource: DataSource,
  caller: Caller,
  clientId: string,
  digest: Buffer,
  now: Date,
  counting: C,
): Promise<{ client: Client | undefined; matchedCurrent: boolean; matched: boolean; row: Record<string, unknown> }> {
  const rows = RowReader.of(dataSource, Client);
  const [row] = await preparedQuery(
    dataSource,
    `WITH found AS (
         SELECT ${rows.allColumns},
           t.secret_hash = $3 AS "matchedCurrent",
           t.rotated_secret_hash = $3 AND (t.rotated_secret_expires_at IS NULL OR t.rotated_secret_expires_at > $4) AS "matchedRotated",
           t.token_endpoint_auth_method = ANY($5::text[]) AS "usesSecret"
         FROM clients t WHERE t.organization_id = $1 AND t.client_id = $2),
       verdict AS (SELECT EXISTS (SELECT 1 FROM found WHERE "usesSecret" AND ("matchedCurrent" OR "matchedRotated")) AS matched),
       ${counting.cte}
     SELECT found.*, (SELECT matched FROM verdict) AS matched, ${counting.columns}
     FROM (SELECT 1) AS one LEFT JOIN found ON true`,
    [caller.organizationId, clientId, digest, now, [...SECRET_AUTH_METHODS], ...counting.params],
  );
  return { client: row.id == null ? undefined : rows.hydrateColumns(row), matchedCurrent: row.matchedCurrent === true, matched: row.matched === true, row };
}

/**
 * Records that a secret was used at `usedAt`, unless a use at or after `notBefore` is already
 * recorded (so concurrent authentications do not all write the same minute).
 */
export async function recordSecretUse(dataSource: DataSource, id: string, rotated: boolean, usedAt: Date, notBefore: Date): Promise<void> {
  const column = rotated ? 'rotated_secret_last_used_at' : 'secret_last_used_at';
  await dataSource.query(`UPDATE clients SET ${column} = $2 WHERE id = $1 AND (${column} IS NULL OR ${column} < $3)`, [id, usedAt, notBefore]);
}

/** Records that the client authenticated by assertion or certificate at `usedAt`, unless a time at or after `notBefore` is recorded. */
export async function recordClientAuthentication(dataSource: DataSource, id: string, usedAt: Date, notBefore: Date): Promise<void> {
  await dataSource.query(`UPDATE clients SET last_authenticated_at = $2 WHERE id = $1 AND (last_authenticated_at IS NULL OR last_authenticated_at < $3)`, [
    id,
    usedAt,
    notBefore,
  ]);
}

/** Loader batches: the organization's clients by id, by OAuth client_id, and the default client of each application. */
export function clientsByIds(dataSource: DataSource, organizationId: string, ids: readonly string[]): Promise<Client[]> {
  return RowReader.of(dataSource, Client).select('WHERE t.organization_id = $1 AND t.id = ANY($2)', [organizationId, ids]);
}

export function clientsByClientIds(dataSource: DataSource, organizationId: string, clientIds: readonly string[]): Promise<Client[]> {
  return RowReader.of(dataSource, Client).select('WHERE t.organization_id = $1 AND t.client_id = ANY($2)', [organizationId, clientIds]);
}

export function defaultClientsOfApplications(dataSource: DataSource, organizationId: string, applicationIds: readonly string[]): Promise<Client[]> {
  const where = 'WHERE t.organization_id = $1 AND t.is_default AND t.application_id = ANY($2)';
  return RowReader.of(dataSource, Client).select(where, [organizationId, applicationIds]);
}

/** `clients` under applications: one statement for a whole page of applications. */
export function clientsByApplication(dataSource: DataSource, organizationId: string): ChildRowSource<Client> {
  return childRowSource(dataSource, RowReader.of(dataSource, Client), 'application_id', organizationId);
}
