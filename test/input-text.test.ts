import { encodeCursor } from '../src/common/pagination';
import { type Harness, type Result, codes, createHarness, fieldPaths } from './helpers/harness';
import { CREATE_APPLICATION, createApp, unique } from './helpers/operations';

/**
 * Text the API does not take (NUL and other control characters, lone surrogates) and
 * other malformed input that used to reach PostgreSQL or blow the stack (issue 12, items 8
 * and 9): refused before execution with BAD_USER_INPUT naming the field, writing nothing.
 */
let h: Harness;
let applicationId: string;

beforeAll(async () => {
  h = await createHarness();
  applicationId = (await createApp(h, { identifier: unique('text'), name: 'Text' })).application.id;
});

afterAll(async () => {
  await h?.close();
});

const TABLES = ['applications', 'clients', 'providers', 'credentials', 'audit_events', 'idempotency_keys'];
const counts = async () => Object.fromEntries(await Promise.all(TABLES.map(async (table) => [table, await h.count(table)])));

const CREATE_PROVIDER = `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`;
const CREATE_CREDENTIAL = `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { credential { __typename } } }`;
const AUTHENTICATE = `mutation ($input: AuthenticateClientInput!) { authenticateClient(input: $input) { authenticated } }`;
const ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename } }`;
const VALIDATE = `query ($input: ClientSettingsInput!) { validateClientSettings(input: $input) { code path } }`;

const app = (extra: Record<string, unknown>) => ({ input: { identifier: unique('text'), name: 'Text', ...extra } });
const provider = (extra: Record<string, unknown>) => ({ input: { identifier: unique('prov'), name: 'Provider', ...extra } });
const rsaKey = (extra: Record<string, unknown>) => ({ kty: 'RSA', n: 'x', e: 'AQAB', ...extra });

type Probe = [string, string, Record<string, unknown> | (() => Record<string, unknown>), string];

const NUL = 'a\u0000b';
const probes: Probe[] = [
  ['application name (NUL)', CREATE_APPLICATION, app({ name: NUL }), 'name'],
  ['application name (C1 control)', CREATE_APPLICATION, app({ name: 'a\u0085b' }), 'name'],
  ['application name (DEL)', CREATE_APPLICATION, app({ name: 'a\u007fb' }), 'name'],
  ['application identifier (lone surrogate)', CREATE_APPLICATION, app({ identifier: 'tenant\ud800' }), 'identifier'],
  ['application description (NUL)', CREATE_APPLICATION, app({ description: NUL }), 'description'],
  ['application slug', CREATE_APPLICATION, app({ slug: NUL }), 'slug'],
  ['application docsUrl', CREATE_APPLICATION, app({ metadata: { docsUrl: `https://docs.example.com/${NUL}` } }), 'metadata.docsUrl'],
  ['application dependency', CREATE_APPLICATION, app({ dependencies: ['https://api.example.com/', NUL] }), 'dependencies.1'],
  ['application zoneId (ID)', CREATE_APPLICATION, app({ zoneId: NUL }), 'zoneId'],
  ['idempotency key', CREATE_APPLICATION, app({ idempotencyKey: NUL }), 'idempotencyKey'],
  [
    'default client redirect URI',
    CREATE_APPLICATION,
    app({ defaultClient: { redirectUris: [`https://app.example.com/cb${NUL}`] } }),
    'defaultClient.redirectUris.0',
  ],
  ['default client scope', CREATE_APPLICATION, app({ defaultClient: { scopes: ['read', NUL] } }), 'defaultClient.scopes.1'],
  ['default client name', CREATE_APPLICATION, app({ defaultClient: { name: NUL } }), 'defaultClient.name'],
  ['provider clientId', CREATE_PROVIDER, provider({ clientId: NUL }), 'clientId'],
  ['provider clientSecret', CREATE_PROVIDER, provider({ clientSecret: NUL }), 'clientSecret'],
  [
    'provider token endpoint',
    CREATE_PROVIDER,
    provider({ protocols: { oauth2: { tokenEndpoint: `https://idp.example.com/${NUL}` } } }),
    'protocols.oauth2.tokenEndpoint',
  ],
  [
    'provider authorization parameter (JSON value)',
    CREATE_PROVIDER,
    provider({ protocols: { oauth2: { authorizationParameters: { prompt: NUL } } } }),
    'protocols.oauth2.authorizationParameters.prompt',
  ],
  [
    'provider authorization parameter (JSON member name)',
    CREATE_PROVIDER,
    provider({ protocols: { oauth2: { authorizationParameters: { [NUL]: 'x' } } } }),
    'protocols.oauth2.authorizationParameters',
  ],
  ['provider OpenID scope', CREATE_PROVIDER, provider({ protocols: { openid: { scopes: [NUL] } } }), 'protocols.openid.scopes.0'],
  [
    'credential jwks member',
    CREATE_CREDENTIAL,
    () => ({ input: { applicationId, publicKey: { jwks: { keys: [rsaKey({ kid: NUL })] } } } }),
    'publicKey.jwks.keys.0.kid',
  ],
  [
    'credential applicationId (ID)',
    CREATE_CREDENTIAL,
    { input: { applicationId: NUL, publicKey: { jwksUri: 'https://keys.example.com/jwks.json' } } },
    'applicationId',
  ],
  ['authenticateClient clientId', AUTHENTICATE, { input: { clientId: NUL, clientSecret: 'secret' } }, 'clientId'],
  ['application(id)', `query ($id: ID!) { application(id: $id) { id } }`, { id: NUL }, 'id'],
  ['node(id)', `query ($id: ID!) { node(id: $id) { id } }`, { id: NUL }, 'id'],
  ['clientByClientId', `query ($clientId: String!) { clientByClientId(clientId: $clientId) { id } }`, { clientId: NUL }, 'clientId'],
  ['applications search', `query ($search: String) { applications(filter: { search: $search }) { totalCount } }`, { search: NUL }, 'filter.search'],
  ['applications after (cursor text)', `query ($after: String) { applications(after: $after) { totalCount } }`, { after: NUL }, 'after'],
  ['_entities representation', ENTITIES, { representations: [{ __typename: 'Application', id: NUL }] }, 'representations.0.id'],
  ['validateClientSettings redirect URI', VALIDATE, { input: { redirectUris: [`https://app.example.com/${NUL}`] } }, 'redirectUris.0'],
  ['validateClientSettings clientUri (tab)', VALIDATE, { input: { clientUri: 'https://good.example.com\t.evil.net/' } }, 'clientUri'],
  // Literals go through the same check as variables.
  ['literal in a mutation', `mutation { createApplication(input: { identifier: "lit", name: "a\\u0000b" }) { application { id } } }`, {}, 'name'],
  ['literal in a fragment', `query { ...F } fragment F on Query { application(id: "a\\u0000") { id } }`, {}, 'id'],
];

describe('control characters and lone surrogates are refused before execution', () => {
  test.each(probes)('%s → BAD_USER_INPUT at its path, nothing written', async (_name, query, variables, path) => {
    const before = await counts();
    const result: Result = await h.run(query, typeof variables === 'function' ? variables() : variables);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toContain(path);
    expect(result.data ?? null).toBeNull();
    expect(await counts()).toEqual(before);
  });

  test('every offending argument is named at once', async () => {
    const result = await h.run(CREATE_APPLICATION, app({ name: NUL, description: '\u0001', defaultClient: { scopes: ['\ud800'] } }));
    expect(fieldPaths(result).sort()).toEqual(['defaultClient.scopes.0', 'description', 'name']);
  });

  test('descriptions may hold tab and line breaks; well-formed non-ASCII text passes everywhere', async () => {
    const result = await h.run(
      `mutation ($input: CreateApplicationInput!) { createApplication(input: $input) { application { name description } } }`,
      app({ name: 'Zürich 🚀', description: 'line one\n\tline two\r\n' }),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.createApplication.application).toEqual({ name: 'Zürich 🚀', description: 'line one\n\tline two\r\n' });
  });

  test('over HTTP: status 400 with the field path', async () => {
    const base = await h.listen();
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.token()}` },
      body: JSON.stringify({ query: CREATE_APPLICATION, variables: app({ name: NUL }) }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Result;
    expect(codes(body)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(body)).toEqual(['name']);
  });
});

/** `{ a: { a: … } }` nested `depth` levels. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 'x' };
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('other input that reached an internal error (item 9)', () => {
  test('jwks nested 10,000 deep → BAD_USER_INPUT, not a stack overflow', async () => {
    const result = await h.run(CREATE_CREDENTIAL, { input: { applicationId, publicKey: { jwks: { keys: [nested(10_000)] } } } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)[0]).toMatch(/^publicKey\.jwks\.keys\.0(\.a)*$/);
    expect(result.errors?.[0].message).toMatch(/nest deeper than/);
  });

  test('an _entities representation nested 10,000 deep → BAD_USER_INPUT', async () => {
    const result = await h.run(ENTITIES, { representations: [{ __typename: 'Application', id: 'x', extra: nested(10_000) }] });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)[0]).toMatch(/^representations\.0\.extra/);
  });

  test('_entities with an unknown __typename → BAD_USER_INPUT at __typename', async () => {
    const result = await h.run(ENTITIES, { representations: [{ __typename: 'Nope', id: 'x' }] });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['representations.0.__typename']);
  });

  test('_entities without its key field (or with a non-string key) → BAD_USER_INPUT at the representation', async () => {
    for (const representation of [{ __typename: 'Application' }, { __typename: 'Client', name: 'x' }, { __typename: 'Provider', id: 12 }]) {
      const result = await h.run(ENTITIES, { representations: [{ __typename: 'Application', id: applicationId }, representation] });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(fieldPaths(result)).toEqual(['representations.1']);
    }
    // Either key of Client works; a valid representation still resolves.
    const ok = await h.run(ENTITIES, {
      representations: [
        { __typename: 'Client', clientId: 'unknown' },
        { __typename: 'Application', id: applicationId },
      ],
    });
    expect(ok.errors).toBeUndefined();
    expect(ok.data?._entities).toEqual([null, { __typename: 'Application' }]);
  });

  test('a cursor holding a timestamp out of PostgreSQL range → BAD_USER_INPUT at after', async () => {
    for (const timestamp of ['-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '2026-01-01']) {
      const result = await h.run(`query ($after: String) { applications(after: $after) { totalCount } }`, { after: encodeCursor(timestamp, applicationId) });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(fieldPaths(result)).toEqual(['after']);
    }
  });

  test('a NAME-ordered cursor holding NUL (or a lone surrogate) → BAD_USER_INPUT at after', async () => {
    const query = `query ($after: String) { applications(orderBy: { field: NAME, direction: ASC }, after: $after) { totalCount } }`;
    for (const cursor of [encodeCursor('a\u0000', applicationId), encodeCursor('a', `${applicationId}\u0000`), encodeCursor('\udc00', applicationId)]) {
      const result = await h.run(query, { after: cursor });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(fieldPaths(result)).toEqual(['after']);
    }
    const first = await h.run(`query { applications(orderBy: { field: NAME, direction: ASC }, first: 1) { pageInfo { endCursor } } }`);
    const next = await h.run(query, { after: first.data?.applications.pageInfo.endCursor });
    expect(next.errors).toBeUndefined();
  });
});
