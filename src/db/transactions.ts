import type { DataSource, EntityManager } from 'typeorm';
import { sqlState, uniqueViolation } from './failures';
import { ConflictError } from '../common/errors';

/** SQLSTATEs after which the whole transaction can simply run again. */
const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
const MAX_ATTEMPTS = 4;

/**
 * Runs `work` in one transaction, and again (whole, with a short jittered pause) when
 * PostgreSQL aborted it for a serialization failure or a deadlock: every mutation is one
 * transaction, so re-running it is safe.
 */
export async function runTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      const state = sqlState(error);
      if (attempt >= MAX_ATTEMPTS || !state || !RETRYABLE.has(state)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
    }
  }
}

/**
 * Runs `work` in one transaction; a violation of one of the named unique constraints is
 * reported as CONFLICT with the given message (anything else propagates unchanged).
 * `retry` re-runs the whole transaction up to `times` times on a violation of its constraint
 * first (a derived value, such as a slug, that a concurrent write took meanwhile).
 */
export async function transactionWithConflicts<T>(
  dataSource: DataSource,
  conflicts: Record<string, string>,
  work: (manager: EntityManager) => Promise<T>,
  retry: { constraint: string; times: number } = { constraint: '', times: 0 },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await runTransaction(dataSource, work);
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint && constraint === retry.constraint && attempt < retry.times) continue;
      if (constraint && conflicts[constraint]) throw new ConflictError(conflicts[constraint]);
      throw error;
    }
  }
}
