import { QueryFailedError } from 'typeorm';

/** How a statement failed, read from the driver's error: no dependency on the rest of the service. */

/** The name of the unique constraint a failed statement violated, if that is what failed. */
export function uniqueViolation(error: unknown): string | null {
  if (error instanceof QueryFailedError) {
    const driverError = error.driverError as { code?: string; constraint?: string };
    if (driverError.code === '23505') return driverError.constraint ?? 'unique';
  }
  return null;
}

export function sqlState(error: unknown): string | undefined {
  return error instanceof QueryFailedError ? (error.driverError as { code?: string }).code : (error as { code?: string } | null)?.code;
}

/** The driver's and the server's words for a database that cannot be reached or went away. */
const UNAVAILABLE_MESSAGE = new RegExp(
  'ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|timeout exceeded when trying to connect|Connection ended unexpectedly|' +
    'the database system is (starting up|shutting down)',
  'i',
);

/** Whether an error means the database could not be reached or dropped the connection. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const state = sqlState(error);
  if (state && (state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03')) return true;
  const message = error instanceof Error ? error.message : '';
  return UNAVAILABLE_MESSAGE.test(message);
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
