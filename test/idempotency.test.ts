import { requestHash } from '../src/common/idempotency';
import { SecretHasher } from '../src/common/secrets';
import { codes, createHarness, type Harness, TEST_HASH_KEY } from './helpers/harness';

/** API.md: a retried create with the same key and input returns the first result, without the secret. */
let h: Harness;
let applicationId: string;
let providerId: string;
beforeAll(async () => {
  h = await createHarness();
  const app = await h.run(`mutation { createApplication(input: { identifier: "idem-base", name: "Base" }) { application { id } } }`);
  applicationId = app.data!.createApplication.application.id;
  const provider = await h.run(`mutation { createProvider(input: { identifier: "idem-idp", name: "IdP" }) { provider { id } } }`);
  providerId = provider.data!.createProvider.provider.id;
});
afterAll(() => h.close());

const CREATE_CLIENT = `mutation($i: CreateClientInput!) { createClient(input: $i) { client { id } clientSecret } }`;
const CREATE_CREDENTIAL = `mutation($i: CreateCredentialInput!) { createCredential(input: $i) { credential { ... on ApplicationCredential { id } } secret } }`;
const CREATE_PROVIDER = `mutation($i: CreateProviderInput!) { createProvider(input: $i) { provider { id clientSecretSet } } }`;

test('createClient: a replay returns the same client without its secret; a changed input is CONFLICT', async () => {
  const input = { applicationId, name: 'Retried', idempotencyKey: 'client-key-1' };
  const before = await h.count('clients');
  const first = await h.run(CREATE_CLIENT, { i: input });
  expect(first.data!.createClient.clientSecret).toMatch(/^clv_cs_/);
  const replay = await h.run(CREATE_CLIENT, { i: input });
  expect(replay.errors).toBeUndefined();
  expect(replay.data!.createClient.client.id).toBe(first.data!.createClient.client.id);
  expect(replay.data!.createClient.clientSecret).toBeNull();
  expect(await h.count('clients')).toBe(before + 1);

  const changed = await h.run(CREATE_CLIENT, { i: { ...input, name: 'Something else' } });
  expect(codes(changed)).toEqual(['CONFLICT']);
  expect(await h.count('clients')).toBe(before + 1);
});

test('createCredential: a replayed PASSWORD credential does not reveal the password again', async () => {
  const input = { applicationId, password: {}, idempotencyKey: 'cred-key-1' };
  const first = await h.run(CREATE_CREDENTIAL, { i: input });
  expect(first.data!.createCredential.secret).toMatch(/^clv_pw_/);
  const replay = await h.run(CREATE_CREDENTIAL, { i: input });
  expect(replay.data!.createCredential.credential.id).toBe(first.data!.createCredential.credential.id);
  expect(replay.data!.createCredential.secret).toBeNull();
  const changed = await h.run(CREATE_CREDENTIAL, { i: { applicationId, token: { providerId }, idempotencyKey: 'cred-key-1' } });
  expect(codes(changed)).toEqual(['CONFLICT']);
});

test('createProvider: replay returns the first provider; the key is not reusable for another operation', async () => {
  const input = { identifier: 'idem-prv', name: 'Retried IdP', clientSecret: 'outbound-secret', idempotencyKey: 'prv-key-1' };
  const first = await h.run(CREATE_PROVIDER, { i: input });
  const replay = await h.run(CREATE_PROVIDER, { i: input });
  expect(replay.data!.createProvider.provider.id).toBe(first.data!.createProvider.provider.id);
  const otherOperation = await h.run(CREATE_CLIENT, { i: { applicationId, name: 'x', idempotencyKey: 'prv-key-1' } });
  expect(codes(otherOperation)).toEqual(['CONFLICT']);
  // The stored fingerprint is keyed: it is not a plain hash of a request holding a secret.
  const [row] = await h.dataSource.query(`SELECT request_hash FROM idempotency_keys WHERE key = 'prv-key-1'`);
  expect(Buffer.from(row.request_hash).equals(requestHash(new SecretHasher(TEST_HASH_KEY), 'createProvider', input))).toBe(true);
  expect(Buffer.from(row.request_hash).equals(requestHash(new SecretHasher('another-key-another-key-another-key'), 'createProvider', input))).toBe(false);
});

test('the same input in another field order is the same request', async () => {
  const a = await h.run(CREATE_CLIENT, { i: { name: 'Ordered', applicationId, scopes: ['a', 'b'], idempotencyKey: 'order-key' } });
  const b = await h.run(CREATE_CLIENT, { i: { idempotencyKey: 'order-key', scopes: ['a', 'b'], applicationId, name: 'Ordered' } });
  expect(b.data!.createClient.client.id).toBe(a.data!.createClient.client.id);
});

test('two concurrent requests with one key create one object', async () => {
  const before = await h.count('applications');
  const input = { identifier: 'concurrent-idem', name: 'Concurrent', idempotencyKey: 'concurrent-key' };
  const mutation = `mutation($i: CreateApplicationInput!) { createApplication(input: $i) { application { id } clientSecret } }`;
  const results = await Promise.all(Array.from({ length: 5 }, () => h.run(mutation, { i: input })));
  for (const result of results) expect(result.errors).toBeUndefined();
  const ids = new Set(results.map((r) => r.data!.createApplication.application.id));
  expect(ids.size).toBe(1);
  // Exactly one response carries the secret: the one that created the application.
  expect(results.filter((r) => r.data!.createApplication.clientSecret !== null)).toHaveLength(1);
  expect(await h.count('applications')).toBe(before + 1);
});

test('keys are scoped to the organization', async () => {
  const other = await h.token({ org: 'org-idem-b' });
  const input = { identifier: 'scoped', name: 'Scoped', idempotencyKey: 'shared-key' };
  const mutation = `mutation($i: CreateApplicationInput!) { createApplication(input: $i) { application { id organizationId } } }`;
  const mine = await h.run(mutation, { i: input });
  const theirs = await h.run(mutation, { i: input }, { token: other });
  expect(theirs.errors).toBeUndefined();
  expect(theirs.data!.createApplication.application.organizationId).toBe('org-idem-b');
  expect(theirs.data!.createApplication.application.id).not.toBe(mine.data!.createApplication.application.id);
});

test('a key older than 24 hours is forgotten: the retry creates anew', async () => {
  const input = { applicationId, name: 'Old', idempotencyKey: 'old-key' };
  const first = await h.run(CREATE_CLIENT, { i: input });
  await h.dataSource.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old-key'`);
  const later = await h.run(CREATE_CLIENT, { i: input });
  expect(later.data!.createClient.client.id).not.toBe(first.data!.createClient.client.id);
  expect(later.data!.createClient.clientSecret).toMatch(/^clv_cs_/);
});

test('a failed create leaves its key free', async () => {
  const bad = await h.run(CREATE_CLIENT, { i: { applicationId: 'app_missing', name: 'x', idempotencyKey: 'failed-key' } });
  expect(codes(bad)).toEqual(['NOT_FOUND']);
  const [{ n }] = await h.dataSource.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE key = 'failed-key'`);
  expect(n).toBe(0);
  const good = await h.run(CREATE_CLIENT, { i: { applicationId, name: 'x', idempotencyKey: 'failed-key' } });
  expect(good.errors).toBeUndefined();
});

test('purgeExpired forgets keys past their 24 hours and keeps the rest', async () => {
  await h.dataSource.query(`UPDATE idempotency_keys SET created_at = now() - interval '2 days' WHERE key = 'order-key'`);
  const purged = await h.services.idempotency.purgeExpired();
  expect(purged).toBeGreaterThanOrEqual(1);
  const keys = (await h.dataSource.query(`SELECT key FROM idempotency_keys`)).map((row: { key: string }) => row.key);
  expect(keys).not.toContain('order-key');
  expect(keys).toContain('concurrent-key');
});
