import { SignJWT } from 'jose';
import { SCOPES } from '../src/auth/scopes';
import { CLAIM_LIMITS, createTokenVerifier, signToken } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { type Harness, TEST_JWT_SECRET, codes, createHarness } from './helpers/harness';
import { type CreatedApp, createApp, unique } from './helpers/operations';

/** Issue 12 items 5 and 13: bounded, well-formed claims, hashed limiter keys, token lifetime and the verified-token cache. */

const AUTH_FAILURES = 3;
let h: Harness;
let app: CreatedApp;

beforeAll(async () => {
  h = await createHarness({ rateLimits: { mutationsPerMinute: 100_000, authFailures: AUTH_FAILURES, authFailureWindowSeconds: 900, authLockoutSeconds: 900 } });
  app = await createApp(h, { identifier: unique('claims'), name: 'Claims' });
});

afterAll(async () => {
  await h?.close();
});

const AUTHENTICATE = `mutation ($input: AuthenticateClientInput!) { authenticateClient(input: $input) { authenticated } }`;
const CREATE = `mutation ($input: CreateApplicationInput!) { createApplication(input: $input) { application { id organizationId } } }`;

describe('long caller ids (the limiter keys are hashed)', () => {
  test('a 230-character sub: failed authentications are counted and lock the caller out, never an internal error', async () => {
    const token = await h.token({ sub: 's'.repeat(230), scopes: ['clients:authenticate'] });
    const input = { clientId: app.defaultClient.clientId, clientSecret: 'clv_cs_wrong' };
    const seen: string[][] = [];
    for (let attempt = 0; attempt < AUTH_FAILURES + 2; attempt++) {
      const result = await h.run(AUTHENTICATE, { input }, { token });
      seen.push(codes(result));
      if (codes(result).includes('RATE_LIMITED')) break;
      expect(result.data).toEqual({ authenticateClient: { authenticated: false } });
    }
    expect(seen.flat()).not.toContain('INTERNAL_SERVER_ERROR');
    expect(seen.at(-1)).toEqual(['RATE_LIMITED']);
    // Locked out now, even with the right secret.
    const right = await h.run(AUTHENTICATE, { input: { ...input, clientSecret: app.clientSecret } }, { token });
    expect(codes(right)).toEqual(['RATE_LIMITED']);
    const [{ longest }] = await h.dataSource.query(`SELECT max(length(key))::int AS longest FROM rate_limits`);
    expect(longest).toBeLessThanOrEqual(64);
  });

  test('org and sub together over 245 characters: mutations work', async () => {
    const org = `o${'r'.repeat(CLAIM_LIMITS.org - 1)}`;
    const token = await h.token({ org, sub: 'u'.repeat(200) });
    const result = await h.run(CREATE, { input: { identifier: unique('long-caller'), name: 'Long caller' } }, { token });
    expect(result.errors).toBeUndefined();
    expect(result.data!.createApplication.application.organizationId).toBe(org);
  });
});

describe('claims must be bounded, well-formed Unicode without control characters', () => {
  async function refused(claims: { sub: string; org: string; scope?: string }) {
    const token = await signToken(TEST_JWT_SECRET, claims);
    const result = await h.run(`{ applications { totalCount } }`, {}, { token }).catch((error: { extensions?: { code?: string } }) => ({ errors: [error] }));
    expect((result.errors ?? []).map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  }

  test('lone surrogates in org ("tenant\\ud800" and "tenant\\udfff" would both be stored as U+FFFD)', async () => {
    await refused({ sub: 'tester', org: 'tenant\ud800' });
    await refused({ sub: 'tester', org: 'tenant\udfff' });
  });

  test('lone surrogates, NUL and other control characters in sub and scope', async () => {
    await refused({ sub: 'tester\ud83d', org: 'org-a' });
    await refused({ sub: 'tes\u0000ter', org: 'org-a' });
    await refused({ sub: 'tester', org: 'org\u001b[31m' });
    await refused({ sub: 'tester', org: 'org-a', scope: 'applications:read\u0000' });
  });

  test('over-long claims', async () => {
    await refused({ sub: 's'.repeat(CLAIM_LIMITS.sub + 1), org: 'org-a' });
    await refused({ sub: 'tester', org: 'o'.repeat(CLAIM_LIMITS.org + 1) });
    await refused({ sub: 'tester', org: 'org-a', scope: `${SCOPES.join(' ')} ${'x'.repeat(CLAIM_LIMITS.scope)}` });
  });

  test('well-formed non-ASCII claims at the limits are accepted', async () => {
    const token = await signToken(TEST_JWT_SECRET, { sub: `ü${'s'.repeat(CLAIM_LIMITS.sub - 1)}`, org: 'org-😀' });
    expect(await h.run(`{ applications { totalCount } }`, {}, { token })).toEqual({ data: { applications: { totalCount: 0 } } });
  });
});

describe('token lifetime (exp - iat)', () => {
  const key = new TextEncoder().encode(TEST_JWT_SECRET);
  const token = (iat: number | undefined, exp: number) => {
    const jwt = new SignJWT({ org: 'org-a', scope: 'applications:read' }).setProtectedHeader({ alg: 'HS256' }).setSubject('tester').setExpirationTime(exp);
    return (iat === undefined ? jwt : jwt.setIssuedAt(iat)).sign(key);
  };
  const now = () => Math.floor(Date.now() / 1000);

  test('a token living longer than the maximum is refused; one within it is accepted', async () => {
    const verify = createTokenVerifier({ jwtSecret: TEST_JWT_SECRET, maxLifetimeSeconds: 3600 });
    await expect(verify(`Bearer ${await token(now(), now() + 7200)}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    // Issued long ago with a far expiry: the lifetime, not the time left, counts.
    await expect(verify(`Bearer ${await token(now() - 86_400 * 300, now() + 600)}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(await verify(`Bearer ${await token(now(), now() + 3600)}`)).toMatchObject({ subject: 'tester' });
  });

  test('without iat (lifetime unknown) or with iat in the future: refused', async () => {
    const verify = createTokenVerifier({ jwtSecret: TEST_JWT_SECRET, maxLifetimeSeconds: 3600 });
    await expect(verify(`Bearer ${await token(undefined, now() + 600)}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    await expect(verify(`Bearer ${await token(now() + 86_400, now() + 86_400 + 600)}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  test('configuration: AUTH_MAX_TOKEN_LIFETIME_SECONDS, default a day in production and 30 days (the development token) elsewhere', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://clavis@db.internal:5432/clavis',
      AUTH_JWT_SECRET: 'x'.repeat(32),
      SECRET_HASH_KEY: 'y'.repeat(32),
      ENCRYPTION_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
    };
    expect(loadConfig(production).auth.maxTokenLifetimeSeconds).toBe(86_400);
    expect(loadConfig({}).auth.maxTokenLifetimeSeconds).toBe(30 * 86_400);
    expect(loadConfig({ ...production, AUTH_MAX_TOKEN_LIFETIME_SECONDS: '3600' }).auth.maxTokenLifetimeSeconds).toBe(3600);
    expect(() => loadConfig({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: 'forever' })).toThrow(/AUTH_MAX_TOKEN_LIFETIME_SECONDS/);
  });
});

describe('verified-token cache', () => {
  test('other spellings of a signature are refused and add no cache entries', async () => {
    const verify = createTokenVerifier({ jwtSecret: TEST_JWT_SECRET });
    const good = await signToken(TEST_JWT_SECRET, { sub: 'tester', org: 'org-a' });
    expect(await verify(`Bearer ${good}`)).toMatchObject({ subject: 'tester' });
    expect(verify.cachedTokens).toBe(1);
    const signature = good.split('.')[2];
    // Node's base64url decoder reads each of these as the same 32 signature bytes.
    const variants = ['~', '%', '*', '!!', '=', '~~~~~~~~'].map((tail) => `${good}${tail}`);
    const last = signature.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const slack = alphabet[(alphabet.indexOf(last) & ~3) | ((alphabet.indexOf(last) + 1) & 3)];
    variants.push(`${good.slice(0, -1)}${slack}`);
    for (const variant of variants) {
      await expect(verify(`Bearer ${variant}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    }
    expect(verify.cachedTokens).toBe(1);
    expect(await verify(`Bearer ${good}`)).toMatchObject({ subject: 'tester' });
  });
});
