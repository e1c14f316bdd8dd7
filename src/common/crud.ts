import type { ObjectLiteral } from 'typeorm';
import type { Caller } from '../auth/scopes';
import type { RowReader } from '../db/rows';
import { ConflictError, NotFoundError } from './errors';
import { type Page, type PageArgs, type SortOrder, byCreatedAt, paginate } from './pagination';

/**
 * The steps every feature's create/read/update/delete takes, written once: a missing row is
 * NOT_FOUND, `expectedVersion` is checked and every change bumps `version` and `updatedAt`,
 * an idempotent create remembers ids and replays from them, lists are scoped to the caller's
 * organization.
 */

/** The zone of applications and providers created without one. */
export const DEFAULT_ZONE = 'default';

/** The row, or NOT_FOUND naming what was asked for (`type` is the GraphQL type, e.g. `Client`). */
export function foundOr<T>(row: T | null | undefined, type: string, id: string): T {
  if (row == null) throw new NotFoundError(type, id);
  return row;
}

/** Optimistic locking: CONFLICT when the caller expected another version than the stored one. */
export function checkExpectedVersion(type: string, row: { id: string; version: number }, expectedVersion: number | null | undefined): void {
  if (expectedVersion != null && expectedVersion !== row.version) {
    throw new ConflictError(`${type} ${row.id} is at version ${row.version}, not ${expectedVersion}.`);
  }
}

/** `changes` plus what every change of a versioned row sets: the next version and the time of the change. */
export function bumped<T extends { version: number; updatedAt: Date }>(row: T, changes: Partial<T>, now: Date = new Date()): Partial<T> {
  return Object.assign(changes, { version: row.version + 1, updatedAt: now });
}

/**
 * The `remember` / `replay` pair of an idempotent create (IdempotencyStore.run): the result's
 * ids are remembered, and a replay rebuilds the result from them (never with a secret).
 */
export function replayByIds<T, K extends string>(
  idsOf: (result: T) => Record<K, string>,
  rebuild: (ids: Record<K, string>) => Promise<NoInfer<T>>,
): { remember: (result: T) => Record<K, string>; replay: (remembered: unknown) => Promise<T> } {
  return { remember: idsOf, replay: (remembered) => rebuild(remembered as Record<K, string>) };
}

/**
 * One page of an organization-scoped list of `rows` (the feature repository's reader of its
 * table, aliased `t`): limited to the caller's organization and to the given equality filters
 * on columns of `t` (undefined ones are left out), then paged in keyset order (oldest first
 * unless `sort` says otherwise). `refine` adds filters that are not equalities: it gets a
 * function that binds a value and returns its placeholder, and returns a condition on `t`.
 */
export function organizationPage<T extends ObjectLiteral & { id: string; createdAt: Date }>(
  rows: RowReader<T>,
  caller: Caller,
  equal: Record<string, unknown>,
  page: PageArgs,
  sort: SortOrder<T> = byCreatedAt<T>('t'),
  refine?: (bind: (value: unknown) => string) => string | undefined,
): Promise<Page<T>> {
  const params: unknown[] = [caller.organizationId];
  const bind = (value: unknown) => `$${params.push(value)}`;
  const conditions = ['t.organization_id = $1'];
  for (const [column, value] of Object.entries(equal)) {
    if (value !== undefined && value !== null && value !== '') conditions.push(`t.${column} = ${bind(value)}`);
  }
  const refined = refine?.(bind);
  if (refined) conditions.push(refined);
  return paginate(rows, conditions.join(' AND '), params, sort, page);
}
