import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { Client as PgClient } from 'pg';
import { describeStartupError } from '../src/startup-errors';
import { type TestDatabase, buildApp, createDatabase, killAll, productionEnv, removeBuild, spawnClavis, startClavis } from './helpers/process';

const SECRET = 'a-jwt-secret-that-is-at-least-32-characters-long';
const HASH_KEY = 'a-hash-key-that-is-at-least-32-characters-long!!';
/** Complete production settings; each failure case below removes or breaks one. */
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://clavis@db.internal:5432/clavis',
  AUTH_JWT_SECRET: SECRET,
  SECRET_HASH_KEY: HASH_KEY,
  // Required once provider secrets are encrypted; ignored by a config that does not know it.
  ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
};

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  test('admission control settings: defaults, and values from the environment', () => {
    expect(loadConfig({}).admission).toEqual({
      expensiveCost: 1000,
      maxExpensiveInFlight: 8,
      maxCostInFlight: 200_000,
      maxCheapInFlight: 256,
      queueLength: 512,
      queueMs: 2000,
    });
    const env = {
      ADMISSION_EXPENSIVE_COST: '500',
      ADMISSION_MAX_EXPENSIVE_IN_FLIGHT: '2',
      ADMISSION_MAX_COST_IN_FLIGHT: '60000',
      ADMISSION_MAX_CHEAP_IN_FLIGHT: '50',
      ADMISSION_QUEUE_LENGTH: '0',
      ADMISSION_QUEUE_MS: '100',
    };
    expect(loadConfig(env).admission).toEqual({
      expensiveCost: 500,
      maxExpensiveInFlight: 2,
      maxCostInFlight: 60_000,
      maxCheapInFlight: 50,
      queueLength: 0,
      queueMs: 100,
    });
    expect(configError({ ADMISSION_MAX_EXPENSIVE_IN_FLIGHT: '0' }).message).toContain('ADMISSION_MAX_EXPENSIVE_IN_FLIGHT');
  });

  test('defaults for an empty environment', () => {
    expect(loadConfig({})).toMatchObject({
      env: 'development',
      isProduction: false,
      port: 4000,
      databaseUrl: undefined,
      dataDir: '.data',
      auth: { jwtSecret: undefined, jwksUrl: undefined, issuer: undefined, audience: undefined },
      secretHashKey: undefined,
      db: { poolMax: 10, statementTimeoutMs: 15000, connectTimeoutMs: 5000 },
    });
  });

  test('empty strings count as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', NODE_ENV: '', AUTH_JWT_SECRET: '', AUTH_JWKS_URL: '' })).toMatchObject({
      env: 'development',
      port: 4000,
      databaseUrl: undefined,
      auth: { jwtSecret: undefined, jwksUrl: undefined },
    });
  });

  test('parses given values', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgresql://user:pw@localhost:5433/clavis?sslmode=require',
      DATA_DIR: '/var/lib/clavis',
      AUTH_JWKS_URL: 'https://issuer.example.com/.well-known/jwks.json',
      AUTH_ISSUER: 'https://issuer.example.com/',
      AUTH_AUDIENCE: 'clavis',
      DB_POOL_MAX: '20',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgresql://user:pw@localhost:5433/clavis?sslmode=require',
      dataDir: '/var/lib/clavis',
      auth: { jwksUrl: 'https://issuer.example.com/.well-known/jwks.json', issuer: 'https://issuer.example.com/', audience: 'clavis', jwtSecret: undefined },
      db: { poolMax: 20 },
    });
  });

  test('database client timeouts: the query timeout follows the statement timeout unless set, keepalive on by default', () => {
    expect(loadConfig({}).db).toEqual({ poolMax: 10, statementTimeoutMs: 15000, connectTimeoutMs: 5000, queryTimeoutMs: 20000, keepAliveDelayMs: 10000 });
    expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '1000' }).db).toMatchObject({ queryTimeoutMs: 6000 });
    expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '0' }).db).toMatchObject({ statementTimeoutMs: 0, queryTimeoutMs: 0 });
    expect(loadConfig({ DB_QUERY_TIMEOUT_MS: '30000', DB_KEEPALIVE_DELAY_MS: '0' }).db).toMatchObject({ queryTimeoutMs: 30000, keepAliveDelayMs: 0 });
    expect(configError({ DB_STATEMENT_TIMEOUT_MS: '5000', DB_QUERY_TIMEOUT_MS: '5000' }).message).toMatch(
      /DB_QUERY_TIMEOUT_MS: must exceed DB_STATEMENT_TIMEOUT_MS/,
    );
  });

  test('shutdown drain: 5 s in production (never more than the grace), 0 elsewhere, and never longer than the grace', () => {
    expect(loadConfig({}).shutdownDrainMs).toBe(0);
    expect(loadConfig(PRODUCTION).shutdownDrainMs).toBe(5000);
    expect(loadConfig({ ...PRODUCTION, SHUTDOWN_GRACE_MS: '2000' }).shutdownDrainMs).toBe(2000);
    expect(loadConfig({ SHUTDOWN_DRAIN_MS: '1500' }).shutdownDrainMs).toBe(1500);
    expect(configError({ SHUTDOWN_GRACE_MS: '1000', SHUTDOWN_DRAIN_MS: '2000' }).message).toMatch(/SHUTDOWN_DRAIN_MS: must not exceed SHUTDOWN_GRACE_MS/);
  });

  test('introspection: on in development, off in production unless GRAPHQL_INTROSPECTION=true', () => {
    expect(loadConfig({}).introspection).toBe(true);
    expect(loadConfig(PRODUCTION).introspection).toBe(false);
    expect(loadConfig({ ...PRODUCTION, GRAPHQL_INTROSPECTION: 'true' }).introspection).toBe(true);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).introspection).toBe(false);
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'yes' })).toThrow(/GRAPHQL_INTROSPECTION/);
  });

  test('explorer: the local GraphiQL without telemetry unless GRAPHQL_EXPLORER / GRAPHQL_EXPLORER_TELEMETRY say otherwise', () => {
    expect(loadConfig({}).explorer).toEqual({ kind: 'graphiql', telemetry: false });
    expect(loadConfig({ GRAPHQL_EXPLORER: 'sandbox' }).explorer).toEqual({ kind: 'sandbox', telemetry: false });
    expect(loadConfig({ GRAPHQL_EXPLORER: 'sandbox', GRAPHQL_EXPLORER_TELEMETRY: 'true' }).explorer).toEqual({ kind: 'sandbox', telemetry: true });
    expect(() => loadConfig({ GRAPHQL_EXPLORER: 'playground' })).toThrow(/GRAPHQL_EXPLORER/);
    expect(() => loadConfig({ GRAPHQL_EXPLORER_TELEMETRY: 'yes' })).toThrow(/GRAPHQL_EXPLORER_TELEMETRY/);
  });

  test('a complete production configuration loads', () => {
    expect(loadConfig(PRODUCTION)).toMatchObject({ env: 'production', isProduction: true, auth: { jwtSecret: SECRET }, secretHashKey: HASH_KEY });
    const { AUTH_JWT_SECRET: _secret, ...withJwks } = PRODUCTION;
    expect(loadConfig({ ...withJwks, AUTH_JWKS_URL: 'https://issuer.example.com/jwks' }).auth.jwksUrl).toBe('https://issuer.example.com/jwks');
  });

  const { AUTH_JWT_SECRET: _s, ...productionWithoutAuth } = PRODUCTION;
  const { SECRET_HASH_KEY: _k, ...productionWithoutHashKey } = PRODUCTION;
  const { DATABASE_URL: _d, ...productionWithoutDatabase } = PRODUCTION;
  const failures: [string, NodeJS.ProcessEnv, string[]][] = [
    ['a PORT that is not a number', { PORT: 'abc' }, ['PORT']],
    ['a PORT out of range', { PORT: '70000' }, ['PORT']],
    ['a negative PORT', { PORT: '-1' }, ['PORT']],
    ['a fractional PORT', { PORT: '80.5' }, ['PORT']],
    ['a DATABASE_URL of another database', { DATABASE_URL: 'mysql://root@localhost/db' }, ['DATABASE_URL']],
    ['a DATABASE_URL that is not a URL', { DATABASE_URL: 'localhost:5432' }, ['DATABASE_URL']],
    ['an unknown NODE_ENV', { NODE_ENV: 'staging' }, ['NODE_ENV']],
    [
      'both AUTH_JWT_SECRET and AUTH_JWKS_URL',
      { AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://issuer.example.com/jwks' },
      ['AUTH_JWT_SECRET', 'AUTH_JWKS_URL'],
    ],
    ['a JWKS URL that is not http(s)', { AUTH_JWKS_URL: 'ftp://issuer.example.com/jwks' }, ['AUTH_JWKS_URL']],
    ['production without AUTH_JWT_SECRET or AUTH_JWKS_URL', productionWithoutAuth, ['AUTH_JWT_SECRET']],
    ['production without SECRET_HASH_KEY', productionWithoutHashKey, ['SECRET_HASH_KEY']],
    ['production without DATABASE_URL (the embedded database is for development)', productionWithoutDatabase, ['DATABASE_URL']],
  ];

  test.each(failures)('%s → ConfigError, one line naming the variable', (_title, env, names) => {
    const error = configError(env);
    expect(error.message).not.toMatch(/[\r\n]/);
    for (const name of names) expect(error.message).toContain(name);
    expect(error.message.length).toBeLessThan(300);
  });

  test('a bad number quotes the value and says what is allowed', () => {
    expect(configError({ PORT: 'abc' }).message).toContain('PORT: "abc" is not a whole number from 0 to 65535');
    expect(configError({ DB_POOL_MAX: '0' }).message).toContain('DB_POOL_MAX: "0" is not a whole number from 1 to 1000');
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
  });

  test('errors do not echo secret values', () => {
    const short = 'short-secret-value';
    const error = configError({ AUTH_JWT_SECRET: short, SECRET_HASH_KEY: 'another-short-one' });
    expect(error.message).toContain('AUTH_JWT_SECRET');
    expect(error.message).not.toContain(short);
    expect(error.message).not.toContain('another-short-one');
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  test('reads process.env by default', () => {
    const saved = process.env.PORT;
    process.env.PORT = '4321';
    try {
      expect(loadConfig().port).toBe(4321);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });
});

describe('describeStartupError', () => {
  const context = { port: 4000, databaseUrl: 'postgres://app:secret@db.internal:6543/clavis', connectTimeoutMs: 5000 };
  test.each([
    ['28P01', 'password authentication failed for user "app"'],
    ['28000', 'no pg_hba.conf entry for host "10.0.0.1", user "app", database "clavis"'],
  ])('PostgreSQL refusing the credentials (%s): DATABASE_URL, the reason, the remedy, never the password', (code, message) => {
    const line = describeStartupError(Object.assign(new Error(message), { code }), context);
    expect(line).toBe(`DATABASE_URL: PostgreSQL at db.internal:6543 refused user "app" (${message}): correct the user and password in DATABASE_URL`);
  });

  test('a connect timeout names DB_CONNECT_TIMEOUT_MS', () => {
    const line = describeStartupError(new Error('Connection terminated due to connection timeout'), context);
    expect(line).toContain('did not answer within DB_CONNECT_TIMEOUT_MS (5000 ms)');
  });
});

describe('the process entry point', () => {
  let buildDir: string;

  // What `npm start` runs: the project's own compiler, on the current sources.
  beforeAll(async () => {
    buildDir = await buildApp({ compiler: 'tsc' });
  }, 60_000);

  afterAll(async () => {
    await killAll();
    removeBuild(buildDir);
  });

  async function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const clavis = spawnClavis(buildDir, env);
    const { code } = await clavis.waitForExit(15_000);
    return { code, stdout: clavis.stdout(), stderr: clavis.stderr() };
  }

  /** Runs Clavis to its exit and returns its only stderr line (failing if there are more). */
  async function failure(env: Record<string, string>): Promise<string> {
    const { code, stderr } = await run(env);
    expect(code).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    return lines[0];
  }

  test('exits non-zero with a one-line reason for a bad PORT', async () => {
    const { code, stdout, stderr } = await run({ PORT: 'not-a-port', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^clavis: invalid configuration: PORT: "not-a-port" is not a whole number from 0 to 65535 \(fix the environment/);
  }, 20_000);

  test('production without DATABASE_URL: refused in one line', async () => {
    const { DATABASE_URL: _url, ...env } = productionEnv('postgres://unused@127.0.0.1:1/none');
    expect(await failure(env)).toBe(
      'clavis: invalid configuration: DATABASE_URL: is required in production (the embedded database is for development) ' +
        '(fix the environment: README "Configuration" lists every setting)',
    );
  }, 20_000);

  test('DATABASE_URL to a port nobody listens on: one line naming DATABASE_URL', async () => {
    expect(await failure(productionEnv('postgres://postgres@127.0.0.1:1/clavis'))).toBe(
      'clavis: DATABASE_URL: cannot reach PostgreSQL at 127.0.0.1:1 (ECONNREFUSED): start PostgreSQL there, or point DATABASE_URL at a running server',
    );
  }, 20_000);

  describe('on a reachable server', () => {
    let db: TestDatabase;
    const missing = `clavis_missing_${randomBytes(4).toString('hex')}`;
    const missingUrl = () => {
      const url = new URL(db.url);
      url.pathname = `/${missing}`;
      return url.toString();
    };

    beforeAll(async () => {
      db = await createDatabase();
    });

    afterAll(async () => {
      const admin = new PgClient({ connectionString: db.url });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${missing} WITH (FORCE)`);
      await admin.end();
      await db.drop();
    });

    test('the port is taken: one line naming PORT, exit 1', async () => {
      const blocker = net.createServer();
      await new Promise<void>((done) => blocker.listen(0, done));
      try {
        const { port } = blocker.address() as net.AddressInfo;
        expect(await failure(productionEnv(db.url, { PORT: String(port) }))).toBe(
          `clavis: PORT ${port} is already in use by another process: stop that process, or set PORT to a free port (PORT=0 picks any)`,
        );
      } finally {
        blocker.close();
      }
    }, 30_000);

    test('a missing database in production: one line naming DATABASE_URL and how to create it', async () => {
      const line = await failure(productionEnv(missingUrl()));
      expect(line).toMatch(new RegExp(`^clavis: DATABASE_URL: database "${missing}" does not exist on .*: create it \\(createdb -h .* ${missing}\\), or name`));
    }, 20_000);

    test('a missing database in development is created, and the log says so', async () => {
      const env = { PORT: '0', DATABASE_URL: missingUrl(), DATA_DIR: join(buildDir, 'data'), LOG_LEVEL: 'info' };
      const clavis = await startClavis(buildDir, env, { readyTimeoutMs: 30_000 });
      const created = clavis.logs().find((line) => line.database === missing);
      expect(created?.msg).toBe('created the database DATABASE_URL names (development only: in production it must exist)');
      expect(await clavis.stop()).toEqual({ code: 0, signal: null });
    }, 40_000);
  });

  test('exits non-zero with a one-line reason for production without secrets', async () => {
    const { code, stderr } = await run({ NODE_ENV: 'production', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(code).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('AUTH_JWT_SECRET');
    expect(lines[0]).toContain('SECRET_HASH_KEY');
  }, 20_000);
});
