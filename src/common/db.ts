import { type DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import { ConflictError } from './errors';
import { firstFreeSlug } from './naming';

/** The name of the unique constraint a failed statement violated, if that is what failed. */
export function uniqueViolation(error: unknown): string | null {
  if (error instanceof QueryFailedError) {
    const driverError = error.driverError as { code?: string; constraint?: string };
    if (driverError.code === '23505') return driverError.constraint ?? 'unique';
  }
  return null;
}

/**
 * Runs `work` in one transaction; a violation of one of the named unique constraints is
 * reported as CONFLICT with the given message (anything else propagates unchanged).
 */
export async function transactionWithConflicts<T>(
  dataSource: DataSource,
  conflicts: Record<string, string>,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  try {
    return await dataSource.transaction(work);
  } catch (error) {
    const constraint = uniqueViolation(error);
    if (constraint && conflicts[constraint]) throw new ConflictError(conflicts[constraint]);
    throw error;
  }
}

/** The first free slug derived from `base` among the rows of `table` matching `scope`. */
export async function freeSlug(manager: EntityManager, table: string, scope: Record<string, string>, base: string): Promise<string> {
  const columns = Object.keys(scope);
  const conditions = columns.map((column, i) => `${column} = $${i + 3}`).join(' AND ');
  const rows: { slug: string }[] = await manager.query(`SELECT slug FROM ${table} WHERE ${conditions} AND (slug = $1 OR slug LIKE $2)`, [
    base,
    `${base}-%`,
    ...columns.map((column) => scope[column]),
  ]);
  return firstFreeSlug(base, new Set(rows.map((row) => row.slug)));
}
