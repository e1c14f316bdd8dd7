import { createHarness, expectOk, type Harness } from './helpers/harness';
import { createApp, unique } from './helpers/operations';

/** RFC 7591 registration and RFC 7592 management over HTTP, with initial access tokens made through GraphQL. */
let h: Harness;
let base: string;
beforeAll(async () => {
  h = await createHarness({
    rateLimits: { mutationsPerMinute: 100_000, authFailures: 10, authFailureWindowSeconds: 900, authLockoutSeconds: 900, registrationsPerMinute: 5 },
  });
  base = await h.listen();
});
afterAll(() => h.close());

const CREATE_TOKEN = `mutation($input: CreateRegistrationTokenInput!) {
  createRegistrationToken(input: $input) { token registrationToken { id applicationId uses maxUses allowedScopes revokedAt } }
}`;
const REVOKE_TOKEN = `mutation($id: ID!) { revokeRegistrationToken(input: { id: $id }) { registrationToken { id revokedAt } } }`;
const CLIENT = `query($id: ID!) { node(id: $id) { ... on Client { id clientId registrationSource softwareId softwareVersion expiresAt hasSecret } } }`;

async function newToken(input: Record<string, unknown> = {}, org = 'org-a') {
  const token = await h.token({ org });
  const { application } = await createApp(h, { identifier: unique('reg-app'), name: 'App' }, token);
  const data = expectOk(await h.run(CREATE_TOKEN, { input: { applicationId: application.id, ...input } }, { token }));
  return { application, token: data.createRegistrationToken.token as string, id: data.createRegistrationToken.registrationToken.id as string };
}

async function call(method: string, path: string, bearer: string | undefined, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

const WEB = { client_name: 'Agent', redirect_uris: ['https://agent.example/callback'], software_id: 'agent-1', software_version: '1.0' };

async function clientRow(clientId: string) {
  const [row] = await h.dataSource.query(`SELECT id, secret_hash, registration_access_token_hash FROM clients WHERE client_id = $1`, [clientId]);
  return row as { id: string; secret_hash: Buffer | null; registration_access_token_hash: Buffer | null } | undefined;
}

test('registers a client (201, RFC 7591 shape, no-store), stored with hashed secrets and visible as DYNAMIC', async () => {
  const { token } = await newToken({ unusedClientExpiryDays: 30 });
  const res = await call('POST', '/oauth/register', token, WEB);
  expect(res.status).toBe(201);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.body).toMatchObject({
    client_name: 'Agent',
    redirect_uris: WEB.redirect_uris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    client_secret_expires_at: 0,
    software_id: 'agent-1',
    registration_client_uri: `${base}/oauth/register/${res.body.client_id}`,
  });
  expect(res.body.client_secret).toMatch(/^clv_cs_/);
  expect(res.body.registration_access_token).toMatch(/^clv_rat_/);
  expect(typeof res.body.client_id_issued_at).toBe('number');
  const row = (await clientRow(res.body.client_id))!;
  expect(row.secret_hash).toHaveLength(32);
  expect(row.registration_access_token_hash).toHaveLength(32);
  expect(row.registration_access_token_hash!.toString('utf8')).not.toContain(res.body.registration_access_token);
  const [tokenRow] = await h.dataSource.query(`SELECT token_hash FROM registration_tokens WHERE token_hash IS NOT NULL LIMIT 1`);
  expect(tokenRow.token_hash).toHaveLength(32);

  const client = expectOk(await h.run(CLIENT, { id: row.id })).node;
  expect(client).toMatchObject({ registrationSource: 'DYNAMIC', softwareId: 'agent-1', softwareVersion: '1.0', hasSecret: true });
  const expiresIn = new Date(client.expiresAt).getTime() - Date.now();
  expect(expiresIn).toBeGreaterThan(29 * 86_400_000);
  expect(expiresIn).toBeLessThanOrEqual(30 * 86_400_000);
});

test('the same software_id and metadata by the same token returns the existing client (200) and uses no quota', async () => {
  const { token, id } = await newToken({ maxUses: 1 });
  const first = await call('POST', '/oauth/register', token, WEB);
  const again = await call('POST', '/oauth/register', token, WEB);
  expect(first.status).toBe(201);
  expect(again.status).toBe(200);
  expect(again.body.client_id).toBe(first.body.client_id);
  expect(again.body.client_secret).toBeUndefined();
  // The earlier registration access token was replaced.
  expect((await call('GET', `/oauth/register/${first.body.client_id}`, first.body.registration_access_token)).status).toBe(401);
  expect((await call('GET', `/oauth/register/${first.body.client_id}`, again.body.registration_access_token)).status).toBe(200);
  const [{ n }] = await h.dataSource.query(`SELECT count(*)::int AS n FROM clients WHERE registration_token_id = $1`, [id]);
  expect(n).toBe(1);
  // Different metadata is a new client, and the token's one use is spent.
  const other = await call('POST', '/oauth/register', token, { ...WEB, client_name: 'Other' });
  expect(other.status).toBe(401);
  expect(other.body.error).toBe('invalid_token');
});

test('a client console-made stays CONSOLE', async () => {
  const { defaultClient } = await createApp(h, { identifier: unique('console'), name: 'App' });
  const client = expectOk(await h.run(CLIENT, { id: defaultClient.id })).node;
  expect(client.registrationSource).toBe('CONSOLE');
  expect(client.expiresAt).toBeNull();
});

test('wrong, missing, revoked and expired initial tokens are 401 invalid_token with WWW-Authenticate', async () => {
  const { token, id } = await newToken();
  for (const bearer of [undefined, 'clv_iat_wrong']) {
    const res = await call('POST', '/oauth/register', bearer, WEB);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
  }
  const expiring = await newToken();
  await h.dataSource.query(`UPDATE registration_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring.id]);
  expect((await call('POST', '/oauth/register', expiring.token, WEB)).status).toBe(401);
  expect((await call('POST', '/oauth/register', token, WEB)).status).toBe(201);
  expectOk(await h.run(REVOKE_TOKEN, { id }));
  expect((await call('POST', '/oauth/register', token, { ...WEB, software_id: 'after-revoke' })).status).toBe(401);
});

test('metadata goes through the client rules: bad redirect URIs are invalid_redirect_uri, others invalid_client_metadata, nothing written', async () => {
  const { token, id } = await newToken();
  const before = await h.count('clients');
  const cases: [unknown, string][] = [
    [{ redirect_uris: ['https://agent.example/cb#frag'] }, 'invalid_redirect_uri'],
    [{ redirect_uris: ['https://*.example/cb'] }, 'invalid_redirect_uri'],
    [{ redirect_uris: ['https://a.example/cb'], grant_types: ['implicit'] }, 'invalid_client_metadata'],
    [{ redirect_uris: ['https://a.example/cb'], response_types: ['token'] }, 'invalid_client_metadata'],
    [{ redirect_uris: ['https://a.example/cb'], logo_uri: 'http://insecure.example/logo.png' }, 'invalid_client_metadata'],
    [{ redirect_uris: ['https://a.example/cb'], client_name: '   ' }, 'invalid_client_metadata'],
    [{ redirect_uris: 'https://a.example/cb' }, 'invalid_client_metadata'],
    [{ redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'client_secret_jwt' }, 'invalid_client_metadata'],
    [{ redirect_uris: ['https://a.example/cb'], software_statement: 'eyJhbGciOiJub25lIn0.e30.' }, 'unapproved_software_statement'],
  ];
  for (const [body, error] of cases) {
    const res = await call('POST', '/oauth/register', token, body);
    expect({ body, status: res.status, error: res.body.error }).toEqual({ body, status: 400, error });
    expect(typeof res.body.error_description).toBe('string');
  }
  const jwt = await call('POST', '/oauth/register', token, cases[7][0]);
  expect(jwt.body.error_description).toContain('client_secret_jwt');
  expect(await h.count('clients')).toBe(before);
  const [{ uses }] = await h.dataSource.query(`SELECT uses FROM registration_tokens WHERE id = $1`, [id]);
  expect(uses).toBe(0);
});

test("a token's allowed scopes bound what may be registered, and are the default", async () => {
  const { token } = await newToken({ allowedScopes: ['tools.read'] });
  const refused = await call('POST', '/oauth/register', token, { redirect_uris: ['https://a.example/cb'], scope: 'tools.read admin' });
  expect(refused.status).toBe(400);
  expect(refused.body.error).toBe('invalid_client_metadata');
  const ok = await call('POST', '/oauth/register', token, { redirect_uris: ['https://a.example/cb'] });
  expect(ok.status).toBe(201);
  expect(ok.body.scope).toBe('tools.read');
});

test('registrations are rate-limited per initial token, and deleting does not give the quota back', async () => {
  const { token } = await newToken();
  const statuses: number[] = [];
  for (let i = 0; i < 6; i += 1) {
    const res = await call('POST', '/oauth/register', token, { redirect_uris: ['https://a.example/cb'], client_name: `c${i}` });
    statuses.push(res.status);
    if (res.status === 201) expect((await call('DELETE', `/oauth/register/${res.body.client_id}`, res.body.registration_access_token)).status).toBe(204);
    else {
      expect(res.body.error).toBe('rate_limited');
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    }
  }
  expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
  // Another token is not affected.
  const other = await newToken();
  expect((await call('POST', '/oauth/register', other.token, WEB)).status).toBe(201);
});

test('RFC 7592: read, update (token rotated, secret kept), delete (204), each audited', async () => {
  const { token } = await newToken();
  const reg = await call('POST', '/oauth/register', token, WEB);
  const uri = `/oauth/register/${reg.body.client_id}`;
  const read = await call('GET', uri, reg.body.registration_access_token);
  expect(read.status).toBe(200);
  expect(read.headers.get('cache-control')).toBe('no-store');
  expect(read.body).toMatchObject({ client_id: reg.body.client_id, client_name: 'Agent', redirect_uris: WEB.redirect_uris });
  expect(read.body.client_secret).toBeUndefined();

  const updated = await call('PUT', uri, reg.body.registration_access_token, {
    client_id: reg.body.client_id,
    client_name: 'Agent 2',
    redirect_uris: ['https://agent.example/callback2'],
    software_id: 'agent-1',
    software_version: '2.0',
  });
  expect(updated.status).toBe(200);
  expect(updated.body).toMatchObject({ client_name: 'Agent 2', redirect_uris: ['https://agent.example/callback2'], software_version: '2.0' });
  expect(updated.body.registration_access_token).not.toBe(reg.body.registration_access_token);
  expect((await call('GET', uri, reg.body.registration_access_token)).status).toBe(401);
  expect((await call('GET', uri, updated.body.registration_access_token)).body.client_name).toBe('Agent 2');
  const row = (await clientRow(reg.body.client_id))!;
  expect(row.secret_hash).toHaveLength(32);

  const badUpdate = await call('PUT', uri, updated.body.registration_access_token, {
    client_id: reg.body.client_id,
    redirect_uris: ['http://evil.example/cb'],
  });
  expect(badUpdate.status).toBe(400);
  expect(badUpdate.body.error).toBe('invalid_redirect_uri');
  const wrongId = await call('PUT', uri, updated.body.registration_access_token, { client_id: 'other', redirect_uris: ['https://a.example/cb'] });
  expect(wrongId.body.error).toBe('invalid_client_metadata');

  expect((await call('DELETE', uri, updated.body.registration_access_token)).status).toBe(204);
  expect(await clientRow(reg.body.client_id)).toBeUndefined();
  expect((await call('GET', uri, updated.body.registration_access_token)).status).toBe(401);

  const actions = (await h.dataSource.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY created_at, id`, [row.id])).map(
    (r: any) => r.action,
  );
  expect(actions).toEqual(['client.register', 'client.registration_update', 'client.registration_delete']);
});

test("one client's registration access token cannot manage another client, and another organization cannot see the tokens", async () => {
  const a = await newToken();
  const first = await call('POST', '/oauth/register', a.token, WEB);
  const second = await call('POST', '/oauth/register', a.token, { ...WEB, software_id: 'agent-2' });
  expect((await call('GET', `/oauth/register/${second.body.client_id}`, first.body.registration_access_token)).status).toBe(401);
  expect((await call('DELETE', `/oauth/register/${second.body.client_id}`, first.body.registration_access_token)).status).toBe(401);
  expect(await clientRow(second.body.client_id)).toBeDefined();

  const orgB = await h.token({ org: 'org-b' });
  const list = expectOk(await h.run(`{ registrationTokens(first: 100) { edges { node { id } } } }`, {}, { token: orgB }));
  expect(list.registrationTokens.edges.map((e: any) => e.node.id)).not.toContain(a.id);
  const revoke = await h.run(REVOKE_TOKEN, { id: a.id }, { token: orgB });
  expect(revoke.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  const NODE = `query($id: ID!) { node(id: $id) { id ... on RegistrationToken { uses } } }`;
  expect(expectOk(await h.run(NODE, { id: a.id }, { token: orgB })).node).toBeNull();
  expect(expectOk(await h.run(NODE, { id: a.id })).node).toEqual({ id: a.id, uses: 2 });
  const own = expectOk(await h.run(`{ registrationTokens(first: 100) { edges { node { id uses } } } }`));
  expect(own.registrationTokens.edges.map((e: any) => e.node.id)).toContain(a.id);
});

test('registration tokens need the registration:manage scope', async () => {
  const token = await h.token({ scopes: ['applications:read', 'applications:write'] });
  const { application } = await createApp(h, { identifier: unique('noscope'), name: 'App' });
  const result = await h.run(CREATE_TOKEN, { input: { applicationId: application.id } }, { token });
  expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
});

test('the sweep deletes dynamic clients unused past their expiry, audited, and keeps the rest', async () => {
  const { token } = await newToken({ unusedClientExpiryDays: 1 });
  const stale = await call('POST', '/oauth/register', token, { ...WEB, software_id: 'stale' });
  const fresh = await call('POST', '/oauth/register', token, { ...WEB, software_id: 'fresh' });
  const staleRow = (await clientRow(stale.body.client_id))!;
  await h.dataSource.query(`UPDATE clients SET created_at = now() - interval '2 days' WHERE id = $1`, [staleRow.id]);
  const { defaultClient } = await createApp(h, { identifier: unique('console-old'), name: 'App' });
  await h.dataSource.query(`UPDATE clients SET created_at = now() - interval '400 days' WHERE id = $1`, [defaultClient.id]);
  expect(await h.services.registration.sweepExpired()).toBe(1);
  expect(await clientRow(stale.body.client_id)).toBeUndefined();
  expect(await clientRow(fresh.body.client_id)).toBeDefined();
  const actions = (await h.dataSource.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY created_at`, [staleRow.id])).map(
    (r: any) => r.action,
  );
  expect(actions).toContain('client.expire');
});
