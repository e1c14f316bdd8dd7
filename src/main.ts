import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';
import { developmentAuth } from './auth/development-token';
import { createTokenVerifier } from './auth/tokens';
import { developmentSecret } from './common/dev-secrets';
import { KeyRing } from './common/encryption';
import { SecretHasher } from './common/secrets';
import { type Config, ConfigError, loadConfig } from './config';
import { EXPLORER_PATH } from './explorer/explorer';
import { closeDatabase, createDatabaseOf, openDatabase, poolOf } from './db/data-source';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded';
import { RateLimits } from './limits/rate-limits';
import { createLogger, flushLogs } from './observability/logger';
import { createServer } from './app/http';
import { buildClavisSchema } from './app/schema';
import { createServices } from './app/services';
import { describeStartupError } from './startup-errors';

const PURGE_INTERVAL_MS = 3_600_000;

/** The embedded database, once started: stopped on every way out, failures included. */
let embedded: EmbeddedDatabase | undefined;
/** Set once serving: the embedded PostgreSQL exiting on its own then stops Clavis too (exit code 1). */
let onDatabaseLost: (() => void) | undefined;
let databaseLostReason: string | undefined;
/** Set on the way out. A Ctrl-C reaches the embedded PostgreSQL too (same process group): its exit is then expected. */
let stopping = false;

async function main(config: Config): Promise<void> {
  const logger = createLogger({ level: config.logLevel });
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    logger.info({ dataDir: config.dataDir }, 'starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres(config.dataDir, {
      log: (message, details) => logger.info(details ?? {}, message),
      onUnexpectedExit: (reason) => {
        if (stopping) return;
        databaseLostReason = reason;
        logger.error({ reason }, 'the embedded PostgreSQL exited unexpectedly: Clavis stops too (exit code 1) so that its supervisor restarts both');
        onDatabaseLost?.();
      },
    });
    logger.info({ port: embedded.port, pid: embedded.pid }, 'embedded PostgreSQL ready');
    databaseUrl = embedded.url;
  }
  const settings = { url: databaseUrl, ...config.db };
  const dataSource = await openDatabase(settings).catch(async (error: unknown) => {
    // Development only: the README's `DATABASE_URL=…/clavis npm start` works on a fresh server.
    if (embedded || config.env !== 'development' || (error as { code?: string }).code !== '3D000') throw error;
    const database = await createDatabaseOf(settings.url);
    logger.info({ database }, 'created the database DATABASE_URL names (development only: in production it must exist)');
    return openDatabase(settings);
  });

  // Development fills in what production must configure, keeping it under the data directory.
  const { jwtSecret, developmentToken } = await developmentAuth(config);
  const hashKey = config.secretHashKey ?? developmentSecret(config.dataDir, 'dev-secret-hash-key');
  const keyRing = KeyRing.parse(config.encryptionKeys ?? `dev:${developmentSecret(config.dataDir, 'dev-encryption-key')}`);

  const redis = config.redisUrl ? new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  redis?.on('error', (error) => logger.warn({ err: { message: error.message } }, 'redis unavailable; rate limits fall back to this process'));
  const rateLimits = new RateLimits(redis ? { kind: 'redis', client: redis } : { kind: 'postgres', pool: poolOf(dataSource) }, config.rateLimits);
  const services = createServices(dataSource, new SecretHasher(hashKey), keyRing, rateLimits, { dns: config.dns, jtiRedis: redis });
  // Expired idempotency keys and rate-limit counters: nothing else ever deletes them.
  const purge = setInterval(() => {
    services.idempotency.purgeExpired().catch(() => undefined);
    rateLimits.purgeExpired().catch(() => undefined);
  }, PURGE_INTERVAL_MS);
  purge.unref();
  // Dynamically registered clients unused past their expiry days (RFC 7591 registrations grow without bound otherwise).
  const sweep = setInterval(() => {
    services.registration.sweepExpired().catch((error: Error) => logger.warn({ err: { message: error.message } }, 'registration expiry sweep failed'));
  }, config.registrationSweepIntervalMs);
  sweep.unref();

  const server = await createServer({
    schema: await buildClavisSchema({ services, sdlNeedsCaller: !config.introspection }),
    services,
    verifyToken: createTokenVerifier({ ...config.auth, jwtSecret, maxLifetimeSeconds: config.auth.maxTokenLifetimeSeconds }),
    isProduction: config.isProduction,
    introspection: config.introspection,
    queryLimits: config.queryLimits,
    admission: config.admission,
    maxBodyBytes: config.maxBodyBytes,
    shutdownGraceMs: config.shutdownGraceMs,
    shutdownDrainMs: config.shutdownDrainMs,
    developmentToken,
    explorer: config.explorer,
    logger,
  });
  // Unset HOST: Node's default, every interface (production); configuration sets loopback for development.
  await new Promise<void>((resolve, reject) => {
    server.httpServer.once('error', reject);
    server.httpServer.listen(config.port, config.host, () => {
      server.httpServer.removeListener('error', reject);
      resolve();
    });
  });
  const { port, address } = server.httpServer.address() as AddressInfo;
  logger.info({ url: `http://localhost:${port}/graphql`, address, env: config.env, database: embedded ? 'embedded' : 'DATABASE_URL' }, 'clavis is serving');
  if (developmentToken) {
    const tokenFile = join(config.dataDir, 'dev-token');
    writeFileSync(tokenFile, `${developmentToken}\n`, { mode: 0o600 });
    // Plain lines on purpose: a person reads these at start-up and copies the token.
    process.stdout.write(
      `\nClavis: http://localhost:${port}/graphql (${explorerHint(config, port)})\n` +
        `Development token (organization "dev", every scope; also in ${tokenFile}):\n${developmentToken}\n\n`,
    );
  }

  const stop = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason, graceMs: config.shutdownGraceMs }, 'shutting down: finishing in-flight requests');
    // Whatever happens, the process is gone shortly after the grace period.
    setTimeout(() => process.exit(1), config.shutdownGraceMs + 5000).unref();
    clearInterval(purge);
    clearInterval(sweep);
    // Every step runs whatever the one before did: a step that fails (the database is already gone, say) must not
    // turn the stop into an unhandled rejection that exits without the "stopped" line.
    const step = async (name: string, work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        logger.warn({ step: name, err: { message: error instanceof Error ? error.message : String(error) } }, 'a shutdown step failed');
      }
    };
    await step('http', () => server.shutdown());
    await step('services', () => services.close());
    await step('database', async () => {
      const cut = await closeDatabase(dataSource);
      if (cut > 0) logger.warn({ connections: cut }, 'the grace period ended with database work in flight: its connections were cut, so it rolls back');
    });
    redis?.disconnect();
    await step('embedded PostgreSQL', async () => embedded?.stop());
    logger.info({ exitCode }, 'stopped');
    await flushLogs(logger);
    process.exit(exitCode);
  };
  onDatabaseLost = () => void stop('the embedded PostgreSQL exited', 1);
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  process.on('SIGINT', () => void stop('SIGINT', 0));
}

/** What a browser finds at /graphql: said at start-up, because Apollo Sandbox needs internet and GraphiQL does not. */
function explorerHint(config: Config, port: number): string {
  return config.explorer.kind === 'sandbox'
    ? `Apollo Sandbox there is already authorised but needs internet; GraphiQL at http://localhost:${port}${EXPLORER_PATH} does not`
    : 'GraphiQL there is already authorised and works offline';
}

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`clavis: ${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
}
main(config).catch(async (error: unknown) => {
  const reason = databaseLostReason
    ? `the embedded PostgreSQL exited while Clavis was starting: ${databaseLostReason}; see ${join(config.dataDir, 'postgres.log')}`
    : describeStartupError(error, { port: config.port, databaseUrl: embedded ? undefined : config.databaseUrl, connectTimeoutMs: config.db.connectTimeoutMs });
  process.stderr.write(`clavis: ${reason}\n`);
  await embedded?.stop().catch(() => undefined);
  process.exit(1);
});
