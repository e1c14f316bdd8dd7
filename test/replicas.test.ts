import {
  type ClavisProcess,
  type GraphQLResponse,
  type TestDatabase,
  buildApp,
  createDatabase,
  errorCodes,
  graphql,
  killAll,
  processToken,
  productionEnv,
  removeBuild,
  startClavis,
} from './helpers/process';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, importJWK } from 'jose';
import { CREATE_APPLICATION } from './helpers/operations';
import { clearOfMinuteBoundary } from './helpers/clock';

/**
 * Two Clavis processes against one database, driven concurrently: the invariants of the API
 * contract hold across replicas (rotation, optimistic versions, idempotency keys, rate limits).
 */
const MUTATIONS_PER_MINUTE = 6;
const ORG = 'org-replicas';

let buildDir: string;
let db: TestDatabase;
let replicas: [ClavisProcess, ClavisProcess];

beforeAll(async () => {
  [buildDir, db] = await Promise.all([buildApp(), createDatabase()]);
  // Both start at once on the fresh database: their migrations must take turns, not race.
  const env = productionEnv(db.url, { RATE_LIMIT_MUTATIONS_PER_MINUTE: String(MUTATIONS_PER_MINUTE) });
  const started = await Promise.allSettled([startClavis(buildDir, env), startClavis(buildDir, env)]);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  replicas = started.map((result) => (result as PromiseFulfilledResult<ClavisProcess>).value) as typeof replicas;
}, 60_000);

afterAll(async () => {
  await killAll();
  await db?.drop();
  removeBuild(buildDir);
});

/**
 * A token of a caller of its own: each caller has its own mutation budget and its own
 * failed-authentication lockout, so only the rate-limit test meets the (small) limits.
 */
let callers = 0;
const freshToken = () => processToken({ org: ORG, sub: `caller-${++callers}` });

/** Sends through replica i % 2. */
async function via<T = Record<string, any>>(i: number, query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>> {
  return graphql<T>(replicas[i % 2].graphqlUrl, query, variables, token ?? (await freshToken()), { timeoutMs: 20_000 });
}

function ok<T>(response: GraphQLResponse<T>): T {
  if (response.body.errors?.length || !response.body.data) throw new Error(`unexpected errors: ${response.text}`);
  return response.body.data;
}

let sequence = 0;
const identifier = (prefix: string) => `${prefix}-${++sequence}`;

const ROTATE = `mutation Rotate($input: RotateClientSecretInput!) { rotateClientSecret(input: $input) { client { id version } clientSecret } }`;
const AUTHENTICATE =
  'mutation Authenticate($input: AuthenticateClientInput!) { ' + 'authenticateClient(input: $input) { authenticated usedRotatedSecret client { id } } }';
const UPDATE = `mutation Update($input: UpdateApplicationInput!) { updateApplication(input: $input) { application { id version name } } }`;

test('both replicas started on the fresh database (migrations applied once)', async () => {
  const rows = await db.query(`SELECT name FROM migrations ORDER BY id`);
  expect(rows.length).toBeGreaterThan(0);
  expect(new Set(rows.map((row) => row.name)).size).toBe(rows.length);
});

test('concurrent rotations through both replicas: no errors, and afterwards exactly the current and the previous secret authenticate', async () => {
  const created = ok(await via(0, CREATE_APPLICATION, { input: { identifier: identifier('rotated'), name: 'rotated' } })).createApplication;
  const { id, clientId } = created.defaultClient;
  const rotations = await Promise.all(Array.from({ length: 20 }, (_, i) => via(i, ROTATE, { input: { id } })));
  const results = rotations.map((response) => ok(response).rotateClientSecret as { client: { version: number }; clientSecret: string });
  // Every rotation was serialised: each produced its own version.
  const versions = results.map((result) => result.client.version).sort((a, b) => a - b);
  expect(new Set(versions).size).toBe(20);
  const latest = results.reduce((a, b) => (b.client.version > a.client.version ? b : a));
  const previous = results.find((result) => result.client.version === latest.client.version - 1)!;

  const secrets = [created.clientSecret as string, ...results.map((result) => result.clientSecret)];
  expect(new Set(secrets).size).toBe(21);
  // Each secret is tried on both replicas, each time by a caller of its own (no lockout).
  const checks = await Promise.all(
    secrets.flatMap((clientSecret) =>
      [0, 1].map(async (replica) => ({
        clientSecret,
        replica,
        result: ok(await via(replica, AUTHENTICATE, { input: { clientId, clientSecret } })).authenticateClient,
      })),
    ),
  );
  const working = checks.filter((check) => check.result.authenticated);
  expect(new Set(working.map((check) => check.clientSecret))).toEqual(new Set([latest.clientSecret, previous.clientSecret]));
  expect(working).toHaveLength(4); // both secrets, on both replicas
  for (const check of working) expect(check.result.usedRotatedSecret).toBe(check.clientSecret === previous.clientSecret);
});

test('concurrent updates with expectedVersion through both replicas: exactly one per version succeeds, the rest are CONFLICT', async () => {
  const created = ok(await via(1, CREATE_APPLICATION, { input: { identifier: identifier('versioned'), name: 'v' } })).createApplication;
  const { id, version: initial } = created.application;
  let version = initial;
  for (let round = 0; round < 3; round++) {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => via(i, UPDATE, { input: { id, expectedVersion: version, name: `round ${round} writer ${i}` } })),
    );
    const winners = answers.filter((answer) => !answer.body.errors);
    expect(winners).toHaveLength(1);
    const losers = answers.filter((answer) => answer.body.errors);
    expect(losers.map((answer) => errorCodes(answer))).toEqual(Array(9).fill(['CONFLICT']));
    expect(winners[0].body.data!.updateApplication.application.version).toBe(version + 1);
    version += 1;
  }
  const [row] = await db.query(`SELECT version FROM applications WHERE id = $1`, [id]);
  expect(row.version).toBe(initial + 3);
});

test('the same idempotency key through both replicas at once: one object, the same id everywhere, the secret revealed once', async () => {
  for (let round = 0; round < 2; round++) {
    const input = { identifier: identifier('idempotent'), name: 'idempotent', idempotencyKey: `key-${round}-${Date.now()}` };
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => via(i, CREATE_APPLICATION, { input })));
    const results = answers.map((answer) => ok(answer).createApplication);
    expect(new Set(results.map((result) => result.application.id)).size).toBe(1);
    expect(new Set(results.map((result) => result.defaultClient.clientId)).size).toBe(1);
    expect(results.filter((result) => result.clientSecret !== null)).toHaveLength(1);
    expect(await db.query(`SELECT id FROM applications WHERE identifier = $1`, [input.identifier])).toHaveLength(1);
  }
});

test('the mutation rate limit is shared: spread over both replicas, one caller gets the limit in total', async () => {
  await clearOfMinuteBoundary();
  const token = await processToken({ org: ORG, sub: 'rate-limited' });
  const prefix = identifier('limited');
  const answers = await Promise.all(
    Array.from({ length: 2 * MUTATIONS_PER_MINUTE }, (_, i) => via(i, CREATE_APPLICATION, { input: { identifier: `${prefix}-${i}`, name: 'limited' } }, token)),
  );
  const accepted = answers.filter((answer) => !answer.body.errors);
  const refused = answers.filter((answer) => answer.body.errors);
  expect(accepted).toHaveLength(MUTATIONS_PER_MINUTE);
  expect(refused.map((answer) => errorCodes(answer))).toEqual(Array(MUTATIONS_PER_MINUTE).fill(['RATE_LIMITED']));
  expect(await db.query(`SELECT id FROM applications WHERE identifier LIKE $1`, [`${prefix}-%`])).toHaveLength(MUTATIONS_PER_MINUTE);
});

test('a client assertion (private_key_jwt) is accepted once: its replay through the other replica is refused, also when both race', async () => {
  const created = ok(await via(0, CREATE_APPLICATION, { input: { identifier: identifier('assertion'), name: 'assertion' } })).createApplication;
  const applicationId = created.application.id;
  const client = ok(
    await via(0, `mutation ($input: CreateClientInput!) { createClient(input: $input) { client { clientId } } }`, {
      input: { applicationId, name: 'pkj', tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT' },
    }),
  ).createClient.client;
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' };
  ok(
    await via(1, `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { credential { __typename } } }`, {
      input: { applicationId, publicKey: { identifier: client.clientId, jwks: { keys: [jwk] } } },
    }),
  );
  const key = await importJWK({ ...privateKey.export({ format: 'jwk' }), alg: 'ES256' } as never, 'ES256');
  const audience = 'https://as.example.com/token';
  const sign = (jti: string) =>
    new SignJWT({ jti })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(client.clientId)
      .setSubject(client.clientId)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(key);
  const ASSERT = `mutation ($input: AuthenticateClientInput!) { authenticateClient(input: $input) { authenticated method } }`;
  const attempt = async (replica: number, clientAssertion: string) =>
    ok(
      await via(replica, ASSERT, {
        input: {
          clientId: client.clientId,
          clientAssertion,
          clientAssertionType: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          expectedAudiences: [audience],
        },
      }),
    ).authenticateClient as { authenticated: boolean; method: string | null };

  const assertion = await sign('replica-jti-1');
  expect(await attempt(0, assertion)).toEqual({ authenticated: true, method: 'PRIVATE_KEY_JWT' });
  expect(await attempt(1, assertion)).toEqual({ authenticated: false, method: null });
  expect(await attempt(0, assertion)).toEqual({ authenticated: false, method: null });
  for (let round = 0; round < 3; round++) {
    const raced = await sign(`replica-race-${round}`);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => attempt(i, raced)));
    expect(answers.filter((answer) => answer.authenticated)).toHaveLength(1);
  }
});

test('neither replica hit an unexpected error', () => {
  for (const replica of replicas) {
    expect(replica.hasExited).toBe(false);
    expect(replica.logs().filter((line) => line.level >= 50)).toEqual([]);
    expect(replica.stderr()).toBe('');
  }
});
