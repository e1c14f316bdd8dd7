import { Client as PgClient } from 'pg';
import { DataSource, type DataSourceOptions, MigrationExecutor } from 'typeorm';
import { Application } from '../applications/application.entity';
import { QUERY_READ_TIMEOUT } from './failures';
import { AuditEvent } from '../audit/audit.entity';
import { RegistrationToken } from '../registration/registration-token.entity';
import { Client } from '../clients/client.entity';
import { CredentialRow } from '../credentials/credential.entity';
import { ClientMetadataDocument, ClientMetadataDocumentPolicy } from '../metadata-documents/client-metadata-document.entity';
import { Provider } from '../providers/provider.entity';
import { migrations } from './migrations';
import { poolOf } from './pool';

export const entities = [Application, Client, Provider, CredentialRow, AuditEvent, RegistrationToken, ClientMetadataDocument, ClientMetadataDocumentPolicy];

export interface DatabaseSettings {
  url: string;
  /** Schema to use instead of `public` (tests give every file its own). */
  schema?: string;
  poolMax?: number;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * Client-side limit on waiting for a statement's answer (0: none): a connection that
   * stalls without a reset (a partition) fails the request instead of hanging until TCP
   * gives up. Keep it above statementTimeoutMs, so a slow statement is cancelled cleanly first.
   */
  queryTimeoutMs?: number;
  /** TCP keepalive probes start after this much idle time (0: keepalive off). */
  keepAliveDelayMs?: number;
  logger?: DataSourceOptions['logger'];
}

/**
 * A pg client that drops its connection when a statement times out client-side. node-postgres
 * fails the statement but keeps the connection, its answer still awaited: the ROLLBACK after it
 * would queue behind it (a second timeout), and the pool would hand the stalled connection to
 * the next request. Destroyed, it fails whatever is queued on it at once and leaves the pool.
 */
class StallSafeClient extends PgClient {
  // pg's query overloads are passed through unchanged, hence `any`.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(...args: any[]): any {
    const result = (super.query as (...a: unknown[]) => unknown)(...(args as unknown[]));
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if (error instanceof Error && error.message === QUERY_READ_TIMEOUT) this.connection.stream.destroy();
      });
    }
    return result;
  }
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
      query_timeout: settings.queryTimeoutMs || undefined,
      keepAlive: Boolean(settings.keepAliveDelayMs),
      keepAliveInitialDelayMillis: settings.keepAliveDelayMs || undefined,
      Client: StallSafeClient,
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
  await migrate(dataSource);
  return dataSource;
}

/**
 * Creates the database a URL names, connecting to the server's `postgres` database with the
 * same credentials. Resolves with the database's name.
 */
export async function createDatabaseOf(url: string): Promise<string> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  target.pathname = '/postgres';
  const admin = new PgClient({ connectionString: target.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  return name;
}

/**
 * Applies pending migrations under an advisory lock (one per schema): replicas starting
 * together take turns instead of racing to create the same tables (the loser crashed with
 * a duplicate key in pg_type). A migration is not a request, so the request
 * statement_timeout does not cut it or the wait for the lock.
 */
async function migrate(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  const lockKey = `hashtext('clavis-migrations:' || current_schema())`;
  // Nor does the client-side query timeout (read per statement from the connection's parameters).
  const parameters = ((await runner.connect()) as { connectionParameters: { query_timeout?: number } }).connectionParameters;
  const queryTimeout = parameters.query_timeout;
  parameters.query_timeout = 0;
  try {
    await runner.query('SET statement_timeout = 0');
    await runner.query(`SELECT pg_advisory_lock(${lockKey})`);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    await executor.executePendingMigrations();
  } finally {
    // The connection goes back to the pool: leave no lock or setting behind on it.
    await runner.query(`SELECT pg_advisory_unlock_all()`).catch(() => undefined);
    await runner.query('RESET statement_timeout').catch(() => undefined);
    parameters.query_timeout = queryTimeout;
    await runner.release();
  }
}

/** The readiness probe's round trip: resolves once the database answers a statement. */
export async function pingDatabase(dataSource: DataSource): Promise<void> {
  await dataSource.query('SELECT 1');
}

// In a module of its own: the prepared statements (db/prepared.ts) need it without the entities.
export { poolOf };

/**
 * Closes the pool at shutdown, once the HTTP drain is over. A connection still checked out
 * then belongs to a request the grace period gave up on: it is cut, so its transaction can
 * only roll back. (TypeORM's destroy() would hand it back to the pool mid-transaction, where
 * a request waiting for a connection could pick it up and commit the abandoned statements
 * with its own, or queue behind them and keep the process alive.) Resolves with the number
 * of connections cut.
 */
export async function closeDatabase(dataSource: DataSource, timeoutMs = 2000): Promise<number> {
  const pool = poolOf(dataSource);
  // From here on a released client is closed, never handed to anyone again.
  const ended = pool.end();
  const runners = (dataSource.driver as unknown as { connectedQueryRunners?: { databaseConnection?: PgClient }[] }).connectedQueryRunners ?? [];
  const busy = runners.flatMap((runner) => (runner.databaseConnection ? [runner.databaseConnection] : []));
  await Promise.all(busy.map((client) => client.end().catch(() => undefined)));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  return busy.length;
}
