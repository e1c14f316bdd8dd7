import type { EntityManager } from 'typeorm';
import { firstFreeSlug } from '../common/naming';

/**
 * The first free slug derived from `base` among the rows of `table` matching `scope`: the
 * one statement every feature's slug lookup shares (each repository names its table and scope).
 */
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
