import type { DataSource, ObjectLiteral } from 'typeorm';
import { preparedQuery } from './prepared';

/**
 * Reads for the hot paths (loaders, child pages, authentication): SQL written once from the
 * entity's own column metadata, rows hydrated straight into entity instances. TypeORM's
 * query builder rebuilds and re-aliases its SQL on every call, which profiles showed as the
 * largest share of a simple read. Every read is a prepared statement (see db/prepared.ts).
 */
export class RowReader<T extends ObjectLiteral> {
  private static readonly readers = new WeakMap<DataSource, Map<object, RowReader<ObjectLiteral>>>();

  /** The reader of an entity on a data source, built once (per-request loaders share it). */
  static of<E extends ObjectLiteral>(dataSource: DataSource, entity: new () => E): RowReader<E> {
    let readers = RowReader.readers.get(dataSource);
    if (!readers) RowReader.readers.set(dataSource, (readers = new Map<object, RowReader<ObjectLiteral>>()));
    let reader = readers.get(entity);
    if (!reader) readers.set(entity, (reader = new RowReader(dataSource, entity)));
    return reader as unknown as RowReader<E>;
  }

  readonly table: string;
  private readonly selectList: string;
  private readonly columnByProperty: Map<string, string>;
  private readonly prunedLists = new Map<string, string>();

  private constructor(
    private readonly dataSource: DataSource,
    private readonly entity: new () => T,
  ) {
    const metadata = dataSource.getMetadata(entity);
    this.table = metadata.tableName;
    this.columnByProperty = new Map(metadata.columns.map((column) => [column.propertyName, column.databaseName]));
    this.selectList = this.listOf([...this.columnByProperty.keys()]);
  }

  /** `SELECT <every column> FROM <table> t <rest>`, with `$n` parameters. */
  select(rest: string, parameters: unknown[]): Promise<T[]> {
    return this.selectFrom(`FROM ${this.table} t ${rest}`, parameters);
  }

  /** `SELECT count(*) FROM <table> t <where>`. */
  async count(where: string, parameters: unknown[]): Promise<number> {
    const [{ n }] = await preparedQuery<{ n: number }>(this.dataSource, `SELECT count(*)::int AS n FROM ${this.table} t ${where}`, parameters);
    return n;
  }

  private listOf(properties: string[]): string {
    return properties.map((property) => `t.${this.columnByProperty.get(property)} AS "${property}"`).join(', ');
  }

  /**
   * The select list for these properties only (unknown names are ignored): large pages
   * parse and keep only what the caller asked for. Undefined selects every column.
   */
  columnsFor(properties: Iterable<string> | undefined): string | undefined {
    if (!properties) return undefined;
    const known = [...new Set(properties)].filter((property) => this.columnByProperty.has(property)).sort();
    const key = known.join(',');
    let list = this.prunedLists.get(key);
    if (!list) this.prunedLists.set(key, (list = this.listOf(known)));
    return list;
  }

  /** Every column of `t`, as `t.column AS "property"` (for statements that read more than the entity). */
  get allColumns(): string {
    return this.selectList;
  }

  /** `SELECT <columns of t> <from>`: for reads whose FROM is not the plain table (t must name its rows). */
  async selectFrom(from: string, parameters: unknown[], selectList: string = this.selectList): Promise<T[]> {
    const rows = await preparedQuery(this.dataSource, `SELECT ${selectList} ${from}`, parameters);
    return rows.map((row) => this.hydrate(row));
  }

  /** An entity instance of the entity's columns in a row that holds more (the rest is left out). */
  hydrateColumns(row: Record<string, unknown>): T {
    const columns: Record<string, unknown> = {};
    for (const property of this.columnByProperty.keys()) columns[property] = row[property];
    return this.hydrate(columns);
  }

  /** An entity instance (so getters such as `hasSecret` work) from a row with property-named keys. */
  hydrate(row: Record<string, unknown>): T {
    return Object.assign(Object.create(this.entity.prototype as object) as T, row);
  }
}
