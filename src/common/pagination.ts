import { ArgsType, type ClassType, Field, Int, ObjectType } from 'type-graphql';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ValidationFailedError } from './errors';
import { textProblem } from './text';

/** Relay connections with keyset (cursor) pagination on a sort column plus the id. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ObjectType({ simpleResolvers: true, description: 'Where a page of a connection stands in its list (Relay cursor connections).' })
export class PageInfo {
  @Field(() => Boolean, { description: 'Whether more items follow the last edge of this page.' }) hasNextPage!: boolean;
  @Field(() => Boolean, { description: 'Whether items come before the first edge of this page.' }) hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true, description: 'Cursor of the first edge; null when the page is empty.' }) startCursor!: string | null;
  @Field(() => String, { nullable: true, description: 'Cursor of the last edge, to pass as `after` for the next page; null when the page is empty.' })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  /** Runs the count only when a caller asks for `totalCount`. */
  countTotal: () => Promise<number>;
}

/** Builds the `<Name>Edge` type and a base class for the `<Name>Connection` object type. */
export function ConnectionType<T extends object>(name: string, nodeType: () => ClassType<T> | object) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true, description: `An edge of ${name}Connection: one ${name} and its cursor.` })
  class EdgeType {
    @Field(() => String, { description: 'Opaque position of this edge in its list and ordering; pass it as `after` to continue after it.' }) cursor!: string;
    @Field(nodeType, { description: `The ${name}.` }) node!: T;
  }

  // Abstract here; the concrete `<Name>Connection` subclass carries the type name.
  @ObjectType({ simpleResolvers: true })
  class Connection {
    @Field(() => [EdgeType], { description: `The ${name} objects of this page, in the order of the list.` }) edges!: Edge<T>[];
    @Field(() => PageInfo, { description: 'Whether more pages exist, and the cursors to reach them.' }) pageInfo!: PageInfo;
    countTotal!: () => Promise<number>;

    @Field(() => Int, { description: 'Number of items matching the filter, across all pages.' })
    totalCount(): Promise<number> {
      return this.countTotal();
    }

    static from<C extends Connection>(this: new () => C, page: Page<T>): C {
      return Object.assign(new this(), page);
    }
  }
  return Connection;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** `first` / `after` of every connection field. */
@ArgsType()
export class ConnectionArgs implements PageArgs {
  @Field(() => Int, { nullable: true, description: `Page size, 0 to ${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}.` }) first?: number;
  @Field(() => String, { nullable: true, description: 'Cursor of the last edge already seen.' }) after?: string;
}

export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new ValidationFailedError([{ path: 'first', message: `must be between 0 and ${MAX_PAGE_SIZE}` }]);
  }
  return first;
}

export type CursorValue = string | number;

export function encodeCursor(sortValue: CursorValue, id: string): string {
  return Buffer.from(JSON.stringify([sortValue, id])).toString('base64url');
}

/** An edge whose cursor is encoded only if someone asks for it (most pages never do). */
export function lazyEdge<T extends { id: string }>(node: T, sortValue: (node: T) => CursorValue): Edge<T> {
  let cursor: string | undefined;
  return {
    node,
    get cursor() {
      return (cursor ??= encodeCursor(sortValue(node), node.id));
    },
  };
}

export function decodeCursor(cursor: string): [CursorValue, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // A forged cursor's strings reach SQL as parameters: the same text rules as every argument.
    const text = (item: unknown) => typeof item === 'string' && textProblem(item) === null;
    if (Array.isArray(value) && value.length === 2 && (text(value[0]) || Number.isFinite(value[0])) && text(value[1])) {
      return value as [CursorValue, string];
    }
  } catch {
    // fall through: reported as a field error below
  }
  throw invalidCursor();
}

export interface SortOrder<T> {
  /** SQL expression of the sort column, e.g. `application.created_at`. */
  column: string;
  direction: 'ASC' | 'DESC';
  /** The row's value of that column as stored in a cursor. */
  valueOf: (row: T) => CursorValue;
  /** Converts the cursor's value back to a query parameter. */
  parse?: (value: CursorValue) => unknown;
}

function invalidCursor(): ValidationFailedError {
  return new ValidationFailedError([{ path: 'after', message: 'is not a cursor returned by this connection' }]);
}

/**
 * A cursor's timestamp as a Date; a malformed (or forged) one is a field error, never SQL.
 * Only the exact ISO form this API writes is taken: years 0000-9999, inside PostgreSQL's
 * range (JavaScript dates reach year -271821, which PostgreSQL refuses with an error).
 */
export function cursorDate(value: CursorValue): Date {
  const date = new Date(String(value));
  if (Number.isNaN(date.getTime()) || !/^\d{4}-/.test(String(value)) || date.toISOString() !== value) throw invalidCursor();
  return date;
}

/** Oldest first: the order of every list but applications' other orderings. */
export function byCreatedAt<T extends { createdAt: Date }>(alias: string): SortOrder<T> {
  return { column: `${alias}.created_at`, direction: 'ASC', valueOf: (row) => row.createdAt.toISOString(), parse: cursorDate };
}

/**
 * Runs one page of `query` (already filtered and tenant-scoped) in keyset order.
 * `idColumn` breaks ties so every row is visited exactly once across pages.
 */
export async function paginate<T extends ObjectLiteral & { id: string }>(
  query: SelectQueryBuilder<T>,
  idColumn: string,
  sort: SortOrder<T>,
  args: PageArgs,
): Promise<Page<T>> {
  const limit = pageSize(args.first);
  const countQuery = query.clone();
  const pageQuery = query.clone();
  if (args.after) {
    const [value, id] = decodeCursor(args.after);
    // A well-formed cursor of another ordering (or a forged one) fails in `parse`, before SQL.
    const cursorValue = sort.parse ? sort.parse(value) : value;
    const op = sort.direction === 'ASC' ? '>' : '<';
    pageQuery.andWhere(`(${sort.column}, ${idColumn}) ${op} (:cursorValue, :cursorId)`, { cursorValue, cursorId: id });
  }
  pageQuery.orderBy(sort.column, sort.direction).addOrderBy(idColumn, sort.direction).take(undefined).limit(limit + 1);
  const rows = await pageQuery.getMany();
  const hasNextPage = rows.length > limit;
  const edges = rows.slice(0, limit).map((node) => lazyEdge(node, sort.valueOf));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    countTotal: () => countQuery.getCount(),
  };
}
