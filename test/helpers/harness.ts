import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { AddressInfo } from 'node:net';
import type { GraphQLFormattedError } from 'graphql';
import { Client as PgClient } from 'pg';
import type { Logger as PinoLogger } from 'pino';
import type { DataSource, Logger } from 'typeorm';
import { SCOPES } from '../../src/auth/scopes';
import type { DnsSettings } from '../../src/clients/client-uri-verification';
import { createTokenVerifier, signToken } from '../../src/auth/tokens';
import { KeyRing } from '../../src/common/encryption';
import { SecretHasher } from '../../src/common/secrets';
import { openDatabase, poolOf } from '../../src/db/data-source';
import type { ExplorerSettings } from '../../src/explorer/explorer';
import type { AdmissionSettings } from '../../src/limits/admission';
import type { QueryLimits } from '../../src/limits/query-limits';
import { DEFAULT_RATE_LIMITS, RateLimits, type RateLimitSettings, type RateLimitStore } from '../../src/limits/rate-limits';
import { type ClavisServer, createServer } from '../../src/app/http';
import { buildClavisSchema } from '../../src/app/schema';
import { createServices, type Services } from '../../src/app/services';
import type { SafeFetcher } from '../../src/net/safe-fetcher';

export const TEST_JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';
export const TEST_HASH_KEY = 'test-secret-hash-key-that-is-long-enough-012345';
export const TEST_KEY_RING = KeyRing.parse(`test:${Buffer.alloc(32, 7).toString('base64')}`);

/** Counts every SQL statement the data source sends, to pin N+1 behaviour. */
export class StatementCounter implements Logger {
  statements: string[] = [];
  logQuery(query: string): void {
    this.statements.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
  reset(): void {
    this.statements = [];
  }
  /** Statements other than transaction control. */
  get count(): number {
    return this.statements.filter((sql) => !/^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK)/i.test(sql.trim())).length;
  }
}

export interface Result<T = Record<string, any>> {
  data?: T | null;
  errors?: readonly GraphQLFormattedError[];
}

export interface Harness {
  server: ClavisServer;
  services: Services;
  dataSource: DataSource;
  /** The PostgreSQL schema this harness works in (dropped by `close`). */
  schemaName: string;
  sql: StatementCounter;
  /** Runs an operation in-process as the given caller (default: org-a with every scope). */
  run<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, caller?: { token?: string | null }): Promise<Result<T>>;
  token(options?: { org?: string; scopes?: readonly string[]; sub?: string }): Promise<string>;
  /** Starts listening on an ephemeral port and returns the base URL. */
  listen(): Promise<string>;
  count(table: string): Promise<number>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  isProduction?: boolean;
  introspection?: boolean;
  rateLimits?: RateLimitSettings;
  /** Where the rate limits keep their counters (default: this harness's PostgreSQL schema). */
  rateLimitStore?: RateLimitStore;
  queryLimits?: QueryLimits;
  /** Passed to `createServer` (default: DEFAULT_ADMISSION). */
  admission?: AdmissionSettings;
  maxBodyBytes?: number;
  /** Passed to `createServer`: the development landing page opens authorised with it. */
  developmentToken?: string;
  /** Passed to `createServer`: which explorer a browser gets at `/graphql`. */
  explorer?: ExplorerSettings;
  /** Another database (or a proxy in front of one) instead of DATABASE_URL. */
  databaseUrl?: string;
  /** Pool settings, as configuration passes them to `openDatabase` (default: 5 connections, no timeouts). */
  database?: { poolMax?: number; statementTimeoutMs?: number; connectTimeoutMs?: number; queryTimeoutMs?: number };
  /** Passed to `createServer`. */
  shutdownGraceMs?: number;
  /** Passed to `createServer` (default: silent). */
  logger?: PinoLogger;
  /** The DNS resolvers of verifyClientUri (default: the system's). */
  dns?: Partial<DnsSettings>;
  /** Passed to createServices: fetches credentials' jwks_uri (e.g. one trusting a test CA on loopback). */
  jwksFetcher?: SafeFetcher;
  /** Passed to createServices: keeps used client-assertion jtis in this Redis. */
  jtiRedis?: Redis;
  /**
   * Another replica: work in this existing schema (another harness's `schemaName`) with a data source and
   * services of its own; `close` leaves the schema to its owner.
   */
  replicaOf?: string;
  /** Passed to createServices: fetches client ID metadata documents. */
  metadataFetcher?: SafeFetcher;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const url = options.databaseUrl ?? process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is set by the global setup');
  const ownsSchema = options.replicaOf === undefined;
  const schema = options.replicaOf ?? `t_${randomBytes(6).toString('hex')}`;
  if (ownsSchema) {
    const admin = new PgClient({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
  }

  const sql = new StatementCounter();
  const dataSource = await openDatabase({
    url,
    schema,
    poolMax: options.database?.poolMax ?? 5,
    statementTimeoutMs: options.database?.statementTimeoutMs,
    connectTimeoutMs: options.database?.connectTimeoutMs,
    queryTimeoutMs: options.database?.queryTimeoutMs,
    logger: sql,
  });
  const rateLimits = new RateLimits(
    options.rateLimitStore ?? { kind: 'postgres', pool: poolOf(dataSource) },
    options.rateLimits ?? { ...DEFAULT_RATE_LIMITS, mutationsPerMinute: 100_000 },
  );
  const services = createServices(dataSource, new SecretHasher(TEST_HASH_KEY), TEST_KEY_RING, rateLimits, {
    dns: options.dns,
    jwksFetcher: options.jwksFetcher,
    jtiRedis: options.jtiRedis,
    metadataFetcher: options.metadataFetcher,
  });
  const server = await createServer({
    schema: await buildClavisSchema({ services, sdlNeedsCaller: !(options.introspection ?? !options.isProduction) }),
    services,
    verifyToken: createTokenVerifier({ jwtSecret: TEST_JWT_SECRET }),
    isProduction: options.isProduction ?? false,
    introspection: options.introspection,
    queryLimits: options.queryLimits,
    admission: options.admission,
    maxBodyBytes: options.maxBodyBytes,
    developmentToken: options.developmentToken,
    explorer: options.explorer,
    shutdownGraceMs: options.shutdownGraceMs,
    logger: options.logger,
  });
  const token: Harness['token'] = (o = {}) =>
    signToken(TEST_JWT_SECRET, { sub: o.sub ?? 'tester', org: o.org ?? 'org-a', scope: (o.scopes ?? SCOPES).join(' ') });
  const defaultToken = await token();
  let listening = false;

  return {
    server,
    services,
    dataSource,
    schemaName: schema,
    sql,
    async run(query, variables, caller = {}) {
      const bearer = caller.token === null ? undefined : `Bearer ${caller.token ?? defaultToken}`;
      const response = await server.apollo.executeOperation({ query, variables }, { contextValue: await server.contextFor(bearer) });
      if (response.body.kind !== 'single') throw new Error('incremental delivery is not used');
      return response.body.singleResult as Result<any>;
    },
    token,
    async listen() {
      await new Promise<void>((resolve) => server.httpServer.listen(0, '127.0.0.1', resolve));
      listening = true;
      return `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
    },
    async count(table) {
      const [row] = await dataSource.query(`SELECT count(*)::int AS n FROM ${table}`);
      return row.n;
    },
    async close() {
      await server.apollo.stop();
      await services.close();
      if (listening) server.httpServer.closeAllConnections();
      if (!ownsSchema) {
        if (dataSource.isInitialized) await dataSource.destroy();
      } else if (dataSource.isInitialized) {
        await dataSource.query(`DROP SCHEMA ${schema} CASCADE`);
        await dataSource.destroy();
      } else {
        // A test destroyed the data source (e.g. to make /readyz fail): drop through a fresh connection.
        const cleanup = new PgClient({ connectionString: url });
        await cleanup.connect();
        try {
          await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
        } finally {
          await cleanup.end();
        }
      }
    },
  };
}

/** The error codes of a result, in order. */
export function codes(result: Result): string[] {
  return (result.errors ?? []).map((error) => String(error.extensions?.code));
}

/** The `extensions.fields` paths of the first error. */
export function fieldPaths(result: Result): string[] {
  const fields = (result.errors?.[0]?.extensions?.fields ?? []) as { path: string }[];
  return fields.map((field) => field.path);
}

/** The sorted distinct `extensions.fields` paths of the first error (a field may carry more than one message). */
export function paths(result: Result): string[] {
  return [...new Set(fieldPaths(result))].sort();
}

/** The data of a result that must have no errors (failing the test otherwise). */
export function expectOk<T = any>(result: Result<T>): T {
  expect(result.errors).toBeUndefined();
  return result.data as T;
}
