import type { DataSource, EntityManager } from 'typeorm';

/** A remembered idempotent create, as stored in `idempotency_keys`. */
export interface StoredIdempotencyKey {
  operation: string;
  request_hash: Buffer;
  result: unknown;
}

/** Forgets the organization's key if it is older than `ttlHours`: its retry window has passed. */
export async function deleteExpiredKey(manager: EntityManager, organizationId: string, key: string, ttlHours: number): Promise<void> {
  await manager.query(`DELETE FROM idempotency_keys WHERE organization_id = $1 AND key = $2 AND created_at < now() - make_interval(hours => $3)`, [
    organizationId,
    key,
    ttlHours,
  ]);
}

/**
 * Claims the key for this request; false when the organization already holds it. A concurrent
 * claim of the same key blocks here until the first transaction ends.
 */
export async function claimKey(manager: EntityManager, organizationId: string, key: string, operation: string, requestHash: Buffer): Promise<boolean> {
  const inserted: unknown[] = await manager.query(
    `INSERT INTO idempotency_keys (organization_id, key, operation, request_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (organization_id, key) DO NOTHING RETURNING key`,
    [organizationId, key, operation, requestHash],
  );
  return inserted.length > 0;
}

export async function findKey(manager: EntityManager, organizationId: string, key: string): Promise<StoredIdempotencyKey | undefined> {
  const [stored]: (StoredIdempotencyKey | undefined)[] = await manager.query(
    `SELECT operation, request_hash, result FROM idempotency_keys WHERE organization_id = $1 AND key = $2`,
    [organizationId, key],
  );
  return stored;
}

/** Stores what to replay for the key (JSON). */
export async function storeResult(manager: EntityManager, organizationId: string, key: string, result: unknown): Promise<void> {
  await manager.query(`UPDATE idempotency_keys SET result = $3 WHERE organization_id = $1 AND key = $2`, [organizationId, key, JSON.stringify(result)]);
}

/** Deletes every key older than `ttlHours`; returns how many. */
export async function deleteExpiredKeys(dataSource: DataSource, ttlHours: number): Promise<number> {
  const [, count]: [unknown, number | null] = await dataSource.query(`DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`, [
    ttlHours,
  ]);
  return Number(count ?? 0);
}
