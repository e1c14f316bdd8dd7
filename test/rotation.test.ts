import { createHmac } from 'node:crypto';
import { SCOPES } from '../src/auth/scopes';
import { type Harness, TEST_HASH_KEY, codes, createHarness, expectOk, fieldPaths } from './helpers/harness';

/**
 * The life of a client secret: rotateClientSecret, deleteRotatedClientSecret and
 * authenticateClient, against a real PostgreSQL.
 */

const CLIENT = `
  id clientId tokenEndpointAuthMethod
  hasSecret hasRotatedSecret rotatedSecretExpiresAt secretRotatedAt secretLastUsedAt rotatedSecretLastUsedAt
  version updatedAt
`;

const CREATE_APPLICATION_WITH_DEFAULT_CLIENT = `mutation ($input: CreateApplicationInput!) {
  createApplication(input: $input) { application { id } defaultClient { ${CLIENT} } clientSecret }
}`;
const CREATE_CLIENT = `mutation ($input: CreateClientInput!) { createClient(input: $input) { client { ${CLIENT} } clientSecret } }`;
const UPDATE_CLIENT = `mutation ($input: UpdateClientInput!) { updateClient(input: $input) { client { ${CLIENT} } } }`;
const ROTATE = `mutation ($input: RotateClientSecretInput!) { rotateClientSecret(input: $input) { client { ${CLIENT} } clientSecret } }`;
const DELETE_ROTATED = `mutation ($input: DeleteRotatedClientSecretInput!) { deleteRotatedClientSecret(input: $input) { client { ${CLIENT} } } }`;
const AUTHENTICATE = `mutation ($input: AuthenticateClientInput!) {
  authenticateClient(input: $input) { authenticated usedRotatedSecret client { id clientId hasSecret hasRotatedSecret } }
}`;
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

const hmac = (secret: string) => createHmac('sha256', TEST_HASH_KEY).update(secret, 'utf8').digest();
const without = (scope: string) => SCOPES.filter((s) => s !== scope);

/** A MACHINE application: its default client authenticates with CLIENT_SECRET_BASIC. */
async function createApp(input: Record<string, unknown> = {}, token?: string): Promise<{ applicationId: string; client: Client; secret: string }> {
  seq += 1;
  const data = expectOk<any>(
    await h.run(CREATE_APPLICATION_WITH_DEFAULT_CLIENT, { input: { identifier: `rot-${seq}`, name: `Rotation ${seq}`, ...input } }, { token }),
  );
  return { applicationId: data.createApplication.application.id, client: data.createApplication.defaultClient, secret: data.createApplication.clientSecret };
}

async function rotate(id: string, gracePeriodSeconds?: number, token?: string) {
  return h.run<any>(ROTATE, { input: gracePeriodSeconds === undefined ? { id } : { id, gracePeriodSeconds } }, { token });
}

async function rotateOk(id: string, gracePeriodSeconds?: number): Promise<{ client: Client; clientSecret: string }> {
  return expectOk(await rotate(id, gracePeriodSeconds)).rotateClientSecret;
}

async function deleteRotated(id: string, token?: string) {
  return h.run<any>(DELETE_ROTATED, { input: { id } }, { token });
}

async function authenticate(clientId: string, clientSecret: string, token?: string) {
  return h.run<any>(AUTHENTICATE, { input: { clientId, clientSecret } }, { token });
}

/** Whether the secret authenticates the client (and, when it does, with which secret). */
async function works(clientId: string, clientSecret: string, token?: string): Promise<boolean> {
  const result = expectOk(await authenticate(clientId, clientSecret, token)).authenticateClient;
  if (result.authenticated) expect(result.client.clientId).toBe(clientId);
  else expect(result).toEqual({ authenticated: false, usedRotatedSecret: false, client: null });
  return result.authenticated;
}

async function getClient(id: string, token?: string): Promise<Client> {
  return expectOk(await h.run<any>(GET_CLIENT, { id }, { token })).client;
}

async function row(id: string): Promise<Record<string, any>> {
  const [found] = await h.dataSource.query(
    `SELECT secret_hash, rotated_secret_hash, rotated_secret_expires_at, secret_rotated_at, secret_last_used_at, rotated_secret_last_used_at, version
       FROM clients WHERE id = $1`,
    [id],
  );
  return found;
}

const FAILED = { data: { authenticateClient: { authenticated: false, usedRotatedSecret: false, client: null } } };

describe('rotateClientSecret', () => {
  it('issues a new current secret and keeps the previous one until deleted (grace period 0)', async () => {
    const { client, secret: first } = await createApp();
    expect(first).toMatch(/^clv_cs_/);
    expect(client).toMatchObject({ hasSecret: true, hasRotatedSecret: false, rotatedSecretExpiresAt: null, secretRotatedAt: null });

    const before = Date.now();
    const { client: rotated, clientSecret: second } = await rotateOk(client.id);
    expect(second).toMatch(/^clv_cs_[A-Za-z0-9_-]{43}$/);
    expect(second).not.toBe(first);
    expect(rotated).toMatchObject({
      id: client.id,
      clientId: client.clientId,
      hasSecret: true,
      hasRotatedSecret: true,
      rotatedSecretExpiresAt: null,
      version: client.version + 1,
    });
    expect(new Date(rotated.secretRotatedAt).getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(new Date(rotated.secretRotatedAt).getTime()).toBeLessThanOrEqual(Date.now() + 5);

    const stored = await row(client.id);
    expect(stored.secret_hash.equals(hmac(second))).toBe(true);
    expect(stored.rotated_secret_hash.equals(hmac(first))).toBe(true);
    expect(stored.rotated_secret_expires_at).toBeNull();
    // The read path shows the same.
    expect(await getClient(client.id)).toMatchObject({
      hasRotatedSecret: true,
      rotatedSecretExpiresAt: null,
      secretRotatedAt: rotated.secretRotatedAt,
      version: client.version + 1,
    });
  });

  it('the old secret works (usedRotatedSecret: true) next to the new one, then stops after deleteRotatedClientSecret', async () => {
    const { client, secret: first } = await createApp();
    const { clientSecret: second } = await rotateOk(client.id);

    expect(expectOk(await authenticate(client.clientId, second)).authenticateClient).toEqual({
      authenticated: true,
      usedRotatedSecret: false,
      client: { id: client.id, clientId: client.clientId, hasSecret: true, hasRotatedSecret: true },
    });
    expect(expectOk(await authenticate(client.clientId, first)).authenticateClient).toEqual({
      authenticated: true,
      usedRotatedSecret: true,
      client: { id: client.id, clientId: client.clientId, hasSecret: true, hasRotatedSecret: true },
    });

    const deleted = expectOk(await deleteRotated(client.id)).deleteRotatedClientSecret.client;
    expect(deleted).toMatchObject({
      id: client.id,
      hasSecret: true,
      hasRotatedSecret: false,
      rotatedSecretExpiresAt: null,
      rotatedSecretLastUsedAt: null,
      version: client.version + 2,
    });
    const stored = await row(client.id);
    expect(stored.rotated_secret_hash).toBeNull();
    expect(stored.secret_hash.equals(hmac(second))).toBe(true);

    expect(await works(client.clientId, first)).toBe(false);
    expect(await works(client.clientId, second)).toBe(true);
  });

  it('a grace period sets rotatedSecretExpiresAt; the old secret works until then', async () => {
    const { client, secret: first } = await createApp();
    const before = Date.now();
    const { client: rotated, clientSecret: second } = await rotateOk(client.id, 3600);
    const expiresAt = new Date(rotated.rotatedSecretExpiresAt).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3600_000 - 5);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000 + 5);
    expect(rotated.hasRotatedSecret).toBe(true);
    expect(await works(client.clientId, first)).toBe(true);

    // Let the grace period run out without waiting an hour.
    await h.dataSource.query(`UPDATE clients SET rotated_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [client.id]);
    expect(await works(client.clientId, first)).toBe(false);
    expect(await works(client.clientId, second)).toBe(true);
    expect(await getClient(client.id)).toMatchObject({ hasSecret: true, hasRotatedSecret: false });
  });

  it('an expired rotated secret fails exactly like a wrong one', async () => {
    const { client, secret: first } = await createApp();
    await rotateOk(client.id, 60);
    await h.dataSource.query(`UPDATE clients SET rotated_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [client.id]);
    const expired = await authenticate(client.clientId, first);
    const wrong = await authenticate(client.clientId, 'clv_cs_wrong');
    expect(expired).toEqual(FAILED);
    expect(JSON.stringify(expired)).toBe(JSON.stringify(wrong));
  });

  it('gracePeriodSeconds: 1 really expires after a second', async () => {
    const { client, secret: first } = await createApp();
    const { client: rotated, clientSecret: second } = await rotateOk(client.id, 1);
    const expiresIn = new Date(rotated.rotatedSecretExpiresAt).getTime() - new Date(rotated.secretRotatedAt).getTime();
    expect(expiresIn).toBe(1000);
    expect(await works(client.clientId, first)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await works(client.clientId, first)).toBe(false);
    expect(await works(client.clientId, second)).toBe(true);
  });

  it('after three rotations only the last two secrets work', async () => {
    const { client, secret: s0 } = await createApp();
    const { clientSecret: s1 } = await rotateOk(client.id);
    const { clientSecret: s2 } = await rotateOk(client.id);
    const { client: last, clientSecret: s3 } = await rotateOk(client.id);
    expect(new Set([s0, s1, s2, s3]).size).toBe(4);
    expect(last.version).toBe(client.version + 3);
    expect(await works(client.clientId, s0)).toBe(false);
    expect(await works(client.clientId, s1)).toBe(false);
    expect(expectOk(await authenticate(client.clientId, s2)).authenticateClient).toMatchObject({ authenticated: true, usedRotatedSecret: true });
    expect(expectOk(await authenticate(client.clientId, s3)).authenticateClient).toMatchObject({ authenticated: true, usedRotatedSecret: false });
  });

  it('a rotation without a grace period after one with a grace period keeps the new rotated secret until deleted', async () => {
    const { client } = await createApp();
    await rotateOk(client.id, 3600);
    const { client: rotated } = await rotateOk(client.id);
    expect(rotated).toMatchObject({ hasRotatedSecret: true, rotatedSecretExpiresAt: null });
    expect((await row(client.id)).rotated_secret_expires_at).toBeNull();
  });

  it('eight concurrent rotations of one client serialise: no error, every version once, the last two secrets work', async () => {
    const { client, secret: original } = await createApp();
    const results = await Promise.all(Array.from({ length: 8 }, () => rotate(client.id)));
    for (const result of results) {
      expect(result.errors).toBeUndefined();
      expect(codes(result)).toEqual([]);
    }
    const payloads = results.map((result) => result.data!.rotateClientSecret as { client: Client; clientSecret: string });
    const secrets = payloads.map((payload) => payload.clientSecret);
    expect(new Set(secrets).size).toBe(8);
    // Serialised: each rotation saw the previous one, so versions are exactly v+1 … v+8.
    expect(payloads.map((payload) => payload.client.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 8 }, (_, i) => client.version + i + 1));
    const stored = await row(client.id);
    expect(stored.version).toBe(client.version + 8);

    const byVersion = [...payloads].sort((a, b) => a.client.version - b.client.version).map((payload) => payload.clientSecret);
    expect(stored.secret_hash.equals(hmac(byVersion[7]))).toBe(true);
    expect(stored.rotated_secret_hash.equals(hmac(byVersion[6]))).toBe(true);

    const working: string[] = [];
    for (const secret of [original, ...secrets]) if (await works(client.clientId, secret)) working.push(secret);
    expect(working.length).toBeGreaterThanOrEqual(1);
    expect(working.length).toBeLessThanOrEqual(2);
    expect(working).not.toContain(original);
    expect(new Set(working)).toEqual(new Set([byVersion[6], byVersion[7]]));
  });

  it.each([
    ['NONE (SPA)', { clientType: 'SPA', redirectUris: ['https://spa.example.com/cb'] }, 'NONE'],
    ['PRIVATE_KEY_JWT', { clientType: 'MACHINE', tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT' }, 'PRIVATE_KEY_JWT'],
  ])('a client using %s has no secret: rotating it is BAD_USER_INPUT and changes nothing', async (_label, settings, method) => {
    const { applicationId } = await createApp();
    const created = expectOk<any>(await h.run(CREATE_CLIENT, { input: { applicationId, name: 'No secret', ...settings } })).createClient;
    expect(created.client.tokenEndpointAuthMethod).toBe(method);
    expect(created.clientSecret).toBeNull();
    const before = await row(created.client.id);

    const result = await rotate(created.client.id);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['id']);
    expect(result.data).toBeNull();
    expect(await row(created.client.id)).toEqual(before);
    expect(before.secret_hash).toBeNull();
  });

  it('switching a client to PRIVATE_KEY_JWT retires both its secrets', async () => {
    const { client, secret: first } = await createApp();
    const { clientSecret: second } = await rotateOk(client.id);
    expectOk(await h.run(UPDATE_CLIENT, { input: { id: client.id, tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT' } }));
    expect(await works(client.clientId, first)).toBe(false);
    expect(await works(client.clientId, second)).toBe(false);
    expect(codes(await rotate(client.id))).toEqual(['BAD_USER_INPUT']);
  });

  it.each([
    [-1, 'gracePeriodSeconds'],
    [30 * 86_400 + 1, 'gracePeriodSeconds'],
  ])('gracePeriodSeconds %p is BAD_USER_INPUT and changes nothing', async (grace, path) => {
    const { client, secret } = await createApp();
    const before = await row(client.id);
    const result = await rotate(client.id, grace);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual([path]);
    expect(await row(client.id)).toEqual(before);
    expect(await works(client.clientId, secret)).toBe(true);
  });

  it('the longest grace period (30 days) is accepted', async () => {
    const { client } = await createApp();
    const { client: rotated } = await rotateOk(client.id, 30 * 86_400);
    expect(new Date(rotated.rotatedSecretExpiresAt).getTime() - new Date(rotated.secretRotatedAt).getTime()).toBe(30 * 86_400_000);
  });

  it('an unknown client id is NOT_FOUND for rotate and deleteRotated', async () => {
    expect(codes(await rotate('cli_00000000000000000000000000'))).toEqual(['NOT_FOUND']);
    expect(codes(await deleteRotated('cli_00000000000000000000000000'))).toEqual(['NOT_FOUND']);
  });
});

describe('scopes', () => {
  it('rotateClientSecret needs secrets:rotate: FORBIDDEN otherwise, nothing changes', async () => {
    const { client, secret } = await createApp();
    const before = await row(client.id);
    const result = await rotate(client.id, undefined, await h.token({ scopes: without('secrets:rotate') }));
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(result.data).toBeNull();
    expect(await row(client.id)).toEqual(before);
    expect(await works(client.clientId, secret)).toBe(true);
    // secrets:rotate alone is enough.
    const allowed = await rotate(client.id, undefined, await h.token({ scopes: ['secrets:rotate'] }));
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data!.rotateClientSecret.clientSecret).toMatch(/^clv_cs_/);
  });

  it('deleteRotatedClientSecret needs secrets:rotate: FORBIDDEN otherwise, the old secret keeps working', async () => {
    const { client, secret: first } = await createApp();
    await rotateOk(client.id);
    const before = await row(client.id);
    const result = await deleteRotated(client.id, await h.token({ scopes: without('secrets:rotate') }));
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(await row(client.id)).toEqual(before);
    expect(await works(client.clientId, first)).toBe(true);
    const allowed = await deleteRotated(client.id, await h.token({ scopes: ['secrets:rotate'] }));
    expect(allowed.errors).toBeUndefined();
    expect(await works(client.clientId, first)).toBe(false);
  });

  it('authenticateClient needs clients:authenticate: FORBIDDEN otherwise, and no use is recorded', async () => {
    const { client, secret } = await createApp();
    const result = await authenticate(client.clientId, secret, await h.token({ scopes: without('clients:authenticate') }));
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(result.data).toBeNull();
    expect((await row(client.id)).secret_last_used_at).toBeNull();
    // clients:authenticate alone is enough.
    expect(await works(client.clientId, secret, await h.token({ scopes: ['clients:authenticate'] }))).toBe(true);
  });

  it('without a token every secret mutation is UNAUTHENTICATED', async () => {
    const { client, secret } = await createApp();
    const before = await row(client.id);
    for (const result of [
      await h.run(ROTATE, { input: { id: client.id } }, { token: null }),
      await h.run(DELETE_ROTATED, { input: { id: client.id } }, { token: null }),
      await h.run(AUTHENTICATE, { input: { clientId: client.clientId, clientSecret: secret } }, { token: null }),
    ]) {
      expect(codes(result)).toEqual(['UNAUTHENTICATED']);
    }
    expect(await row(client.id)).toEqual(before);
  });

  it('rotating a secret of a PLATFORM application needs platform:write', async () => {
    const { client, secret } = await createApp({ ownerType: 'PLATFORM' });
    const before = await row(client.id);
    const noPlatform = await h.token({ scopes: without('platform:write') });
    expect(codes(await rotate(client.id, undefined, noPlatform))).toEqual(['FORBIDDEN']);
    expect(codes(await deleteRotated(client.id, noPlatform))).toEqual(['FORBIDDEN']);
    expect(await row(client.id)).toEqual(before);
    // Authentication is not a change: it works without platform:write.
    expect(await works(client.clientId, secret, noPlatform)).toBe(true);
    expect(expectOk(await rotate(client.id)).rotateClientSecret.client.hasRotatedSecret).toBe(true);
  });
});

describe('authenticateClient', () => {
  it('a wrong secret and an unknown clientId give byte-identical responses with nothing but authenticated: false', async () => {
    const { client } = await createApp();
    const wrong = await authenticate(client.clientId, 'clv_cs_this-is-not-the-secret');
    const unknown = await authenticate('no-such-client-id', 'clv_cs_this-is-not-the-secret');
    const empty = await authenticate(client.clientId, '');
    expect(wrong).toEqual(FAILED);
    expect(JSON.stringify(unknown)).toBe(JSON.stringify(wrong));
    expect(JSON.stringify(empty)).toBe(JSON.stringify(wrong));
    // No errors, no extensions, no reason: exactly the three fields.
    expect(wrong.errors).toBeUndefined();
    expect(JSON.stringify(wrong)).toBe(JSON.stringify(FAILED));
  });

  it('the same holds over HTTP, body and status', async () => {
    const { client } = await createApp();
    const base = await h.listen();
    const token = await h.token();
    const post = async (clientId: string) => {
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: AUTHENTICATE, variables: { input: { clientId, clientSecret: 'clv_cs_wrong' } } }),
      });
      return { status: response.status, body: await response.text() };
    };
    const wrong = await post(client.clientId);
    const unknown = await post('no-such-client-id');
    expect(wrong.status).toBe(200);
    expect(unknown).toEqual(wrong);
    expect(JSON.parse(wrong.body)).toEqual(FAILED);
  });

  it('a failed authentication writes nothing', async () => {
    const { client } = await createApp();
    const before = await row(client.id);
    expect(await works(client.clientId, 'clv_cs_wrong')).toBe(false);
    expect(await row(client.id)).toEqual(before);
  });

  it('a client without a secret (NONE) never authenticates, and fails like an unknown client', async () => {
    const { applicationId } = await createApp();
    const created = expectOk<any>(
      await h.run(CREATE_CLIENT, { input: { applicationId, name: 'SPA', clientType: 'SPA', redirectUris: ['https://spa.example.com/cb'] } }),
    ).createClient;
    const none = await authenticate(created.client.clientId, '');
    const unknown = await authenticate('no-such-client-id', '');
    expect(none).toEqual(FAILED);
    expect(JSON.stringify(none)).toBe(JSON.stringify(unknown));
  });

  it('is scoped to the caller’s organization: a client of org B does not authenticate for a caller of org A', async () => {
    const orgB = await h.token({ org: 'org-b' });
    const { client, secret } = await createApp({}, orgB);
    const forA = await authenticate(client.clientId, secret);
    const unknown = await authenticate('no-such-client-id', secret);
    expect(forA).toEqual(FAILED);
    expect(JSON.stringify(forA)).toBe(JSON.stringify(unknown));
    expect((await row(client.id)).secret_last_used_at).toBeNull();
    // The same secret works for org B itself.
    expect(await works(client.clientId, secret, orgB)).toBe(true);
  });

  it('rotating or deleting the rotated secret of another organization’s client is NOT_FOUND and changes nothing', async () => {
    const orgB = await h.token({ org: 'org-b' });
    const { client, secret: first } = await createApp({}, orgB);
    const rotated = expectOk(await rotate(client.id, undefined, orgB)).rotateClientSecret;
    const before = await row(client.id);
    expect(codes(await rotate(client.id))).toEqual(['NOT_FOUND']);
    expect(codes(await deleteRotated(client.id))).toEqual(['NOT_FOUND']);
    expect(await row(client.id)).toEqual(before);
    expect(await works(client.clientId, first, orgB)).toBe(true);
    expect(await works(client.clientId, rotated.clientSecret, orgB)).toBe(true);
  });
});

describe('last-used times', () => {
  it('secretLastUsedAt is written at most once a minute, and again once a minute has passed', async () => {
    const { client, secret } = await createApp();
    expect((await getClient(client.id)).secretLastUsedAt).toBeNull();

    const before = Date.now();
    expect(await works(client.clientId, secret)).toBe(true);
    const first = (await getClient(client.id)).secretLastUsedAt;
    expect(first).not.toBeNull();
    expect(new Date(first).getTime()).toBeGreaterThanOrEqual(before - 5);
    expect((await row(client.id)).rotated_secret_last_used_at).toBeNull();

    // Within the minute: not written again.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await works(client.clientId, secret)).toBe(true);
    expect((await getClient(client.id)).secretLastUsedAt).toEqual(first);

    // More than a minute later: written again.
    await h.dataSource.query(`UPDATE clients SET secret_last_used_at = secret_last_used_at - interval '61 seconds' WHERE id = $1`, [client.id]);
    const moved = (await getClient(client.id)).secretLastUsedAt;
    expect(new Date(moved).getTime()).toBe(new Date(first).getTime() - 61_000);
    const again = Date.now();
    expect(await works(client.clientId, secret)).toBe(true);
    const refreshed = (await getClient(client.id)).secretLastUsedAt;
    expect(new Date(refreshed).getTime()).toBeGreaterThanOrEqual(again - 5);
  });

  it('rotatedSecretLastUsedAt tracks the old secret on its own, also at most once a minute', async () => {
    const { client, secret: first } = await createApp();
    expect(await works(client.clientId, first)).toBe(true);
    const usedBeforeRotation = (await getClient(client.id)).secretLastUsedAt;
    expect(usedBeforeRotation).not.toBeNull();

    // After a rotation the old secret's last use carries over; the new secret is unused.
    const { client: rotated, clientSecret: second } = await rotateOk(client.id);
    expect(rotated).toMatchObject({ secretLastUsedAt: null, rotatedSecretLastUsedAt: usedBeforeRotation });

    // Push the carried-over time back so the next use of the old secret is recorded.
    await h.dataSource.query(`UPDATE clients SET rotated_secret_last_used_at = rotated_secret_last_used_at - interval '2 minutes' WHERE id = $1`, [client.id]);
    const before = Date.now();
    expect(expectOk(await authenticate(client.clientId, first)).authenticateClient.usedRotatedSecret).toBe(true);
    const afterOld = await getClient(client.id);
    expect(new Date(afterOld.rotatedSecretLastUsedAt).getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(afterOld.secretLastUsedAt).toBeNull();

    expect(await works(client.clientId, first)).toBe(true);
    expect((await getClient(client.id)).rotatedSecretLastUsedAt).toEqual(afterOld.rotatedSecretLastUsedAt);

    expect(await works(client.clientId, second)).toBe(true);
    const afterNew = await getClient(client.id);
    expect(afterNew.secretLastUsedAt).not.toBeNull();
    expect(afterNew.rotatedSecretLastUsedAt).toEqual(afterOld.rotatedSecretLastUsedAt);
  });

  it('recording a use changes neither version nor updatedAt', async () => {
    const { client, secret } = await createApp();
    const before = await getClient(client.id);
    expect(await works(client.clientId, secret)).toBe(true);
    const after = await getClient(client.id);
    expect(after.version).toBe(before.version);
    expect(after.updatedAt).toEqual(before.updatedAt);
  });
});
