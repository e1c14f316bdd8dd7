import { type Harness, type Result, codes, createHarness } from './helpers/harness';
import { CREATE_CLIENT, DELETE_APPLICATION, DELETE_CLIENT, UPDATE_APPLICATION, UPDATE_CLIENT, type CreatedApp, createApp, unique } from './helpers/operations';

/**
 * An object of organization B must look exactly like a missing one to organization A,
 * through every path: queries, mutations, nested fields, `node` and `_entities`.
 */
let h: Harness;
let tokenA: string;
let tokenB: string;
let appA: CreatedApp;
let appB: CreatedApp;
let extraClientB: { id: string; clientId: string };

// Ids that exist nowhere, with the same prefixes and shapes as real ones.
const MISSING_APP = 'app_0000000000000000000000000z';
const MISSING_CLIENT = 'cli_0000000000000000000000000z';

beforeAll(async () => {
  h = await createHarness();
  tokenA = await h.token({ org: 'org-a' });
  tokenB = await h.token({ org: 'org-b' });
  appA = await createApp(
    h,
    { identifier: 'same-identifier', name: 'Shared Name', protocols: { oauth2: { redirectUris: ['https://a.example.com/cb'] } } },
    tokenA,
  );
  appB = await createApp(
    h,
    { identifier: 'same-identifier', name: 'Shared Name', protocols: { oauth2: { redirectUris: ['https://b.example.com/cb'] } } },
    tokenB,
  );
  const extra = await h.run(CREATE_CLIENT, { input: { applicationId: appB.application.id, name: 'B extra' } }, { token: tokenB });
  expect(extra.errors).toBeUndefined();
  extraClientB = extra.data!.createClient.client;
});

afterAll(async () => {
  await h?.close();
});

const asA = (query: string, variables?: Record<string, unknown>) => h.run(query, variables, { token: tokenA });

/** The error of a result with the given id replaced, to compare "foreign" with "missing". */
function shapeOf(result: Result, id: string) {
  expect(result.errors).toHaveLength(1);
  const [error] = result.errors!;
  return {
    data: result.data,
    message: error.message.split(id).join('<id>'),
    code: error.extensions?.code,
    path: error.path,
    extensionKeys: Object.keys(error.extensions ?? {})
      .filter((key) => key !== 'stacktrace')
      .sort(),
  };
}

async function rowCounts() {
  return { applications: await h.count('applications'), clients: await h.count('clients') };
}

describe('single-object queries return null for another organization', () => {
  test('application(id)', async () => {
    const result = await asA(`query ($id: ID!) { application(id: $id) { id } }`, { id: appB.application.id });
    expect(result).toEqual({ data: { application: null } });
    // Sanity: B sees it.
    const own = await h.run(`query ($id: ID!) { application(id: $id) { id } }`, { id: appB.application.id }, { token: tokenB });
    expect(own.data!.application).toEqual({ id: appB.application.id });
  });

  test('client(id)', async () => {
    for (const id of [appB.defaultClient.id, extraClientB.id]) {
      expect(await asA(`query ($id: ID!) { client(id: $id) { id } }`, { id })).toEqual({ data: { client: null } });
    }
  });

  test('clientByClientId', async () => {
    for (const clientId of [appB.defaultClient.clientId, extraClientB.clientId]) {
      expect(await asA(`query ($c: String!) { clientByClientId(clientId: $c) { id } }`, { c: clientId })).toEqual({ data: { clientByClientId: null } });
    }
    const own = await h.run(`query ($c: String!) { clientByClientId(clientId: $c) { id } }`, { c: extraClientB.clientId }, { token: tokenB });
    expect(own.data!.clientByClientId).toEqual({ id: extraClientB.id });
  });

  test('node(id) for an application and a client', async () => {
    for (const id of [appB.application.id, appB.defaultClient.id, extraClientB.id]) {
      expect(await asA(`query ($id: ID!) { node(id: $id) { id } }`, { id })).toEqual({ data: { node: null } });
    }
    const own = await h.run(`query ($id: ID!) { node(id: $id) { id ... on Application { identifier } } }`, { id: appB.application.id }, { token: tokenB });
    expect(own.data!.node).toEqual({ id: appB.application.id, identifier: 'same-identifier' });
  });

  test('_entities resolves another organization’s references to null', async () => {
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Application { id } ... on Client { id } } }`;
    const representations = [
      { __typename: 'Application', id: appB.application.id },
      { __typename: 'Client', id: extraClientB.id },
      { __typename: 'Client', clientId: extraClientB.clientId },
      { __typename: 'Application', id: appA.application.id },
    ];
    const result = await asA(query, { r: representations });
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual([null, null, null, { id: appA.application.id }]);
  });
});

describe('providers and credentials of another organization are invisible too', () => {
  let providerB: string;
  let credentialB: string;

  beforeAll(async () => {
    const provider = await h.run(
      `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
      { input: { identifier: 'b-provider', name: 'B Provider' } },
      { token: tokenB },
    );
    expect(provider.errors).toBeUndefined();
    providerB = provider.data!.createProvider.provider.id;
    const credential = await h.run(
      `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { credential { ... on Node { id } } } }`,
      { input: { applicationId: appB.application.id, url: { url: 'https://b.example.com/hook' } } },
      { token: tokenB },
    );
    expect(credential.errors).toBeUndefined();
    credentialB = credential.data!.createCredential.credential.id;
  });

  test('provider(id), credential(id) and node(id) return null', async () => {
    expect(await asA(`query ($id: ID!) { provider(id: $id) { id } }`, { id: providerB })).toEqual({ data: { provider: null } });
    expect(await asA(`query ($id: ID!) { credential(id: $id) { __typename } }`, { id: credentialB })).toEqual({ data: { credential: null } });
    for (const id of [providerB, credentialB]) {
      expect(await asA(`query ($id: ID!) { node(id: $id) { id } }`, { id })).toEqual({ data: { node: null } });
    }
  });

  test('lists and _entities do not show them', async () => {
    const lists = await asA(`{ providers(first: 100) { totalCount } credentials(first: 100) { totalCount } }`);
    expect(lists).toEqual({ data: { providers: { totalCount: 0 }, credentials: { totalCount: 0 } } });
    const entities = await asA(`query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }`, {
      r: [
        { __typename: 'Provider', id: providerB },
        { __typename: 'UrlCredential', id: credentialB },
      ],
    });
    expect(entities).toEqual({ data: { _entities: [null, null] } });
  });
});

describe('mutations on another organization’s objects are NOT_FOUND, like missing ids', () => {
  const cases: [string, string, (ids: { app: string; client: string }) => Record<string, unknown>, 'app' | 'client'][] = [
    ['updateApplication', UPDATE_APPLICATION, ({ app }) => ({ id: app, name: 'Hijacked' }), 'app'],
    ['deleteApplication', DELETE_APPLICATION, ({ app }) => ({ id: app }), 'app'],
    ['createClient', CREATE_CLIENT, ({ app }) => ({ applicationId: app, name: 'Intruder' }), 'app'],
    ['updateClient', UPDATE_CLIENT, ({ client }) => ({ id: client, name: 'Hijacked' }), 'client'],
    ['deleteClient', DELETE_CLIENT, ({ client }) => ({ id: client }), 'client'],
  ];

  test.each(cases)('%s', async (_name, mutation, inputFor, kind) => {
    const before = await rowCounts();
    const foreignId = kind === 'app' ? appB.application.id : extraClientB.id;
    const missingId = kind === 'app' ? MISSING_APP : MISSING_CLIENT;

    const foreign = await asA(mutation, { input: inputFor({ app: appB.application.id, client: extraClientB.id }) });
    const missing = await asA(mutation, { input: inputFor({ app: MISSING_APP, client: MISSING_CLIENT }) });

    expect(codes(foreign)).toEqual(['NOT_FOUND']);
    expect(shapeOf(foreign, foreignId)).toEqual(shapeOf(missing, missingId));
    expect(await rowCounts()).toEqual(before);
  });

  test('B’s objects are untouched afterwards', async () => {
    const app = await h.run(
      `query ($id: ID!) { application(id: $id) { name version clients { totalCount } } }`,
      { id: appB.application.id },
      { token: tokenB },
    );
    expect(app.data!.application).toEqual({ name: 'Shared Name', version: 1, clients: { totalCount: 2 } });
    const client = await h.run(`query ($id: ID!) { client(id: $id) { name version } }`, { id: extraClientB.id }, { token: tokenB });
    expect(client.data!.client).toEqual({ name: 'B extra', version: 1 });
  });
});

describe('lists and nested fields stay inside the organization', () => {
  test('applications never contains B’s rows, with or without filters', async () => {
    for (const filter of [undefined, { zoneId: 'default' }, { search: 'Shared' }, { ownerType: 'CUSTOMER' }]) {
      const result = await asA(`query ($f: ApplicationFilter) { applications(first: 100, filter: $f) { totalCount edges { node { id organizationId } } } }`, {
        f: filter,
      });
      expect(result.errors).toBeUndefined();
      const nodes = result.data!.applications.edges.map((edge: { node: unknown }) => edge.node);
      expect(nodes).toEqual([{ id: appA.application.id, organizationId: 'org-a' }]);
      expect(result.data!.applications.totalCount).toBe(1);
    }
  });

  test('clients never contains B’s rows, even filtered by B’s application id', async () => {
    const all = await asA(`{ clients(first: 100) { totalCount edges { node { id } } } }`);
    expect(all.data!.clients).toEqual({ totalCount: 1, edges: [{ node: { id: appA.defaultClient.id } }] });
    const filtered = await asA(`query ($app: ID!) { clients(first: 100, filter: { applicationId: $app }) { totalCount edges { node { id } } } }`, {
      app: appB.application.id,
    });
    expect(filtered.data!.clients).toEqual({ totalCount: 0, edges: [] });
  });

  test('Client.application and Application.clients / defaultClient resolve within the organization', async () => {
    const result = await asA(
      `{ clients(first: 100) { edges { node { id application { id organizationId defaultClient { id } clients { totalCount edges { node { id } } } } } } } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.clients.edges).toEqual([
      {
        node: {
          id: appA.defaultClient.id,
          application: {
            id: appA.application.id,
            organizationId: 'org-a',
            defaultClient: { id: appA.defaultClient.id },
            clients: { totalCount: 1, edges: [{ node: { id: appA.defaultClient.id } }] },
          },
        },
      },
    ]);
  });

  test('Client.application does not cross even if a row points across organizations', async () => {
    // Defence in depth: a (corrupt) client row of A pointing at B's application must not reveal it.
    const strayId = 'cli_stray0000000000000000000000';
    await h.dataSource.query(
      `INSERT INTO clients (id, client_id, organization_id, application_id, is_default, name, client_type, visibility, token_endpoint_auth_method)
       VALUES ($1, $2, 'org-a', $3, false, 'stray', 'MACHINE', 'PRIVATE', 'CLIENT_SECRET_BASIC')`,
      [strayId, `stray-${unique()}`, appB.application.id],
    );
    try {
      const result = await asA(`query ($id: ID!) { client(id: $id) { id application { id name } } }`, { id: strayId });
      // Reported as a dangling reference (like a missing application), never B's data.
      expect(result.data?.client ?? null).toBeNull();
      expect(codes(result)).toEqual(['NOT_FOUND']);
    } finally {
      await h.dataSource.query(`DELETE FROM clients WHERE id = $1`, [strayId]);
    }
  });
});
