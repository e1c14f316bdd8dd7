import type { DataSource, ObjectLiteral } from 'typeorm';
import { preparedQuery } from './prepared';
import type { RowReader } from './rows';

/** What paging and grouping themselves need, whatever the caller selected. */
const ALWAYS_READ = ['id', 'organizationId', 'createdAt', 'applicationId', 'targetId', 'type'];

/** One page shape asked of many parents: the cursor already decoded. */
export interface ChildPageShape {
  /** Rows to read per parent (the page size plus one, to learn whether more rows lie that way). */
  limit: number;
  /** The decoded cursor: rows after it, or before it when `backward`. */
  cursor: { createdAt: Date; id: string } | null;
  /** Read each parent's rows in reverse order: its last rows, or those just before the cursor. */
  backward: boolean;
  /** Extra equality filters on child columns, e.g. `{ type: 'TOKEN' }`. */
  filter?: Record<string, string | undefined>;
  /** Entity properties to read; every column when omitted. */
  properties?: string[];
}

/** The two statements behind a paginated child connection, each answering for many parents at once. */
export interface ChildRowSource<T> {
  /**
   * Each parent's first `limit` rows in (created_at, id) order after the cursor — or, `backward`,
   * its last `limit` rows before the cursor, nearest the cursor first (in descending order).
   */
  pageRows(parentIds: string[], shape: ChildPageShape): Promise<T[]>;
  /** How many children each parent has (parents with none are left out). */
  countRows(parentIds: string[], filter: ChildPageShape['filter']): Promise<{ parent: string; n: number }[]>;
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
 * The child statements of one table under one parent column, scoped to an organization: the
 * repositories of clients, credentials and audit events each build theirs from this. Pages use
 * a LATERAL join, per parent an index range scan of at most `limit` rows, forward or backward (the
 * child tables are indexed on (<parent>, created_at, id)).
 */
export function childRowSource<T extends ObjectLiteral>(
  dataSource: DataSource,
  rows: RowReader<T>,
  parentColumn: string,
  organizationId: string,
): ChildRowSource<T> {
  const table = rows.table;
  return {
    pageRows(parentIds, { limit, cursor, backward, filter, properties }) {
      const params: unknown[] = [organizationId, parentIds];
      let conditions = filterClause(filter, params);
      if (cursor) {
        params.push(cursor.createdAt, cursor.id);
        conditions += ` AND (created_at, id) ${backward ? '<' : '>'} ($${params.length - 1}, $${params.length})`;
      }
      // Backward is the same index range scan, read from its other end.
      const order = backward ? 'created_at DESC, id DESC' : 'created_at, id';
      params.push(limit);
      return rows.selectFrom(
        `FROM unnest($2::text[]) AS parent(id)
           CROSS JOIN LATERAL (
             SELECT * FROM ${table}
             WHERE organization_id = $1 AND ${parentColumn} = parent.id${conditions}
             ORDER BY ${order}
             LIMIT $${params.length}
           ) t`,
        params,
        rows.columnsFor(properties && [...properties, ...ALWAYS_READ]),
      );
    },
    countRows(parentIds, filter) {
      const params: unknown[] = [organizationId, parentIds];
      return preparedQuery<{ parent: string; n: number }>(
        dataSource,
        `SELECT ${parentColumn} AS parent, count(*)::int AS n FROM ${table}
         WHERE organization_id = $1 AND ${parentColumn} = ANY($2)${filterClause(filter, params)} GROUP BY ${parentColumn}`,
        params,
      );
    },
  };
}
