import DataLoader from 'dataloader';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { type Page, type PageArgs, decodeCursor, encodeCursor, pageSize } from './pagination';

/** One parent's page request: `Application.clients(first, after)` for one application. */
export interface ChildPageKey extends PageArgs {
  parentId: string;
  /** Extra equality filters on child columns, e.g. `{ type: 'TOKEN' }`. */
  filter?: Record<string, string | undefined>;
}

interface ChildRow extends ObjectLiteral {
  id: string;
  createdAt: Date;
}

export interface ChildPageOptions<T extends ChildRow> {
  dataSource: DataSource;
  entity: EntityTarget<T>;
  /** Table and column names as in SQL. */
  table: string;
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
 * statement — a window function numbers each parent's children in keyset order — and their
 * totals by one grouped count, so a page of N parents costs the same as a page of one.
 */
export function childPageLoaders<T extends ChildRow>(options: ChildPageOptions<T>) {
  const { dataSource, table, parentColumn, organizationId } = options;
  const repository = dataSource.getRepository(options.entity);
  const groupKey = (key: Omit<ChildPageKey, 'parentId'>) => JSON.stringify([key.first ?? null, key.after ?? null, key.filter ?? {}]);

  const totals = new DataLoader<{ parentId: string; filter?: ChildPageKey['filter'] }, number, string>(
    async (keys) => {
      const groups = groupBy(keys, (key) => JSON.stringify(key.filter ?? {}));
      const counts = new Map<string, number>();
      for (const [filterKey, members] of groups) {
        const params: unknown[] = [organizationId, members.map((key) => key.parentId)];
        const rows: { parent: string; n: number }[] = await dataSource.query(
          `SELECT ${parentColumn} AS parent, count(*)::int AS n FROM ${table} WHERE organization_id = $1 AND ${parentColumn} = ANY($2)${filterClause(members[0].filter, params)} GROUP BY ${parentColumn}`,
          params,
        );
        for (const row of rows) counts.set(`${row.parent}|${filterKey}`, row.n);
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
        const { first, after, filter } = members[0];
        const limit = pageSize(first);
        const parameters: Record<string, unknown> = { organizationId, parentIds: members.map((key) => key.parentId), limit: limit + 1 };
        let conditions = '';
        for (const [column, value] of Object.entries(filter ?? {})) {
          if (value === undefined) continue;
          parameters[`filter_${column}`] = value;
          conditions += ` AND ${column} = :filter_${column}`;
        }
        if (after) {
          const [value, id] = decodeCursor(after);
          Object.assign(parameters, { afterCreatedAt: new Date(String(value)), afterId: id });
          conditions += ' AND (created_at, id) > (:afterCreatedAt, :afterId)';
        }
        const windowed = `SELECT id FROM (
            SELECT id, row_number() OVER (PARTITION BY ${parentColumn} ORDER BY created_at, id) AS position
            FROM ${table} WHERE organization_id = :organizationId AND ${parentColumn} = ANY(:parentIds)${conditions}
          ) numbered WHERE position <= :limit`;
        const rows = await repository
          .createQueryBuilder('child')
          .where(`child.id IN (${windowed})`, parameters)
          .orderBy('child.created_at', 'ASC')
          .addOrderBy('child.id', 'ASC')
          .getMany();
        for (const [parentId, children] of groupBy(rows, options.parentIdOf)) rowsByParent.set(parentId, children);
      }
      return keys.map((key) => {
        const limit = pageSize(key.first);
        const rows = rowsByParent.get(key.parentId) ?? [];
        const edges = rows.slice(0, limit).map((node) => ({ cursor: encodeCursor(node.createdAt.toISOString(), node.id), node }));
        return {
          edges,
          pageInfo: { hasNextPage: rows.length > limit, hasPreviousPage: Boolean(key.after), startCursor: edges[0]?.cursor ?? null, endCursor: edges[edges.length - 1]?.cursor ?? null },
          countTotal: () => totals.load({ parentId: key.parentId, filter: key.filter }),
        };
      });
    },
    { cacheKeyFn: (key) => `${key.parentId}|${groupKey(key)}` },
  );
  return pages;
}
