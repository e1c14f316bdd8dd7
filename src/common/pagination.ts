import { ArgsType, type ClassType, Field, Int, ObjectType } from 'type-graphql';
import type { ObjectLiteral } from 'typeorm';
import type { RowReader } from '../db/rows';
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
  last?: number | null;
  before?: string | null;
}

/**
 * `first` / `after` and `last` / `before` of every connection field. The pairs exclude each
 * other (see pageRequest): a page is read forward or backward, never both.
 */
@ArgsType()
export class ConnectionArgs implements PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Returns the first n items, at most ${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}. Not with last or before.`,
  })
  first?: number;
  @Field(() => String, { nullable: true, description: 'Returns the items after this cursor, such as the endCursor of a page. Not with last or before.' })
  after?: string;
  @Field(() => Int, {
    nullable: true,
    description: `Returns the last n items, at most ${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}. Not with first or after.`,
  })
  last?: number;
  @Field(() => String, { nullable: true, description: 'Returns the items before this cursor, such as the startCursor of a page. Not with first or after.' })
  before?: string;
}

/** One page request, checked: how many rows, which way, from which cursor (still encoded). */
export interface PageRequest {
  limit: number;
  /** Reading backward (`last` / `before`): the rows just before the cursor, or the list's last rows. */
  backward: boolean;
  cursor: string | null;
  /** The argument the cursor came from, named in a bad cursor's error. */
  cursorArgument: 'after' | 'before';
}

const given = (value: unknown) => value !== undefined && value !== null;

/**
 * Checks a connection's arguments. Forward (`first`/`after`) and backward (`last`/`before`)
 * paging exclude each other: the Relay spec strongly discourages `first` with `last`, GitHub's
 * API refuses it, and a mixed request (`first` with `before`, `after` with `before`) has no
 * single obvious meaning — so each backward argument given alongside a forward one is a
 * BAD_USER_INPUT naming it, rather than a guess.
 */
export function pageRequest(args: PageArgs): PageRequest {
  const forward = given(args.first) || given(args.after);
  const backward = given(args.last) || given(args.before);
  if (forward && backward) {
    const issues = (['last', 'before'] as const)
      .filter((name) => given(args[name]))
      .map((name) => ({ path: name, message: 'cannot be combined with first or after: page forward with first/after, or backward with last/before' }));
    throw new ValidationFailedError(issues);
  }
  return backward
    ? { limit: pageSize(args.last, 'last'), backward: true, cursor: args.before ?? null, cursorArgument: 'before' }
    : { limit: pageSize(args.first, 'first'), backward: false, cursor: args.after ?? null, cursorArgument: 'after' };
}

export function pageSize(size: number | null | undefined, argument: 'first' | 'last' = 'first'): number {
  if (size == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw new ValidationFailedError([{ path: argument, message: `must be between 0 and ${MAX_PAGE_SIZE}` }]);
  }
  return size;
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

export function decodeCursor(cursor: string, argument: PageRequest['cursorArgument'] = 'after'): [CursorValue, string] {
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
  throw invalidCursor(argument);
}

export interface SortOrder<T> {
  /** SQL expression of the sort column, e.g. `application.created_at`. */
  column: string;
  direction: 'ASC' | 'DESC';
  /** The row's value of that column as stored in a cursor. */
  valueOf: (row: T) => CursorValue;
  /** Converts the cursor's value back to a query parameter; `argument` names the cursor's argument in its error. */
  parse?: (value: CursorValue, argument: PageRequest['cursorArgument']) => unknown;
}

function invalidCursor(argument: PageRequest['cursorArgument']): ValidationFailedError {
  return new ValidationFailedError([{ path: argument, message: 'is not a cursor returned by this connection' }]);
}

/**
 * A cursor's timestamp as a Date; a malformed (or forged) one is a field error, never SQL.
 * Only the exact ISO form this API writes is taken: years 0000-9999, inside PostgreSQL's
 * range (JavaScript dates reach year -271821, which PostgreSQL refuses with an error).
 */
export function cursorDate(value: CursorValue, argument: PageRequest['cursorArgument'] = 'after'): Date {
  const date = new Date(String(value));
  if (Number.isNaN(date.getTime()) || !/^\d{4}-/.test(String(value)) || date.toISOString() !== value) throw invalidCursor(argument);
  return date;
}

/** Oldest first: the order of every list but applications' other orderings. */
export function byCreatedAt<T extends { createdAt: Date }>(alias: string): SortOrder<T> {
  return { column: `${alias}.created_at`, direction: 'ASC', valueOf: (row) => row.createdAt.toISOString(), parse: cursorDate };
}

/**
 * The page info of rows read in the paging direction, `limit + 1` of them at most (the extra row
 * only tells that more rows lie that way), and the edges in the list's order. The other side is
 * known from the cursor: the row it names (or one past it) lies there, so a page read after a
 * cursor has a previous page and one read before a cursor a next page — without a second
 * statement. Only if the cursor's row was deleted meanwhile and nothing else lies there is that
 * side reported true while empty (the Relay spec lets a server answer false on that side).
 */
export function pageOf<T extends { id: string }>(
  rows: T[],
  request: PageRequest,
  sortValue: (node: T) => CursorValue,
): { edges: Edge<T>[]; pageInfo: PageInfo } {
  const more = rows.length > request.limit;
  const nodes = rows.slice(0, request.limit);
  // Read backward the rows come nearest the cursor first; edges keep the list's order.
  if (request.backward) nodes.reverse();
  const edges = nodes.map((node) => lazyEdge(node, sortValue));
  const cursorGiven = request.cursor !== null;
  return {
    edges,
    pageInfo: {
      hasNextPage: request.backward ? cursorGiven : more,
      hasPreviousPage: request.backward ? more : cursorGiven,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/**
 * Runs one page of the rows `where` selects (already filtered and tenant-scoped, `$n`
 * parameters in `params`) in keyset order, forward after `after` or backward before `before`
 * (the order reversed in SQL, the rows back in list order after). `t.id` breaks ties so every
 * row is visited exactly once across pages. Both statements are prepared (one text per filter
 * combination and direction).
 */
export async function paginate<T extends ObjectLiteral & { id: string }>(
  rows: RowReader<T>,
  where: string,
  params: unknown[],
  sort: SortOrder<T>,
  args: PageArgs,
): Promise<Page<T>> {
  const request = pageRequest(args);
  const pageParams = [...params];
  let pageWhere = where;
  // Reading backward walks the list's order reversed.
  const ascending = (sort.direction === 'ASC') !== request.backward;
  const direction = ascending ? 'ASC' : 'DESC';
  if (request.cursor) {
    const [value, id] = decodeCursor(request.cursor, request.cursorArgument);
    // A well-formed cursor of another ordering (or a forged one) fails in `parse`, before SQL.
    const cursorValue = sort.parse ? sort.parse(value, request.cursorArgument) : value;
    pageParams.push(cursorValue, id);
    pageWhere += ` AND (${sort.column}, t.id) ${ascending ? '>' : '<'} ($${pageParams.length - 1}, $${pageParams.length})`;
  }
  pageParams.push(request.limit + 1);
  const found = await rows.select(`WHERE ${pageWhere} ORDER BY ${sort.column} ${direction}, t.id ${direction} LIMIT $${pageParams.length}`, pageParams);
  return { ...pageOf(found, request, sort.valueOf), countTotal: () => rows.count(`WHERE ${where}`, params) };
}
