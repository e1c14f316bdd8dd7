import type { DataSource, ObjectLiteral } from 'typeorm';

/**
 * Reads for the hot paths (loaders, child pages, authentication): SQL written once from the
 * entity's own column metadata, rows hydrated straight into entity instances. TypeORM's
 * query builder rebuilds and re-aliases its SQL on every call, which profiles showed as the
 * largest share of a simple read.
 */
export class RowReader<T extends ObjectLiteral> {
  private static readonly readers = new WeakMap<DataSource, Map<Function, RowReader<ObjectLiteral>>>();

  /** The reader of an entity on a data source, built once (per-request loaders share it). */
  static of<E extends ObjectLiteral>(dataSource: DataSource, entity: new () => E): RowReader<E> {
    let readers = RowReader.readers.get(dataSource);
    if (!readers) RowReader.readers.set(dataSource, (readers = new Map()));
    let reader = readers.get(entity);
    if (!reader) readers.set(entity, (reader = new RowReader(dataSource, entity)));
    return reader as unknown as RowReader<E>;
  }

  readonly table: string;
  private readonly selectList: string;

  private constructor(
    private readonly dataSource: DataSource,
    private readonly entity: new () => T,
  ) {
    const metadata = dataSource.getMetadata(entity);
    this.table = metadata.tableName;
    this.selectList = metadata.columns.map((column) => `t.${column.databaseName} AS "${column.propertyName}"`).join(', ');
  }

  /** `SELECT <every column> FROM <table> t <rest>`, with `$n` parameters. */
  select(rest: string, parameters: unknown[]): Promise<T[]> {
    return this.selectFrom(`FROM ${this.table} t ${rest}`, parameters);
  }

  /** `SELECT <every column of t> <from>`: for reads whose FROM is not the plain table (t must name its rows). */
  async selectFrom(from: string, parameters: unknown[]): Promise<T[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(`SELECT ${this.selectList} ${from}`, parameters);
    return rows.map((row) => this.hydrate(row));
  }

  /** An entity instance (so getters such as `hasSecret` work) from a row with property-named keys. */
  hydrate(row: Record<string, unknown>): T {
    return Object.assign(Object.create(this.entity.prototype) as T, row);
  }
}
