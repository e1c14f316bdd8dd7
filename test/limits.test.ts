import Redis from 'ioredis';
import type { Caller } from '../src/auth/scopes';
import { poolOf } from '../src/db/data-source';
import { DEFAULT_QUERY_LIMITS } from '../src/limits/query-limits';
import { DEFAULT_RATE_LIMITS, MAX_AUTHENTICATIONS_PER_REQUEST, RateLimits, limiterKey } from '../src/limits/rate-limits';
import { clearOfMinuteBoundary } from './helpers/clock';
import { codes, createHarness, type Harness } from './helpers/harness';

/** Query limits before execution, request size, batching, and the rate limits. */
let h: Harness;
let url: string;
let token: string;
beforeAll(async () => {
  h = await createHarness({
    rateLimits: { mutationsPerMinute: 3, authFailures: 3, authFailureWindowSeconds: 900, authLockoutSeconds: 900 },
    queryLimits: { ...DEFAULT_QUERY_LIMITS, maxTokens: 500 },
    maxBodyBytes: 4096,
  });
  url = `${await h.listen()}/graphql`;
  token = await h.token();
});
afterAll(() => h.close());

async function post(body: unknown, bearer = token) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: any; errors?: any[] } };
}

/** Runs a query that must be refused before execution: no resolver, no SQL. */
async function expectRefusedBeforeExecution(query: string) {
  h.sql.reset();
  const result = await h.run(query);
  expect(codes(result)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  expect(result.data).toBeUndefined();
  expect(h.sql.statements).toEqual([]);
  return result;
}

describe('query limits', () => {
  test('a legitimate applications → clients → credentials → provider query passes', async () => {
    const result = await h.run(`{ applications(first: 10) { edges { node { clients(first: 10) { edges { node { id application { id } } } }
      credentials(first: 10) { edges { node { ... on TokenCredential { provider { id name } } } } } } } } }`);
    expect(result.errors).toBeUndefined();
  });

  test('depth 20 is refused', async () => {
    const query = `{ client(id: "cli_x") { ${'application { defaultClient { '.repeat(10)} id ${'} } '.repeat(10)} } }`;
    await expectRefusedBeforeExecution(query);
  });

  test('depth through fragments counts too', async () => {
    const query =
      `query { client(id: "cli_x") { ...A } }
      fragment A on Client { application { defaultClient { application { defaultClient { ...B } } } } }
      fragment B on Client { application { defaultClient { application { defaultClient { application { defaultClient {` +
      ` application { defaultClient { id } } } } } } } } }`;
    await expectRefusedBeforeExecution(query);
  });

  test('too many aliases are refused', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: application(id: "app_${i}") { id }`).join(' ');
    await expectRefusedBeforeExecution(`{ ${aliases} }`);
  });

  test('too many directives are refused', async () => {
    h.sql.reset();
    const result = await h.run(`{ applications { totalCount ${'@include(if: true) '.repeat(30)} } }`);
    expect(new Set(codes(result))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    expect(result.errors!.some((error) => /Directives limit/.test(error.message))).toBe(true);
    expect(h.sql.statements).toEqual([]);
  });

  test('too many tokens are refused', async () => {
    h.sql.reset();
    const response = await post({ query: `{ applications { totalCount } ${'a '.repeat(600)} }` });
    expect(response.status).toBe(400);
    expect(response.body.errors![0].message).toMatch(/more that 500 tokens/); // (sic) graphql-js's message
    expect(response.body.errors![0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(response.body.data).toBeUndefined();
    expect(h.sql.statements).toEqual([]);
  });

  test('list fields multiply the cost by `first`', async () => {
    const nested =
      '{ applications(first: 100) { edges { node { clients(first: 100) { edges { node { ' + 'application { clients(first: 100) { totalCount } } } } } } } } }';
    const result = await expectRefusedBeforeExecution(nested);
    expect(Number(result.errors![0].extensions!.cost)).toBeGreaterThan(Number(result.errors![0].extensions!.maxCost));
    // The same shape with small pages is fine.
    const small = await h.run(nested.replace(/first: 100/g, 'first: 5'));
    expect(small.errors).toBeUndefined();
  });

  test('backward pages cost like forward ones: last multiplies the cost as first does', async () => {
    const nested =
      '{ applications(last: 100) { edges { node { clients(last: 100) { edges { node { ' + 'application { clients(last: 100) { totalCount } } } } } } } } }';
    const result = await expectRefusedBeforeExecution(nested);
    expect(Number(result.errors![0].extensions!.cost)).toBeGreaterThan(Number(result.errors![0].extensions!.maxCost));
    const small = await h.run(nested.replace(/last: 100/g, 'last: 5'));
    expect(small.errors).toBeUndefined();
  });

  test('the cost uses variables for first', async () => {
    h.sql.reset();
    const result = await h.run(
      'query($n: Int) { applications(first: $n) { edges { node { clients(first: $n) { edges { node { ' +
        'application { clients(first: $n) { totalCount } } } } } } } } }',
      { n: 100 },
    );
    expect(codes(result)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(h.sql.statements).toEqual([]);
  });
});

describe('HTTP limits', () => {
  test('batched requests are refused', async () => {
    const response = await post([{ query: '{ applications { totalCount } }' }, { query: '{ applications { totalCount } }' }]);
    expect(response.status).toBe(400);
  });

  test('a body over the limit gets 413 in GraphQL error shape', async () => {
    const response = await post({ query: `{ applications { totalCount } }`, variables: { padding: 'x'.repeat(5000) } });
    expect(response.status).toBe(413);
    expect(response.body.errors![0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('field suggestions', () => {
  test('development suggests field names; production does not', async () => {
    const dev = await h.run(`{ applicationz { totalCount } }`);
    expect(dev.errors![0].message).toMatch(/Did you mean/);
    const prod = await createHarness({ isProduction: true });
    try {
      const result = await prod.run(`{ applicationz { totalCount } }`);
      expect(codes(result)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(result.errors![0].message).not.toMatch(/Did you mean|applications/);
    } finally {
      await prod.close();
    }
  });
});

describe('rate limits', () => {
  const create = (identifier: string) => ({
    query: `mutation { createApplication(input: { identifier: "${identifier}", name: "${identifier}" }) { application { id } } }`,
  });

  test('mutations per caller: over the limit → RATE_LIMITED, 429 and Retry-After, nothing written', async () => {
    await clearOfMinuteBoundary();
    const limited = await h.token({ sub: 'busy-caller' });
    for (let i = 0; i < 3; i++) expect((await post(create(`rl-${i}`), limited)).body.errors).toBeUndefined();
    const before = await h.count('applications');
    const over = await post(create('rl-over'), limited);
    expect(over.status).toBe(429);
    expect(over.body.errors![0].extensions.code).toBe('RATE_LIMITED');
    expect(over.body.errors![0].extensions.retryAfterSeconds).toBeGreaterThan(0);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await h.count('applications')).toBe(before);
    // Another caller is not affected, and reads are not counted.
    expect((await post(create('rl-other'), await h.token({ sub: 'calm-caller' }))).body.errors).toBeUndefined();
    expect((await post({ query: '{ applications { totalCount } }' }, limited)).body.errors).toBeUndefined();
  });

  test('failed authentications lock out the guessing caller for that client only', async () => {
    const owner = await h.token({ sub: 'owner' });
    const created = await post(create('rl-auth'), owner);
    expect(created.body.errors).toBeUndefined();
    const secretQuery = await h.run(
      `mutation { createApplication(input: { identifier: "rl-auth-2", name: "x" }) { defaultClient { clientId } clientSecret } }`,
      {},
      { token: await h.token({ sub: 'owner-2' }) },
    );
    const { clientId } = secretQuery.data!.createApplication.defaultClient;
    const secret = secretQuery.data!.createApplication.clientSecret;
    const authenticate = (clientSecret: string, bearer: string) =>
      post(
        { query: `mutation($i: AuthenticateClientInput!) { authenticateClient(input: $i) { authenticated } }`, variables: { i: { clientId, clientSecret } } },
        bearer,
      );

    const attacker = await h.token({ sub: 'attacker' });
    for (let i = 0; i < 3; i++) expect((await authenticate('wrong', attacker)).body.data.authenticateClient.authenticated).toBe(false);
    // The fourth guess is not even checked.
    expect((await authenticate('wrong', attacker)).body.errors![0].extensions.code).toBe('RATE_LIMITED');
    const locked = await authenticate(secret, attacker);
    expect(locked.status).toBe(429);
    expect(locked.body.errors![0].extensions.code).toBe('RATE_LIMITED');
    // The client's legitimate caller still authenticates.
    const legitimate = await authenticate(secret, await h.token({ sub: 'authorization-server' }));
    expect(legitimate.body.data.authenticateClient.authenticated).toBe(true);
    // The lockout ends: expire it in the shared store.
    await h.dataSource.query(`UPDATE rate_limits SET expire = 1 WHERE key = $1`, [`authfail:${limiterKey('org-a', 'attacker', clientId)}`]);
    expect((await authenticate(secret, attacker)).body.data.authenticateClient.authenticated).toBe(true);
  });

  test('mutations inside fragments count one by one (inline fragment, named spread, @include)', async () => {
    const field = (alias: string, extra = '') =>
      `${alias}: createApplication(input: { identifier: "${alias}-${Date.now()}", name: "x" }) ${extra} { application { id } }`;
    await clearOfMinuteBoundary();
    const limited = await h.token({ sub: 'fragment-caller' });
    const before = await h.count('applications');
    // 6 mutations in one inline fragment (this harness allows 500 tokens): over the limit of 3, so none runs.
    const inline = await post({ query: `mutation { ... on Mutation { ${Array.from({ length: 6 }, (_, i) => field(`i${i}`)).join(' ')} } }` }, limited);
    expect(inline.status).toBe(429);
    expect(inline.body.errors![0].extensions.code).toBe('RATE_LIMITED');
    // The same through a named fragment, for another caller.
    const spread = await post(
      { query: `mutation { ...Many } fragment Many on Mutation { ${Array.from({ length: 4 }, (_, i) => field(`s${i}`)).join(' ')} }` },
      await h.token({ sub: 'spread-caller' }),
    );
    expect(spread.body.errors![0].extensions.code).toBe('RATE_LIMITED');
    expect(await h.count('applications')).toBe(before);
    // Skipped fields do not run, so they do not count: 2 of 5 run, within the budget of 3.
    const skipping = await post(
      {
        query: `mutation($no: Boolean!) { ... on Mutation {
          ${field('k0')} ${field('k1')} ${field('k2', '@include(if: $no)')} ${field('k3', '@skip(if: true)')} ${field('k4', '@include(if: false)')} } }`,
        variables: { no: false },
      },
      await h.token({ sub: 'skipping-caller' }),
    );
    expect(skipping.body.errors).toBeUndefined();
    expect(Object.keys(skipping.body.data)).toEqual(['k0', 'k1']);
  });

  test(`at most ${MAX_AUTHENTICATIONS_PER_REQUEST} authenticateClient field per request, refused before any resolver runs`, async () => {
    const auth = (alias: string) => `${alias}: authenticateClient(input: { clientId: "junk-${alias}", clientSecret: "x" }) { authenticated }`;
    const rows = async () => Number((await h.dataSource.query(`SELECT count(*)::int AS n FROM rate_limits`))[0].n);
    for (const query of [
      `mutation { ${auth('a')} ${auth('b')} }`,
      `mutation { ${auth('a')} ... on Mutation { ${auth('b')} } }`,
      `mutation { ...A ...B } fragment A on Mutation { ${auth('a')} } fragment B on Mutation { ${auth('b')} }`,
      `mutation { ${Array.from({ length: 10 }, (_, i) => auth(`j${i}`)).join(' ')} }`,
    ]) {
      const before = await rows();
      h.sql.reset();
      const response = await post({ query });
      expect(response.status).toBe(400);
      expect(response.body.errors!.map((error) => error.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(response.body.errors![0].message).toMatch(/at most 1 authenticateClient/);
      expect(response.body.data).toBeUndefined();
      expect(h.sql.statements).toEqual([]);
      expect(await rows()).toBe(before);
    }
    // One is fine; the same field twice under one response name runs once, so it is one too.
    expect((await post({ query: `mutation { ${auth('a')} }` })).body.data.a.authenticated).toBe(false);
    expect((await post({ query: `mutation { ${auth('a')} ... on Mutation { ${auth('a')} } }` })).body.data.a.authenticated).toBe(false);
  });

  test('expired counters are purged; live ones stay', async () => {
    const now = Date.now();
    await h.dataSource.query(`INSERT INTO rate_limits (key, points, expire) VALUES ('purge:old', 3, $1), ('purge:just', 1, $2), ('purge:live', 2, $3)`, [
      now - 60_000,
      now,
      now + 60_000,
    ]);
    expect(await h.services.rateLimits.purgeExpired(now)).toBeGreaterThanOrEqual(2);
    const left = await h.dataSource.query(`SELECT key FROM rate_limits WHERE key LIKE 'purge:%' ORDER BY key`);
    expect(left).toEqual([{ key: 'purge:live' }]);
    expect(Number((await h.dataSource.query(`SELECT count(*)::int AS n FROM rate_limits WHERE expire <= $1`, [now]))[0].n)).toBe(0);
  });

  test('limits live in PostgreSQL, so replicas share them', async () => {
    await clearOfMinuteBoundary();
    const caller: Caller = { subject: 'shared', organizationId: 'org-shared', scopes: new Set() };
    const settings = { mutationsPerMinute: 2, authFailures: 3, authFailureWindowSeconds: 60, authLockoutSeconds: 60 };
    const replicaA = new RateLimits({ kind: 'postgres', pool: poolOf(h.dataSource) }, settings);
    const replicaB = new RateLimits({ kind: 'postgres', pool: poolOf(h.dataSource) }, settings);
    await replicaA.consumeMutations(caller, 1);
    await replicaB.consumeMutations(caller, 1);
    await expect(replicaA.consumeMutations(caller, 1)).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    const [{ points }] = await h.dataSource.query(`SELECT sum(points)::int AS points FROM rate_limits WHERE key LIKE $1`, [
      `mutation:${limiterKey('org-shared', 'shared')}:%`,
    ]);
    expect(points).toBe(2); // a refused mutation takes nothing from the budget
  });

  test("one caller's concurrent mutations are counted in several rows (no single hot row), and the limit holds over their sum", async () => {
    const caller: Caller = { subject: 'busy', organizationId: 'org-busy', scopes: new Set() };
    const limits = new RateLimits({ kind: 'postgres', pool: poolOf(h.dataSource) }, { ...DEFAULT_RATE_LIMITS, mutationsPerMinute: 40 });
    await clearOfMinuteBoundary();
    await Promise.all(Array.from({ length: 40 }, () => limits.consumeMutations(caller, 1)));
    const rows: Array<{ points: number }> = await h.dataSource.query(`SELECT points FROM rate_limits WHERE key LIKE $1`, [
      `mutation:${limiterKey('org-busy', 'busy')}:%`,
    ]);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.reduce((sum, row) => sum + row.points, 0)).toBe(40);
    await expect(limits.consumeMutations(caller, 1)).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
  });

  const redisUrl = process.env.REDIS_URL;
  (redisUrl ? test : test.skip)('with REDIS_URL the limits live in Redis', async () => {
    const client = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    try {
      const caller: Caller = { subject: `redis-${Date.now()}`, organizationId: 'org-redis', scopes: new Set() };
      const settings = { mutationsPerMinute: 1, authFailures: 3, authFailureWindowSeconds: 60, authLockoutSeconds: 60 };
      await new RateLimits({ kind: 'redis', client }, settings).consumeMutations(caller, 1);
      await expect(new RateLimits({ kind: 'redis', client }, settings).consumeMutations(caller, 1)).rejects.toMatchObject({
        extensions: { code: 'RATE_LIMITED' },
      });
      expect(await client.exists(`mutation:${limiterKey('org-redis', caller.subject)}`)).toBe(1);
    } finally {
      client.disconnect();
    }
  });
});
