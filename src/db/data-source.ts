import type { Pool } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { Application } from '../applications/application.entity';
import { AuditEvent } from '../audit/audit.entity';
import { Client } from '../clients/client.entity';
import { CredentialRow } from '../credentials/credential.entity';
import { Provider } from '../providers/provider.entity';
import { migrations } from './migrations';

export const entities = [Application, Client, Provider, CredentialRow, AuditEvent];

export interface DatabaseSettings {
  url: string;
  /** Schema to use instead of `public` (tests give every file its own). */
  schema?: string;
  poolMax?: number;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  logger?: DataSourceOptions['logger'];
}

export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    schema: settings.schema,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    logger: settings.logger,
    logging: settings.logger ? ['query'] : false,
    applicationName: 'clavis',
    connectTimeoutMS: settings.connectTimeoutMs,
    extra: {
      max: settings.poolMax ?? 10,
      statement_timeout: settings.statementTimeoutMs || undefined,
      options: settings.schema ? `-c search_path=${settings.schema}` : undefined,
    },
  };
}

/** Opens a pool and brings the schema up to date before anything is served. */
export async function openDatabase(settings: DatabaseSettings): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(settings));
  await dataSource.initialize();
  // An idle client that loses its connection emits 'error' on the pool; without a
  // listener node-postgres would crash the process. The pool replaces the client itself.
  poolOf(dataSource).on('error', () => undefined);
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

/** The node-postgres pool behind a TypeORM data source (rate limits share it). */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}
