import DataLoader from 'dataloader';
import type { DataSource, ObjectLiteral } from 'typeorm';
import type { GraphQLResolveInfo } from 'graphql';
import type { RowReader } from '../db/rows';
import { selectedFieldNames } from './selection';
import { type Page, type PageArgs, cursorDate, decodeCursor, lazyEdge, pageSize } from './pagination';

const createdAtOf = (row: { createdAt: Date }) => row.createdAt.toISOString();
/** What paging and grouping themselves need, whatever the caller selected. */
const ALWAYS_READ = ['id', 'organizationId', 'createdAt', 'applicationId', 'targetId', 'type'];

/**
 * The entity properties a connection's nodes need for the query at hand: the selected fields
 * that are columns, plus the columns behind computed fields (`requires`, e.g. `hasSecret` →
 * `secretHash`, `provider` → `providerId`).
 */
export function childProperties(info: GraphQLResolveInfo, requires: Record<string, string[]> = {}): string[] {
  const names = selectedFieldNames(info, ['edges', 'node']);
  return [...names].flatMap((name) => [name, ...(requires[name] ?? [])]);
}

/** One parent's page request: `Application.clients(first, after)` for one application. */
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
  dataSource: DataSource;
  rows: RowReader<T>;
  /** The SQL column naming the parent. */
  parentColumn: string;
  parentIdOf: (row: T) => string;
  organizationId: string;
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

function filterClause(filter: Record<string, string | undefined> | undefined, params: unknown[]): string {
  return Object.entries(filter ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([column, value]) => {
      params.push(value);
      return ` AND ${column} = $${params.length}`;
    })
    .join('');
}

/**
 * Per-request loaders for paginated children under many parents (clients of applications,
 * credentials of applications). All parents asking for the same page shape are served by ONE
 * statement — a LATERAL join takes each parent's first rows in keyset order — and their
 * totals by one grouped count, so a page of N parents costs the same as a page of one.
 */
export function childPageLoaders<T extends ChildRow>(options: ChildPageOptions<T>) {
  const { dataSource, rows, parentColumn, organizationId } = options;
  const table = rows.table;
  const groupKey = (key: Omit<ChildPageKey, 'parentId'>) => JSON.stringify([key.first ?? null, key.after ?? null, key.filter ?? {}, key.properties ?? null]);

  const totals = new DataLoader<{ parentId: string; filter?: ChildPageKey['filter'] }, number, string>(
    async (keys) => {
      const groups = groupBy(keys, (key) => JSON.stringify(key.filter ?? {}));
      const counts = new Map<string, number>();
      for (const [filterKey, members] of groups) {
        const params: unknown[] = [organizationId, members.map((key) => key.parentId)];
        const counted: { parent: string; n: number }[] = await dataSource.query(
          `SELECT ${parentColumn} AS parent, count(*)::int AS n FROM ${table} WHERE organization_id = $1 AND ${parentColumn} = ANY($2)${filterClause(members[0].filter, params)} GROUP BY ${parentColumn}`,
          params,
        );
        for (const row of counted) counts.set(`${row.parent}|${filterKey}`, row.n);
      }
      return keys.map((key) => counts.get(`${key.parentId}|${JSON.stringify(key.filter ?? {})}`) ?? 0);
    },
    { cacheKeyFn: (key) => `${key.parentId}|${JSON.stringify(key.filter ?? {})}` },
  );

  const pages = new DataLoader<ChildPageKey, Page<T>, string>(
    async (keys) => {
      const groups = groupBy(keys, groupKey);
      const rowsByParent = new Map<string, T[]>();
      for (const members of groups.values()) {
        const { first, after, filter, properties } = members[0];
        const limit = pageSize(first);
        const params: unknown[] = [organizationId, members.map((key) => key.parentId)];
        let conditions = filterClause(filter, params);
        if (after) {
          const [value, id] = decodeCursor(after);
          params.push(cursorDate(value), id);
          conditions += ` AND (created_at, id) > ($${params.length - 1}, $${params.length})`;
        }
        params.push(limit + 1);
        // Per parent, an index range scan of at most `first + 1` rows (clients and
        // credentials are indexed on (application_id, created_at, id)).
        const children = await rows.selectFrom(
          `FROM unnest($2::text[]) AS parent(id)
           CROSS JOIN LATERAL (
             SELECT * FROM ${table}
             WHERE organization_id = $1 AND ${parentColumn} = parent.id${conditions}
             ORDER BY created_at, id
             LIMIT $${params.length}
           ) t`,
          params,
          rows.columnsFor(properties && [...properties, ...ALWAYS_READ]),
        );
        for (const [parentId, siblings] of groupBy(children, options.parentIdOf)) rowsByParent.set(parentId, siblings);
      }
      return keys.map((key) => {
        const limit = pageSize(key.first);
        const siblings = rowsByParent.get(key.parentId) ?? [];
        const edges = siblings.slice(0, limit).map((node) => lazyEdge(node, createdAtOf));
        return {
          edges,
          pageInfo: { hasNextPage: siblings.length > limit, hasPreviousPage: Boolean(key.after), startCursor: edges[0]?.cursor ?? null, endCursor: edges[edges.length - 1]?.cursor ?? null },
          countTotal: () => totals.load({ parentId: key.parentId, filter: key.filter }),
        };
      });
    },
    { cacheKeyFn: (key) => `${key.parentId}|${groupKey(key)}` },
  );
  return pages;
}
