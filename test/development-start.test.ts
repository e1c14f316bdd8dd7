import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { developmentAuth } from '../src/auth/development-token';
import { createTokenVerifier } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import {
  type ClavisProcess,
  PROCESS_JWT_SECRET,
  type TestDatabase,
  buildApp,
  createDatabase,
  graphql,
  killAll,
  processToken,
  removeBuild,
  request,
  startClavis,
} from './helpers/process';

/**
 * Issue 12 item 3: a development token is only ever signed with the generated development
 * secret (never a configured AUTH_JWT_SECRET), and a development start listens on loopback.
 */

const dataDirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clavis-dev-'));
  dataDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('developmentAuth', () => {
  test('nothing configured outside production: a token signed with the generated secret', async () => {
    const dir = dataDir();
    const { jwtSecret, developmentToken } = await developmentAuth({ isProduction: false, dataDir: dir, auth: {} });
    expect(jwtSecret).toBe(readFileSync(join(dir, 'dev-jwt-secret'), 'utf8').trim());
    const verify = createTokenVerifier({ jwtSecret, maxLifetimeSeconds: 30 * 86_400 });
    expect(await verify(`Bearer ${developmentToken}`)).toMatchObject({ subject: 'developer', organizationId: 'dev' });
  });

  test('with AUTH_JWT_SECRET configured (NODE_ENV forgotten): no development token at all', async () => {
    const dir = dataDir();
    const result = await developmentAuth({ isProduction: false, dataDir: dir, auth: { jwtSecret: PROCESS_JWT_SECRET } });
    expect(result).toEqual({ jwtSecret: PROCESS_JWT_SECRET });
    expect(existsSync(join(dir, 'dev-jwt-secret'))).toBe(false);
  });

  test('with AUTH_JWKS_URL configured: no development token and no HS256 secret', async () => {
    const auth = { jwksUrl: 'https://issuer.example.com/jwks.json' };
    expect(await developmentAuth({ isProduction: false, dataDir: dataDir(), auth })).toEqual({ jwtSecret: undefined });
  });

  test('the development token never outlives AUTH_MAX_TOKEN_LIFETIME_SECONDS', async () => {
    const { jwtSecret, developmentToken } = await developmentAuth({ isProduction: false, dataDir: dataDir(), auth: { maxTokenLifetimeSeconds: 3600 } });
    expect(await createTokenVerifier({ jwtSecret, maxLifetimeSeconds: 3600 })(`Bearer ${developmentToken}`)).toMatchObject({ subject: 'developer' });
  });
});

describe('HOST', () => {
  test('development listens on loopback, production on every interface, unless HOST says otherwise', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://clavis@db.internal:5432/clavis',
      AUTH_JWT_SECRET: 'x'.repeat(32),
      SECRET_HASH_KEY: 'y'.repeat(32),
      ENCRYPTION_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
    };
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig(production).host).toBeUndefined();
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ ...production, HOST: '::1' }).host).toBe('::1');
    expect(loadConfig({ HOST: 'clavis.internal' }).host).toBe('clavis.internal');
    expect(() => loadConfig({ HOST: 'not a host!' })).toThrow(/HOST/);
  });
});

describe('a development start with the production secret (NODE_ENV forgotten)', () => {
  let buildDir: string;
  let db: TestDatabase;
  let clavis: ClavisProcess;
  let dir: string;

  beforeAll(async () => {
    [buildDir, db] = await Promise.all([buildApp(), createDatabase()]);
    dir = dataDir();
    clavis = await startClavis(buildDir, { PORT: '0', DATABASE_URL: db.url, DATA_DIR: dir, AUTH_JWT_SECRET: PROCESS_JWT_SECRET, LOG_LEVEL: 'info' });
  }, 60_000);

  afterAll(async () => {
    await killAll();
    await db?.drop();
    removeBuild(buildDir);
  });

  test('serves no development token: not on stdout, not in DATA_DIR, not on the landing page', async () => {
    expect(clavis.stdout()).not.toMatch(/Development token/i);
    expect(existsSync(join(dir, 'dev-token'))).toBe(false);
    const page = await request(`${clavis.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.text).not.toMatch(/Bearer|eyJ/);
    // The configured secret still verifies callers' own tokens.
    const listed = await graphql(`${clavis.baseUrl}/graphql`, '{ applications { totalCount } }', undefined, await processToken());
    expect(listed.body).toEqual({ data: { applications: { totalCount: 0 } } });
  });

  test('listens on loopback only', async () => {
    const serving = clavis.logs().find((line) => line.msg === 'clavis is serving');
    expect(serving?.address).toBe('127.0.0.1');
    // Bound to every interface (::, dual stack) it would also answer on ::1; on 127.0.0.1 only, it does not.
    const refused = await new Promise<boolean>((done) => {
      const socket = connect({ host: '::1', port: clavis.port });
      socket.on('connect', () => {
        socket.destroy();
        done(false);
      });
      socket.on('error', () => done(true));
    });
    expect(refused).toBe(true);
  });
});
