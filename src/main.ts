import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { signToken, createTokenVerifier } from './auth/tokens';
import { type Config, ConfigError, loadConfig } from './config';
import { developmentSecret } from './common/dev-secrets';
import { KeyRing } from './common/encryption';
import { SecretHasher } from './common/secrets';
import { createServices } from './context';
import { openDatabase, poolOf } from './db/data-source';
import { RateLimits } from './limits/rate-limits';
import Redis from 'ioredis';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded';
import { buildClavisSchema } from './schema';
import { createServer } from './server';

const log = (message: string) => process.stdout.write(`${message}\n`);

async function main(config: Config): Promise<void> {
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    log(`clavis: starting embedded PostgreSQL under ${config.dataDir}/pg`);
    embedded = await startEmbeddedPostgres(config.dataDir);
    databaseUrl = embedded.url;
  }
  const dataSource = await openDatabase({ url: databaseUrl, poolMax: config.db.poolMax, statementTimeoutMs: config.db.statementTimeoutMs, connectTimeoutMs: config.db.connectTimeoutMs });

  const development = !config.isProduction;
  const jwtSecret = config.auth.jwtSecret ?? (config.auth.jwksUrl ? undefined : developmentSecret(config.dataDir, 'dev-jwt-secret'));
  const hashKey = config.secretHashKey ?? developmentSecret(config.dataDir, 'dev-secret-hash-key');
  const keyRing = KeyRing.parse(config.encryptionKeys ?? `dev:${developmentSecret(config.dataDir, 'dev-encryption-key')}`);
  const verifyToken = createTokenVerifier({ ...config.auth, jwtSecret: config.auth.jwksUrl ? undefined : jwtSecret });
  const developmentToken =
    development && jwtSecret ? await signToken(jwtSecret, { sub: 'developer', org: 'dev' }, { expiresIn: '30d', issuer: config.auth.issuer, audience: config.auth.audience }) : undefined;

  const redis = config.redisUrl ? new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  redis?.on('error', () => undefined); // reconnects by itself; the in-memory insurance limiter covers the gap
  const rateLimits = new RateLimits(redis ? { kind: 'redis', client: redis } : { kind: 'postgres', pool: poolOf(dataSource) }, config.rateLimits);
  const services = createServices(dataSource, new SecretHasher(hashKey), keyRing, rateLimits);
  // Idempotency keys are kept 24 h; forgetting them hourly keeps the table small.
  const purge = setInterval(() => services.idempotency.purgeExpired().catch(() => undefined), 3_600_000);
  purge.unref();
  const server = await createServer({
    schema: await buildClavisSchema(),
    services,
    verifyToken,
    isProduction: config.isProduction,
    introspection: config.introspection,
    queryLimits: config.queryLimits,
    maxBodyBytes: config.maxBodyBytes,
    developmentToken,
  });
  await new Promise<void>((resolve) => server.httpServer.listen(config.port, resolve));
  const { port } = server.httpServer.address() as AddressInfo;
  log(`clavis: serving http://localhost:${port}/graphql (${config.env}, database ${embedded ? 'embedded' : 'DATABASE_URL'})`);
  if (developmentToken) {
    writeFileSync(join(config.dataDir, 'dev-token'), `${developmentToken}\n`, { mode: 0o600 });
    log(`clavis: development token (organization "dev", every scope, also in ${join(config.dataDir, 'dev-token')}; the Sandbox at the URL above already uses it):`);
    log(developmentToken);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`clavis: ${signal} received, shutting down`);
    clearInterval(purge);
    await server.apollo.stop(); // drains in-flight requests and closes the HTTP server
    await dataSource.destroy();
    redis?.disconnect();
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`clavis: ${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
}
main(config).catch((error: unknown) => {
  process.stderr.write(`clavis: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
