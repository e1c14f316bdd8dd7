import { SCOPES } from '../src/auth/scopes';
import { Provider } from '../src/providers/provider.entity';
import { type Harness, type Result, TEST_KEY_RING, codes, createHarness, expectOk, fieldPaths, paths } from './helpers/harness';
import { CREATE_APPLICATION } from './helpers/operations';

/** Providers: CRUD, validation, the encrypted client secret, tenancy and scopes. */

const PROVIDER = `
  id organizationId zoneId identifier slug name description ownerType type clientId clientSecretSet
  metadata { docsUrl }
  protocols {
    oauth2 {
      issuer authorizationEndpoint tokenEndpoint revocationEndpoint authorizationParameters
      authorizationResourceEnabled authorizationResourceParameter scopeParameter scopeSeparator tokenResponseAccessTokenPointer
    }
    openid { discoveryUri userinfoUri jwksUri endSessionUri idTokenSigningAlgorithms scopes }
  }
  version createdAt updatedAt
`;

const CREATE = `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { ${PROVIDER} } } }`;
const UPDATE = `mutation ($input: UpdateProviderInput!) { updateProvider(input: $input) { provider { ${PROVIDER} } } }`;
const DELETE = `mutation ($input: DeleteProviderInput!) { deleteProvider(input: $input) { deletedId } }`;
const GET = `query ($id: ID!) { provider(id: $id) { ${PROVIDER} } }`;
const LIST = `query ($first: Int, $after: String, $filter: ProviderFilter) {
  providers(first: $first, after: $after, filter: $filter) { totalCount edges { cursor node { id zoneId type } } pageInfo { hasNextPage endCursor } }
}`;
const NODE = `query ($id: ID!) { node(id: $id) { __typename id ... on Provider { name } } }`;
const CREATE_CREDENTIAL =
  'mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { ' + 'credential { __typename ... on TokenCredential { id providerId } } } }';
const DELETE_CREDENTIAL = `mutation ($input: DeleteCredentialInput!) { deleteCredential(input: $input) { deletedId } }`;

type ProviderData = Record<string, any> & { id: string; version: number };

let h: Harness;
let seq = 0;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

/** The stored client secret in the clear, opened with the harness's key ring as Clavis would. */
const revealClientSecret = (provider: Provider) => (provider.clientSecretEncrypted ? TEST_KEY_RING.decrypt(provider.clientSecretEncrypted, provider.id) : null);
const without = (scope: string) => SCOPES.filter((s) => s !== scope);

function next(prefix = 'idp'): string {
  seq += 1;
  return `${prefix}-${seq}`;
}

async function create(input: Record<string, unknown>, token?: string) {
  return h.run<any>(CREATE, { input }, { token });
}

async function createOk(input: Record<string, unknown> = {}, token?: string): Promise<ProviderData> {
  const identifier = next();
  return expectOk(await create({ identifier, name: `Provider ${identifier}`, ...input }, token)).createProvider.provider;
}

async function update(input: Record<string, unknown>, token?: string) {
  return h.run<any>(UPDATE, { input }, { token });
}

async function get(id: string, token?: string): Promise<ProviderData | null> {
  return expectOk(await h.run<any>(GET, { id }, { token })).provider;
}

async function row(id: string): Promise<Record<string, any> | undefined> {
  const [found] = await h.dataSource.query('SELECT row_to_json(p)::jsonb AS row FROM providers p WHERE id = $1', [id]);
  return found?.row;
}

async function entity(id: string): Promise<Provider> {
  return h.dataSource.getRepository(Provider).findOneByOrFail({ id });
}

const FULL_PROTOCOLS = {
  oauth2: {
    issuer: 'https://idp.example.com',
    authorizationEndpoint: 'https://idp.example.com/oauth2/authorize',
    tokenEndpoint: 'https://idp.example.com/oauth2/token',
    revocationEndpoint: 'https://idp.example.com/oauth2/revoke',
    authorizationParameters: { prompt: 'consent', access_type: 'offline' },
    authorizationResourceEnabled: true,
    authorizationResourceParameter: 'audience',
    scopeParameter: 'scope',
    scopeSeparator: ',',
    tokenResponseAccessTokenPointer: '/data/access_token',
  },
  openid: {
    discoveryUri: 'https://idp.example.com/.well-known/openid-configuration',
    userinfoUri: 'https://idp.example.com/userinfo',
    jwksUri: 'https://idp.example.com/.well-known/jwks.json',
    endSessionUri: 'https://idp.example.com/logout',
    idTokenSigningAlgorithms: ['RS256', 'ES256', 'EdDSA'],
    scopes: ['openid', 'profile', 'email'],
  },
};

describe('createProvider', () => {
  it('applies the defaults: EXTERNAL, zone "default", CUSTOMER, slug from the name, no secret', async () => {
    const before = await h.count('providers');
    const result = await create({ identifier: 'acme-eu', name: 'Acme Identity (EU)' });
    const provider = expectOk(result).createProvider.provider;
    expect(provider).toEqual({
      id: expect.stringMatching(/^prv_[0-9a-z]{26}$/),
      organizationId: 'org-a',
      zoneId: 'default',
      identifier: 'acme-eu',
      slug: 'acme-identity-eu',
      name: 'Acme Identity (EU)',
      description: null,
      ownerType: 'CUSTOMER',
      type: 'EXTERNAL',
      clientId: null,
      clientSecretSet: false,
      metadata: null,
      protocols: null,
      version: 1,
      createdAt: expect.anything(),
      updatedAt: expect.anything(),
    });
    expect(await h.count('providers')).toBe(before + 1);
    expect(await get(provider.id)).toEqual(provider);
  });

  it('derives a free slug when the name repeats in a zone, and the same slug in another zone', async () => {
    const a = await createOk({ name: 'Repeated Name' });
    const b = await createOk({ name: 'Repeated Name' });
    const c = await createOk({ name: 'Repeated Name', zoneId: 'other-zone' });
    expect([a.slug, b.slug, c.slug]).toEqual(['repeated-name', 'repeated-name-2', 'repeated-name']);
    expect(c.zoneId).toBe('other-zone');
  });

  it('round-trips every field, oauth2 and openid protocols included', async () => {
    const input = {
      identifier: 'full-provider',
      name: 'Full',
      slug: 'full-slug',
      description: 'Every field',
      zoneId: 'eu',
      type: 'STS',
      clientId: 'clavis-at-idp',
      metadata: { docsUrl: 'https://docs.example.com/idp' },
      protocols: FULL_PROTOCOLS,
    };
    const provider = expectOk(await create(input)).createProvider.provider;
    expect(provider).toMatchObject({
      identifier: 'full-provider',
      name: 'Full',
      slug: 'full-slug',
      description: 'Every field',
      zoneId: 'eu',
      type: 'STS',
      clientId: 'clavis-at-idp',
      clientSecretSet: false,
      metadata: { docsUrl: 'https://docs.example.com/idp' },
      protocols: FULL_PROTOCOLS,
    });
    expect((await get(provider.id))!.protocols).toEqual(FULL_PROTOCOLS);
    expect((await row(provider.id))!.protocols).toEqual(FULL_PROTOCOLS);
  });

  it('stores only the protocol sections given', async () => {
    const provider = await createOk({ protocols: { openid: { jwksUri: 'https://idp.example.com/jwks' } } });
    expect(provider.protocols).toEqual({
      oauth2: null,
      openid: {
        discoveryUri: null,
        userinfoUri: null,
        jwksUri: 'https://idp.example.com/jwks',
        endSessionUri: null,
        idTokenSigningAlgorithms: null,
        scopes: null,
      },
    });
  });

  it.each(['VAULT', 'STS', 'EXTERNAL'])('accepts type %s', async (type) => {
    expect((await createOk({ type })).type).toBe(type);
  });

  it.each([
    ['oauth2', 'issuer', 'http://idp.example.com'],
    ['oauth2', 'authorizationEndpoint', 'http://idp.example.com/authorize'],
    ['oauth2', 'tokenEndpoint', '/relative/token'],
    ['oauth2', 'revocationEndpoint', 'ftp://idp.example.com/revoke'],
    ['openid', 'discoveryUri', 'http://idp.example.com/.well-known/openid-configuration'],
    ['openid', 'userinfoUri', 'not a url'],
    ['openid', 'jwksUri', 'http://idp.example.com/jwks'],
    ['openid', 'endSessionUri', 'http://idp.example.com/logout'],
  ])('protocols.%s.%s must be an absolute https URL (%s): BAD_USER_INPUT, nothing written', async (section, field, value) => {
    const before = await h.count('providers');
    const result = await create({ identifier: next(), name: 'Bad URL', protocols: { [section]: { [field]: value } } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual([`protocols.${section}.${field}`]);
    expect(await h.count('providers')).toBe(before);
  });

  it('reports every bad URL at once', async () => {
    const result = await create({
      identifier: next(),
      name: 'Bad URLs',
      protocols: { oauth2: { issuer: 'http://a.example.com', tokenEndpoint: 'https://ok.example.com/token' }, openid: { jwksUri: 'http://b.example.com' } },
    });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(paths(result)).toEqual(['protocols.oauth2.issuer', 'protocols.openid.jwksUri']);
  });

  it.each([
    ['a number', { prompt: 1 }, 'protocols.oauth2.authorizationParameters.prompt'],
    ['a boolean', { prompt: true }, 'protocols.oauth2.authorizationParameters.prompt'],
    ['an object', { prompt: { nested: 'x' } }, 'protocols.oauth2.authorizationParameters.prompt'],
    ['a list', { prompt: ['a'] }, 'protocols.oauth2.authorizationParameters.prompt'],
    ['null', { prompt: null }, 'protocols.oauth2.authorizationParameters.prompt'],
    ['too long', { prompt: 'x'.repeat(1025) }, 'protocols.oauth2.authorizationParameters.prompt'],
    ['a bad name', { 'bad name': 'x' }, 'protocols.oauth2.authorizationParameters.bad name'],
  ])('authorizationParameters must hold string values: %s → BAD_USER_INPUT', async (_label, authorizationParameters, path) => {
    const before = await h.count('providers');
    const result = await create({ identifier: next(), name: 'Params', protocols: { oauth2: { authorizationParameters } } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual([path]);
    expect(await h.count('providers')).toBe(before);
  });

  it('authorizationParameters holds at most 50 parameters', async () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`p${i}`, 'v']));
    const result = await create({ identifier: next(), name: 'Many', protocols: { oauth2: { authorizationParameters: many } } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['protocols.oauth2.authorizationParameters']);
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`p${i}`, 'v']));
    expect((await createOk({ protocols: { oauth2: { authorizationParameters: fifty } } })).protocols.oauth2.authorizationParameters).toEqual(fifty);
  });

  it.each(['/access_token', '/data/token', '/a~1b/c~0d', ''])('accepts the JSON pointer %p', async (pointer) => {
    expect((await createOk({ protocols: { oauth2: { tokenResponseAccessTokenPointer: pointer } } })).protocols.oauth2.tokenResponseAccessTokenPointer).toBe(
      pointer,
    );
  });

  it.each(['access_token', '/a~2', '/a~', 'data/token'])('rejects the JSON pointer %p at protocols.oauth2.tokenResponseAccessTokenPointer', async (pointer) => {
    const before = await h.count('providers');
    const result = await create({ identifier: next(), name: 'Pointer', protocols: { oauth2: { tokenResponseAccessTokenPointer: pointer } } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['protocols.oauth2.tokenResponseAccessTokenPointer']);
    expect(await h.count('providers')).toBe(before);
  });

  it('checks a JSON pointer in linear time (no catastrophic backtracking on "////…~")', async () => {
    const started = Date.now();
    const result = await create({ identifier: next(), name: 'Pointer', protocols: { oauth2: { tokenResponseAccessTokenPointer: `${'/'.repeat(30)}~x` } } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it.each([
    ['authorizationResourceParameter', 'has space'],
    ['scopeParameter', 'a&b'],
    ['scopeSeparator', '12345'],
  ])('protocols.oauth2.%s is validated', async (field, value) => {
    const result = await create({ identifier: next(), name: 'Names', protocols: { oauth2: { [field]: value } } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual([`protocols.oauth2.${field}`]);
  });

  it('idTokenSigningAlgorithms accepts asymmetric JWS algorithms only', async () => {
    const result = await create({ identifier: next(), name: 'Algs', protocols: { openid: { idTokenSigningAlgorithms: ['RS256', 'HS256'] } } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['protocols.openid.idTokenSigningAlgorithms']);
  });

  it('metadata.docsUrl must be https', async () => {
    const result = await create({ identifier: next(), name: 'Docs', metadata: { docsUrl: 'http://docs.example.com' } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['metadata.docsUrl']);
  });

  it.each([
    ['identifier', { identifier: 'has space' }],
    ['slug', { slug: 'Not_A_Slug' }],
    ['name', { name: '' }],
    ['zoneId', { zoneId: 'a b' }],
    ['clientSecret', { clientSecret: '' }],
  ])('validates %s', async (path, override) => {
    const before = await h.count('providers');
    const result = await create({ identifier: next(), name: 'Validated', ...override });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(paths(result)).toEqual([path]);
    expect(await h.count('providers')).toBe(before);
  });

  it('a duplicate identifier or slug in a zone is CONFLICT and writes nothing; other zones and organizations are free', async () => {
    const first = await createOk({ identifier: 'dup-id', slug: 'dup-slug' });
    const before = await h.count('providers');
    const sameIdentifier = await create({ identifier: 'dup-id', name: 'Other', slug: 'other-slug' });
    expect(codes(sameIdentifier)).toEqual(['CONFLICT']);
    const sameSlug = await create({ identifier: 'other-id', name: 'Other', slug: 'dup-slug' });
    expect(codes(sameSlug)).toEqual(['CONFLICT']);
    expect(await h.count('providers')).toBe(before);

    const otherZone = expectOk(await create({ identifier: 'dup-id', name: 'Other zone', slug: 'dup-slug', zoneId: 'zone-2' })).createProvider.provider;
    expect(otherZone).toMatchObject({ identifier: 'dup-id', slug: 'dup-slug', zoneId: 'zone-2' });
    const otherOrg = expectOk(await create({ identifier: 'dup-id', name: 'Other org', slug: 'dup-slug' }, await h.token({ org: 'org-b' }))).createProvider
      .provider;
    expect(otherOrg).toMatchObject({ identifier: 'dup-id', slug: 'dup-slug', organizationId: 'org-b' });
    expect(first.id).not.toBe(otherOrg.id);
  });

  it('the organization comes from the token, never from input', async () => {
    const result = await create({ identifier: next(), name: 'Org', organizationId: 'org-b' });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    const provider = await createOk({}, await h.token({ org: 'org-c' }));
    expect(provider.organizationId).toBe('org-c');
  });
});

describe('the client secret', () => {
  const SECRET = 'provider-client-secret-PLAINTEXT-1234567890';

  it('is stored AES-256-GCM encrypted; only clientSecretSet is exposed; the key ring opens it', async () => {
    const provider = await createOk({ clientId: 'clavis', clientSecret: SECRET });
    expect(provider.clientSecretSet).toBe(true);
    expect(JSON.stringify(provider)).not.toContain(SECRET);

    const stored = (await row(provider.id))!;
    expect(stored.client_secret_encrypted).toEqual(expect.any(String));
    expect(stored.client_secret_encrypted).not.toContain(SECRET);
    expect(stored.client_secret_encrypted).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(stored.client_secret_encrypted).not.toContain(Buffer.from(SECRET).toString('base64url'));
    // Sealed under the first key of the ring, with a 12-byte IV and a 16-byte tag.
    const [format, keyId, iv, tag] = stored.client_secret_encrypted.split('.');
    expect([format, keyId]).toEqual(['v1', 'test']);
    expect(Buffer.from(iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64url')).toHaveLength(16);

    expect(revealClientSecret(await entity(provider.id))).toBe(SECRET);
  });

  it('cannot be read through GraphQL', async () => {
    const provider = await createOk({ clientSecret: SECRET });
    for (const field of ['clientSecret', 'clientSecretEncrypted']) {
      const result = await h.run(`query ($id: ID!) { provider(id: $id) { ${field} } }`, { id: provider.id });
      expect(codes(result)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    }
  });

  it('is bound to its row: copied onto another provider it does not decrypt', async () => {
    const a = await createOk({ clientSecret: SECRET });
    const b = await createOk({});
    await h.dataSource.query('UPDATE providers SET client_secret_encrypted = (SELECT client_secret_encrypted FROM providers WHERE id = $1) WHERE id = $2', [
      a.id,
      b.id,
    ]);
    expect(revealClientSecret(await entity(a.id))).toBe(SECRET);
    const copied = await entity(b.id);
    expect(copied.clientSecretSet).toBe(true);
    expect(() => revealClientSecret(copied)).toThrow();
  });

  it('the same secret twice gives different ciphertexts', async () => {
    const a = await createOk({ clientSecret: SECRET });
    const b = await createOk({ clientSecret: SECRET });
    expect((await row(a.id))!.client_secret_encrypted).not.toBe((await row(b.id))!.client_secret_encrypted);
  });

  it('updateProvider replaces it, keeps it when omitted, and clearClientSecret removes it', async () => {
    const provider = await createOk({ clientSecret: SECRET });
    const sealed = (await row(provider.id))!.client_secret_encrypted;

    const renamed = expectOk(await update({ id: provider.id, name: 'Renamed' })).updateProvider.provider;
    expect(renamed.clientSecretSet).toBe(true);
    expect((await row(provider.id))!.client_secret_encrypted).toBe(sealed);

    const replaced = expectOk(await update({ id: provider.id, clientSecret: 'second-secret' })).updateProvider.provider;
    expect(replaced.clientSecretSet).toBe(true);
    expect((await row(provider.id))!.client_secret_encrypted).not.toBe(sealed);
    expect((await row(provider.id))!.client_secret_encrypted).not.toContain('second-secret');
    expect(revealClientSecret(await entity(provider.id))).toBe('second-secret');

    const cleared = expectOk(await update({ id: provider.id, clearClientSecret: true })).updateProvider.provider;
    expect(cleared.clientSecretSet).toBe(false);
    expect((await row(provider.id))!.client_secret_encrypted).toBeNull();
    expect(revealClientSecret(await entity(provider.id))).toBeNull();
    expect((await get(provider.id))!.clientSecretSet).toBe(false);

    const setAgain = expectOk(await update({ id: provider.id, clientSecret: 'third-secret' })).updateProvider.provider;
    expect(setAgain.clientSecretSet).toBe(true);
    expect(revealClientSecret(await entity(provider.id))).toBe('third-secret');
  });

  it('clearClientSecret together with clientSecret is BAD_USER_INPUT and changes nothing', async () => {
    const provider = await createOk({ clientSecret: SECRET });
    const before = await row(provider.id);
    const result = await update({ id: provider.id, clientSecret: 'other', clearClientSecret: true });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['clearClientSecret']);
    expect(await row(provider.id)).toEqual(before);
  });
});

describe('updateProvider', () => {
  it('is a partial update that bumps the version', async () => {
    const provider = await createOk({
      description: 'kept',
      clientId: 'kept-client',
      protocols: FULL_PROTOCOLS,
      metadata: { docsUrl: 'https://docs.example.com' },
    });
    const updated = expectOk(await update({ id: provider.id, name: 'New name' })).updateProvider.provider;
    expect(updated).toEqual({ ...provider, name: 'New name', version: provider.version + 1, updatedAt: expect.anything() });
    expect(new Date(updated.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(provider.updatedAt).getTime());
    // The slug stays: it is derived once, not on every rename.
    expect(updated.slug).toBe(provider.slug);
    expect(await get(provider.id)).toEqual(updated);
  });

  it('changes identifier, slug, type, description, clientId, metadata and protocols', async () => {
    const provider = await createOk({ description: 'old', clientId: 'old-client' });
    const input = {
      id: provider.id,
      identifier: 'renamed-identifier',
      slug: 'renamed-slug',
      type: 'VAULT',
      description: null,
      clientId: null,
      metadata: { docsUrl: 'https://docs.example.com/new' },
      protocols: { oauth2: { issuer: 'https://new.example.com' } },
    };
    const updated = expectOk(await update(input)).updateProvider.provider;
    expect(updated).toMatchObject({
      identifier: 'renamed-identifier',
      slug: 'renamed-slug',
      type: 'VAULT',
      description: null,
      clientId: null,
      metadata: { docsUrl: 'https://docs.example.com/new' },
      protocols: { oauth2: { issuer: 'https://new.example.com', tokenEndpoint: null }, openid: null },
      version: 2,
    });
    const cleared = expectOk(await update({ id: provider.id, protocols: null, metadata: null })).updateProvider.provider;
    expect(cleared).toMatchObject({ protocols: null, metadata: null, version: 3 });
  });

  it('expectedVersion: a stale version is CONFLICT and changes nothing; the current one goes through', async () => {
    const provider = await createOk();
    const before = await row(provider.id);
    const stale = await update({ id: provider.id, expectedVersion: provider.version + 1, name: 'Stale' });
    expect(codes(stale)).toEqual(['CONFLICT']);
    expect(await row(provider.id)).toEqual(before);
    const fresh = expectOk(await update({ id: provider.id, expectedVersion: provider.version, name: 'Fresh' })).updateProvider.provider;
    expect(fresh).toMatchObject({ name: 'Fresh', version: provider.version + 1 });
  });

  it('an identifier or slug taken in the zone is CONFLICT and changes nothing', async () => {
    const taken = await createOk({ identifier: 'taken-identifier', slug: 'taken-slug' });
    const provider = await createOk();
    const before = await row(provider.id);
    expect(codes(await update({ id: provider.id, identifier: taken.identifier }))).toEqual(['CONFLICT']);
    expect(codes(await update({ id: provider.id, slug: taken.slug }))).toEqual(['CONFLICT']);
    expect(await row(provider.id)).toEqual(before);
  });

  it('protocols are validated like on create, with the same paths, and nothing changes', async () => {
    const provider = await createOk({ protocols: FULL_PROTOCOLS });
    const before = await row(provider.id);
    const result = await update({
      id: provider.id,
      protocols: { oauth2: { issuer: 'http://idp.example.com', authorizationParameters: { prompt: 3 } }, openid: { userinfoUri: 'http://x.example.com' } },
    });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(paths(result)).toEqual(['protocols.oauth2.authorizationParameters.prompt', 'protocols.oauth2.issuer', 'protocols.openid.userinfoUri']);
    expect(await row(provider.id)).toEqual(before);
  });

  it('an unknown id is NOT_FOUND', async () => {
    expect(codes(await update({ id: 'prv_00000000000000000000000000', name: 'x' }))).toEqual(['NOT_FOUND']);
  });
});

describe('deleteProvider', () => {
  it('is CONFLICT while a token credential uses the provider, and works once none does', async () => {
    const provider = await createOk();
    const application = expectOk(await h.run<any>(CREATE_APPLICATION, { input: { identifier: next('app'), name: 'Uses provider' } })).createApplication
      .application;
    const credential = expectOk(
      await h.run<any>(CREATE_CREDENTIAL, { input: { applicationId: application.id, token: { providerId: provider.id, subject: 'svc' } } }),
    ).createCredential.credential;
    expect(credential).toMatchObject({ __typename: 'TokenCredential', providerId: provider.id });

    const before = await h.count('providers');
    const refused = await h.run(DELETE, { input: { id: provider.id } });
    expect(codes(refused)).toEqual(['CONFLICT']);
    expect(await h.count('providers')).toBe(before);
    expect(await get(provider.id)).not.toBeNull();

    expectOk(await h.run(DELETE_CREDENTIAL, { input: { id: credential.id } }));
    expect(expectOk(await h.run<any>(DELETE, { input: { id: provider.id } })).deleteProvider).toEqual({ deletedId: provider.id });
    expect(await h.count('providers')).toBe(before - 1);
    expect(await get(provider.id)).toBeNull();
    expect(codes(await h.run(DELETE, { input: { id: provider.id } }))).toEqual(['NOT_FOUND']);
  });
});

describe('reading providers', () => {
  it('provider(id) is null for an unknown id', async () => {
    expect(await get('prv_00000000000000000000000000')).toBeNull();
  });

  it('providers lists the organization’s providers, filtered by zone and type', async () => {
    const org = await h.token({ org: 'org-list' });
    const a = await createOk({ zoneId: 'z1', type: 'EXTERNAL' }, org);
    const b = await createOk({ zoneId: 'z1', type: 'VAULT' }, org);
    const c = await createOk({ zoneId: 'z2', type: 'VAULT' }, org);
    const list = async (variables: Record<string, unknown>) => expectOk(await h.run<any>(LIST, variables, { token: org })).providers;

    const all = await list({});
    expect(all.totalCount).toBe(3);
    expect(all.edges.map((e: any) => e.node.id)).toEqual([a.id, b.id, c.id]);
    expect((await list({ filter: { zoneId: 'z1' } })).edges.map((e: any) => e.node.id)).toEqual([a.id, b.id]);
    expect((await list({ filter: { type: 'VAULT' } })).edges.map((e: any) => e.node.id)).toEqual([b.id, c.id]);
    expect((await list({ filter: { zoneId: 'z2', type: 'EXTERNAL' } })).totalCount).toBe(0);

    const page1 = await list({ first: 2 });
    expect(page1.edges.map((e: any) => e.node.id)).toEqual([a.id, b.id]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = await list({ first: 2, after: page1.pageInfo.endCursor });
    expect(page2.edges.map((e: any) => e.node.id)).toEqual([c.id]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
  });

  it('node(id) returns a Provider', async () => {
    const provider = await createOk({ name: 'Node provider' });
    expect(expectOk(await h.run<any>(NODE, { id: provider.id })).node).toEqual({ __typename: 'Provider', id: provider.id, name: 'Node provider' });
  });
});

describe('another organization’s providers look missing', () => {
  let foreign: ProviderData;
  beforeAll(async () => {
    foreign = await createOk({ clientSecret: 'foreign-secret' }, await h.token({ org: 'org-b' }));
  });

  it('provider(id) and node(id) are null; providers does not list it', async () => {
    expect(await get(foreign.id)).toBeNull();
    expect(expectOk(await h.run<any>(NODE, { id: foreign.id })).node).toBeNull();
    const ids = expectOk(await h.run<any>(LIST, { first: 100 })).providers.edges.map((e: any) => e.node.id);
    expect(ids).not.toContain(foreign.id);
    const entities = await h.run<any>(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Provider { id } } }`, {
      r: [{ __typename: 'Provider', id: foreign.id }],
    });
    expect(expectOk(entities)._entities).toEqual([null]);
  });

  it('updateProvider and deleteProvider are NOT_FOUND and change nothing', async () => {
    const before = await row(foreign.id);
    const updated = await update({ id: foreign.id, name: 'Hijacked', clearClientSecret: true });
    expect(codes(updated)).toEqual(['NOT_FOUND']);
    const deleted = await h.run(DELETE, { input: { id: foreign.id } });
    expect(codes(deleted)).toEqual(['NOT_FOUND']);
    expect(await row(foreign.id)).toEqual(before);
  });

  it('the errors are exactly those of a missing id', async () => {
    const missing = 'prv_00000000000000000000000000';
    const strip = (result: Result, id: string) =>
      JSON.stringify(result.errors?.map((e) => ({ ...e, message: e.message.split(id).join('<id>'), extensions: { code: e.extensions?.code } })));
    expect(strip(await update({ id: foreign.id, name: 'x' }), foreign.id)).toBe(strip(await update({ id: missing, name: 'x' }), missing));
    expect(strip(await h.run(DELETE, { input: { id: foreign.id } }), foreign.id)).toBe(strip(await h.run(DELETE, { input: { id: missing } }), missing));
  });
});

describe('scopes and the PLATFORM rule', () => {
  it('reading needs providers:read: FORBIDDEN otherwise', async () => {
    const provider = await createOk();
    const token = await h.token({ scopes: without('providers:read') });
    expect(codes(await h.run(GET, { id: provider.id }, { token }))).toEqual(['FORBIDDEN']);
    expect(codes(await h.run(LIST, {}, { token }))).toEqual(['FORBIDDEN']);
    expect(codes(await h.run(NODE, { id: provider.id }, { token }))).toEqual(['FORBIDDEN']);
    const reader = await h.token({ scopes: ['providers:read'] });
    expect(expectOk(await h.run<any>(GET, { id: provider.id }, { token: reader })).provider.id).toBe(provider.id);
  });

  it('create, update and delete need providers:write: FORBIDDEN otherwise, nothing written', async () => {
    const provider = await createOk();
    const token = await h.token({ scopes: without('providers:write') });
    const count = await h.count('providers');
    const before = await row(provider.id);
    expect(codes(await create({ identifier: next(), name: 'No scope' }, token))).toEqual(['FORBIDDEN']);
    expect(codes(await update({ id: provider.id, name: 'No scope' }, token))).toEqual(['FORBIDDEN']);
    expect(codes(await h.run(DELETE, { input: { id: provider.id } }, { token }))).toEqual(['FORBIDDEN']);
    expect(await h.count('providers')).toBe(count);
    expect(await row(provider.id)).toEqual(before);

    const writer = await h.token({ scopes: ['providers:write'] });
    expect(expectOk(await create({ identifier: next(), name: 'Writer' }, writer)).createProvider.provider.ownerType).toBe('CUSTOMER');
  });

  it('a PLATFORM provider needs platform:write to be created, updated or deleted', async () => {
    const token = await h.token({ scopes: without('platform:write') });
    const count = await h.count('providers');
    expect(codes(await create({ identifier: next(), name: 'Platform', ownerType: 'PLATFORM' }, token))).toEqual(['FORBIDDEN']);
    expect(await h.count('providers')).toBe(count);

    const platform = await createOk({ ownerType: 'PLATFORM' });
    expect(platform.ownerType).toBe('PLATFORM');
    const before = await row(platform.id);
    expect(codes(await update({ id: platform.id, name: 'Changed' }, token))).toEqual(['FORBIDDEN']);
    expect(codes(await update({ id: platform.id, clearClientSecret: true }, token))).toEqual(['FORBIDDEN']);
    expect(codes(await h.run(DELETE, { input: { id: platform.id } }, { token }))).toEqual(['FORBIDDEN']);
    expect(await row(platform.id)).toEqual(before);

    // The same caller still reads it, and changes CUSTOMER providers.
    expect((await get(platform.id, token))!.id).toBe(platform.id);
    const customer = await createOk({}, token);
    expect(expectOk(await update({ id: customer.id, name: 'Changed' }, token)).updateProvider.provider.name).toBe('Changed');

    // With platform:write it goes through.
    expect(expectOk(await update({ id: platform.id, name: 'Changed' })).updateProvider.provider.name).toBe('Changed');
    expect(expectOk(await h.run<any>(DELETE, { input: { id: platform.id } })).deleteProvider.deletedId).toBe(platform.id);
  });
});
