import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** The node-postgres pool behind a TypeORM data source (rate limits and prepared statements share it). */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}
