import { SCOPES } from '../src/auth/scopes';
import { type Harness, codes, createHarness, fieldPaths } from './helpers/harness';
import { APPLICATION_FIELDS, CREATE_APPLICATION, CREATE_CLIENT, DELETE_APPLICATION, UPDATE_APPLICATION, createApp, unique } from './helpers/operations';

let h: Harness;
/** Every scope except platform:write. */
let customerToken: string;

beforeAll(async () => {
  h = await createHarness();
  customerToken = await h.token({ scopes: SCOPES.filter((scope) => scope !== 'platform:write') });
});

afterAll(async () => {
  await h?.close();
});

async function rowCounts() {
  return { applications: await h.count('applications'), clients: await h.count('clients') };
}

const GET_APPLICATION = `query ($id: ID!) { application(id: $id) { ${APPLICATION_FIELDS} defaultClient { id } } }`;

async function readApplication(id: string, token?: string) {
  const result = await h.run(GET_APPLICATION, { id }, token ? { token } : {});
  expect(result.errors).toBeUndefined();
  return result.data!.application as Record<string, any> | null;
}

const SECRET_PATTERN = /^clv_cs_[A-Za-z0-9_-]{43,}$/;

describe('createApplication', () => {
  test('derives the slug from the name and de-duplicates it within the zone', async () => {
    const name = `Billing Portal (EU) ${unique('n')}`;
    const base = name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
    const first = await createApp(h, { identifier: unique('billing'), name });
    const second = await createApp(h, { identifier: unique('billing'), name });
    const third = await createApp(h, { identifier: unique('billing'), name });
    expect(first.application.slug).toBe(base);
    expect(second.application.slug).toBe(`${base}-2`);
    expect(third.application.slug).toBe(`${base}-3`);

    // Another zone has its own slugs.
    const elsewhere = await createApp(h, { identifier: unique('billing'), name, zoneId: unique('zone') });
    expect(elsewhere.application.slug).toBe(base);
  });

  test('derives a lowercase URL-safe slug from punctuation and accents', async () => {
    const { application } = await createApp(h, { identifier: unique('accent'), name: 'Crème Brûlée — Über App!' });
    expect(application.slug).toBe('creme-brulee-uber-app');
  });

  test('keeps an explicit slug', async () => {
    const slug = unique('explicit');
    const { application } = await createApp(h, { identifier: unique('id'), name: 'Whatever Name', slug });
    expect(application.slug).toBe(slug);
  });

  test('defaults: zone "default", CUSTOMER owner, organization from the token, version 1', async () => {
    const identifier = unique('defaults');
    const { application } = await createApp(h, { identifier, name: 'Defaults' });
    expect(application).toMatchObject({
      identifier,
      name: 'Defaults',
      zoneId: 'default',
      ownerType: 'CUSTOMER',
      organizationId: 'org-a',
      description: null,
      metadata: null,
      protocols: null,
      dependencies: [],
      dependenciesCount: 0,
      version: 1,
    });
    expect(application.id).toMatch(/^app_[0-9a-z]+$/);
    expect(new Date(application.createdAt).getTime()).toBe(new Date(application.updatedAt).getTime());
  });

  test('round-trips description, metadata, protocols and dependencies (stored, not just echoed)', async () => {
    const input = {
      identifier: unique('roundtrip'),
      name: 'Round Trip',
      description: 'An application with everything set.',
      zoneId: unique('zone'),
      metadata: { docsUrl: 'https://docs.example.com/round-trip' },
      protocols: {
        oauth2: { redirectUris: ['https://app.example.com/callback', 'http://127.0.0.1:8080/cb'], postLogoutRedirectUris: ['https://app.example.com/bye'] },
      },
      dependencies: ['https://api.example.com/', 'urn:example:billing', 'https://api.example.com/'],
    };
    const { application } = await createApp(h, input);
    const expected = {
      description: input.description,
      zoneId: input.zoneId,
      metadata: input.metadata,
      protocols: input.protocols,
      // duplicates are dropped
      dependencies: ['https://api.example.com/', 'urn:example:billing'],
      dependenciesCount: 2,
    };
    expect(application).toMatchObject(expected);
    expect(await readApplication(application.id)).toMatchObject(expected);
  });

  test('with redirect URIs in protocols.oauth2 the default client is a WEB authorization-code client', async () => {
    const before = await rowCounts();
    const redirectUris = ['https://web.example.com/callback'];
    const postLogoutRedirectUris = ['https://web.example.com/signed-out'];
    const created = await createApp(h, { identifier: unique('web'), name: 'Web App', protocols: { oauth2: { redirectUris, postLogoutRedirectUris } } });
    expect(created.defaultClient).toMatchObject({
      isDefault: true,
      name: 'Web App',
      clientType: 'WEB',
      visibility: 'PRIVATE',
      grantTypes: ['AUTHORIZATION_CODE', 'REFRESH_TOKEN'],
      responseTypes: ['CODE'],
      tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC',
      redirectUris,
      postLogoutRedirectUris,
      hasSecret: true,
      version: 1,
    });
    expect(created.defaultClient.id).toMatch(/^cli_/);
    expect(created.clientSecret).toMatch(SECRET_PATTERN);
    expect(await rowCounts()).toEqual({ applications: before.applications + 1, clients: before.clients + 1 });
    expect((await readApplication(created.application.id))!.defaultClient.id).toBe(created.defaultClient.id);
  });

  test('without redirect URIs the default client is a MACHINE client-credentials client', async () => {
    const created = await createApp(h, { identifier: unique('machine'), name: 'Batch Job' });
    expect(created.defaultClient).toMatchObject({
      isDefault: true,
      name: 'Batch Job',
      clientType: 'MACHINE',
      grantTypes: ['CLIENT_CREDENTIALS'],
      responseTypes: [],
      tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC',
      redirectUris: [],
      hasSecret: true,
    });
    expect(created.clientSecret).toMatch(SECRET_PATTERN);
  });

  test('the client secret is returned once and never stored in plain text', async () => {
    const a = await createApp(h, { identifier: unique('secret'), name: 'Secret A' });
    const b = await createApp(h, { identifier: unique('secret'), name: 'Secret B' });
    expect(a.clientSecret).not.toBe(b.clientSecret);
    const [row] = await h.dataSource.query(`SELECT count(*)::int AS n FROM clients c WHERE row_to_json(c)::text LIKE '%' || $1 || '%'`, [
      a.clientSecret!.slice(7),
    ]);
    expect(row.n).toBe(0);
    // Reading the application again shows no secret anywhere.
    const again = await h.run(`query ($id: ID!) { application(id: $id) { defaultClient { hasSecret } } }`, { id: a.application.id });
    expect(JSON.stringify(again)).not.toContain(a.clientSecret!);
  });

  test('explicit default client settings are used', async () => {
    const created = await createApp(h, {
      identifier: unique('spa'),
      name: 'Single Page',
      defaultClient: { name: 'Browser', clientType: 'SPA', redirectUris: ['https://spa.example.com/cb'] },
    });
    expect(created.defaultClient).toMatchObject({ name: 'Browser', clientType: 'SPA', tokenEndpointAuthMethod: 'NONE', requirePkce: true, hasSecret: false });
    expect(created.clientSecret).toBeNull();
  });

  test('the application and its default client are written in one transaction', async () => {
    // Make the client insert fail after the application insert succeeded.
    await h.dataSource.query(
      `CREATE FUNCTION reject_client_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'client insert rejected by test'; END $$`,
    );
    await h.dataSource.query(`CREATE TRIGGER reject_client_insert BEFORE INSERT ON clients FOR EACH ROW EXECUTE FUNCTION reject_client_insert()`);
    try {
      const before = await rowCounts();
      const result = await h.run(CREATE_APPLICATION, { input: { identifier: unique('atomic'), name: 'Atomic' } });
      expect(result.data).toBeNull();
      expect(codes(result)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(await rowCounts()).toEqual(before);
    } finally {
      await h.dataSource.query(`DROP TRIGGER reject_client_insert ON clients`);
      await h.dataSource.query(`DROP FUNCTION reject_client_insert()`);
    }
  });
});

describe('concurrent creates', () => {
  test('applications created at the same time with the same name all get distinct derived slugs', async () => {
    const name = `Concurrent ${unique('c')}`;
    const results = await Promise.all(Array.from({ length: 5 }, () => h.run(CREATE_APPLICATION, { input: { identifier: unique('concurrent'), name } })));
    expect(results.map((result) => codes(result))).toEqual([[], [], [], [], []]);
    const slugs = results.map((result) => result.data!.createApplication.application.slug as string);
    expect(new Set(slugs).size).toBe(5);
  });
});

describe('idempotencyKey (API.md: a retried create returns the first result)', () => {
  test('the same key and input returns the first application, without re-revealing the secret', async () => {
    const input = { identifier: unique('idem'), name: 'Idempotent', idempotencyKey: unique('key') };
    const first = await h.run(CREATE_APPLICATION, { input });
    expect(first.errors).toBeUndefined();
    const before = await rowCounts();
    const replay = await h.run(CREATE_APPLICATION, { input });
    expect(replay.errors).toBeUndefined();
    expect(replay.data!.createApplication.application.id).toBe(first.data!.createApplication.application.id);
    expect(replay.data!.createApplication.defaultClient.id).toBe(first.data!.createApplication.defaultClient.id);
    expect(replay.data!.createApplication.clientSecret).toBeNull();
    expect(await rowCounts()).toEqual(before);
  });

  test('the same key with a different input is a CONFLICT and writes nothing', async () => {
    const idempotencyKey = unique('key');
    await createApp(h, { identifier: unique('idem'), name: 'Idempotent', idempotencyKey });
    const before = await rowCounts();
    const other = await h.run(CREATE_APPLICATION, { input: { identifier: unique('idem-other'), name: 'Different', idempotencyKey } });
    expect(codes(other)).toEqual(['CONFLICT']);
    expect(await rowCounts()).toEqual(before);
  });
});

describe('createApplication validation', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['a slug that is not lowercase URL-safe', { slug: 'Not A Slug' }, ['slug']],
    ['a slug with a double hyphen', { slug: 'a--b' }, ['slug']],
    ['a name over 200 characters', { name: 'n'.repeat(201) }, ['name']],
    ['an empty name', { name: '' }, ['name']],
    ['an identifier with whitespace', { identifier: 'has space' }, ['identifier']],
    ['a zone id with whitespace', { zoneId: 'a zone' }, ['zoneId']],
    ['a dependency that is not an absolute URI', { dependencies: ['https://ok.example.com/', 'not a uri'] }, ['dependencies.1']],
    ['a dependency with a fragment', { dependencies: ['https://api.example.com/#x'] }, ['dependencies.0']],
    ['a docs URL that is not https', { metadata: { docsUrl: 'http://docs.example.com' } }, ['metadata.docsUrl']],
    [
      'an http redirect URI on a public host in protocols',
      { protocols: { oauth2: { redirectUris: ['http://evil.example.com/cb'] } } },
      ['protocols.oauth2.redirectUris.0'],
    ],
    [
      'a wildcard post-logout URI in protocols',
      { protocols: { oauth2: { redirectUris: ['https://a.example.com/cb'], postLogoutRedirectUris: ['https://*.example.com/'] } } },
      ['protocols.oauth2.postLogoutRedirectUris.0'],
    ],
    ['an empty default client name', { defaultClient: { name: '' } }, ['defaultClient.name']],
    ['an out-of-range default client token TTL', { defaultClient: { accessTokenTtl: 0 } }, ['defaultClient.accessTokenTtl']],
    [
      'bad default client URIs and scopes',
      { defaultClient: { redirectUris: ['https://app.example.com/cb#fragment'], scopes: ['read write'] } },
      ['defaultClient.redirectUris.0', 'defaultClient.scopes.0'],
    ],
    [
      'a MACHINE default client with the authorization-code grant',
      { defaultClient: { clientType: 'MACHINE', grantTypes: ['AUTHORIZATION_CODE'], responseTypes: ['CODE'], redirectUris: ['https://m.example.com/cb'] } },
      ['defaultClient.grantTypes'],
    ],
    ['several invalid fields at once', { name: '', slug: 'Bad Slug', identifier: 'a b' }, ['identifier', 'name', 'slug']],
  ];

  test.each(cases)('%s → BAD_USER_INPUT, nothing written', async (_title, override, paths) => {
    const before = await rowCounts();
    const input = { identifier: unique('invalid'), name: 'Invalid', ...override };
    const result = await h.run(CREATE_APPLICATION, { input });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.data).toBeNull();
    expect([...fieldPaths(result)].sort()).toEqual([...paths].sort());
    for (const field of result.errors![0].extensions!.fields as { message: string }[]) expect(field.message).toEqual(expect.any(String));
    expect(await rowCounts()).toEqual(before);
  });
});

describe('uniqueness within a zone', () => {
  test('a duplicate identifier in the same zone is a CONFLICT and writes nothing', async () => {
    const identifier = unique('dup');
    await createApp(h, { identifier, name: 'First' });
    const before = await rowCounts();
    const result = await h.run(CREATE_APPLICATION, { input: { identifier, name: 'Second' } });
    expect(codes(result)).toEqual(['CONFLICT']);
    expect(result.errors![0].message).toMatch(/identifier/);
    expect(await rowCounts()).toEqual(before);
  });

  test('a duplicate slug in the same zone is a CONFLICT and writes nothing', async () => {
    const slug = unique('dupslug');
    await createApp(h, { identifier: unique('a'), name: 'First', slug });
    const before = await rowCounts();
    const result = await h.run(CREATE_APPLICATION, { input: { identifier: unique('b'), name: 'Second', slug } });
    expect(codes(result)).toEqual(['CONFLICT']);
    expect(result.errors![0].message).toMatch(/slug/);
    expect(await rowCounts()).toEqual(before);
  });

  test('the same identifier and slug in another zone or another organization is fine', async () => {
    const identifier = unique('shared');
    const slug = unique('shared-slug');
    const zoneA = unique('zone');
    await createApp(h, { identifier, slug, name: 'Zone default' });
    const otherZone = await createApp(h, { identifier, slug, name: 'Other zone', zoneId: zoneA });
    expect(otherZone.application).toMatchObject({ identifier, slug, zoneId: zoneA });
    const otherOrg = await createApp(h, { identifier, slug, name: 'Other org' }, await h.token({ org: 'org-b' }));
    expect(otherOrg.application).toMatchObject({ identifier, slug, zoneId: 'default', organizationId: 'org-b' });
  });

  test('updating to an identifier or slug taken in the zone is a CONFLICT and changes nothing', async () => {
    const taken = await createApp(h, { identifier: unique('taken'), name: 'Taken' });
    const { application } = await createApp(h, { identifier: unique('mover'), name: 'Mover' });
    for (const change of [{ identifier: taken.application.identifier }, { slug: taken.application.slug }]) {
      const result = await h.run(UPDATE_APPLICATION, { input: { id: application.id, ...change } });
      expect(codes(result)).toEqual(['CONFLICT']);
      expect(await readApplication(application.id)).toMatchObject({ identifier: application.identifier, slug: application.slug, version: 1 });
    }
  });
});

describe('updateApplication', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  test('changes only the given fields, increments the version and moves updatedAt', async () => {
    const { application: created } = await createApp(h, {
      identifier: unique('partial'),
      name: 'Before',
      description: 'kept',
      metadata: { docsUrl: 'https://docs.example.com/kept' },
      protocols: { oauth2: { redirectUris: ['https://kept.example.com/cb'] } },
      dependencies: ['https://api.example.com/kept'],
    });
    await sleep(5);
    const result = await h.run(UPDATE_APPLICATION, { input: { id: created.id, name: 'After' } });
    expect(result.errors).toBeUndefined();
    const updated = result.data!.updateApplication.application;
    const { name: _n, version: _v, updatedAt: _u, ...unchanged } = created;
    expect(updated).toMatchObject({ ...unchanged, name: 'After', version: 2 });
    // In-process results carry Date objects (serialised to ISO strings only over HTTP).
    expect(new Date(updated.updatedAt).getTime()).toBeGreaterThan(new Date(created.updatedAt).getTime());
    expect(new Date(updated.createdAt).getTime()).toBe(new Date(created.createdAt).getTime());
    expect(await readApplication(created.id)).toMatchObject({ ...unchanged, name: 'After', version: 2, updatedAt: updated.updatedAt });
  });

  test('updates every updatable field and clears nullable ones with null', async () => {
    const { application: created } = await createApp(h, {
      identifier: unique('all'),
      name: 'All',
      description: 'old',
      metadata: { docsUrl: 'https://docs.example.com/old' },
    });
    const input = {
      id: created.id,
      identifier: unique('all-new'),
      slug: unique('all-new-slug'),
      name: 'All New',
      description: null,
      metadata: null,
      protocols: { oauth2: { redirectUris: ['https://new.example.com/cb'] } },
      dependencies: ['urn:example:new'],
    };
    const result = await h.run(UPDATE_APPLICATION, { input });
    expect(result.errors).toBeUndefined();
    const expected = {
      identifier: input.identifier,
      slug: input.slug,
      name: 'All New',
      description: null,
      metadata: null,
      protocols: { oauth2: { redirectUris: ['https://new.example.com/cb'], postLogoutRedirectUris: [] } },
      dependencies: ['urn:example:new'],
      dependenciesCount: 1,
      version: 2,
    };
    expect(result.data!.updateApplication.application).toMatchObject(expected);
    expect(await readApplication(created.id)).toMatchObject(expected);
  });

  test('a stale expectedVersion is a CONFLICT and changes nothing', async () => {
    const { application } = await createApp(h, { identifier: unique('stale'), name: 'Stale' });
    expect((await h.run(UPDATE_APPLICATION, { input: { id: application.id, name: 'v2' } })).errors).toBeUndefined();
    const result = await h.run(UPDATE_APPLICATION, { input: { id: application.id, expectedVersion: 1, name: 'lost update' } });
    expect(codes(result)).toEqual(['CONFLICT']);
    expect(result.data).toBeNull();
    expect(await readApplication(application.id)).toMatchObject({ name: 'v2', version: 2 });
  });

  test('a matching expectedVersion works', async () => {
    const { application } = await createApp(h, { identifier: unique('match'), name: 'Match' });
    const result = await h.run(UPDATE_APPLICATION, { input: { id: application.id, expectedVersion: 1, description: 'ok' } });
    expect(result.errors).toBeUndefined();
    expect(result.data!.updateApplication.application).toMatchObject({ description: 'ok', version: 2 });
    const next = await h.run(UPDATE_APPLICATION, { input: { id: application.id, expectedVersion: 2, description: 'again' } });
    expect(next.data!.updateApplication.application).toMatchObject({ description: 'again', version: 3 });
  });

  test.each([
    ['slug', { slug: 'Upper Case' }, ['slug']],
    ['identifier', { identifier: 'with space' }, ['identifier']],
    ['protocols', { protocols: { oauth2: { redirectUris: ['https://ok.example.com/cb', 'ftp://bad.example.com/'] } } }, ['protocols.oauth2.redirectUris.1']],
    ['dependencies', { dependencies: ['relative/path'] }, ['dependencies.0']],
  ])('invalid %s → BAD_USER_INPUT and nothing changes', async (_field, change, paths) => {
    const { application } = await createApp(h, { identifier: unique('badupdate'), name: 'Bad Update' });
    const result = await h.run(UPDATE_APPLICATION, { input: { id: application.id, ...change } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(paths);
    expect(await readApplication(application.id)).toMatchObject({
      identifier: application.identifier,
      slug: application.slug,
      protocols: null,
      dependencies: [],
      version: 1,
    });
  });

  test('an unknown id is NOT_FOUND', async () => {
    const result = await h.run(UPDATE_APPLICATION, { input: { id: 'app_00000000000000000000000000', name: 'x' } });
    expect(codes(result)).toEqual(['NOT_FOUND']);
  });
});

describe('deleteApplication', () => {
  test('deletes the application and all its clients', async () => {
    const created = await createApp(h, { identifier: unique('del'), name: 'Delete Me' });
    const extra = await h.run(CREATE_CLIENT, { input: { applicationId: created.application.id, name: 'Extra' } });
    expect(extra.errors).toBeUndefined();
    const clientsOf = async () => (await h.dataSource.query(`SELECT count(*)::int AS n FROM clients WHERE application_id = $1`, [created.application.id]))[0].n;
    expect(await clientsOf()).toBe(2);
    const before = await rowCounts();

    const result = await h.run(DELETE_APPLICATION, { input: { id: created.application.id } });
    expect(result.errors).toBeUndefined();
    expect(result.data!.deleteApplication.deletedId).toBe(created.application.id);
    expect(await clientsOf()).toBe(0);
    expect(await rowCounts()).toEqual({ applications: before.applications - 1, clients: before.clients - 2 });
    expect(await readApplication(created.application.id)).toBeNull();
    const client = await h.run(`query ($id: ID!) { client(id: $id) { id } }`, { id: created.defaultClient.id });
    expect(client.data!.client).toBeNull();
  });

  test('an unknown id is NOT_FOUND and deletes nothing', async () => {
    const before = await rowCounts();
    const result = await h.run(DELETE_APPLICATION, { input: { id: 'app_00000000000000000000000000' } });
    expect(codes(result)).toEqual(['NOT_FOUND']);
    expect(await rowCounts()).toEqual(before);
  });
});

describe('PLATFORM-owned applications', () => {
  test('creating one without platform:write is FORBIDDEN and writes nothing', async () => {
    const before = await rowCounts();
    const result = await h.run(
      CREATE_APPLICATION,
      { input: { identifier: unique('plat'), name: 'Platform', ownerType: 'PLATFORM' } },
      { token: customerToken },
    );
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(result.data).toBeNull();
    expect(await rowCounts()).toEqual(before);
  });

  test('creating a CUSTOMER one needs no platform:write', async () => {
    const { application } = await createApp(h, { identifier: unique('cust'), name: 'Customer', ownerType: 'CUSTOMER' }, customerToken);
    expect(application.ownerType).toBe('CUSTOMER');
  });

  test('with platform:write it can be created, updated and deleted', async () => {
    const platformToken = await h.token({ scopes: ['applications:read', 'applications:write', 'applications:delete', 'platform:write'] });
    const { application } = await createApp(h, { identifier: unique('plat'), name: 'Platform', ownerType: 'PLATFORM' }, platformToken);
    expect(application.ownerType).toBe('PLATFORM');
    const updated = await h.run(UPDATE_APPLICATION, { input: { id: application.id, name: 'Platform 2' } }, { token: platformToken });
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateApplication.application).toMatchObject({ name: 'Platform 2', version: 2 });
    const deleted = await h.run(DELETE_APPLICATION, { input: { id: application.id } }, { token: platformToken });
    expect(deleted.errors).toBeUndefined();
    expect(await readApplication(application.id)).toBeNull();
  });

  test('updating, deleting or adding a client to one without platform:write is FORBIDDEN and changes nothing', async () => {
    const { application } = await createApp(h, { identifier: unique('plat'), name: 'Platform', ownerType: 'PLATFORM' });
    const before = await rowCounts();

    const update = await h.run(UPDATE_APPLICATION, { input: { id: application.id, name: 'Hijacked' } }, { token: customerToken });
    expect(codes(update)).toEqual(['FORBIDDEN']);
    const remove = await h.run(DELETE_APPLICATION, { input: { id: application.id } }, { token: customerToken });
    expect(codes(remove)).toEqual(['FORBIDDEN']);
    const addClient = await h.run(CREATE_CLIENT, { input: { applicationId: application.id, name: 'Sneaky' } }, { token: customerToken });
    expect(codes(addClient)).toEqual(['FORBIDDEN']);

    expect(await rowCounts()).toEqual(before);
    expect(await readApplication(application.id)).toMatchObject({ name: 'Platform', version: 1, ownerType: 'PLATFORM' });
  });

  test('reading one needs only applications:read', async () => {
    const { application } = await createApp(h, { identifier: unique('plat-read'), name: 'Platform Readable', ownerType: 'PLATFORM' });
    const readOnly = await h.token({ scopes: ['applications:read'] });
    expect(await readApplication(application.id, readOnly)).toMatchObject({ id: application.id, ownerType: 'PLATFORM' });
    const list = await h.run(`{ applications(first: 100, filter: { ownerType: PLATFORM }) { edges { node { id } } } }`, {}, { token: readOnly });
    expect(list.errors).toBeUndefined();
    expect(list.data!.applications.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(application.id);
  });
});
