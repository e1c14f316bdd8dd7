import { createHmac, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { SCOPES } from '../src/auth/scopes';
import { type Harness, TEST_HASH_KEY, codes, createHarness, expectOk, fieldPaths, paths } from './helpers/harness';
import { CREATE_APPLICATION, DELETE_APPLICATION } from './helpers/operations';

/** The Credential union: the five kinds, their rules, updates, rotation, tenancy and scopes. */

const CREDENTIAL = `
  __typename
  ... on ApplicationCredential { id type identifier slug organizationId zoneId applicationId version createdAt updatedAt }
  ... on TokenCredential { providerId subject }
  ... on PasswordCredential { secretRotatedAt }
  ... on PublicKeyCredential { jwksUri jwks }
  ... on UrlCredential { url }
`;

const CREATE = `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { credential { ${CREDENTIAL} } secret } }`;
const UPDATE = `mutation ($input: UpdateCredentialInput!) { updateCredential(input: $input) { credential { ${CREDENTIAL} } } }`;
const DELETE = `mutation ($input: DeleteCredentialInput!) { deleteCredential(input: $input) { deletedId } }`;
const ROTATE = `mutation ($input: RotateCredentialSecretInput!) { rotateCredentialSecret(input: $input) { credential { ${CREDENTIAL} } secret } }`;
const GET = `query ($id: ID!) { credential(id: $id) { ${CREDENTIAL} } }`;
const LIST = `query ($filter: CredentialFilter, $first: Int) {
  credentials(filter: $filter, first: $first) { totalCount edges { node { __typename ... on ApplicationCredential { id type applicationId } } } }
}`;
const APP_CREDENTIALS = `query ($id: ID!, $type: CredentialType) {
  application(id: $id) { credentials(type: $type) { totalCount edges { node { __typename ... on ApplicationCredential { id type } } } } }
}`;
const NODE = `query ($id: ID!) { node(id: $id) { __typename id ... on ApplicationCredential { type } } }`;
const CREATE_PROVIDER = `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id name } } }`;

type Credential = Record<string, any> & { id: string; type: string; identifier: string; version: number };

let h: Harness;
let seq = 0;
let appId: string;
let providerId: string;
let otherProviderId: string;
let orgB: string;

// Keys for the JWKS rules: public JWKs as node:crypto exports them.
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RSA_PUBLIC = rsa.publicKey.export({ format: 'jwk' });
const RSA_PRIVATE = rsa.privateKey.export({ format: 'jwk' });
const RSA_1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
const EC_P256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
const EC_P384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
const ED25519 = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
const jwk = (key: JsonWebKey, extra: Record<string, unknown> = {}) => ({ ...key, ...extra });

beforeAll(async () => {
  h = await createHarness();
  orgB = await h.token({ org: 'org-b' });
  appId = (await createApplication()).id;
  providerId = await createProvider();
  otherProviderId = await createProvider();
});
afterAll(async () => {
  await h?.close();
});

const without = (scope: string) => SCOPES.filter((s) => s !== scope);
const hmac = (secret: string) => createHmac('sha256', TEST_HASH_KEY).update(secret, 'utf8').digest();
function next(prefix: string): string {
  seq += 1;
  return `${prefix}-${seq}`;
}

async function createApplication(input: Record<string, unknown> = {}, token?: string): Promise<{ id: string; zoneId: string }> {
  const identifier = next('app');
  return expectOk<any>(await h.run(CREATE_APPLICATION, { input: { identifier, name: identifier, ...input } }, { token })).createApplication.application;
}

async function createProvider(token?: string): Promise<string> {
  const identifier = next('idp');
  return expectOk<any>(await h.run(CREATE_PROVIDER, { input: { identifier, name: identifier } }, { token })).createProvider.provider.id;
}

async function create(input: Record<string, unknown>, token?: string) {
  return h.run<any>(CREATE, { input: { applicationId: appId, ...input } }, { token });
}

async function createOk(input: Record<string, unknown>, token?: string): Promise<{ credential: Credential; secret: string | null }> {
  return expectOk(await create(input, token)).createCredential;
}

async function update(input: Record<string, unknown>, token?: string) {
  return h.run<any>(UPDATE, { input }, { token });
}

async function get(id: string, token?: string): Promise<Credential | null> {
  return expectOk(await h.run<any>(GET, { id }, { token })).credential;
}

async function row(id: string): Promise<Record<string, any> | undefined> {
  const [found] = await h.dataSource.query('SELECT * FROM credentials WHERE id = $1', [id]);
  return found;
}

/** Expects BAD_USER_INPUT at exactly these paths, and that no credential was written. */
async function expectRejected(input: Record<string, unknown>, expectedPaths: string[], token?: string) {
  const before = await h.count('credentials');
  const result = await create(input, token);
  expect(codes(result)).toEqual(['BAD_USER_INPUT']);
  expect(paths(result)).toEqual([...expectedPaths].sort());
  // null, or absent when the input was refused before execution (control characters).
  expect(result.data ?? null).toBeNull();
  expect(await h.count('credentials')).toBe(before);
}

const COMMON = (type: string) => ({
  id: expect.stringMatching(/^cred_[0-9a-z]{26}$/),
  type,
  organizationId: 'org-a',
  zoneId: 'default',
  version: 1,
  createdAt: expect.anything(),
  updatedAt: expect.anything(),
});

describe('createCredential: the five kinds', () => {
  it('TOKEN with a subject: identifier = subject, no secret', async () => {
    const { credential, secret } = await createOk({ token: { providerId, subject: 'service-account@example.com' } });
    expect(credential).toEqual({
      ...COMMON('TOKEN'),
      __typename: 'TokenCredential',
      applicationId: appId,
      identifier: 'service-account@example.com',
      slug: 'service-account-example-com',
      providerId,
      subject: 'service-account@example.com',
    });
    expect(secret).toBeNull();
    expect(await get(credential.id)).toEqual(credential);
    const stored = (await row(credential.id))!;
    expect(stored).toMatchObject({
      provider_id: providerId,
      subject: 'service-account@example.com',
      password_hash: null,
      jwks: null,
      jwks_uri: null,
      url: null,
    });
  });

  it.each([
    ['omitted', {}],
    ['null', { subject: null }],
  ])('TOKEN with the subject %s accepts any subject: identifier "*"', async (_label, subject) => {
    const application = await createApplication();
    const { credential } = await createOk({ applicationId: application.id, token: { providerId, ...subject } });
    expect(credential).toMatchObject({ __typename: 'TokenCredential', identifier: '*', subject: null, slug: 'any-subject', providerId });
  });

  it('PASSWORD: a generated clv_pw_ secret shown once, stored as a 32-byte hash, with a generated username', async () => {
    const { credential, secret } = await createOk({ password: {} });
    expect(credential).toEqual({
      ...COMMON('PASSWORD'),
      __typename: 'PasswordCredential',
      applicationId: appId,
      identifier: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/),
      slug: expect.any(String),
      secretRotatedAt: null,
    });
    expect(secret).toMatch(/^clv_pw_[A-Za-z0-9_-]{43}$/);

    const stored = (await row(credential.id))!;
    expect(stored.password_hash).toHaveLength(32);
    expect(stored.password_hash.equals(hmac(secret!))).toBe(true);
    const [{ text }] = await h.dataSource.query('SELECT row_to_json(c)::text AS text FROM credentials c WHERE id = $1', [credential.id]);
    expect(text).not.toContain(secret!.slice(7));

    // Never shown again: no field carries it.
    expect(await get(credential.id)).toEqual(credential);
    const asField = await h.run(`query ($id: ID!) { credential(id: $id) { ... on PasswordCredential { secret } } }`, { id: credential.id });
    expect(codes(asField)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('PASSWORD with a chosen username', async () => {
    const identifier = next('username');
    const { credential, secret } = await createOk({ password: { identifier } });
    expect(credential).toMatchObject({ __typename: 'PasswordCredential', identifier, slug: identifier });
    expect(secret).toMatch(/^clv_pw_/);
  });

  it('PUBLIC_KEY by jwksUri', async () => {
    const { credential, secret } = await createOk({ publicKey: { jwksUri: 'https://keys.example.com/jwks.json' } });
    expect(credential).toEqual({
      ...COMMON('PUBLIC_KEY'),
      __typename: 'PublicKeyCredential',
      applicationId: appId,
      identifier: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/),
      slug: expect.any(String),
      jwksUri: 'https://keys.example.com/jwks.json',
      jwks: null,
    });
    expect(secret).toBeNull();
  });

  it('PUBLIC_KEY by jwks: RSA 2048, EC P-256 and Ed25519 public keys are accepted and round-trip', async () => {
    const jwks = {
      keys: [jwk(RSA_PUBLIC, { kid: 'rsa', alg: 'RS256', use: 'sig' }), jwk(EC_P256, { kid: 'ec', alg: 'ES256' }), jwk(ED25519, { kid: 'ed', alg: 'EdDSA' })],
    };
    const identifier = next('pk-client');
    const { credential } = await createOk({ publicKey: { identifier, jwks } });
    expect(credential).toMatchObject({ __typename: 'PublicKeyCredential', identifier, jwksUri: null, jwks });
    expect((await get(credential.id))!.jwks).toEqual(jwks);
    expect((await row(credential.id))!.jwks).toEqual(jwks);
  });

  it.each([
    ['RSA 2048', RSA_PUBLIC],
    ['EC P-256', EC_P256],
    ['EC P-384', EC_P384],
    ['Ed25519', ED25519],
  ])('a single %s key needs neither kid nor alg', async (_label, key) => {
    const { credential } = await createOk({ publicKey: { jwks: { keys: [key] } } });
    expect(credential.jwks).toEqual({ keys: [key] });
  });

  it('URL: identifier = url', async () => {
    const url = 'https://client.example.com/metadata.json';
    const { credential, secret } = await createOk({ url: { url } });
    expect(credential).toEqual({
      ...COMMON('URL'),
      __typename: 'UrlCredential',
      applicationId: appId,
      identifier: url,
      slug: 'https-client-example-com-metadata-json',
      url,
    });
    expect(secret).toBeNull();
  });

  it('PUBLIC: only the common fields; identifier generated or chosen; no secret', async () => {
    const generated = await createOk({ public: {} });
    expect(generated.credential).toEqual({
      ...COMMON('PUBLIC'),
      __typename: 'PublicCredential',
      applicationId: appId,
      identifier: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/),
      slug: expect.any(String),
    });
    expect(generated.secret).toBeNull();
    const identifier = next('public-client');
    const chosen = await createOk({ public: { identifier } });
    expect(chosen.credential).toMatchObject({ __typename: 'PublicCredential', identifier });
    const stored = (await row(chosen.credential.id))!;
    expect(stored).toMatchObject({ provider_id: null, subject: null, password_hash: null, jwks_uri: null, jwks: null, url: null });
  });

  it('takes its zone from the application', async () => {
    const application = await createApplication({ zoneId: 'eu-zone' });
    const { credential } = await createOk({ applicationId: application.id, public: {} });
    expect(credential).toMatchObject({ zoneId: 'eu-zone', applicationId: application.id });
  });

  it('uses a given slug', async () => {
    const { credential } = await createOk({ slug: 'my-slug', url: { url: 'https://slug.example.com/' } });
    expect(credential.slug).toBe('my-slug');
  });
});

describe('createCredential: exactly one kind', () => {
  it('none → BAD_USER_INPUT, nothing written', async () => {
    const before = await h.count('credentials');
    const result = await create({});
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result).length).toBeGreaterThan(0);
    expect(await h.count('credentials')).toBe(before);
  });

  it.each([
    [{ password: {}, url: { url: 'https://two.example.com' } }, ['password', 'url']],
    [{ token: { providerId: 'prv_x' }, public: {} }, ['public', 'token']],
    [{ publicKey: { jwksUri: 'https://k.example.com' }, password: {}, public: {} }, ['password', 'public', 'publicKey']],
  ])('several → BAD_USER_INPUT naming each, nothing written (%#)', async (input, expected) => {
    await expectRejected(input, expected);
  });

  it('explicit nulls for the others are fine', async () => {
    const { credential } = await createOk({ token: null, password: null, publicKey: null, url: null, public: {} });
    expect(credential.__typename).toBe('PublicCredential');
  });
});

describe('createCredential: validation', () => {
  it.each([
    ['http', 'http://client.example.com/metadata'],
    ['relative', '/metadata'],
    ['not a URL', 'client metadata'],
  ])('a URL credential needs an absolute https URL (%s) at url.url', async (_label, url) => {
    await expectRejected({ url: { url } }, ['url.url']);
  });

  it.each([
    ['http', 'http://keys.example.com/jwks'],
    ['relative', 'jwks.json'],
  ])('jwksUri must be absolute https (%s) at publicKey.jwksUri', async (_label, jwksUri) => {
    await expectRejected({ publicKey: { jwksUri } }, ['publicKey.jwksUri']);
  });

  it('jwks and jwksUri together → BAD_USER_INPUT at publicKey', async () => {
    await expectRejected({ publicKey: { jwksUri: 'https://keys.example.com/jwks', jwks: { keys: [RSA_PUBLIC] } } }, ['publicKey']);
  });

  it('neither jwks nor jwksUri → BAD_USER_INPUT at publicKey', async () => {
    await expectRejected({ publicKey: {} }, ['publicKey']);
    await expectRejected({ publicKey: { jwksUri: null, jwks: null } }, ['publicKey']);
  });

  it.each<[string, unknown, string[]]>([
    ['a private RSA key (d, p, q…)', { keys: [RSA_PRIVATE] }, ['publicKey.jwks.keys.0']],
    ['a private key after a public one', { keys: [jwk(EC_P256, { kid: 'a' }), jwk(RSA_PRIVATE, { kid: 'b' })] }, ['publicKey.jwks.keys.1']],
    ['a public key carrying a lone "d"', { keys: [jwk(EC_P256, { d: 'AAAA' })] }, ['publicKey.jwks.keys.0']],
    ['a symmetric oct key', { keys: [{ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' }] }, ['publicKey.jwks.keys.0']],
    ['an oct key without k', { keys: [{ kty: 'oct' }] }, ['publicKey.jwks.keys.0.kty']],
    ['an unsupported alg', { keys: [jwk(RSA_PUBLIC, { alg: 'HS256' })] }, ['publicKey.jwks.keys.0.alg']],
    ['alg "none"', { keys: [jwk(RSA_PUBLIC, { alg: 'none' })] }, ['publicKey.jwks.keys.0.alg']],
    ['an alg of another key type (RSA + ES256)', { keys: [jwk(RSA_PUBLIC, { alg: 'ES256' })] }, ['publicKey.jwks.keys.0.alg']],
    ['an alg of another curve (P-256 + ES384)', { keys: [jwk(EC_P256, { alg: 'ES384' })] }, ['publicKey.jwks.keys.0.alg']],
    ['an alg of another key type (Ed25519 + RS256)', { keys: [jwk(ED25519, { alg: 'RS256' })] }, ['publicKey.jwks.keys.0.alg']],
    ['use "enc"', { keys: [jwk(RSA_PUBLIC, { use: 'enc' })] }, ['publicKey.jwks.keys.0.use']],
    ['a duplicate kid', { keys: [jwk(RSA_PUBLIC, { kid: 'same' }), jwk(EC_P256, { kid: 'same' })] }, ['publicKey.jwks.keys.1.kid']],
    ['a missing kid with two keys', { keys: [RSA_PUBLIC, EC_P256] }, ['publicKey.jwks.keys.0.kid', 'publicKey.jwks.keys.1.kid']],
    ['a missing kid on one of two keys', { keys: [jwk(RSA_PUBLIC, { kid: 'k1' }), EC_P256] }, ['publicKey.jwks.keys.1.kid']],
    ['an empty kid', { keys: [jwk(RSA_PUBLIC, { kid: '' })] }, ['publicKey.jwks.keys.0.kid']],
    ['a numeric kid', { keys: [jwk(RSA_PUBLIC, { kid: 7 })] }, ['publicKey.jwks.keys.0.kid']],
    ['a 1024-bit RSA key', { keys: [RSA_1024] }, ['publicKey.jwks.keys.0']],
    ['an unsupported curve', { keys: [{ ...EC_P256, crv: 'P-192' }] }, ['publicKey.jwks.keys.0', 'publicKey.jwks.keys.0.crv']],
    ['X25519 (a key-agreement curve)', { keys: [{ kty: 'OKP', crv: 'X25519', x: ED25519.x }] }, ['publicKey.jwks.keys.0.crv']],
    ['broken key material', { keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB' }] }, ['publicKey.jwks.keys.0']],
    ['a key that is not an object', { keys: ['not-a-key'] }, ['publicKey.jwks.keys.0']],
    ['no keys array', { key: [RSA_PUBLIC] }, ['publicKey.jwks']],
    ['an empty keys array', { keys: [] }, ['publicKey.jwks.keys']],
    ['more than 20 keys', { keys: Array.from({ length: 21 }, (_, i) => jwk(EC_P256, { kid: `k${i}` })) }, ['publicKey.jwks.keys']],
  ])('jwks: %s → BAD_USER_INPUT, nothing written', async (_label, jwks, expected) => {
    await expectRejected({ publicKey: { jwks } }, expected);
  });

  it('TOKEN: the subject must be 1 to 256 characters without control characters', async () => {
    await expectRejected({ token: { providerId, subject: '' } }, ['token.subject']);
    await expectRejected({ token: { providerId, subject: 'a\nb' } }, ['token.subject']);
    await expectRejected({ token: { providerId, subject: 'x'.repeat(257) } }, ['token.subject']);
  });

  it.each([
    ['password.identifier', { password: { identifier: 'has space' } }],
    ['public.identifier', { public: { identifier: '' } }],
    ['publicKey.identifier', { publicKey: { identifier: 'a b', jwksUri: 'https://k.example.com' } }],
    ['slug', { slug: 'Bad Slug', public: {} }],
  ])('%s is validated', async (path, input) => {
    await expectRejected(input, [path]);
  });

  it('an unknown provider or application is NOT_FOUND, nothing written', async () => {
    const before = await h.count('credentials');
    expect(codes(await create({ token: { providerId: 'prv_00000000000000000000000000' } }))).toEqual(['NOT_FOUND']);
    expect(codes(await create({ applicationId: 'app_00000000000000000000000000', public: {} }))).toEqual(['NOT_FOUND']);
    expect(await h.count('credentials')).toBe(before);
  });
});

describe('uniqueness', () => {
  it('a slug is unique within an application (CONFLICT), free in another', async () => {
    const application = await createApplication();
    await createOk({ applicationId: application.id, slug: 'taken', public: {} });
    const before = await h.count('credentials');
    expect(codes(await create({ applicationId: application.id, slug: 'taken', url: { url: 'https://taken.example.com' } }))).toEqual(['CONFLICT']);
    expect(await h.count('credentials')).toBe(before);
    const elsewhere = await createOk({ applicationId: (await createApplication()).id, slug: 'taken', public: {} });
    expect(elsewhere.credential.slug).toBe('taken');
  });

  it('derived slugs do not collide', async () => {
    const application = await createApplication();
    const a = await createOk({ applicationId: application.id, token: { providerId, subject: 'svc' } });
    const b = await createOk({ applicationId: application.id, token: { providerId: otherProviderId, subject: 'svc' } });
    expect([a.credential.slug, b.credential.slug]).toEqual(['svc', 'svc-2']);
  });

  it('a TOKEN identifier is unique per application and provider', async () => {
    const application = await createApplication();
    await createOk({ applicationId: application.id, token: { providerId } });
    const before = await h.count('credentials');
    expect(codes(await create({ applicationId: application.id, token: { providerId } }))).toEqual(['CONFLICT']);
    expect(codes(await create({ applicationId: application.id, token: { providerId, subject: null } }))).toEqual(['CONFLICT']);
    expect(await h.count('credentials')).toBe(before);
    // Another provider, or another application, may accept "*" too.
    await createOk({ applicationId: application.id, token: { providerId: otherProviderId } });
    await createOk({ applicationId: (await createApplication()).id, token: { providerId } });
  });

  it('a URL is unique per application', async () => {
    const application = await createApplication();
    const url = 'https://unique.example.com/client';
    await createOk({ applicationId: application.id, url: { url } });
    const before = await h.count('credentials');
    expect(codes(await create({ applicationId: application.id, slug: 'other-slug', url: { url } }))).toEqual(['CONFLICT']);
    expect(await h.count('credentials')).toBe(before);
    await createOk({ applicationId: (await createApplication()).id, url: { url } });
  });

  it('a client id (PASSWORD / PUBLIC identifier) is unique within the zone, across applications', async () => {
    const identifier = next('client-id');
    await createOk({ applicationId: (await createApplication()).id, password: { identifier } });
    const before = await h.count('credentials');
    expect(codes(await create({ applicationId: (await createApplication()).id, password: { identifier } }))).toEqual(['CONFLICT']);
    expect(codes(await create({ applicationId: (await createApplication()).id, public: { identifier } }))).toEqual(['CONFLICT']);
    expect(await h.count('credentials')).toBe(before);
    // Another zone, or another organization, is free.
    await createOk({ applicationId: (await createApplication({ zoneId: 'zone-2' })).id, password: { identifier } });
    const foreignApp = await createApplication({}, orgB);
    expect(expectOk(await create({ applicationId: foreignApp.id, password: { identifier } }, orgB)).createCredential.credential.identifier).toBe(identifier);
  });

  it('a PUBLIC_KEY identifier is an OAuth client id too: it may not reuse a PASSWORD credential’s client id in the zone', async () => {
    const identifier = next('pk-client-id');
    await createOk({ applicationId: (await createApplication()).id, password: { identifier } });
    const before = await h.count('credentials');
    const result = await create({ applicationId: (await createApplication()).id, publicKey: { identifier, jwksUri: 'https://k.example.com/jwks' } });
    expect(codes(result)).toEqual(['CONFLICT']);
    expect(await h.count('credentials')).toBe(before);
  });
});

describe('updateCredential', () => {
  it('a sub-input of another type is BAD_USER_INPUT at its path, and changes nothing', async () => {
    const url = (await createOk({ url: { url: 'https://mismatch.example.com' } })).credential;
    const token = (await createOk({ token: { providerId, subject: next('mismatch') } })).credential;
    const password = (await createOk({ password: {} })).credential;
    const cases: [string, Record<string, unknown>, string[]][] = [
      [url.id, { token: { subject: 'x' } }, ['token']],
      [url.id, { publicKey: { jwksUri: 'https://k.example.com' } }, ['publicKey']],
      [token.id, { url: { url: 'https://x.example.com' } }, ['url']],
      [password.id, { publicKey: { jwksUri: 'https://k.example.com' } }, ['publicKey']],
      [password.id, { token: { subject: 'x' }, url: { url: 'https://x.example.com' } }, ['token', 'url']],
    ];
    for (const [id, input, expected] of cases) {
      const before = await row(id);
      const result = await update({ id, ...input });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(paths(result)).toEqual(expected);
      expect(await row(id)).toEqual(before);
    }
  });

  it('TOKEN: a new subject changes the identifier; null accepts any subject ("*")', async () => {
    const { credential } = await createOk({ token: { providerId, subject: next('before') } });
    const changed = expectOk(await update({ id: credential.id, token: { subject: 'after-subject' } })).updateCredential.credential;
    expect(changed).toMatchObject({ subject: 'after-subject', identifier: 'after-subject', slug: credential.slug, version: 2, providerId });
    const any = expectOk(await update({ id: credential.id, token: { subject: null } })).updateCredential.credential;
    expect(any).toMatchObject({ subject: null, identifier: '*', version: 3 });
    expect(await row(credential.id)).toMatchObject({ subject: null, identifier: '*' });
    // An empty token input leaves the subject alone.
    expect(expectOk(await update({ id: credential.id, token: {} })).updateCredential.credential).toMatchObject({ subject: null, identifier: '*' });
  });

  it('TOKEN: a subject the application already accepts from that provider is CONFLICT', async () => {
    const application = await createApplication();
    await createOk({ applicationId: application.id, token: { providerId, subject: 'taken' } });
    const { credential } = await createOk({ applicationId: application.id, token: { providerId, subject: 'free' } });
    const before = await row(credential.id);
    expect(codes(await update({ id: credential.id, token: { subject: 'taken' } }))).toEqual(['CONFLICT']);
    expect(await row(credential.id)).toEqual(before);
  });

  it('PUBLIC_KEY: switches from jwksUri to jwks and back, clearing the other', async () => {
    const { credential } = await createOk({ publicKey: { jwksUri: 'https://keys.example.com/a' } });
    const jwks = { keys: [jwk(EC_P256, { kid: 'e1', alg: 'ES256' })] };
    const toSet = expectOk(await update({ id: credential.id, publicKey: { jwks } })).updateCredential.credential;
    expect(toSet).toMatchObject({ jwksUri: null, jwks, identifier: credential.identifier, version: 2 });
    expect(await row(credential.id)).toMatchObject({ jwks_uri: null, jwks });
    const toUri = expectOk(await update({ id: credential.id, publicKey: { jwksUri: 'https://keys.example.com/b' } })).updateCredential.credential;
    expect(toUri).toMatchObject({ jwksUri: 'https://keys.example.com/b', jwks: null, version: 3 });
  });

  it('PUBLIC_KEY: the same rules as on create, nothing changed on failure', async () => {
    const { credential } = await createOk({ publicKey: { jwksUri: 'https://keys.example.com/c' } });
    const before = await row(credential.id);
    const cases: [Record<string, unknown>, string[]][] = [
      [{ jwks: { keys: [RSA_PRIVATE] } }, ['publicKey.jwks.keys.0']],
      [{ jwksUri: 'http://keys.example.com' }, ['publicKey.jwksUri']],
      [{ jwksUri: 'https://keys.example.com/d', jwks: { keys: [RSA_PUBLIC] } }, ['publicKey']],
      [{ jwksUri: null }, ['publicKey']],
    ];
    for (const [publicKey, expected] of cases) {
      const result = await update({ id: credential.id, publicKey });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(paths(result)).toEqual(expected);
      expect(await row(credential.id)).toEqual(before);
    }
  });

  it('URL: a new URL is the new identifier; http is rejected at url.url', async () => {
    const { credential } = await createOk({ url: { url: 'https://old.example.com/client' } });
    const updated = expectOk(await update({ id: credential.id, url: { url: 'https://new.example.com/client' } })).updateCredential.credential;
    expect(updated).toMatchObject({ url: 'https://new.example.com/client', identifier: 'https://new.example.com/client', version: 2 });
    const before = await row(credential.id);
    const result = await update({ id: credential.id, url: { url: 'http://new.example.com/client' } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['url.url']);
    expect(await row(credential.id)).toEqual(before);
  });

  it('slug: changes; a taken one is CONFLICT', async () => {
    const application = await createApplication();
    await createOk({ applicationId: application.id, slug: 'occupied', public: {} });
    const { credential } = await createOk({ applicationId: application.id, public: {} });
    expect(expectOk(await update({ id: credential.id, slug: 'renamed' })).updateCredential.credential.slug).toBe('renamed');
    const before = await row(credential.id);
    expect(codes(await update({ id: credential.id, slug: 'occupied' }))).toEqual(['CONFLICT']);
    expect(await row(credential.id)).toEqual(before);
  });

  it('expectedVersion: a stale version is CONFLICT and changes nothing; the current one goes through', async () => {
    const { credential } = await createOk({ url: { url: 'https://versioned.example.com' } });
    const before = await row(credential.id);
    expect(codes(await update({ id: credential.id, expectedVersion: 2, slug: 'stale' }))).toEqual(['CONFLICT']);
    expect(await row(credential.id)).toEqual(before);
    const ok = expectOk(await update({ id: credential.id, expectedVersion: 1, slug: 'fresh' })).updateCredential.credential;
    expect(ok).toMatchObject({ slug: 'fresh', version: 2 });
  });

  it('an unknown id is NOT_FOUND', async () => {
    expect(codes(await update({ id: 'cred_00000000000000000000000000', slug: 'x' }))).toEqual(['NOT_FOUND']);
  });
});

describe('deleteCredential', () => {
  it('deletes it; a second time is NOT_FOUND', async () => {
    const { credential } = await createOk({ public: {} });
    const before = await h.count('credentials');
    expect(expectOk(await h.run<any>(DELETE, { input: { id: credential.id } })).deleteCredential).toEqual({ deletedId: credential.id });
    expect(await h.count('credentials')).toBe(before - 1);
    expect(await get(credential.id)).toBeNull();
    expect(codes(await h.run(DELETE, { input: { id: credential.id } }))).toEqual(['NOT_FOUND']);
  });

  it('deleting an application deletes its credentials', async () => {
    const application = await createApplication();
    await createOk({ applicationId: application.id, public: {} });
    await createOk({ applicationId: application.id, password: {} });
    await createOk({ applicationId: application.id, token: { providerId } });
    const [{ n }] = await h.dataSource.query('SELECT count(*)::int AS n FROM credentials WHERE application_id = $1', [application.id]);
    expect(n).toBe(3);
    const total = await h.count('credentials');
    expectOk(await h.run(DELETE_APPLICATION, { input: { id: application.id } }));
    expect(await h.count('credentials')).toBe(total - 3);
  });
});

describe('rotateCredentialSecret', () => {
  it('PASSWORD: a new secret; the stored hash changes; the username stays', async () => {
    const { credential, secret } = await createOk({ password: {} });
    const hashBefore = (await row(credential.id))!.password_hash;
    const before = Date.now();
    const rotated = expectOk(await h.run<any>(ROTATE, { input: { id: credential.id } })).rotateCredentialSecret;
    expect(rotated.secret).toMatch(/^clv_pw_[A-Za-z0-9_-]{43}$/);
    expect(rotated.secret).not.toBe(secret);
    expect(rotated.credential).toMatchObject({ id: credential.id, identifier: credential.identifier, version: 2 });
    expect(new Date(rotated.credential.secretRotatedAt).getTime()).toBeGreaterThanOrEqual(before - 5);

    const stored = (await row(credential.id))!;
    expect(stored.password_hash.equals(hashBefore)).toBe(false);
    expect(stored.password_hash.equals(hmac(rotated.secret))).toBe(true);
    expect((await get(credential.id))!.secretRotatedAt).toEqual(rotated.credential.secretRotatedAt);
  });

  it.each([
    ['TOKEN', () => ({ token: { providerId, subject: next('rot') } })],
    ['PUBLIC_KEY', () => ({ publicKey: { jwksUri: 'https://keys.example.com/rot' } })],
    ['URL', () => ({ url: { url: `https://${next('rot')}.example.com` } })],
    ['PUBLIC', () => ({ public: {} })],
  ])('%s has no secret: BAD_USER_INPUT at id, nothing changed', async (_type, input) => {
    const { credential } = await createOk(input());
    const before = await row(credential.id);
    const result = await h.run(ROTATE, { input: { id: credential.id } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['id']);
    expect(await row(credential.id)).toEqual(before);
  });

  it('needs secrets:rotate: FORBIDDEN otherwise, the hash unchanged', async () => {
    const { credential } = await createOk({ password: {} });
    const before = await row(credential.id);
    expect(codes(await h.run(ROTATE, { input: { id: credential.id } }, { token: await h.token({ scopes: without('secrets:rotate') }) }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(await row(credential.id)).toEqual(before);
    const allowed = await h.run<any>(ROTATE, { input: { id: credential.id } }, { token: await h.token({ scopes: ['secrets:rotate'] }) });
    expect(allowed.errors).toBeUndefined();
  });

  it('an unknown id is NOT_FOUND', async () => {
    expect(codes(await h.run(ROTATE, { input: { id: 'cred_00000000000000000000000000' } }))).toEqual(['NOT_FOUND']);
  });
});

describe('reading credentials', () => {
  let application: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    application = (await createApplication()).id;
    ids.TOKEN = (await createOk({ applicationId: application, token: { providerId, subject: 'reader' } })).credential.id;
    ids.PASSWORD = (await createOk({ applicationId: application, password: {} })).credential.id;
    ids.PUBLIC_KEY = (await createOk({ applicationId: application, publicKey: { jwksUri: 'https://keys.example.com/r' } })).credential.id;
    ids.URL = (await createOk({ applicationId: application, url: { url: 'https://reader.example.com' } })).credential.id;
    ids.PUBLIC = (await createOk({ applicationId: application, public: {} })).credential.id;
  });

  it('Application.credentials lists them in creation order, filtered by type', async () => {
    const all = expectOk(await h.run<any>(APP_CREDENTIALS, { id: application })).application.credentials;
    expect(all.totalCount).toBe(5);
    expect(all.edges.map((e: any) => e.node.id)).toEqual([ids.TOKEN, ids.PASSWORD, ids.PUBLIC_KEY, ids.URL, ids.PUBLIC]);
    expect(all.edges.map((e: any) => e.node.__typename)).toEqual([
      'TokenCredential',
      'PasswordCredential',
      'PublicKeyCredential',
      'UrlCredential',
      'PublicCredential',
    ]);
    for (const type of Object.keys(ids)) {
      const filtered = expectOk(await h.run<any>(APP_CREDENTIALS, { id: application, type })).application.credentials;
      expect(filtered.totalCount).toBe(1);
      expect(filtered.edges.map((e: any) => e.node)).toEqual([expect.objectContaining({ id: ids[type], type })]);
    }
  });

  it('credentials(filter:) filters by application and type', async () => {
    const byApp = expectOk(await h.run<any>(LIST, { filter: { applicationId: application } })).credentials;
    expect(byApp.edges.map((e: any) => e.node.id)).toEqual(Object.values(ids));
    const byBoth = expectOk(await h.run<any>(LIST, { filter: { applicationId: application, type: 'URL' } })).credentials;
    expect(byBoth.edges.map((e: any) => e.node.id)).toEqual([ids.URL]);
    const byType = expectOk(await h.run<any>(LIST, { filter: { type: 'PUBLIC_KEY' }, first: 100 })).credentials;
    expect(byType.edges.length).toBeGreaterThan(1);
    for (const edge of byType.edges) expect(edge.node).toMatchObject({ __typename: 'PublicKeyCredential', type: 'PUBLIC_KEY' });
    expect(byType.edges.map((e: any) => e.node.id)).toContain(ids.PUBLIC_KEY);
  });

  it('TokenCredential.provider and ApplicationCredential.application resolve', async () => {
    const result = await h.run<any>(`query ($id: ID!) { credential(id: $id) { ... on TokenCredential { provider { id name } application { id } } } }`, {
      id: ids.TOKEN,
    });
    expect(expectOk(result).credential).toEqual({ provider: { id: providerId, name: expect.any(String) }, application: { id: application } });
    for (const id of Object.values(ids)) {
      const app = await h.run<any>(`query ($id: ID!) { credential(id: $id) { ... on ApplicationCredential { application { id } } } }`, { id });
      expect(expectOk(app).credential.application.id).toBe(application);
    }
  });

  it('node(id) returns the right type for each kind', async () => {
    const expected: Record<string, string> = {
      TOKEN: 'TokenCredential',
      PASSWORD: 'PasswordCredential',
      PUBLIC_KEY: 'PublicKeyCredential',
      URL: 'UrlCredential',
      PUBLIC: 'PublicCredential',
    };
    for (const [type, id] of Object.entries(ids)) {
      expect(expectOk(await h.run<any>(NODE, { id })).node).toEqual({ __typename: expected[type], id, type });
    }
  });

  it('credential(id) is null for an unknown id', async () => {
    expect(await get('cred_00000000000000000000000000')).toBeNull();
  });
});

describe('another organization’s credentials and providers look missing', () => {
  let foreignApp: string;
  let foreignProvider: string;
  let foreignCredential: string;
  beforeAll(async () => {
    foreignApp = (await createApplication({}, orgB)).id;
    foreignProvider = await createProvider(orgB);
    foreignCredential = expectOk(await create({ applicationId: foreignApp, password: {} }, orgB)).createCredential.credential.id;
  });

  it('credential(id) and node(id) are null; credentials does not list them', async () => {
    expect(await get(foreignCredential)).toBeNull();
    expect(expectOk(await h.run<any>(NODE, { id: foreignCredential })).node).toBeNull();
    const listed = expectOk(await h.run<any>(LIST, { first: 100 })).credentials.edges.map((e: any) => e.node.id);
    expect(listed).not.toContain(foreignCredential);
    expect(expectOk(await h.run<any>(LIST, { filter: { applicationId: foreignApp } })).credentials.totalCount).toBe(0);
    const entities = await h.run<any>(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on PasswordCredential { id } } }`, {
      r: [{ __typename: 'PasswordCredential', id: foreignCredential }],
    });
    expect(expectOk(entities)._entities).toEqual([null]);
  });

  it('update, delete and rotate are NOT_FOUND and change nothing', async () => {
    const before = await row(foreignCredential);
    expect(codes(await update({ id: foreignCredential, slug: 'hijacked' }))).toEqual(['NOT_FOUND']);
    expect(codes(await h.run(DELETE, { input: { id: foreignCredential } }))).toEqual(['NOT_FOUND']);
    expect(codes(await h.run(ROTATE, { input: { id: foreignCredential } }))).toEqual(['NOT_FOUND']);
    expect(await row(foreignCredential)).toEqual(before);
  });

  it('creating a credential under another organization’s application is NOT_FOUND, nothing written', async () => {
    const before = await h.count('credentials');
    expect(codes(await create({ applicationId: foreignApp, public: {} }))).toEqual(['NOT_FOUND']);
    expect(await h.count('credentials')).toBe(before);
  });

  it('a token credential pointing at another organization’s provider is NOT_FOUND, like a missing provider, nothing written', async () => {
    const before = await h.count('credentials');
    const foreign = await create({ token: { providerId: foreignProvider } });
    const missingId = 'prv_00000000000000000000000000';
    const missing = await create({ token: { providerId: missingId } });
    expect(codes(foreign)).toEqual(['NOT_FOUND']);
    expect(foreign.errors![0].message.split(foreignProvider).join('<id>')).toBe(missing.errors![0].message.split(missingId).join('<id>'));
    expect(await h.count('credentials')).toBe(before);
  });

  it('another organization’s provider cannot be deleted through a credential check either', async () => {
    // Org B's provider is unused by org A; org A still cannot delete it.
    expect(
      codes(await h.run(`mutation ($input: DeleteProviderInput!) { deleteProvider(input: $input) { deletedId } }`, { input: { id: foreignProvider } })),
    ).toEqual(['NOT_FOUND']);
  });
});

describe('scopes', () => {
  it('reading needs credentials:read: FORBIDDEN otherwise', async () => {
    const { credential } = await createOk({ public: {} });
    const token = await h.token({ scopes: without('credentials:read') });
    expect(codes(await h.run(GET, { id: credential.id }, { token }))).toEqual(['FORBIDDEN']);
    expect(codes(await h.run(LIST, {}, { token }))).toEqual(['FORBIDDEN']);
    expect(codes(await h.run(NODE, { id: credential.id }, { token }))).toEqual(['FORBIDDEN']);
    const nested = await h.run<any>(APP_CREDENTIALS, { id: appId }, { token });
    expect(codes(nested)).toEqual(['FORBIDDEN']);
    const reader = await h.token({ scopes: ['credentials:read'] });
    expect((await get(credential.id, reader))!.id).toBe(credential.id);
  });

  it('TokenCredential.provider also needs providers:read', async () => {
    const { credential } = await createOk({ token: { providerId, subject: next('scoped') } });
    const token = await h.token({ scopes: ['credentials:read'] });
    const result = await h.run<any>(
      `query ($id: ID!) { credential(id: $id) { ... on TokenCredential { providerId provider { id } } } }`,
      { id: credential.id },
      { token },
    );
    expect(codes(result)).toEqual(['FORBIDDEN']);
  });

  it('create, update and delete need credentials:write: FORBIDDEN otherwise, nothing written', async () => {
    const { credential } = await createOk({ url: { url: 'https://scoped.example.com' } });
    const token = await h.token({ scopes: without('credentials:write') });
    const count = await h.count('credentials');
    const before = await row(credential.id);
    expect(codes(await create({ public: {} }, token))).toEqual(['FORBIDDEN']);
    expect(codes(await create({ password: {} }, token))).toEqual(['FORBIDDEN']);
    expect(codes(await update({ id: credential.id, slug: 'nope' }, token))).toEqual(['FORBIDDEN']);
    expect(codes(await h.run(DELETE, { input: { id: credential.id } }, { token }))).toEqual(['FORBIDDEN']);
    expect(await h.count('credentials')).toBe(count);
    expect(await row(credential.id)).toEqual(before);

    const writer = await h.token({ scopes: ['credentials:write'] });
    expect(expectOk(await create({ public: {} }, writer)).createCredential.credential.__typename).toBe('PublicCredential');
  });
});

describe('credentials of a PLATFORM application', () => {
  it('need platform:write to be created, updated, rotated or deleted', async () => {
    const platformApp = await createApplication({ ownerType: 'PLATFORM' });
    const { credential } = await createOk({ applicationId: platformApp.id, password: {} });
    const token = await h.token({ scopes: without('platform:write') });
    const count = await h.count('credentials');
    const before = await row(credential.id);

    expect(codes(await create({ applicationId: platformApp.id, public: {} }, token))).toEqual(['FORBIDDEN']);
    expect(codes(await update({ id: credential.id, slug: 'changed' }, token))).toEqual(['FORBIDDEN']);
    expect(codes(await h.run(ROTATE, { input: { id: credential.id } }, { token }))).toEqual(['FORBIDDEN']);
    expect(codes(await h.run(DELETE, { input: { id: credential.id } }, { token }))).toEqual(['FORBIDDEN']);
    expect(await h.count('credentials')).toBe(count);
    expect(await row(credential.id)).toEqual(before);

    // The same caller reads them, and writes credentials of CUSTOMER applications.
    expect((await get(credential.id, token))!.id).toBe(credential.id);
    expect(expectOk(await create({ public: {} }, token)).createCredential.credential.__typename).toBe('PublicCredential');

    // With platform:write it goes through.
    expect(expectOk(await update({ id: credential.id, slug: 'changed' })).updateCredential.credential.slug).toBe('changed');
    expect(expectOk(await h.run<any>(DELETE, { input: { id: credential.id } })).deleteCredential.deletedId).toBe(credential.id);
  });
});

describe('concurrency', () => {
  it('createCredential racing deleteProvider never fails with an internal error: either CONFLICT or NOT_FOUND', async () => {
    const application = await createApplication();
    for (let i = 0; i < 20; i++) {
      const provider = await createProvider();
      const [created, deleted] = await Promise.all([
        create({ applicationId: application.id, token: { providerId: provider, subject: `race-${i}` } }),
        h.run(`mutation ($input: DeleteProviderInput!) { deleteProvider(input: $input) { deletedId } }`, { input: { id: provider } }),
      ]);
      const outcome = `${codes(created).join() || 'created'}/${codes(deleted).join() || 'deleted'}`;
      expect(['created/CONFLICT', 'NOT_FOUND/deleted']).toContain(outcome);
    }
    // Nothing trusts a provider that is gone.
    const [{ n }] = await h.dataSource.query(
      'SELECT count(*)::int AS n FROM credentials c WHERE c.provider_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM providers p WHERE p.id = c.provider_id)',
    );
    expect(n).toBe(0);
  });
});
