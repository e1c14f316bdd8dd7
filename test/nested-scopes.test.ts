import { type Harness, codes, createHarness } from './helpers/harness';
import { type CreatedApp, createApp, unique } from './helpers/operations';

/**
 * Issue 12 item 1: a field that leads from one object to another demands the read scope of
 * the object it leads to, whatever path reached the first one (query, payload, node, _entities).
 */

const CREATE_CREDENTIAL = (selection: string) =>
  `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { credential { ${selection} } } }`;
const CREATE_CLIENT = (selection: string) => `mutation ($input: CreateClientInput!) { createClient(input: $input) { client { ${selection} } } }`;

let h: Harness;
let app: CreatedApp;
let credentialId: string;

beforeAll(async () => {
  h = await createHarness();
  app = await createApp(h, { identifier: unique('nested'), name: 'Nested', protocols: { oauth2: { redirectUris: ['https://nested.example.com/cb'] } } });
  const created = await h.run(CREATE_CREDENTIAL('... on ApplicationCredential { id }'), { input: { applicationId: app.application.id, password: {} } });
  expect(created.errors).toBeUndefined();
  credentialId = created.data!.createCredential.credential.id;
});

afterAll(async () => {
  await h?.close();
});

/** Everything an answer says, to check that no client id or redirect URI slipped out. */
function leaks(result: unknown): boolean {
  const text = JSON.stringify(result);
  return text.includes(app.defaultClient.clientId) || text.includes('nested.example.com');
}

const CREDENTIAL_TO_CLIENTS = `query ($id: ID!) {
  credential(id: $id) {
    ... on PasswordCredential { id application { id name defaultClient { clientId } clients { edges { node { clientId redirectUris } } } } }
  }
}`;

describe('credentials:read alone', () => {
  test('cannot read the application or its clients through credential(id)', async () => {
    const token = await h.token({ scopes: ['credentials:read'] });
    const result = await h.run(CREDENTIAL_TO_CLIENTS, { id: credentialId }, { token });
    expect(codes(result)).toContain('FORBIDDEN');
    expect(result.errors![0].message).toContain('applications:read');
    expect(leaks(result)).toBe(false);
  });

  test('reads the credential itself', async () => {
    const token = await h.token({ scopes: ['credentials:read'] });
    const result = await h.run(`query ($id: ID!) { credential(id: $id) { ... on PasswordCredential { id applicationId } } }`, { id: credentialId }, { token });
    expect(result).toEqual({ data: { credential: { id: credentialId, applicationId: app.application.id } } });
  });

  test('cannot cross through node or _entities either', async () => {
    const token = await h.token({ scopes: ['credentials:read'] });
    const node = await h.run(
      `query ($id: ID!) { node(id: $id) { ... on PasswordCredential { application { clients { totalCount } } } } }`,
      {
        id: credentialId,
      },
      { token },
    );
    expect(codes(node)).toEqual(['FORBIDDEN']);
    const entities = await h.run(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on PasswordCredential { application { defaultClient { clientId } } } } }`,
      { r: [{ __typename: 'PasswordCredential', id: credentialId }] },
      { token },
    );
    expect(codes(entities)).toEqual(['FORBIDDEN']);
    expect(leaks(node) || leaks(entities)).toBe(false);
  });
});

describe('write-only tokens read back only what they wrote', () => {
  test('createCredential (credentials:write) cannot reach the application and its clients through its payload', async () => {
    const token = await h.token({ scopes: ['credentials:write'] });
    const result = await h.run(
      CREATE_CREDENTIAL('... on UrlCredential { id url application { id clients { edges { node { clientId redirectUris } } } } }'),
      { input: { applicationId: app.application.id, url: { url: 'https://hook.example.org/x' } } },
      { token },
    );
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(leaks(result)).toBe(false);
  });

  test('createCredential still returns the credential it made', async () => {
    const token = await h.token({ scopes: ['credentials:write'] });
    const result = await h.run(
      CREATE_CREDENTIAL('... on UrlCredential { url applicationId }'),
      { input: { applicationId: app.application.id, url: { url: 'https://hook.example.org/y' } } },
      { token },
    );
    expect(result).toEqual({ data: { createCredential: { credential: { url: 'https://hook.example.org/y', applicationId: app.application.id } } } });
  });

  test('createClient (applications:write) reads its client but not the application behind it', async () => {
    const token = await h.token({ scopes: ['applications:write'] });
    const own = await h.run(CREATE_CLIENT('name'), { input: { applicationId: app.application.id, name: 'Own' } }, { token });
    expect(own).toEqual({ data: { createClient: { client: { name: 'Own' } } } });
    const crossing = await h.run(
      CREATE_CLIENT('application { clients { edges { node { clientId } } } }'),
      {
        input: { applicationId: app.application.id, name: 'Crossing' },
      },
      { token },
    );
    expect(codes(crossing)).toEqual(['FORBIDDEN']);
    expect(leaks(crossing)).toBe(false);
  });
});

describe('authenticateClient (clients:authenticate)', () => {
  const AUTHENTICATE = (selection: string) =>
    `mutation ($input: AuthenticateClientInput!) { authenticateClient(input: $input) { authenticated client { ${selection} } } }`;

  test('cannot reach the application and its other clients', async () => {
    const token = await h.token({ scopes: ['clients:authenticate'] });
    const input = { clientId: app.defaultClient.clientId, clientSecret: app.clientSecret };
    const result = await h.run(AUTHENTICATE('id application { id clients { edges { node { clientId redirectUris } } } }'), { input }, { token });
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(result.errors![0].message).toContain('applications:read');
    expect(JSON.stringify(result)).not.toContain('nested.example.com');
  });

  test('reads the client it authenticated', async () => {
    const token = await h.token({ scopes: ['clients:authenticate'] });
    const input = { clientId: app.defaultClient.clientId, clientSecret: app.clientSecret };
    const result = await h.run(AUTHENTICATE('clientId grantTypes'), { input }, { token });
    expect(result.errors).toBeUndefined();
    expect(result.data!.authenticateClient).toMatchObject({ authenticated: true, client: { clientId: app.defaultClient.clientId } });
  });
});

describe('with the right scopes every path still works', () => {
  test('credentials:read + applications:read reads through credential(id)', async () => {
    const token = await h.token({ scopes: ['credentials:read', 'applications:read'] });
    const result = await h.run(CREDENTIAL_TO_CLIENTS, { id: credentialId }, { token });
    expect(result.errors).toBeUndefined();
    const application = result.data!.credential.application;
    expect(application.defaultClient.clientId).toBe(app.defaultClient.clientId);
    expect(application.clients.edges.map((edge: { node: { clientId: string } }) => edge.node.clientId)).toContain(app.defaultClient.clientId);
  });

  test('clients:authenticate + applications:read reads the application of the authenticated client', async () => {
    const token = await h.token({ scopes: ['clients:authenticate', 'applications:read'] });
    const input = { clientId: app.defaultClient.clientId, clientSecret: app.clientSecret };
    const query = `mutation ($input: AuthenticateClientInput!) { authenticateClient(input: $input) { client { application { id } } } }`;
    const result = await h.run(query, { input }, { token });
    expect(result).toEqual({ data: { authenticateClient: { client: { application: { id: app.application.id } } } } });
  });

  test('applications:read alone reads applications with their clients and default client', async () => {
    const token = await h.token({ scopes: ['applications:read'] });
    const query = `query ($id: ID!) { application(id: $id) { defaultClient { clientId application { id } } clients { totalCount } } }`;
    const result = await h.run(query, { id: app.application.id }, { token });
    expect(result.errors).toBeUndefined();
    expect(result.data!.application.defaultClient).toEqual({ clientId: app.defaultClient.clientId, application: { id: app.application.id } });
  });
});
