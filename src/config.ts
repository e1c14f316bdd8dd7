import { isIP } from 'node:net';
import { z } from 'zod';
import { KeyRing } from './common/encryption';
import type { ExplorerSettings } from './explorer/explorer';
import { type AdmissionSettings, DEFAULT_ADMISSION } from './limits/admission';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './limits/query-limits';
import { DEFAULT_RATE_LIMITS, DEFAULT_REGISTRATIONS_PER_MINUTE, type RateLimitSettings } from './limits/rate-limits';

/**
 * Every environment variable Clavis reads, parsed and validated in one place.
 * Anything else in the code receives a `Config` object, never `process.env`.
 */
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());

/** An optional string that `parse` must accept; its error message becomes the reason. */
const parsedBy = (parse: (value: string) => unknown) =>
  z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .optional()
      .superRefine((value, ctx) => {
        if (value === undefined) return;
        try {
          parse(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
  );

/** A DNS host name: dot-separated labels of letters, digits and inner hyphens. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** A whole number in [min, max]; the message quotes the value (never a secret) and says what is allowed. */
const wholeNumber = (min: number, max: number) =>
  z.string().transform((value, ctx) => {
    const number = /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (Number.isSafeInteger(number) && number >= min && number <= max) return number;
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value.slice(0, 40))} is not a whole number from ${min} to ${max}` });
    return z.NEVER;
  });
const optionalInt = (min: number, max: number) => z.preprocess(emptyAsUndefined, wholeNumber(min, max).optional());
const int = (min: number, max: number, fallback: number) => optionalInt(min, max).transform((value) => value ?? fallback);

const envSchema = z
  .object({
    NODE_ENV: z.preprocess(emptyAsUndefined, z.enum(['development', 'production', 'test']).default('development')),
    PORT: int(0, 65535, 4000),
    HOST: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .refine((value) => isIP(value) !== 0 || HOST_NAME.test(value), 'must be an IP address or a host name')
        .optional(),
    ),
    DATABASE_URL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL')
        .optional(),
    ),
    DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('.data')),
    AUTH_JWT_SECRET: z.preprocess(emptyAsUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
    AUTH_JWKS_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
    AUTH_ISSUER: optionalString,
    AUTH_AUDIENCE: optionalString,
    AUTH_MAX_TOKEN_LIFETIME_SECONDS: optionalInt(60, 366 * 86_400),
    SECRET_HASH_KEY: z.preprocess(emptyAsUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
    ENCRYPTION_KEYS: parsedBy((value) => KeyRing.parse(value)),
    REDIS_URL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// URL')
        .optional(),
    ),
    MAX_BODY_BYTES: int(1024, 10 * 1024 * 1024, 100 * 1024),
    QUERY_MAX_DEPTH: int(1, 100, DEFAULT_QUERY_LIMITS.maxDepth),
    QUERY_MAX_COST: int(1, 10_000_000, DEFAULT_QUERY_LIMITS.maxCost),
    QUERY_MAX_ALIASES: int(0, 1000, DEFAULT_QUERY_LIMITS.maxAliases),
    QUERY_MAX_TOKENS: int(10, 1_000_000, DEFAULT_QUERY_LIMITS.maxTokens),
    QUERY_MAX_DIRECTIVES: int(0, 1000, DEFAULT_QUERY_LIMITS.maxDirectives),
    ADMISSION_EXPENSIVE_COST: int(0, 10_000_000, DEFAULT_ADMISSION.expensiveCost),
    ADMISSION_MAX_EXPENSIVE_IN_FLIGHT: int(1, 100_000, DEFAULT_ADMISSION.maxExpensiveInFlight),
    ADMISSION_MAX_COST_IN_FLIGHT: int(1, 1_000_000_000, DEFAULT_ADMISSION.maxCostInFlight),
    ADMISSION_MAX_CHEAP_IN_FLIGHT: int(1, 100_000, DEFAULT_ADMISSION.maxCheapInFlight),
    ADMISSION_QUEUE_LENGTH: int(0, 100_000, DEFAULT_ADMISSION.queueLength),
    ADMISSION_QUEUE_MS: int(0, 60_000, DEFAULT_ADMISSION.queueMs),
    RATE_LIMIT_MUTATIONS_PER_MINUTE: int(1, 1_000_000, DEFAULT_RATE_LIMITS.mutationsPerMinute),
    RATE_LIMIT_AUTH_FAILURES: int(1, 1_000_000, DEFAULT_RATE_LIMITS.authFailures),
    RATE_LIMIT_AUTH_WINDOW_SECONDS: int(1, 86_400, DEFAULT_RATE_LIMITS.authFailureWindowSeconds),
    RATE_LIMIT_AUTH_LOCKOUT_SECONDS: int(1, 86_400, DEFAULT_RATE_LIMITS.authLockoutSeconds),
    REGISTRATION_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000, DEFAULT_REGISTRATIONS_PER_MINUTE),
    REGISTRATION_SWEEP_INTERVAL_S: int(10, 86_400, 3600),
    SHUTDOWN_GRACE_MS: int(0, 600_000, 10_000),
    SHUTDOWN_DRAIN_MS: optionalInt(0, 600_000),
    LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
    GRAPHQL_INTROSPECTION: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).optional()),
    GRAPHQL_EXPLORER: z.preprocess(emptyAsUndefined, z.enum(['graphiql', 'sandbox']).default('graphiql')),
    GRAPHQL_EXPLORER_TELEMETRY: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).default('false')),
    DB_POOL_MAX: int(1, 1000, 10),
    DB_STATEMENT_TIMEOUT_MS: int(0, 86_400_000, 15_000),
    DB_CONNECT_TIMEOUT_MS: int(0, 600_000, 5_000),
    DB_QUERY_TIMEOUT_MS: optionalInt(0, 86_400_000),
    DB_KEEPALIVE_DELAY_MS: int(0, 3_600_000, 10_000),
    DNS_RESOLVER: parsedBy(parseDnsServers),
    DNS_TIMEOUT_MS: int(100, 60_000, 3000),
  })
  .superRefine((env, ctx) => {
    if (env.AUTH_JWT_SECRET && env.AUTH_JWKS_URL) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_JWKS_URL'], message: 'set AUTH_JWT_SECRET or AUTH_JWKS_URL, not both' });
    }
    if (env.SHUTDOWN_DRAIN_MS !== undefined && env.SHUTDOWN_DRAIN_MS > env.SHUTDOWN_GRACE_MS) {
      ctx.addIssue({ code: 'custom', path: ['SHUTDOWN_DRAIN_MS'], message: 'must not exceed SHUTDOWN_GRACE_MS: the drain is part of the grace period' });
    }
    if (env.DB_QUERY_TIMEOUT_MS && env.DB_STATEMENT_TIMEOUT_MS && env.DB_QUERY_TIMEOUT_MS <= env.DB_STATEMENT_TIMEOUT_MS) {
      const message = 'must exceed DB_STATEMENT_TIMEOUT_MS, so a slow statement is cancelled by the server first';
      ctx.addIssue({ code: 'custom', path: ['DB_QUERY_TIMEOUT_MS'], message });
    }
    if (env.NODE_ENV === 'production') {
      if (!env.DATABASE_URL) {
        ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'is required in production (the embedded database is for development)' });
      }
      if (!env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
        ctx.addIssue({ code: 'custom', path: ['AUTH_JWT_SECRET'], message: 'AUTH_JWT_SECRET or AUTH_JWKS_URL is required in production' });
      }
      if (!env.SECRET_HASH_KEY) {
        ctx.addIssue({ code: 'custom', path: ['SECRET_HASH_KEY'], message: 'is required in production' });
      }
      if (!env.ENCRYPTION_KEYS) {
        ctx.addIssue({ code: 'custom', path: ['ENCRYPTION_KEYS'], message: 'is required in production' });
      }
    }
  });

export interface Config {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  /** Address to listen on; unset: every interface (production). Development defaults to loopback. */
  host?: string;
  /** Unset: an embedded PostgreSQL is started under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  auth: {
    /** HS256 shared secret; in development generated under `dataDir` when unset. */
    jwtSecret?: string;
    jwksUrl?: string;
    issuer?: string;
    audience?: string;
    /** Largest accepted token lifetime (`exp` − `iat`), in seconds. */
    maxTokenLifetimeSeconds: number;
  };
  /** Key of the HMAC that stores client secrets; generated under `dataDir` in development. */
  secretHashKey?: string;
  /** `id:base64key,…`: AES-256-GCM keys for provider secrets; the first encrypts. Generated under `dataDir` in development. */
  encryptionKeys?: string;
  /**
   * queryTimeoutMs: client-side wait for a statement's answer (a stalled connection fails
   * instead of hanging); default statementTimeoutMs + 5 s, 0 when statement timeouts are off.
   * keepAliveDelayMs: TCP keepalive on pool connections (0: off).
   */
  db: { poolMax: number; statementTimeoutMs: number; connectTimeoutMs: number; queryTimeoutMs: number; keepAliveDelayMs: number };
  /** DNS lookups of verifyClientUri: resolvers (`ip`, `ip:port`, `[ipv6]:port`; unset: the system's) and the per-server timeout. */
  dns: { servers?: string[]; timeoutMs: number };
  redisUrl?: string;
  shutdownGraceMs: number;
  /** After SIGTERM, /readyz answers 503 this long before the listener closes (part of the grace): 5 s in production, else 0. */
  shutdownDrainMs: number;
  logLevel: string;
  maxBodyBytes: number;
  queryLimits: QueryLimits;
  /** Bounds on the GraphQL work in flight (src/limits/admission.ts). */
  admission: AdmissionSettings;
  rateLimits: RateLimitSettings;
  /** How often dynamically registered clients past their `expiresAt` are deleted. */
  registrationSweepIntervalMs: number;
  /** Schema introspection: on in development, off in production unless GRAPHQL_INTROSPECTION=true. */
  introspection: boolean;
  /** Development only: the explorer at `/graphql` (GraphiQL served locally, or Apollo Sandbox) and Sandbox's telemetry (off unless turned on). */
  explorer: ExplorerSettings;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const reasons = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${reasons.join('; ')} (fix the environment: README "Configuration" lists every setting)`);
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    isProduction: e.NODE_ENV === 'production',
    port: e.PORT,
    // A development start hands out an every-scope token: only to this machine, unless told otherwise.
    host: e.HOST ?? (e.NODE_ENV === 'production' ? undefined : '127.0.0.1'),
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    auth: {
      jwtSecret: e.AUTH_JWT_SECRET,
      jwksUrl: e.AUTH_JWKS_URL,
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      // Production: a day. Elsewhere long enough for the 30-day development token.
      maxTokenLifetimeSeconds: e.AUTH_MAX_TOKEN_LIFETIME_SECONDS ?? (e.NODE_ENV === 'production' ? 86_400 : 30 * 86_400),
    },
    secretHashKey: e.SECRET_HASH_KEY,
    encryptionKeys: e.ENCRYPTION_KEYS,
    redisUrl: e.REDIS_URL,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS ?? (e.NODE_ENV === 'production' ? Math.min(5000, e.SHUTDOWN_GRACE_MS) : 0),
    logLevel: e.LOG_LEVEL,
    maxBodyBytes: e.MAX_BODY_BYTES,
    queryLimits: {
      maxDepth: e.QUERY_MAX_DEPTH,
      maxCost: e.QUERY_MAX_COST,
      maxAliases: e.QUERY_MAX_ALIASES,
      maxTokens: e.QUERY_MAX_TOKENS,
      maxDirectives: e.QUERY_MAX_DIRECTIVES,
      hideSuggestions: e.NODE_ENV === 'production',
    },
    admission: {
      expensiveCost: e.ADMISSION_EXPENSIVE_COST,
      maxExpensiveInFlight: e.ADMISSION_MAX_EXPENSIVE_IN_FLIGHT,
      maxCostInFlight: e.ADMISSION_MAX_COST_IN_FLIGHT,
      maxCheapInFlight: e.ADMISSION_MAX_CHEAP_IN_FLIGHT,
      queueLength: e.ADMISSION_QUEUE_LENGTH,
      queueMs: e.ADMISSION_QUEUE_MS,
    },
    rateLimits: {
      mutationsPerMinute: e.RATE_LIMIT_MUTATIONS_PER_MINUTE,
      authFailures: e.RATE_LIMIT_AUTH_FAILURES,
      authFailureWindowSeconds: e.RATE_LIMIT_AUTH_WINDOW_SECONDS,
      authLockoutSeconds: e.RATE_LIMIT_AUTH_LOCKOUT_SECONDS,
      registrationsPerMinute: e.REGISTRATION_RATE_LIMIT_PER_MINUTE,
    },
    registrationSweepIntervalMs: e.REGISTRATION_SWEEP_INTERVAL_S * 1000,
    introspection: e.GRAPHQL_INTROSPECTION ? e.GRAPHQL_INTROSPECTION === 'true' : e.NODE_ENV !== 'production',
    explorer: { kind: e.GRAPHQL_EXPLORER, telemetry: e.GRAPHQL_EXPLORER_TELEMETRY === 'true' },
    db: {
      poolMax: e.DB_POOL_MAX,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: e.DB_QUERY_TIMEOUT_MS ?? (e.DB_STATEMENT_TIMEOUT_MS > 0 ? e.DB_STATEMENT_TIMEOUT_MS + 5000 : 0),
      keepAliveDelayMs: e.DB_KEEPALIVE_DELAY_MS,
    },
    dns: { servers: e.DNS_RESOLVER ? parseDnsServers(e.DNS_RESOLVER) : undefined, timeoutMs: e.DNS_TIMEOUT_MS },
  };
}

/**
 * DNS_RESOLVER: comma-separated `host[:port]` entries whose host is an IP address
 * (`127.0.0.1:5353`, `[::1]:53`, `9.9.9.9`), in the form Node's `Resolver.setServers` takes.
 */
export function parseDnsServers(value: string): string[] {
  return value.split(',').map((raw) => {
    const entry = raw.trim();
    const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? /^([^:]+)(?::(\d+))?$/.exec(entry) ?? (isIP(entry) === 6 ? [entry, entry, undefined] : null);
    const [, host, port] = match ?? [];
    if (!host || isIP(host) === 0) throw new Error(`"${entry}" is not an IP address with an optional port (e.g. 127.0.0.1:53 or [::1]:53)`);
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw new Error(`"${entry}" has a port outside 1-65535`);
    return entry;
  });
}
