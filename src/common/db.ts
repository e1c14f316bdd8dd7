import { type DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import { ConflictError } from './errors';

/** The name of the unique constraint a failed statement violated, if that is what failed. */
export function uniqueViolation(error: unknown): string | null {
  if (error instanceof QueryFailedError) {
    const driverError = error.driverError as { code?: string; constraint?: string };
    if (driverError.code === '23505') return driverError.constraint ?? 'unique';
  }
  return null;
}

/** SQLSTATEs after which the whole transaction can simply run again. */
const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
const MAX_ATTEMPTS = 4;

function sqlState(error: unknown): string | undefined {
  return error instanceof QueryFailedError ? (error.driverError as { code?: string }).code : (error as { code?: string } | null)?.code;
}

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

/** Whether an error means the database could not be reached or dropped the connection. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const state = sqlState(error);
  if (state && (state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03')) return true;
  const message = error instanceof Error ? error.message : '';
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|timeout exceeded when trying to connect|Connection ended unexpectedly|the database system is (starting up|shutting down)/i.test(message);
}

/** The message node-postgres gives a statement whose answer did not come within query_timeout. */
export const QUERY_READ_TIMEOUT = 'Query read timeout';

/**
 * Whether a statement was cut for taking too long: cancelled by the server's statement_timeout
 * (57014, query_canceled) or given up client-side after the query timeout (a stalled connection).
 */
export function isStatementTimeout(error: unknown): boolean {
  if (sqlState(error) === '57014') return true;
  return error instanceof Error && error.message === QUERY_READ_TIMEOUT;
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
