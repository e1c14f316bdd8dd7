import DataLoader from 'dataloader';
import type { ObjectLiteral } from 'typeorm';
import type { GraphQLResolveInfo } from 'graphql';
import type { ChildPageShape, ChildRowSource } from '../db/child-rows';
import { selectedFieldNames } from './selection';
import { type Page, type PageArgs, type PageRequest, cursorDate, decodeCursor, pageOf, pageRequest } from './pagination';

const createdAtOf = (row: { createdAt: Date }) => row.createdAt.toISOString();

/**
 * The entity properties a connection's nodes need for the query at hand: the selected fields
 * that are columns, plus the columns behind computed fields (`requires`, e.g. `hasSecret` →
 * `secretHash`, `provider` → `providerId`).
 */
export function childProperties(info: GraphQLResolveInfo, requires: Record<string, string[]> = {}): string[] {
  const names = selectedFieldNames(info, ['edges', 'node']);
  return [...names].flatMap((name) => [name, ...(requires[name] ?? [])]);
}

/** One parent's page request: `Application.clients(first, after, last, before)` for one application. */
export interface ChildPageKey extends PageArgs {
  parentId: string;
  /** Extra equality filters on child columns, e.g. `{ type: 'TOKEN' }`. */
  filter?: Record<string, string | undefined>;
  /** Entity properties to read (see childProperties); every column when omitted. */
  properties?: string[];
}

interface ChildRow extends ObjectLiteral {
  id: string;
  createdAt: Date;
}

export interface ChildPageOptions<T extends ChildRow> {
  /** The feature repository's statements for these children. */
  source: ChildRowSource<T>;
  parentIdOf: (row: T) => string;
}

function groupBy<V>(values: readonly V[], keyOf: (value: V) => string): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const value of values) {
    const key = keyOf(value);
    const group = groups.get(key);
    if (group) group.push(value);
    else groups.set(key, [value]);
  }
  return groups;
}

/**
 * Per-request loaders for paginated children under many parents (clients of applications,
 * credentials of applications). All parents asking for the same page shape are served by ONE
 * statement — a LATERAL join takes each parent's first rows in keyset order — and their
 * totals by one grouped count, so a page of N parents costs the same as a page of one.
 */
export function childPageLoaders<T extends ChildRow>(options: ChildPageOptions<T>) {
  const { source } = options;
  const groupKey = (key: Omit<ChildPageKey, 'parentId'>) =>
    JSON.stringify([key.first ?? null, key.after ?? null, key.last ?? null, key.before ?? null, key.filter ?? {}, key.properties ?? null]);

  const totals = new DataLoader<{ parentId: string; filter?: ChildPageKey['filter'] }, number, string>(
    async (keys) => {
      const groups = groupBy(keys, (key) => JSON.stringify(key.filter ?? {}));
      const counts = new Map<string, number>();
      for (const [filterKey, members] of groups) {
        const counted = await source.countRows(
          members.map((key) => key.parentId),
          members[0].filter,
        );
        for (const row of counted) counts.set(`${row.parent}|${filterKey}`, row.n);
      }
      return keys.map((key) => counts.get(`${key.parentId}|${JSON.stringify(key.filter ?? {})}`) ?? 0);
    },
    { cacheKeyFn: (key) => `${key.parentId}|${JSON.stringify(key.filter ?? {})}` },
  );

  const pages = new DataLoader<ChildPageKey, Page<T>, string>(
    async (keys) => {
      // Per page shape: its checked request and its rows by parent, or the error of bad arguments
      // (which fails only the keys asking for that shape, not the rest of the batch).
      const shapes = new Map<string, { request: PageRequest; rowsByParent: Map<string, T[]> } | Error>();
      for (const [shape, members] of groupBy(keys, groupKey)) {
        const { filter, properties } = members[0];
        try {
          const request = pageRequest(members[0]);
          let cursor: ChildPageShape['cursor'] = null;
          if (request.cursor) {
            const [value, id] = decodeCursor(request.cursor, request.cursorArgument);
            cursor = { createdAt: cursorDate(value, request.cursorArgument), id };
          }
          const parentIds = members.map((key) => key.parentId);
          const children = await source.pageRows(parentIds, { limit: request.limit + 1, cursor, backward: request.backward, filter, properties });
          shapes.set(shape, { request, rowsByParent: groupBy(children, options.parentIdOf) });
        } catch (error) {
          shapes.set(shape, error as Error);
        }
      }
      return keys.map((key) => {
        const shape = shapes.get(groupKey(key))!;
        if (shape instanceof Error) return shape;
        return {
          ...pageOf(shape.rowsByParent.get(key.parentId) ?? [], shape.request, createdAtOf),
          countTotal: () => totals.load({ parentId: key.parentId, filter: key.filter }),
        };
      });
    },
    { cacheKeyFn: (key) => `${key.parentId}|${groupKey(key)}` },
  );
  return pages;
}
