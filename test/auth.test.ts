import { SignJWT } from 'jose';
import { SCOPES } from '../src/auth/scopes';
import { createTokenVerifier, signToken } from '../src/auth/tokens';
import { type Harness, TEST_JWT_SECRET, codes, createHarness } from './helpers/harness';
import {
  CREATE_APPLICATION,
  CREATE_CLIENT,
  DELETE_APPLICATION,
  DELETE_CLIENT,
  UPDATE_APPLICATION,
  UPDATE_CLIENT,
  type CreatedApp,
  createApp,
  unique,
} from './helpers/operations';

let h: Harness;
let baseUrl: string;
let app: CreatedApp;
let extraClient: { id: string; clientId: string };

beforeAll(async () => {
  h = await createHarness();
  baseUrl = await h.listen();
  app = await createApp(h, { identifier: 'auth-app', name: 'Auth App' });
  const extra = await h.run(CREATE_CLIENT, { input: { applicationId: app.application.id, name: 'Extra' } });
  expect(extra.errors).toBeUndefined();
  extraClient = extra.data!.createClient.client;
});

afterAll(async () => {
  await h?.close();
});

/** Every table a forbidden operation could write to (those that exist in this schema). */
/** Rows per table; not rate_limits, where a refused mutation may still create its caller's counter row for the minute. */
async function rowCounts() {
  const tables: { name: string }[] = await h.dataSource.query(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT IN ('migrations', 'rate_limits') ORDER BY 1`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) counts[name] = await h.count(name);
  return counts;
}

async function post(body: unknown, authorization?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

const LIST = `{ applications { totalCount } }`;

describe('missing token', () => {
  test('a query is UNAUTHENTICATED', async () => {
    const result = await h.run(LIST, {}, { token: null });
    expect(codes(result)).toEqual(['UNAUTHENTICATED']);
    expect(result.data).toBeNull();
  });

  test('a mutation is UNAUTHENTICATED and writes nothing', async () => {
    const before = await rowCounts();
    const result = await h.run(CREATE_APPLICATION, { input: { identifier: unique('anon'), name: 'Anonymous' } }, { token: null });
    expect(codes(result)).toEqual(['UNAUTHENTICATED']);
    expect(await rowCounts()).toEqual(before);
  });

  test('node, _entities and nested lookups are UNAUTHENTICATED', async () => {
    const node = await h.run(`query ($id: ID!) { node(id: $id) { id } }`, { id: app.application.id }, { token: null });
    expect(codes(node)).toEqual(['UNAUTHENTICATED']);
    const entities = await h.run(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Application { id } } }`,
      { r: [{ __typename: 'Application', id: app.application.id }] },
      { token: null },
    );
    expect(codes(entities)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(entities)).not.toContain('Auth App');
  });

  test('over HTTP too', async () => {
    const { body } = await post({ query: LIST });
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(body.data ?? null).toBeNull();
  });
});

describe('invalid tokens fail the whole request with HTTP 401', () => {
  const claims = { sub: 'tester', org: 'org-a' };

  async function expect401(authorization: string) {
    const { status, body } = await post({ query: LIST }, authorization);
    expect(status).toBe(401);
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data).toBeUndefined();
  }

  test('a valid token is accepted (control)', async () => {
    const { status, body } = await post({ query: LIST }, `Bearer ${await signToken(TEST_JWT_SECRET, claims)}`);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { applications: { totalCount: 1 } } });
  });

  test('signed with another secret', async () => {
    await expect401(`Bearer ${await signToken('another-secret-that-is-long-enough-0123456789', claims)}`);
  });

  test('expired', async () => {
    await expect401(`Bearer ${await signToken(TEST_JWT_SECRET, claims, { expiresIn: '-1 minute' })}`);
  });

  test('not yet valid', async () => {
    const token = await new SignJWT({ org: 'org-a', scope: SCOPES.join(' ') })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('tester')
      .setIssuedAt()
      .setNotBefore('1 hour from now')
      .setExpirationTime('2 hours from now')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    await expect401(`Bearer ${token}`);
  });

  test('unsigned (alg "none")', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + 3600;
    await expect401(`Bearer ${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...claims, scope: SCOPES.join(' '), exp })}.`);
  });

  test('without an org claim', async () => {
    const token = await new SignJWT({ scope: SCOPES.join(' ') })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('tester')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    await expect401(`Bearer ${token}`);
  });

  test('without an exp claim (it would never expire)', async () => {
    const token = await new SignJWT({ org: 'org-a', scope: SCOPES.join(' ') })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('tester')
      .setIssuedAt()
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    await expect401(`Bearer ${token}`);
  });

  test('garbage and a non-Bearer scheme', async () => {
    await expect401('Bearer not.a.jwt');
    await expect401(`Basic ${Buffer.from('user:pass').toString('base64')}`);
  });
});

describe('a valid token without the needed scope is FORBIDDEN', () => {
  type Row = [scope: string, operation: string, query: string, variables: () => Record<string, unknown>];
  const rows: Row[] = [
    ['applications:read', 'application', `query ($id: ID!) { application(id: $id) { id } }`, () => ({ id: app.application.id })],
    ['applications:read', 'applications', `{ applications { totalCount } }`, () => ({})],
    ['applications:read', 'client', `query ($id: ID!) { client(id: $id) { id } }`, () => ({ id: app.defaultClient.id })],
    ['applications:read', 'clientByClientId', `query ($c: String!) { clientByClientId(clientId: $c) { id } }`, () => ({ c: app.defaultClient.clientId })],
    ['applications:read', 'clients', `{ clients { totalCount } }`, () => ({})],
    ['applications:read', 'node (application)', `query ($id: ID!) { node(id: $id) { id } }`, () => ({ id: app.application.id })],
    ['applications:read', 'node (client)', `query ($id: ID!) { node(id: $id) { id } }`, () => ({ id: app.defaultClient.id })],
    [
      'applications:read',
      '_entities',
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Application { id } } }`,
      () => ({ r: [{ __typename: 'Application', id: app.application.id }] }),
    ],
    ['applications:write', 'createApplication', CREATE_APPLICATION, () => ({ input: { identifier: unique('forbidden'), name: 'Forbidden' } })],
    ['applications:write', 'updateApplication', UPDATE_APPLICATION, () => ({ input: { id: app.application.id, name: 'Changed' } })],
    ['applications:write', 'createClient', CREATE_CLIENT, () => ({ input: { applicationId: app.application.id, name: 'Forbidden' } })],
    ['applications:write', 'updateClient', UPDATE_CLIENT, () => ({ input: { id: extraClient.id, name: 'Changed' } })],
    ['applications:delete', 'deleteApplication', DELETE_APPLICATION, () => ({ input: { id: app.application.id } })],
    ['applications:delete', 'deleteClient', DELETE_CLIENT, () => ({ input: { id: extraClient.id } })],
    // Rows of the scope table for features that landed later. The guard runs before any
    // lookup, so placeholder ids are enough: without it these would be NOT_FOUND instead.
    ['credentials:read', 'credential', `query ($id: ID!) { credential(id: $id) { __typename } }`, () => ({ id: 'cred_00000000000000000000000000' })],
    ['credentials:read', 'credentials', `{ credentials { totalCount } }`, () => ({})],
    ['credentials:read', 'node (credential)', `query ($id: ID!) { node(id: $id) { id } }`, () => ({ id: 'cred_00000000000000000000000000' })],
    [
      'credentials:read',
      'Application.credentials',
      `query ($id: ID!) { application(id: $id) { credentials { totalCount } } }`,
      () => ({ id: app.application.id }),
    ],
    [
      'credentials:write',
      'createCredential',
      `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { __typename } }`,
      () => ({ input: { applicationId: app.application.id, url: { url: 'https://callback.example.com/hook' } } }),
    ],
    [
      'credentials:write',
      'updateCredential',
      `mutation ($input: UpdateCredentialInput!) { updateCredential(input: $input) { __typename } }`,
      () => ({ input: { id: 'cred_00000000000000000000000000' } }),
    ],
    [
      'credentials:write',
      'deleteCredential',
      `mutation ($input: DeleteCredentialInput!) { deleteCredential(input: $input) { __typename } }`,
      () => ({ input: { id: 'cred_00000000000000000000000000' } }),
    ],
    [
      'secrets:rotate',
      'rotateClientSecret',
      `mutation ($input: RotateClientSecretInput!) { rotateClientSecret(input: $input) { __typename } }`,
      () => ({ input: { id: extraClient.id } }),
    ],
    [
      'secrets:rotate',
      'deleteRotatedClientSecret',
      `mutation ($input: DeleteRotatedClientSecretInput!) { deleteRotatedClientSecret(input: $input) { __typename } }`,
      () => ({ input: { id: extraClient.id } }),
    ],
    [
      'secrets:rotate',
      'rotateCredentialSecret',
      `mutation ($input: RotateCredentialSecretInput!) { rotateCredentialSecret(input: $input) { __typename } }`,
      () => ({ input: { id: 'cred_00000000000000000000000000' } }),
    ],
    ['providers:read', 'provider', `query ($id: ID!) { provider(id: $id) { id } }`, () => ({ id: 'prv_00000000000000000000000000' })],
    ['providers:read', 'providers', `{ providers { totalCount } }`, () => ({})],
    ['providers:read', 'node (provider)', `query ($id: ID!) { node(id: $id) { id } }`, () => ({ id: 'prv_00000000000000000000000000' })],
    [
      'providers:write',
      'createProvider',
      `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { __typename } }`,
      () => ({ input: { identifier: unique('prv'), name: 'Forbidden' } }),
    ],
    [
      'providers:write',
      'updateProvider',
      `mutation ($input: UpdateProviderInput!) { updateProvider(input: $input) { __typename } }`,
      () => ({ input: { id: 'prv_00000000000000000000000000' } }),
    ],
    [
      'providers:write',
      'deleteProvider',
      `mutation ($input: DeleteProviderInput!) { deleteProvider(input: $input) { __typename } }`,
      () => ({ input: { id: 'prv_00000000000000000000000000' } }),
    ],
    [
      'clients:authenticate',
      'authenticateClient',
      `mutation ($input: AuthenticateClientInput!) { authenticateClient(input: $input) { authenticated } }`,
      () => ({ input: { clientId: app.defaultClient.clientId, clientSecret: app.clientSecret } }),
    ],
  ];

  test.each(rows)('without %s: %s', async (scope, _operation, query, variables) => {
    const token = await h.token({ scopes: SCOPES.filter((s) => s !== scope) });
    const before = await rowCounts();
    const result = await h.run(query, variables(), { token });
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(result.errors![0].message).toContain(scope);
    expect(await rowCounts()).toEqual(before);
  });

  test('nothing was changed by the forbidden writes', async () => {
    const result = await h.run(`query ($id: ID!) { application(id: $id) { name version clients { edges { node { id name version } } } } }`, {
      id: app.application.id,
    });
    expect(result.data!.application).toEqual({
      name: 'Auth App',
      version: 1,
      clients: {
        edges: [{ node: { id: app.defaultClient.id, name: 'Auth App', version: 1 } }, { node: { id: extraClient.id, name: 'Extra', version: 1 } }],
      },
    });
  });

  test('a token with only the needed scope is enough', async () => {
    const read = await h.token({ scopes: ['applications:read'] });
    expect((await h.run(`query ($id: ID!) { node(id: $id) { id } }`, { id: app.application.id }, { token: read })).data).toEqual({
      node: { id: app.application.id },
    });

    const write = await h.token({ scopes: ['applications:write'] });
    const created = await h.run(
      `mutation ($input: CreateApplicationInput!) { createApplication(input: $input) { application { id } } }`,
      { input: { identifier: unique('only-write'), name: 'Only Write' } },
      { token: write },
    );
    expect(created.errors).toBeUndefined();

    const del = await h.token({ scopes: ['applications:delete'] });
    const id = created.data!.createApplication.application.id;
    const deleted = await h.run(DELETE_APPLICATION, { input: { id } }, { token: del });
    expect(deleted.data).toEqual({ deleteApplication: { deletedId: id } });
  });

  test('a token with no scope at all is FORBIDDEN, not UNAUTHENTICATED', async () => {
    const none = await h.token({ scopes: [] });
    expect(codes(await h.run(LIST, {}, { token: none }))).toEqual(['FORBIDDEN']);
  });
});

describe('verified-token cache', () => {
  test('a cached token stops working when it expires', async () => {
    const verify = createTokenVerifier({ jwtSecret: TEST_JWT_SECRET });
    const exp = Math.floor(Date.now() / 1000) + 1;
    const token = await new SignJWT({ org: 'org-a', scope: 'applications:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('tester')
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect(await verify(`Bearer ${token}`)).toMatchObject({ subject: 'tester', organizationId: 'org-a' });
    expect(await verify(`Bearer ${token}`)).toMatchObject({ subject: 'tester' }); // from the cache
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    await expect(verify(`Bearer ${token}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  test('a forged token is never served from the cache of a real one', async () => {
    const verify = createTokenVerifier({ jwtSecret: TEST_JWT_SECRET });
    const token = await signToken(TEST_JWT_SECRET, { sub: 'tester', org: 'org-a' });
    await verify(`Bearer ${token}`);
    const [header, , signature] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'tester', org: 'org-b', exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
    await expect(verify(`Bearer ${header}.${forgedPayload}.${signature}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });
});
