import type { DataSource, EntityManager } from 'typeorm';
import type { Caller } from '../auth/scopes';
import { ConflictError } from './errors';
import { claimKey, deleteExpiredKey, deleteExpiredKeys, findKey, storeResult } from './idempotency.repository';
import type { SecretHasher } from './secrets';

/** How long a key is remembered (API.md: 24 h). */
export const IDEMPOTENCY_TTL_HOURS = 24;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Canonical JSON (sorted keys) so equal inputs hash equally whatever their field order. */
function canonical(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/** The request's fingerprint, keyed: inputs may hold secrets (a provider's client secret). */
export function requestHash(hasher: SecretHasher, operation: string, input: object): Buffer {
  const { idempotencyKey: _key, ...rest } = input as { idempotencyKey?: string };
  return hasher.hash(`${operation}\n${canonical(rest)}`);
}

export interface IdempotentCreate<T> {
  operation: string;
  input: object & { idempotencyKey?: string | null };
  /** Creates the object(s) in the caller's transaction. */
  execute: () => Promise<T>;
  /** What to remember of the result: the ids needed to return it again. */
  remember: (result: T) => Json;
  /** Rebuilds the result from what was remembered, without any secret. */
  replay: (remembered: Json) => Promise<T>;
}

/**
 * Idempotent creates. The key row is inserted in the same transaction as the create: a
 * concurrent request with the same key blocks on it and, once the first commits, replays
 * its result (one object is created); if the first rolls back, the key is free again.
 */
export class IdempotencyStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: SecretHasher,
  ) {}

  async run<T>(manager: EntityManager, caller: Caller, create: IdempotentCreate<T>): Promise<T> {
    const key = create.input.idempotencyKey;
    if (!key) return create.execute();
    const hash = requestHash(this.hasher, create.operation, create.input);
    // A key older than the TTL is forgotten: the retry window has passed.
    await deleteExpiredKey(manager, caller.organizationId, key, IDEMPOTENCY_TTL_HOURS);
    if (!(await claimKey(manager, caller.organizationId, key, create.operation, hash))) {
      const stored = await findKey(manager, caller.organizationId, key);
      if (!stored || stored.operation !== create.operation || !Buffer.from(stored.request_hash).equals(hash)) {
        throw new ConflictError('This idempotency key was already used with a different request.');
      }
      return create.replay(stored.result as Json);
    }
    const result = await create.execute();
    await storeResult(manager, caller.organizationId, key, create.remember(result));
    return result;
  }

  /** Forgets expired keys; called periodically by the server. */
  async purgeExpired(): Promise<number> {
    return deleteExpiredKeys(this.dataSource, IDEMPOTENCY_TTL_HOURS);
  }
}
