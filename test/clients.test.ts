import { createHmac } from 'node:crypto';
import { SCOPES } from '../src/auth/scopes';
import { type Harness, type Result, TEST_HASH_KEY, codes, createHarness, expectOk, paths } from './helpers/harness';
import { DELETE_CLIENT } from './helpers/operations';

const CLIENT = `
  id clientId isDefault name description clientType visibility promotedAt
  redirectUris postLogoutRedirectUris allowedCorsOrigins grantTypes responseTypes scopes
  tokenEndpointAuthMethod requirePkce clientUri logoUri policyUri tosUri
  clientUriVerification { status txtRecord }
  accessTokenTtl refreshTokenTtl resources
  hasSecret hasRotatedSecret rotatedSecretExpiresAt secretRotatedAt secretLastUsedAt rotatedSecretLastUsedAt
  version createdAt updatedAt application { id }
`;

const CREATE_APPLICATION_WITH_DEFAULT_CLIENT = `mutation ($input: CreateApplicationInput!) {
  createApplication(input: $input) { application { id ownerType } defaultClient { ${CLIENT} } clientSecret }
}`;
const CREATE_CLIENT = `mutation ($input: CreateClientInput!) { createClient(input: $input) { client { ${CLIENT} } clientSecret } }`;
const UPDATE_CLIENT = `mutation ($input: UpdateClientInput!) { updateClient(input: $input) { client { ${CLIENT} } } }`;
const GET_CLIENT = `query ($id: ID!) { client(id: $id) { ${CLIENT} } }`;

type Client = Record<string, any> & { id: string; clientId: string; version: number };

let h: Harness;
let seq = 0;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

async function createApp(input: Record<string, unknown> = {}, token?: string): Promise<{ id: string; defaultClient: Client }> {
  seq += 1;
  const result = await h.run<any>(CREATE_APPLICATION_WITH_DEFAULT_CLIENT, { input: { identifier: `app-${seq}`, name: `App ${seq}`, ...input } }, { token });
  const data = expectOk(result);
  return { id: data.createApplication.application.id, defaultClient: data.createApplication.defaultClient };
}

async function createClient(input: Record<string, unknown>, token?: string) {
  return h.run<any>(CREATE_CLIENT, { input: { name: 'Client', ...input } }, { token });
}

async function createClientOk(input: Record<string, unknown>): Promise<{ client: Client; clientSecret: string | null }> {
  return expectOk(await createClient(input)).createClient;
}

async function getClient(id: string): Promise<Client | null> {
  return expectOk(await h.run<any>(GET_CLIENT, { id })).client;
}

async function row(id: string): Promise<Record<string, unknown> | undefined> {
  const [found] = await h.dataSource.query('SELECT row_to_json(c)::jsonb AS row FROM clients c WHERE id = $1', [id]);
  return found?.row;
}

const WEB_URI = 'https://app.example.com/callback';

describe('createClient: derived settings per client type', () => {
  let applicationId: string;
  beforeAll(async () => {
    applicationId = (await createApp()).id;
  });

  it('WEB: authorization code + refresh token, CODE, client_secret_basic, with a secret', async () => {
    const { client, clientSecret } = await createClientOk({ applicationId, name: 'Web', clientType: 'WEB', redirectUris: [WEB_URI] });
    expect(client).toMatchObject({
      name: 'Web',
      isDefault: false,
      clientType: 'WEB',
      visibility: 'PRIVATE',
      promotedAt: null,
      redirectUris: [WEB_URI],
      postLogoutRedirectUris: [],
      allowedCorsOrigins: [],
      grantTypes: ['AUTHORIZATION_CODE', 'REFRESH_TOKEN'],
      responseTypes: ['CODE'],
      scopes: [],
      tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC',
      requirePkce: false,
      clientUri: null,
      clientUriVerification: null,
      resources: [],
      hasSecret: true,
      hasRotatedSecret: false,
      version: 1,
      application: { id: applicationId },
    });
    expect(client.id).toMatch(/^cli_/);
    expect(clientSecret).toMatch(/^clv_cs_/);
  });

  it.each(['SPA', 'NATIVE'])('%s: authorization code + refresh token, CODE, NONE, PKCE, no secret', async (clientType) => {
    const redirectUris = clientType === 'NATIVE' ? ['com.example.app:/oauth/cb', 'http://127.0.0.1:8080/cb'] : [WEB_URI];
    const { client, clientSecret } = await createClientOk({
      applicationId,
      clientType,
      redirectUris,
      allowedCorsOrigins: clientType === 'SPA' ? ['https://app.example.com'] : [],
    });
    expect(client).toMatchObject({
      clientType,
      redirectUris,
      grantTypes: ['AUTHORIZATION_CODE', 'REFRESH_TOKEN'],
      responseTypes: ['CODE'],
      tokenEndpointAuthMethod: 'NONE',
      requirePkce: true,
      hasSecret: false,
    });
    expect(clientSecret).toBeNull();
    const [stored] = await h.dataSource.query('SELECT secret_hash FROM clients WHERE id = $1', [client.id]);
    expect(stored.secret_hash).toBeNull();
  });

  it('MACHINE: client credentials only, no response types, client_secret_basic, with a secret', async () => {
    const { client, clientSecret } = await createClientOk({ applicationId, clientType: 'MACHINE' });
    expect(client).toMatchObject({
      clientType: 'MACHINE',
      redirectUris: [],
      grantTypes: ['CLIENT_CREDENTIALS'],
      responseTypes: [],
      tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC',
      requirePkce: false,
      hasSecret: true,
    });
    expect(clientSecret).toMatch(/^clv_cs_/);
  });

  it('without a client type, redirect URIs make a WEB client and no redirect URIs a MACHINE client', async () => {
    const web = await createClientOk({ applicationId, redirectUris: [WEB_URI] });
    expect(web.client).toMatchObject({
      clientType: 'WEB',
      grantTypes: ['AUTHORIZATION_CODE', 'REFRESH_TOKEN'],
      responseTypes: ['CODE'],
      tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC',
    });
    const machine = await createClientOk({ applicationId });
    expect(machine.client).toMatchObject({
      clientType: 'MACHINE',
      grantTypes: ['CLIENT_CREDENTIALS'],
      responseTypes: [],
      tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC',
    });
  });

  it('stores every given setting and removes duplicates from lists', async () => {
    const { client } = await createClientOk({
      applicationId,
      name: 'Full',
      description: 'All the settings',
      clientType: 'WEB',
      redirectUris: [WEB_URI, 'http://localhost:3000/cb', WEB_URI],
      postLogoutRedirectUris: ['https://app.example.com/bye', 'https://app.example.com/bye'],
      allowedCorsOrigins: ['https://app.example.com', 'https://app.example.com:8443'],
      grantTypes: ['AUTHORIZATION_CODE', 'REFRESH_TOKEN', 'CLIENT_CREDENTIALS', 'AUTHORIZATION_CODE'],
      responseTypes: ['CODE', 'ID_TOKEN'],
      scopes: ['openid', 'profile', 'openid'],
      tokenEndpointAuthMethod: 'CLIENT_SECRET_POST',
      requirePkce: true,
      logoUri: 'https://app.example.com/logo.png',
      policyUri: 'https://app.example.com/privacy',
      tosUri: 'https://app.example.com/tos',
      accessTokenTtl: 600,
      refreshTokenTtl: 86400,
      resources: ['https://api.example.com', 'urn:example:billing'],
    });
    expect(client).toMatchObject({
      name: 'Full',
      description: 'All the settings',
      redirectUris: [WEB_URI, 'http://localhost:3000/cb'],
      postLogoutRedirectUris: ['https://app.example.com/bye'],
      allowedCorsOrigins: ['https://app.example.com', 'https://app.example.com:8443'],
      grantTypes: ['AUTHORIZATION_CODE', 'REFRESH_TOKEN', 'CLIENT_CREDENTIALS'],
      responseTypes: ['CODE', 'ID_TOKEN'],
      scopes: ['openid', 'profile'],
      tokenEndpointAuthMethod: 'CLIENT_SECRET_POST',
      requirePkce: true,
      logoUri: 'https://app.example.com/logo.png',
      policyUri: 'https://app.example.com/privacy',
      tosUri: 'https://app.example.com/tos',
      accessTokenTtl: 600,
      refreshTokenTtl: 86400,
      resources: ['https://api.example.com', 'urn:example:billing'],
    });
    // What the mutation answered is what was stored.
    expect(await getClient(client.id)).toEqual(client);
  });

  it('accepts values at the length limits', async () => {
    const redirectUris = Array.from({ length: 100 }, (_, i) => `https://app.example.com/cb/${i}`);
    const longUri = `https://app.example.com/${'a'.repeat(2048 - 'https://app.example.com/'.length)}`;
    const { client } = await createClientOk({ applicationId, name: 'n'.repeat(200), redirectUris: [...redirectUris.slice(0, 99), longUri] });
    expect(client.name).toHaveLength(200);
    expect(client.redirectUris).toHaveLength(100);
    expect(client.redirectUris[99]).toHaveLength(2048);
  });
});

describe('client secrets', () => {
  let applicationId: string;
  beforeAll(async () => {
    applicationId = (await createApp()).id;
  });

  it.each(['CLIENT_SECRET_BASIC', 'CLIENT_SECRET_POST'])('%s: a prefixed 256-bit secret, stored only as a keyed hash', async (tokenEndpointAuthMethod) => {
    const { client, clientSecret } = await createClientOk({ applicationId, clientType: 'MACHINE', tokenEndpointAuthMethod });
    expect(client.hasSecret).toBe(true);
    expect(clientSecret).toMatch(/^clv_cs_[A-Za-z0-9_-]+$/);
    const random = clientSecret!.slice('clv_cs_'.length);
    expect(random.length).toBeGreaterThanOrEqual(43); // 43 base64url characters = 258 bits ≥ 256
    expect(Buffer.from(random, 'base64url').length).toBeGreaterThanOrEqual(32);

    const [stored] = await h.dataSource.query('SELECT secret_hash FROM clients WHERE id = $1', [client.id]);
    expect(Buffer.isBuffer(stored.secret_hash)).toBe(true);
    expect(stored.secret_hash).toHaveLength(32);
    expect(stored.secret_hash.includes(Buffer.from(clientSecret!))).toBe(false);
    expect(stored.secret_hash.includes(Buffer.from(random))).toBe(false);
    // The stored value is a keyed hash of this very secret (so it can authenticate later)…
    expect(stored.secret_hash.equals(createHmac('sha256', TEST_HASH_KEY).update(clientSecret!).digest())).toBe(true);
    // …and no column anywhere in the row holds the secret in any form we can spot.
    const [whole] = await h.dataSource.query(`SELECT c::text AS text FROM clients c WHERE id = $1`, [client.id]);
    expect(whole.text).not.toContain(random);
    expect(whole.text).not.toContain(Buffer.from(clientSecret!).toString('hex'));
  });

  it('every secret is different', async () => {
    const secrets = new Set<string>();
    for (let i = 0; i < 5; i++) secrets.add((await createClientOk({ applicationId, clientType: 'MACHINE' })).clientSecret!);
    expect(secrets.size).toBe(5);
  });

  it.each([
    ['NONE', { clientType: 'SPA', redirectUris: [WEB_URI], tokenEndpointAuthMethod: 'NONE' }],
    ['PRIVATE_KEY_JWT', { clientType: 'WEB', redirectUris: [WEB_URI], tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT' }],
    ['PRIVATE_KEY_JWT (MACHINE)', { clientType: 'MACHINE', tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT' }],
  ])('%s: no secret generated or stored', async (_label, input) => {
    const { client, clientSecret } = await createClientOk({ applicationId, ...input });
    expect(clientSecret).toBeNull();
    expect(client.hasSecret).toBe(false);
    const [stored] = await h.dataSource.query('SELECT secret_hash FROM clients WHERE id = $1', [client.id]);
    expect(stored.secret_hash).toBeNull();
  });

  it('is never returned again by any query', async () => {
    const { client, clientSecret } = await createClientOk({ applicationId, clientType: 'MACHINE' });
    const random = clientSecret!.slice('clv_cs_'.length);
    const reads = [
      await h.run(GET_CLIENT, { id: client.id }),
      await h.run(`query ($clientId: String!) { clientByClientId(clientId: $clientId) { ${CLIENT} } }`, { clientId: client.clientId }),
      await h.run(`query ($id: ID!) { node(id: $id) { id ... on Client { ${CLIENT} } } }`, { id: client.id }),
      await h.run(`query ($applicationId: ID!) { clients(filter: { applicationId: $applicationId }, first: 100) { edges { node { ${CLIENT} } } } }`, {
        applicationId,
      }),
      await h.run(`query ($id: ID!) { application(id: $id) { defaultClient { ${CLIENT} } clients(first: 100) { edges { node { ${CLIENT} } } } } }`, {
        id: applicationId,
      }),
      await h.run(UPDATE_CLIENT, { input: { id: client.id, name: 'Renamed' } }),
    ];
    for (const read of reads) {
      expect(read.errors).toBeUndefined();
      const text = JSON.stringify(read);
      expect(text).not.toContain(random);
      expect(text).not.toContain('clv_cs_');
    }
    expect((reads[0].data as any).client.hasSecret).toBe(true);
    expect((reads[1].data as any).clientByClientId).toMatchObject({ id: client.id, hasSecret: true });
    expect((reads[5].data as any).updateClient.client.hasSecret).toBe(true);
  });

  it('clientId is URL-safe and unique across many clients', async () => {
    const created = await Promise.all(Array.from({ length: 30 }, () => createClientOk({ applicationId, clientType: 'MACHINE' })));
    const clientIds = created.map(({ client }) => client.clientId);
    for (const clientId of clientIds) {
      expect(clientId).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(encodeURIComponent(clientId)).toBe(clientId);
    }
    expect(new Set(clientIds).size).toBe(clientIds.length);
    const [{ total, distinct }] = await h.dataSource.query('SELECT count(*)::int AS total, count(DISTINCT client_id)::int AS distinct FROM clients');
    expect(distinct).toBe(total);
    // clientId is not derived from the internal id.
    for (const { client } of created) expect(client.clientId).not.toContain(client.id.slice(4));
  });
});

describe('createClient validation (API.md §Validation)', () => {
  let applicationId: string;
  beforeAll(async () => {
    applicationId = (await createApp()).id;
  });

  async function expectRejected(input: Record<string, unknown>, expected: string[]) {
    const before = await h.count('clients');
    const result = await createClient({ applicationId, ...input });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(paths(result)).toEqual([...expected].sort());
    for (const field of result.errors![0].extensions!.fields as { message: unknown }[]) expect(field.message).toEqual(expect.any(String));
    expect(result.data?.createClient ?? null).toBeNull();
    expect(await h.count('clients')).toBe(before);
  }

  const WEB = { clientType: 'WEB', redirectUris: [WEB_URI] };
  it.each<[string, Record<string, unknown>, string[]]>([
    // Redirect and post-logout URIs
    ['http redirect URI on a public host', { clientType: 'WEB', redirectUris: ['http://example.com/cb'] }, ['redirectUris.0']],
    ['redirect URI with a fragment', { clientType: 'WEB', redirectUris: [WEB_URI, 'https://app.example.com/cb#frag'] }, ['redirectUris.1']],
    ['redirect URI with a wildcard', { clientType: 'WEB', redirectUris: ['https://*.example.com/cb'] }, ['redirectUris.0']],
    ['relative redirect URI', { clientType: 'WEB', redirectUris: ['/callback'] }, ['redirectUris.0']],
    ['private-use scheme on a WEB client', { clientType: 'WEB', redirectUris: ['com.example.app:/cb'] }, ['redirectUris.0']],
    ['private-use scheme on a SPA client', { clientType: 'SPA', redirectUris: ['com.example.app:/cb'] }, ['redirectUris.0']],
    ['non-reverse-domain scheme on a NATIVE client', { clientType: 'NATIVE', redirectUris: ['myapp:/cb'] }, ['redirectUris.0']],
    ['index as sent, after a duplicate', { clientType: 'WEB', redirectUris: [WEB_URI, WEB_URI, 'http://example.com/cb'] }, ['redirectUris.2']],
    ['bad post-logout URI', { ...WEB, postLogoutRedirectUris: ['https://app.example.com/bye', 'http://example.com/bye'] }, ['postLogoutRedirectUris.1']],
    // CORS origins
    ['CORS origin with a path', { ...WEB, allowedCorsOrigins: ['https://app.example.com/app'] }, ['allowedCorsOrigins.0']],
    ['CORS origin with a trailing slash', { ...WEB, allowedCorsOrigins: ['https://app.example.com', 'https://b.example.com/'] }, ['allowedCorsOrigins.1']],
    ['CORS origin with a query', { ...WEB, allowedCorsOrigins: ['https://app.example.com?x=1'] }, ['allowedCorsOrigins.0']],
    ['CORS origin with a non-http scheme', { ...WEB, allowedCorsOrigins: ['ftp://app.example.com'] }, ['allowedCorsOrigins.0']],
    ['CORS origin with a wildcard', { ...WEB, allowedCorsOrigins: ['https://*.example.com'] }, ['allowedCorsOrigins.0']],
    // Scopes
    ['empty scope', { scopes: ['openid', ''] }, ['scopes.1']],
    ['scope with whitespace', { scopes: ['openid', 'read write'] }, ['scopes.1']],
    ['scope with a colon', { scopes: ['applications:read'] }, ['scopes.0']],
    // Grant types and response types
    ['AUTHORIZATION_CODE without CODE', { ...WEB, grantTypes: ['AUTHORIZATION_CODE'], responseTypes: [] }, ['responseTypes']],
    ['CODE without AUTHORIZATION_CODE', { clientType: 'MACHINE', responseTypes: ['CODE'] }, ['responseTypes']],
    ['TOKEN without CODE', { ...WEB, responseTypes: ['TOKEN'] }, ['responseTypes']],
    ['ID_TOKEN without CODE', { ...WEB, responseTypes: ['ID_TOKEN'] }, ['responseTypes']],
    ['REFRESH_TOKEN alone', { clientType: 'WEB', grantTypes: ['REFRESH_TOKEN'], responseTypes: [] }, ['grantTypes']],
    ['no grant types', { clientType: 'WEB', grantTypes: [], responseTypes: [] }, ['grantTypes']],
    ['AUTHORIZATION_CODE without a redirect URI', { clientType: 'WEB' }, ['redirectUris']],
    ['AUTHORIZATION_CODE with an empty redirect URI list', { clientType: 'SPA', redirectUris: [] }, ['redirectUris']],
    [
      'MACHINE with AUTHORIZATION_CODE',
      { clientType: 'MACHINE', redirectUris: [WEB_URI], grantTypes: ['AUTHORIZATION_CODE'], responseTypes: ['CODE'] },
      ['grantTypes'],
    ],
    // Token endpoint auth method
    ['NONE on a WEB client', { ...WEB, tokenEndpointAuthMethod: 'NONE' }, ['tokenEndpointAuthMethod']],
    ['NONE on a MACHINE client', { clientType: 'MACHINE', tokenEndpointAuthMethod: 'NONE' }, ['tokenEndpointAuthMethod', 'grantTypes']],
    ['NONE with requirePkce false', { clientType: 'SPA', redirectUris: [WEB_URI], requirePkce: false }, ['requirePkce']],
    ['NONE with CLIENT_CREDENTIALS', { clientType: 'SPA', redirectUris: [WEB_URI], grantTypes: ['AUTHORIZATION_CODE', 'CLIENT_CREDENTIALS'] }, ['grantTypes']],
    ['SPA with a secret', { clientType: 'SPA', redirectUris: [WEB_URI], tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC' }, ['tokenEndpointAuthMethod']],
    [
      'NATIVE with a secret',
      { clientType: 'NATIVE', redirectUris: ['com.example.app:/cb'], tokenEndpointAuthMethod: 'CLIENT_SECRET_POST' },
      ['tokenEndpointAuthMethod'],
    ],
    // Other URLs and values
    ['http clientUri', { clientUri: 'http://app.example.com' }, ['clientUri']],
    ['relative logoUri', { logoUri: '/logo.png' }, ['logoUri']],
    ['http policyUri and tosUri', { policyUri: 'http://app.example.com/p', tosUri: 'http://app.example.com/t' }, ['policyUri', 'tosUri']],
    ['resource with a fragment', { resources: ['https://api.example.com', 'https://api.example.com/#x'] }, ['resources.1']],
    ['blank name', { name: '   ' }, ['name']],
    ['empty name', { name: '' }, ['name']],
    ['zero access token TTL', { accessTokenTtl: 0 }, ['accessTokenTtl']],
    ['too long refresh token TTL', { refreshTokenTtl: 31_536_001 }, ['refreshTokenTtl']],
    ['PUBLIC without a verified client URI', { visibility: 'PUBLIC' }, ['visibility']],
    ['PUBLIC with a fresh (PENDING) client URI', { visibility: 'PUBLIC', clientUri: 'https://app.example.com' }, ['visibility']],
  ])('%s → BAD_USER_INPUT, nothing written', async (_label, input, expected) => {
    await expectRejected(input, expected);
  });

  it('reports several invalid fields in one error', async () => {
    await expectRejected(
      {
        clientType: 'SPA',
        redirectUris: ['https://app.example.com/cb', 'http://example.com/cb', 'https://app.example.com/cb#f'],
        allowedCorsOrigins: ['https://app.example.com/'],
        scopes: ['ok', 'not ok', 'not:ok'],
        grantTypes: ['AUTHORIZATION_CODE', 'CLIENT_CREDENTIALS'],
        responseTypes: ['TOKEN'],
        requirePkce: false,
        clientUri: 'http://app.example.com',
        visibility: 'PUBLIC',
      },
      [
        'redirectUris.1',
        'redirectUris.2',
        'allowedCorsOrigins.0',
        'scopes.1',
        'scopes.2',
        'grantTypes',
        'responseTypes',
        'requirePkce',
        'clientUri',
        'visibility',
      ],
    );
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['name over 200 characters', { name: 'n'.repeat(201) }, ['name']],
    ['description over 2000 characters', { description: 'd'.repeat(2001) }, ['description']],
    ['a redirect URI over 2048 characters', { clientType: 'WEB', redirectUris: [`https://app.example.com/${'a'.repeat(2048)}`] }, ['redirectUris']],
    [
      'more than 100 redirect URIs',
      { clientType: 'WEB', redirectUris: Array.from({ length: 101 }, (_, i) => `https://app.example.com/cb/${i}`) },
      ['redirectUris'],
    ],
    ['more than 100 CORS origins', { ...WEB, allowedCorsOrigins: Array.from({ length: 101 }, (_, i) => `https://o${i}.example.com`) }, ['allowedCorsOrigins']],
    ['a scope over 128 characters', { scopes: ['s'.repeat(129)] }, ['scopes']],
    ['more than 200 scopes', { scopes: Array.from({ length: 201 }, (_, i) => `s${i}`) }, ['scopes']],
    ['a clientUri over 2048 characters', { clientUri: `https://app.example.com/${'a'.repeat(2048)}` }, ['clientUri']],
    ['more than 100 resources', { resources: Array.from({ length: 101 }, (_, i) => `https://api${i}.example.com`) }, ['resources']],
  ])('length bound: %s → BAD_USER_INPUT, nothing written', async (_label, input, expected) => {
    const before = await h.count('clients');
    const result = await createClient({ applicationId, ...input });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    const reported = paths(result);
    for (const path of expected) expect(reported.some((p) => p === path || p.startsWith(`${path}.`))).toBe(true);
    expect(await h.count('clients')).toBe(before);
  });

  it('a missing application → NOT_FOUND, nothing written', async () => {
    const before = await h.count('clients');
    const result = await createClient({ applicationId: 'app_00000000000000000000000000' });
    expect(codes(result)).toEqual(['NOT_FOUND']);
    expect(await h.count('clients')).toBe(before);
  });

  it("another organization's application → NOT_FOUND, nothing written", async () => {
    const before = await h.count('clients');
    const result = await createClient({ applicationId }, await h.token({ org: 'org-b' }));
    expect(codes(result)).toEqual(['NOT_FOUND']);
    expect(await h.count('clients')).toBe(before);
  });

  it('without applications:write → FORBIDDEN, nothing written', async () => {
    const before = await h.count('clients');
    const result = await createClient({ applicationId }, await h.token({ scopes: SCOPES.filter((s) => s !== 'applications:write') }));
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(await h.count('clients')).toBe(before);
  });
});

describe('updateClient', () => {
  let applicationId: string;
  let defaultClientId: string;
  beforeAll(async () => {
    const app = await createApp();
    applicationId = app.id;
    defaultClientId = app.defaultClient.id;
  });

  const createWeb = async (extra: Record<string, unknown> = {}) =>
    (
      await createClientOk({
        applicationId,
        name: 'Web',
        description: 'Before',
        clientType: 'WEB',
        redirectUris: [WEB_URI],
        allowedCorsOrigins: ['https://app.example.com'],
        scopes: ['openid', 'profile'],
        accessTokenTtl: 300,
        ...extra,
      })
    ).client;

  const update = (input: Record<string, unknown>, token?: string) => h.run<any>(UPDATE_CLIENT, { input }, { token });

  async function expectUnchanged(id: string, stored: Record<string, unknown> | undefined, result: Result, code: string, expectedPaths?: string[]) {
    expect(codes(result)).toEqual([code]);
    if (expectedPaths) expect(paths(result)).toEqual([...expectedPaths].sort());
    expect(await row(id)).toEqual(stored);
  }

  it('changes only the given fields and increments the version', async () => {
    const before = await createWeb();
    const { client } = expectOk(await update({ id: before.id, name: 'Renamed', scopes: ['email', 'email'] })).updateClient;
    const { updatedAt: _a, ...rest } = client;
    const { updatedAt: _b, ...restBefore } = before;
    expect(rest).toEqual({ ...restBefore, name: 'Renamed', scopes: ['email'], version: 2 });
    expect(new Date(client.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(before.updatedAt).getTime());
    expect(await getClient(before.id)).toEqual(client);

    // Explicit nulls clear nullable fields and leave required ones alone.
    const cleared = expectOk(await update({ id: before.id, description: null, accessTokenTtl: null, name: null, redirectUris: null })).updateClient.client;
    expect(cleared).toMatchObject({ description: null, accessTokenTtl: null, name: 'Renamed', redirectUris: [WEB_URI], version: 3 });
  });

  it('re-validates the merged settings: MACHINE with inherited authorization-code grants → BAD_USER_INPUT, nothing changed', async () => {
    const client = await createWeb();
    const stored = await row(client.id);
    await expectUnchanged(client.id, stored, await update({ id: client.id, clientType: 'MACHINE' }), 'BAD_USER_INPUT', ['grantTypes']);
    // Dropping the redirect URIs of an authorization-code client is caught the same way.
    await expectUnchanged(client.id, stored, await update({ id: client.id, redirectUris: [] }), 'BAD_USER_INPUT', ['redirectUris']);
    // NONE stays forbidden for a WEB client even when only the auth method changes.
    await expectUnchanged(client.id, stored, await update({ id: client.id, tokenEndpointAuthMethod: 'NONE' }), 'BAD_USER_INPUT', ['tokenEndpointAuthMethod']);
    // Per-field rules apply on update too, with input-relative paths.
    await expectUnchanged(
      client.id,
      stored,
      await update({ id: client.id, redirectUris: [WEB_URI, 'http://example.com/cb'], allowedCorsOrigins: ['https://a.example.com/x'], scopes: ['a', 'b:c'] }),
      'BAD_USER_INPUT',
      ['redirectUris.1', 'allowedCorsOrigins.0', 'scopes.1'],
    );
    await expectUnchanged(client.id, stored, await update({ id: client.id, name: 'x'.repeat(201) }), 'BAD_USER_INPUT', ['name']);

    // The valid form of the same change goes through.
    const machine = expectOk(await update({ id: client.id, clientType: 'MACHINE', grantTypes: ['CLIENT_CREDENTIALS'], responseTypes: [], redirectUris: [] }))
      .updateClient.client;
    expect(machine).toMatchObject({ clientType: 'MACHINE', grantTypes: ['CLIENT_CREDENTIALS'], responseTypes: [], redirectUris: [], version: 2 });
  });

  it('a stale expectedVersion → CONFLICT, nothing changed; the current one works', async () => {
    const client = await createWeb();
    expectOk(await update({ id: client.id, name: 'Second' }));
    const stored = await row(client.id);
    await expectUnchanged(client.id, stored, await update({ id: client.id, expectedVersion: 1, name: 'Third' }), 'CONFLICT');
    const updated = expectOk(await update({ id: client.id, expectedVersion: 2, name: 'Third' })).updateClient.client;
    expect(updated).toMatchObject({ name: 'Third', version: 3 });
  });

  it('a missing client → NOT_FOUND', async () => {
    expect(codes(await update({ id: 'cli_00000000000000000000000000', name: 'x' }))).toEqual(['NOT_FOUND']);
  });

  it("another organization's client → NOT_FOUND, nothing changed", async () => {
    const client = await createWeb();
    const stored = await row(client.id);
    await expectUnchanged(client.id, stored, await update({ id: client.id, name: 'Hijacked' }, await h.token({ org: 'org-b' })), 'NOT_FOUND');
  });

  it('isDefault: true moves the default', async () => {
    const app = await createApp();
    const oldDefault = app.defaultClient;
    expect(oldDefault.isDefault).toBe(true);
    const { client } = await createClientOk({ applicationId: app.id, clientType: 'MACHINE' });
    expect(client.isDefault).toBe(false);

    const moved = expectOk(
      await h.run<any>(
        `mutation ($input: UpdateClientInput!) { updateClient(input: $input) { client { id isDefault version application { defaultClient { id } } } } }`,
        { input: { id: client.id, isDefault: true } },
      ),
    ).updateClient.client;
    expect(moved).toEqual({ id: client.id, isDefault: true, version: 2, application: { defaultClient: { id: client.id } } });

    const before = await getClient(oldDefault.id);
    expect(before).toMatchObject({ isDefault: false });
    expect(before!.version).toBeGreaterThan(oldDefault.version);
    const fresh = expectOk(await h.run<any>(`query ($id: ID!) { application(id: $id) { defaultClient { id isDefault } } }`, { id: app.id }));
    expect(fresh.application.defaultClient).toEqual({ id: client.id, isDefault: true });
    const defaults = await h.dataSource.query('SELECT id FROM clients WHERE application_id = $1 AND is_default', [app.id]);
    expect(defaults).toEqual([{ id: client.id }]);

    // Setting it again on the default changes nothing about who is default.
    expectOk(await update({ id: client.id, isDefault: true }));
    expect(await h.dataSource.query('SELECT id FROM clients WHERE application_id = $1 AND is_default', [app.id])).toEqual([{ id: client.id }]);
    // The old default can now be deleted, the new one cannot.
    expect(expectOk(await h.run<any>(DELETE_CLIENT, { input: { id: oldDefault.id } })).deleteClient.deletedId).toBe(oldDefault.id);
    expect(codes(await h.run(DELETE_CLIENT, { input: { id: client.id } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('isDefault: false on the default → BAD_USER_INPUT, still the default', async () => {
    const stored = await row(defaultClientId);
    await expectUnchanged(defaultClientId, stored, await update({ id: defaultClientId, isDefault: false }), 'BAD_USER_INPUT', ['isDefault']);
    const app = expectOk(await h.run<any>(`query ($id: ID!) { application(id: $id) { defaultClient { id } } }`, { id: applicationId }));
    expect(app.application.defaultClient.id).toBe(defaultClientId);
  });

  it('switching to SPA + NONE clears the stored secret and forces PKCE', async () => {
    const client = await createWeb();
    expect(client.hasSecret).toBe(true);
    const updated = expectOk(await update({ id: client.id, clientType: 'SPA', tokenEndpointAuthMethod: 'NONE' })).updateClient.client;
    expect(updated).toMatchObject({ clientType: 'SPA', tokenEndpointAuthMethod: 'NONE', requirePkce: true, hasSecret: false, hasRotatedSecret: false });
    const [stored] = await h.dataSource.query('SELECT secret_hash, rotated_secret_hash FROM clients WHERE id = $1', [client.id]);
    expect(stored).toEqual({ secret_hash: null, rotated_secret_hash: null });
    expect((await getClient(client.id))!.hasSecret).toBe(false);
  });

  it('switching to PRIVATE_KEY_JWT clears the stored secret too', async () => {
    const client = await createWeb();
    const updated = expectOk(await update({ id: client.id, tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT' })).updateClient.client;
    expect(updated).toMatchObject({ tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT', hasSecret: false });
    const [stored] = await h.dataSource.query('SELECT secret_hash FROM clients WHERE id = $1', [client.id]);
    expect(stored.secret_hash).toBeNull();
  });

  it('visibility PUBLIC needs a VERIFIED client URI', async () => {
    const client = await createWeb();
    const stored = await row(client.id);
    await expectUnchanged(client.id, stored, await update({ id: client.id, visibility: 'PUBLIC' }), 'BAD_USER_INPUT', ['visibility']);
    await expectUnchanged(client.id, stored, await update({ id: client.id, visibility: 'PUBLIC', clientUri: 'https://app.example.com' }), 'BAD_USER_INPUT', [
      'visibility',
    ]);

    const withUri = expectOk(await update({ id: client.id, clientUri: 'https://app.example.com' })).updateClient.client;
    expect(withUri.clientUriVerification.status).toBe('PENDING');
    const pending = await row(client.id);
    await expectUnchanged(client.id, pending, await update({ id: client.id, visibility: 'PUBLIC' }), 'BAD_USER_INPUT', ['visibility']);

    // Once ownership is verified (done out of band by the verifier), the client can be published.
    await h.dataSource.query(`UPDATE clients SET client_uri_verification = jsonb_set(client_uri_verification, '{status}', '"VERIFIED"') WHERE id = $1`, [
      client.id,
    ]);
    const published = expectOk(await update({ id: client.id, visibility: 'PUBLIC' })).updateClient.client;
    expect(published.visibility).toBe('PUBLIC');
    expect(published.promotedAt).not.toBeNull();
    expect(Number.isNaN(new Date(published.promotedAt).getTime())).toBe(false);
    expect(published.clientUriVerification).toEqual({ status: 'VERIFIED', txtRecord: withUri.clientUriVerification.txtRecord });
    const publicList = expectOk(
      await h.run<any>(`query ($a: ID!) { clients(filter: { applicationId: $a, visibility: PUBLIC }) { totalCount edges { node { id } } } }`, {
        a: applicationId,
      }),
    );
    expect(publicList.clients).toEqual({ totalCount: 1, edges: [{ node: { id: client.id } }] });

    // Moving the URI restarts verification, so a PUBLIC client cannot keep it in the same change.
    const afterPublish = await row(client.id);
    await expectUnchanged(client.id, afterPublish, await update({ id: client.id, clientUri: 'https://other.example.com' }), 'BAD_USER_INPUT', ['visibility']);
  });

  it('clientUri starts a verification; a new URI gets a new TXT record; null clears it', async () => {
    const created = (await createClientOk({ applicationId, clientType: 'MACHINE', clientUri: 'https://one.example.com' })).client;
    expect(created.clientUriVerification).toEqual({ status: 'PENDING', txtRecord: expect.stringMatching(/\S{16,}/) });
    const first = created.clientUriVerification.txtRecord;

    const same = expectOk(await update({ id: created.id, clientUri: 'https://one.example.com', name: 'Same URI' })).updateClient.client;
    expect(same.clientUriVerification).toEqual({ status: 'PENDING', txtRecord: first });

    const moved = expectOk(await update({ id: created.id, clientUri: 'https://two.example.com' })).updateClient.client;
    expect(moved.clientUri).toBe('https://two.example.com');
    expect(moved.clientUriVerification.status).toBe('PENDING');
    expect(moved.clientUriVerification.txtRecord).toEqual(expect.any(String));
    expect(moved.clientUriVerification.txtRecord).not.toBe(first);

    const cleared = expectOk(await update({ id: created.id, clientUri: null })).updateClient.client;
    expect(cleared).toMatchObject({ clientUri: null, clientUriVerification: null });
    const [stored] = await h.dataSource.query('SELECT client_uri, client_uri_verification FROM clients WHERE id = $1', [created.id]);
    expect(stored).toEqual({ client_uri: null, client_uri_verification: null });

    const other = (await createClientOk({ applicationId, clientType: 'MACHINE', clientUri: 'https://one.example.com' })).client;
    expect(other.clientUriVerification.txtRecord).not.toBe(first);
  });
});

describe('deleteClient', () => {
  it('deletes a non-default client', async () => {
    const app = await createApp();
    const { client } = await createClientOk({ applicationId: app.id, clientType: 'MACHINE' });
    const before = await h.count('clients');
    const result = expectOk(await h.run<any>(DELETE_CLIENT, { input: { id: client.id } }));
    expect(result.deleteClient.deletedId).toBe(client.id);
    expect(await h.count('clients')).toBe(before - 1);
    expect(await row(client.id)).toBeUndefined();
    expect(await getClient(client.id)).toBeNull();
    expect(codes(await h.run(DELETE_CLIENT, { input: { id: client.id } }))).toEqual(['NOT_FOUND']);
  });

  it('refuses the default client with BAD_USER_INPUT and keeps it', async () => {
    const app = await createApp();
    const stored = await row(app.defaultClient.id);
    const result = await h.run(DELETE_CLIENT, { input: { id: app.defaultClient.id } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(await row(app.defaultClient.id)).toEqual(stored);
  });

  it("another organization's client → NOT_FOUND, kept", async () => {
    const app = await createApp();
    const { client } = await createClientOk({ applicationId: app.id, clientType: 'MACHINE' });
    expect(codes(await h.run(DELETE_CLIENT, { input: { id: client.id } }, { token: await h.token({ org: 'org-b' }) }))).toEqual(['NOT_FOUND']);
    expect(await row(client.id)).toBeDefined();
  });
});

describe('PLATFORM applications', () => {
  let platformApp: { id: string; defaultClient: Client };
  let extra: Client;
  let withoutPlatform: string;

  beforeAll(async () => {
    platformApp = await createApp({ ownerType: 'PLATFORM' }); // default token has platform:write
    extra = (await createClientOk({ applicationId: platformApp.id, clientType: 'MACHINE' })).client;
    withoutPlatform = await h.token({ scopes: SCOPES.filter((scope) => scope !== 'platform:write') });
  });

  it('createClient without platform:write → FORBIDDEN, nothing written', async () => {
    const before = await h.count('clients');
    expect(codes(await createClient({ applicationId: platformApp.id, clientType: 'MACHINE' }, withoutPlatform))).toEqual(['FORBIDDEN']);
    expect(await h.count('clients')).toBe(before);
  });

  it('updateClient without platform:write → FORBIDDEN, nothing changed', async () => {
    for (const id of [platformApp.defaultClient.id, extra.id]) {
      const stored = await row(id);
      expect(codes(await h.run(UPDATE_CLIENT, { input: { id, name: 'Changed' } }, { token: withoutPlatform }))).toEqual(['FORBIDDEN']);
      expect(await row(id)).toEqual(stored);
    }
    const stored = await row(extra.id);
    expect(codes(await h.run(UPDATE_CLIENT, { input: { id: extra.id, isDefault: true } }, { token: withoutPlatform }))).toEqual(['FORBIDDEN']);
    expect(await row(extra.id)).toEqual(stored);
  });

  it('deleteClient without platform:write → FORBIDDEN, kept', async () => {
    expect(codes(await h.run(DELETE_CLIENT, { input: { id: extra.id } }, { token: withoutPlatform }))).toEqual(['FORBIDDEN']);
    expect(await row(extra.id)).toBeDefined();
  });

  it('the same caller may still read them and change CUSTOMER clients', async () => {
    expect(expectOk(await h.run<any>(GET_CLIENT, { id: extra.id }, { token: withoutPlatform })).client.id).toBe(extra.id);
    const customer = await createApp();
    const created = await createClient({ applicationId: customer.id, clientType: 'MACHINE' }, withoutPlatform);
    expect(expectOk(created).createClient.client.clientType).toBe('MACHINE');
  });

  it('with platform:write the changes go through', async () => {
    const updated = expectOk(await h.run<any>(UPDATE_CLIENT, { input: { id: extra.id, name: 'Platform client' } })).updateClient.client;
    expect(updated.name).toBe('Platform client');
  });
});

describe('listing clients', () => {
  it('clients(filter: { applicationId }) and Application.clients list exactly the application’s clients', async () => {
    const app = await createApp();
    const other = await createApp();
    await createClientOk({ applicationId: other.id, clientType: 'MACHINE' });
    const a = (await createClientOk({ applicationId: app.id, name: 'A', clientType: 'MACHINE' })).client;
    const b = (await createClientOk({ applicationId: app.id, name: 'B', clientType: 'WEB', redirectUris: [WEB_URI] })).client;
    const expected = [app.defaultClient.id, a.id, b.id];

    const top = expectOk(
      await h.run<any>(`query ($a: ID!) { clients(filter: { applicationId: $a }) { totalCount edges { cursor node { id application { id } } } } }`, {
        a: app.id,
      }),
    );
    expect(top.clients.totalCount).toBe(3);
    expect(top.clients.edges.map((e: any) => e.node.id).sort()).toEqual([...expected].sort());
    for (const edge of top.clients.edges) expect(edge.node.application.id).toBe(app.id);

    const nested = expectOk(
      await h.run<any>(`query ($id: ID!) { application(id: $id) { clients { totalCount edges { node { id isDefault } } } } }`, { id: app.id }),
    );
    expect(nested.application.clients.totalCount).toBe(3);
    expect(nested.application.clients.edges.map((e: any) => e.node.id).sort()).toEqual([...expected].sort());
    expect(nested.application.clients.edges.filter((e: any) => e.node.isDefault).map((e: any) => e.node.id)).toEqual([app.defaultClient.id]);

    // Paging through them visits each once.
    const firstPage = expectOk(
      await h.run<any>(`query ($id: ID!) { application(id: $id) { clients(first: 2) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }`, {
        id: app.id,
      }),
    );
    const page1 = firstPage.application.clients;
    expect(page1.edges).toHaveLength(2);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const secondPage = expectOk(
      await h.run<any>(
        `query ($id: ID!, $after: String) { application(id: $id) { clients(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage } } } }`,
        { id: app.id, after: page1.pageInfo.endCursor },
      ),
    );
    const ids = [...page1.edges, ...secondPage.application.clients.edges].map((e: any) => e.node.id);
    expect(ids.sort()).toEqual([...expected].sort());
    expect(secondPage.application.clients.pageInfo.hasNextPage).toBe(false);

    // Another organization sees none of them.
    const foreign = expectOk(
      await h.run<any>(`query ($a: ID!) { clients(filter: { applicationId: $a }) { totalCount } }`, { a: app.id }, { token: await h.token({ org: 'org-b' }) }),
    );
    expect(foreign.clients.totalCount).toBe(0);
  });
});
