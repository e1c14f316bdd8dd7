import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientIdUrlIssue, hostMatches } from '../src/metadata-documents/client-metadata-document.rules';
import { SafeFetcher } from '../src/net/safe-fetcher';
import { makeServerCertificate } from './helpers/test-ca';
import { type Harness, type Result, codes, createHarness, expectOk, fieldPaths } from './helpers/harness';
import { createApp, unique } from './helpers/operations';

/*
 * Client ID Metadata Documents (issue 14). Every request goes to 127.0.0.1: a test CA and a server certificate for
 * 127.0.0.1 are made with openssl, and one https server plays every client's site. Each test works in an organization
 * of its own, so policies and cached documents of one test never meet another's.
 */

interface Route {
  status?: number;
  headers?: OutgoingHttpHeaders;
  body?: unknown;
  /** Never answer (a slow server). */
  hang?: boolean;
}

let dir: string;
let ca: string;
let server: HttpsServer;
let port: number;
const routes = new Map<string, Route>();
const requests = new Map<string, number>();
const hanging: ServerResponse[] = [];
let h: Harness;
/** The same service, with the development loopback allowance off (as in production). */
let strict: Harness;
const fetchers: SafeFetcher[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/';
  requests.set(path, (requests.get(path) ?? 0) + 1);
  const route = routes.get(path);
  if (!route) {
    res.writeHead(404);
    res.end();
    return;
  }
  if (route.hang) {
    hanging.push(res);
    return;
  }
  res.writeHead(route.status ?? 200, { 'content-type': 'application/json', ...route.headers });
  res.end(typeof route.body === 'string' ? route.body : JSON.stringify(route.body));
}

function url(path: string): string {
  return `https://127.0.0.1:${port}${path}`;
}

/** A route serving a valid document for its own URL, with `changes` merged in (undefined members removed). */
function serve(path: string, changes: Record<string, unknown> = {}, headers: OutgoingHttpHeaders = { 'cache-control': 'max-age=3600' }): string {
  const document: Record<string, unknown> = {
    client_id: url(path),
    client_name: 'Agent',
    redirect_uris: ['https://agent.example/callback', 'http://127.0.0.1:8080/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
    logo_uri: 'https://agent.example/logo.png',
    client_uri: 'https://agent.example/',
    policy_uri: 'https://agent.example/policy',
    tos_uri: 'https://agent.example/tos',
    some_future_member: { ignored: true },
    ...changes,
  };
  for (const [key, value] of Object.entries(document)) if (value === undefined) delete document[key];
  routes.set(path, { headers, body: document });
  return url(path);
}

const fetched = (path: string) => requests.get(path) ?? 0;

const DOCUMENT_FIELDS = `url clientName redirectUris grantTypes tokenEndpointAuthMethod jwks jwksUri logoUri clientUri policyUri tosUri
  fetchedAt expiresAt lastError lastErrorCode lastErrorAt`;
const RESOLVE = `query($url: String!) { resolveClientMetadataDocument(url: $url) { ${DOCUMENT_FIELDS} } }`;
const POLICY = `{ clientMetadataDocumentPolicy { enabled trustedHostPatterns minCacheSeconds maxCacheSeconds updatedAt } }`;
const UPDATE_POLICY = `mutation($input: UpdateClientMetadataDocumentPolicyInput!) {
  updateClientMetadataDocumentPolicy(input: $input) { policy { enabled trustedHostPatterns minCacheSeconds maxCacheSeconds updatedAt } }
}`;
const REFRESH = `mutation($id: ID!) {
  refreshClientMetadataDocument(input: { credentialId: $id }) { credential { id url } document { ${DOCUMENT_FIELDS} } }
}`;
const CREATE_URL_CREDENTIAL = `mutation($input: CreateCredentialInput!) {
  createCredential(input: $input) { credential { ... on ApplicationCredential { id } ... on UrlCredential { url } } }
}`;
const CREDENTIAL_DOCUMENT = `query($id: ID!) {
  credential(id: $id) { ... on UrlCredential { url document { clientName fetchedAt expiresAt lastError lastErrorCode } } }
}`;

/** A token for an organization of the test's own. */
async function orgToken(scopes?: string[]): Promise<{ org: string; token: string }> {
  const org = unique('org');
  return { org, token: await h.token({ org, scopes }) };
}

async function resolve(token: string, target: string, harness: Harness = h): Promise<Result> {
  return harness.run(RESOLVE, { url: target }, { token });
}

function extensionsOf(result: Result): Record<string, unknown> {
  return result.errors?.[0]?.extensions ?? {};
}

async function urlCredential(token: string, target: string): Promise<string> {
  const { application } = await createApp(h, { identifier: unique('cimd-app'), name: 'App' }, token);
  const data = expectOk(await h.run(CREATE_URL_CREDENTIAL, { input: { applicationId: application.id, url: { url: target } } }, { token }));
  return data.createCredential.credential.id;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clavis-cimd-'));
  const certificate = makeServerCertificate(dir, 'IP:127.0.0.1');
  ca = certificate.ca;
  server = createHttpsServer({ key: certificate.key, cert: certificate.cert }, handle);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as AddressInfo).port;

  const loose = new SafeFetcher({ ca, allowLoopback: true, totalTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
  const production = new SafeFetcher({ ca, totalTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
  fetchers.push(loose, production);
  [h, strict] = await Promise.all([createHarness({ metadataFetcher: loose }), createHarness({ metadataFetcher: production })]);
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  await Promise.all([h?.close(), strict?.close(), ...fetchers.map((fetcher) => fetcher.close())]);
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

describe('the client_id URL rules (draft §3), without fetching', () => {
  it.each([
    ['https://client.example.com/oauth/client.json', null],
    ['https://client.example.com:8443/c?v=1', null],
    ['http://client.example.com/client.json', /https/],
    ['https://client.example.com', /path/],
    ['https://client.example.com/', /path/],
    ['https://client.example.com/client.json#frag', /fragment/],
    ['https://user:pw@client.example.com/client.json', /user information/],
    ['https://user@client.example.com/client.json', /user information/],
    ['https://client.example.com/a/../client.json', /"\." or "\.\."/],
    ['https://client.example.com/./client.json', /"\." or "\.\."/],
    ['https://client.example.com/a/%2E%2E/client.json', /"\." or "\.\."/],
    ['https://Client.Example.com/client.json', /canonical/],
    [`https://client.example.com/${'a'.repeat(2048)}`, /at most 2048/],
  ])('%#: %s', (value, expected) => {
    const issue = clientIdUrlIssue(value);
    if (expected === null) expect(issue).toBeNull();
    else expect(issue).toMatch(expected);
  });

  it('matches trusted host patterns exactly or as subdomains', () => {
    expect(hostMatches('clients.example.com', ['clients.example.com'])).toBe(true);
    expect(hostMatches('a.b.example.com', ['*.example.com'])).toBe(true);
    expect(hostMatches('example.com', ['*.example.com'])).toBe(false);
    expect(hostMatches('evilexample.com', ['*.example.com'])).toBe(false);
    expect(hostMatches('clients.example.com.evil.net', ['clients.example.com'])).toBe(false);
  });

  it('an invalid URL argument is BAD_USER_INPUT on `url`, before any policy read or fetch', async () => {
    const { token } = await orgToken();
    for (const bad of ['https://127.0.0.1:1/x#f', 'https://127.0.0.1:1/', 'not a url']) {
      const result = await resolve(token, bad);
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(fieldPaths(result)).toEqual(['url']);
    }
  });
});

describe('resolveClientMetadataDocument', () => {
  test('a valid document is resolved, unknown members ignored, and cached in PostgreSQL: the second resolve fetches nothing', async () => {
    const { org, token } = await orgToken();
    const target = serve('/valid');
    const first = expectOk(await resolve(token, target)).resolveClientMetadataDocument;
    expect(first).toMatchObject({
      url: target,
      clientName: 'Agent',
      redirectUris: ['https://agent.example/callback', 'http://127.0.0.1:8080/callback'],
      grantTypes: ['authorization_code', 'refresh_token'],
      tokenEndpointAuthMethod: 'none',
      jwks: null,
      jwksUri: null,
      logoUri: 'https://agent.example/logo.png',
      clientUri: 'https://agent.example/',
      policyUri: 'https://agent.example/policy',
      tosUri: 'https://agent.example/tos',
      lastError: null,
    });
    expect(JSON.stringify(first)).not.toContain('some_future_member');
    expect(fetched('/valid')).toBe(1);
    const again = expectOk(await resolve(token, target)).resolveClientMetadataDocument;
    expect(again).toEqual(first);
    expect(fetched('/valid')).toBe(1);
    // The cache is the table every replica reads, not process memory.
    const [row] = await h.dataSource.query(`SELECT client_name, expires_at FROM client_metadata_documents WHERE organization_id = $1 AND url = $2`, [
      org,
      target,
    ]);
    expect(row.client_name).toBe('Agent');
  });

  test('an expired cache entry is fetched again', async () => {
    const { org, token } = await orgToken();
    const target = serve('/expiring');
    expectOk(await resolve(token, target));
    await h.dataSource.query(`UPDATE client_metadata_documents SET expires_at = now() - interval '1 second' WHERE organization_id = $1`, [org]);
    serve('/expiring', { client_name: 'Agent 2' });
    const again = expectOk(await resolve(token, target)).resolveClientMetadataDocument;
    expect(again.clientName).toBe('Agent 2');
    expect(fetched('/expiring')).toBe(2);
  });

  test("Cache-Control max-age is clamped to the organization's bounds", async () => {
    const lifetime = (doc: { fetchedAt: string; expiresAt: string }) => (Date.parse(doc.expiresAt) - Date.parse(doc.fetchedAt)) / 1000;
    const { token } = await orgToken();
    // Defaults: 5 minutes .. 1 day.
    const short = serve('/short', {}, { 'cache-control': 'max-age=10' });
    expect(lifetime(expectOk(await resolve(token, short)).resolveClientMetadataDocument)).toBe(300);
    const long = serve('/long', {}, { 'cache-control': 'max-age=9999999' });
    expect(lifetime(expectOk(await resolve(token, long)).resolveClientMetadataDocument)).toBe(86_400);
    const middle = serve('/middle', {}, { 'cache-control': 'max-age=4000' });
    expect(lifetime(expectOk(await resolve(token, middle)).resolveClientMetadataDocument)).toBe(4_000);

    const other = await orgToken();
    expectOk(await h.run(UPDATE_POLICY, { input: { minCacheSeconds: 60, maxCacheSeconds: 600 } }, { token: other.token }));
    expect(lifetime(expectOk(await resolve(other.token, short)).resolveClientMetadataDocument)).toBe(60);
    expect(lifetime(expectOk(await resolve(other.token, long)).resolveClientMetadataDocument)).toBe(600);
  });

  const unusable: Array<[name: string, setup: () => string, code: string, reason: string, fields?: string[]]> = [
    [
      'a redirect is not followed',
      () => {
        routes.set('/moved', { status: 302, headers: { location: serve('/moved-target') } });
        return url('/moved');
      },
      'CLIENT_METADATA_UNREACHABLE',
      'REDIRECT',
    ],
    [
      'an oversize body',
      () => {
        routes.set('/big', { body: { client_id: url('/big'), redirect_uris: ['https://agent.example/cb'], padding: 'x'.repeat(6 * 1024) } });
        return url('/big');
      },
      'CLIENT_METADATA_UNREACHABLE',
      'TOO_LARGE',
    ],
    ['a mismatched client_id', () => serve('/mismatch', { client_id: url('/somewhere-else') }), 'CLIENT_METADATA_INVALID', 'CLIENT_ID_MISMATCH', ['client_id']],
    [
      'a client_id differing only in a trailing slash',
      () => serve('/slash', { client_id: `${url('/slash')}/` }),
      'CLIENT_METADATA_INVALID',
      'CLIENT_ID_MISMATCH',
      ['client_id'],
    ],
    [
      'a shared-secret auth method',
      () => serve('/secret-method', { token_endpoint_auth_method: 'client_secret_basic' }),
      'CLIENT_METADATA_INVALID',
      'SHARED_SECRET_AUTH_METHOD',
      ['token_endpoint_auth_method'],
    ],
    [
      'client_secret_post',
      () => serve('/secret-post', { token_endpoint_auth_method: 'client_secret_post' }),
      'CLIENT_METADATA_INVALID',
      'SHARED_SECRET_AUTH_METHOD',
      ['token_endpoint_auth_method'],
    ],
    [
      'a client_secret in the document',
      () => serve('/client-secret', { client_secret: 'hunter2' }),
      'CLIENT_METADATA_INVALID',
      'SECRET_IN_DOCUMENT',
      ['client_secret'],
    ],
    [
      'a private key in jwks',
      () => {
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        return serve('/private-key', { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [privateKey.export({ format: 'jwk' })] } });
      },
      'CLIENT_METADATA_INVALID',
      'PRIVATE_KEY',
      ['jwks.keys.0'],
    ],
    [
      'a redirect URI breaking the redirect rules',
      () => serve('/bad-redirect', { redirect_uris: ['https://agent.example/ok', 'http://agent.example/callback'] }),
      'CLIENT_METADATA_INVALID',
      'INVALID_REDIRECT_URI',
      ['redirect_uris.1'],
    ],
    ['no redirect URI at all', () => serve('/no-redirect', { redirect_uris: undefined }), 'CLIENT_METADATA_INVALID', 'INVALID_REDIRECT_URI', ['redirect_uris']],
    [
      'a body that is not JSON',
      () => {
        routes.set('/not-json', { body: '<html>' });
        return url('/not-json');
      },
      'CLIENT_METADATA_INVALID',
      'NOT_JSON',
    ],
    ['a document served as text/html', () => serve('/html', {}, { 'content-type': 'text/html' }), 'CLIENT_METADATA_INVALID', 'NOT_JSON'],
    ['an http error', () => url('/missing'), 'CLIENT_METADATA_UNREACHABLE', 'HTTP_STATUS'],
  ];

  const rows = unusable.map(([name, setup, code, reason, fields]) => ({ name, setup, code, reason, fields }));
  test.each(rows)('refuses $name ($code / $reason), stores nothing usable and caches no error', async ({ setup, code, reason, fields }) => {
    const { org, token } = await orgToken();
    const target = setup();
    const path = new URL(target).pathname;
    const result = await resolve(token, target);
    expect(codes(result)).toEqual([code]);
    expect(extensionsOf(result).reason).toBe(reason);
    if (fields) expect(fieldPaths(result)).toEqual(fields);
    expect(result.data).toBeNull();
    const [row] = await h.dataSource.query(`SELECT fetched_at, last_error_code FROM client_metadata_documents WHERE organization_id = $1 AND url = $2`, [
      org,
      target,
    ]);
    expect(row).toMatchObject({ fetched_at: null, last_error_code: reason });
    // Not cached: asking again asks the server again.
    const before = fetched(path);
    expect(codes(await resolve(token, target))).toEqual([code]);
    expect(fetched(path)).toBe(before + 1);
  });

  test('the redirect target is never requested', async () => {
    const { token } = await orgToken();
    routes.set('/moved-2', { status: 301, headers: { location: serve('/moved-2-target') } });
    expect(extensionsOf(await resolve(token, url('/moved-2'))).reason).toBe('REDIRECT');
    expect(fetched('/moved-2')).toBe(1);
    expect(fetched('/moved-2-target')).toBe(0);
  });

  test('a slow server is a TIMEOUT', async () => {
    const { token } = await orgToken();
    routes.set('/slow', { hang: true });
    const started = Date.now();
    const result = await resolve(token, url('/slow'));
    expect(codes(result)).toEqual(['CLIENT_METADATA_UNREACHABLE']);
    expect(extensionsOf(result).reason).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('a loopback target is refused when the development allowance is off, before any connection', async () => {
    // A listener of its own, so no other test's connection is counted.
    let accepted = 0;
    const listener = createTcpServer((socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((done) => listener.listen(0, '127.0.0.1', done));
    try {
      const { token } = await orgToken();
      const target = `https://127.0.0.1:${(listener.address() as AddressInfo).port}/client.json`;
      const result = await resolve(token, target, strict);
      expect(codes(result)).toEqual(['CLIENT_METADATA_UNREACHABLE']);
      expect(extensionsOf(result).reason).toBe('FORBIDDEN_ADDRESS');
      expect(result.errors![0].message).not.toContain('127.0.0.0/8');
      // The control: the same URL with the development allowance on does connect.
      expect(codes(await resolve(token, target))).toEqual(['CLIENT_METADATA_UNREACHABLE']);
      expect(accepted).toBe(1);
    } finally {
      await new Promise((done) => listener.close(done));
    }
  });

  test('errors are not cached: once the server is fixed, the next resolve succeeds', async () => {
    const { token } = await orgToken();
    const target = serve('/flaky', { client_id: url('/not-flaky') });
    expect(extensionsOf(await resolve(token, target)).reason).toBe('CLIENT_ID_MISMATCH');
    serve('/flaky');
    const document = expectOk(await resolve(token, target)).resolveClientMetadataDocument;
    expect(document).toMatchObject({ url: target, lastError: null, lastErrorCode: null });
    expect(fetched('/flaky')).toBe(2);
  });

  test('a failed validation is audited (actor, URL, offending members), in the organization only', async () => {
    const { org, token } = await orgToken();
    const target = serve('/audited', { token_endpoint_auth_method: 'client_secret_jwt', client_secret: 's3cr3t-value' });
    expect(codes(await resolve(token, target))).toEqual(['CLIENT_METADATA_INVALID']);
    const events = await h.dataSource.query(`SELECT * FROM audit_events WHERE organization_id = $1`, [org]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'client_metadata_document.reject',
      actor: 'tester',
      target_id: target,
      target_type: 'ClientMetadataDocument',
      changed_fields: ['client_secret', 'token_endpoint_auth_method'],
    });
    expect(JSON.stringify(events)).not.toContain('s3cr3t-value');
  });

  test('needs credentials:read', async () => {
    const { token } = await orgToken(['credentials:write']);
    const target = serve('/scoped');
    expect(codes(await resolve(token, target))).toEqual(['FORBIDDEN']);
    expect(fetched('/scoped')).toBe(0);
  });
});

describe('the organization policy', () => {
  test('defaults, then an update; invalid bounds and patterns are field-named errors', async () => {
    const { token } = await orgToken();
    expect(expectOk(await h.run(POLICY, {}, { token })).clientMetadataDocumentPolicy).toEqual({
      enabled: true,
      trustedHostPatterns: [],
      minCacheSeconds: 300,
      maxCacheSeconds: 86_400,
      updatedAt: null,
    });
    const updated = expectOk(await h.run(UPDATE_POLICY, { input: { trustedHostPatterns: ['*.example.com'], maxCacheSeconds: 3600 } }, { token }));
    expect(updated.updateClientMetadataDocumentPolicy.policy).toMatchObject({
      enabled: true,
      trustedHostPatterns: ['*.example.com'],
      minCacheSeconds: 300,
      maxCacheSeconds: 3600,
    });
    expect(expectOk(await h.run(POLICY, {}, { token })).clientMetadataDocumentPolicy.maxCacheSeconds).toBe(3600);

    const inverted = await h.run(UPDATE_POLICY, { input: { minCacheSeconds: 7200 } }, { token });
    expect(codes(inverted)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(inverted)).toEqual(['minCacheSeconds']);
    const badPattern = await h.run(UPDATE_POLICY, { input: { trustedHostPatterns: ['ok.example.com', 'https://x.example.com/'] } }, { token });
    expect(codes(badPattern)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(badPattern)).toEqual(['trustedHostPatterns.1']);
    const tooMany = await h.run(UPDATE_POLICY, { input: { trustedHostPatterns: Array.from({ length: 51 }, (_, i) => `h${i}.example.com`) } }, { token });
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(tooMany)).toEqual(['trustedHostPatterns']);
    const outOfRange = await h.run(UPDATE_POLICY, { input: { maxCacheSeconds: 10_000_000 } }, { token });
    expect(fieldPaths(outOfRange)).toEqual(['maxCacheSeconds']);
    // Nothing of the refused updates was written.
    expect(expectOk(await h.run(POLICY, {}, { token })).clientMetadataDocumentPolicy).toMatchObject({ minCacheSeconds: 300, maxCacheSeconds: 3600 });
  });

  test('needs credentials:write to change', async () => {
    const { token } = await orgToken(['credentials:read']);
    expect(codes(await h.run(UPDATE_POLICY, { input: { enabled: false } }, { token }))).toEqual(['FORBIDDEN']);
  });

  test('disabled: resolve is refused without fetching', async () => {
    const { token } = await orgToken();
    const target = serve('/disabled');
    expectOk(await h.run(UPDATE_POLICY, { input: { enabled: false } }, { token }));
    const result = await resolve(token, target);
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(extensionsOf(result).reason).toBe('POLICY_DISABLED');
    expect(fetched('/disabled')).toBe(0);
    // Another organization is unaffected.
    expectOk(await resolve((await orgToken()).token, target));
  });

  test('a host matching no trusted pattern is refused without fetching; a matching one is resolved', async () => {
    const { token } = await orgToken();
    const target = serve('/untrusted');
    expectOk(await h.run(UPDATE_POLICY, { input: { trustedHostPatterns: ['*.example.com', 'clients.example.org'] } }, { token }));
    const result = await resolve(token, target);
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(extensionsOf(result).reason).toBe('UNTRUSTED_HOST');
    expect(fetched('/untrusted')).toBe(0);
    expectOk(await h.run(UPDATE_POLICY, { input: { trustedHostPatterns: ['127.0.0.1'] } }, { token }));
    expectOk(await resolve(token, target));
    expect(fetched('/untrusted')).toBe(1);
  });
});

describe('UrlCredential.document and refreshClientMetadataDocument', () => {
  test('the document of a URL credential: null before, the cached one after resolve; refresh fetches again', async () => {
    const { token } = await orgToken();
    const target = serve('/credential');
    const id = await urlCredential(token, target);
    expect(expectOk(await h.run(CREDENTIAL_DOCUMENT, { id }, { token })).credential.document).toBeNull();
    expect(fetched('/credential')).toBe(0);

    expectOk(await resolve(token, target));
    expect(expectOk(await h.run(CREDENTIAL_DOCUMENT, { id }, { token })).credential.document.clientName).toBe('Agent');
    expect(fetched('/credential')).toBe(1);

    serve('/credential', { client_name: 'Agent, renamed' });
    const refreshed = expectOk(await h.run(REFRESH, { id }, { token })).refreshClientMetadataDocument;
    expect(refreshed.credential).toEqual({ id, url: target });
    expect(refreshed.document.clientName).toBe('Agent, renamed');
    expect(fetched('/credential')).toBe(2);
    // The refreshed document is what resolve now serves from the cache.
    expect(expectOk(await resolve(token, target)).resolveClientMetadataDocument.clientName).toBe('Agent, renamed');
    expect(fetched('/credential')).toBe(2);
  });

  test('a refresh that finds the document now invalid stops serving the cached one, shows lastError and is audited against the credential', async () => {
    const { org, token } = await orgToken();
    const target = serve('/turns-bad');
    const id = await urlCredential(token, target);
    expectOk(await h.run(REFRESH, { id }, { token }));
    serve('/turns-bad', { token_endpoint_auth_method: 'client_secret_post' });
    const result = await h.run(REFRESH, { id }, { token });
    expect(codes(result)).toEqual(['CLIENT_METADATA_INVALID']);
    const shown = expectOk(await h.run(CREDENTIAL_DOCUMENT, { id }, { token })).credential.document;
    expect(shown).toMatchObject({ clientName: 'Agent', lastErrorCode: 'SHARED_SECRET_AUTH_METHOD' });
    expect(shown.lastError).toContain('token_endpoint_auth_method');
    expect(Date.parse(shown.expiresAt)).toBeLessThanOrEqual(Date.now());
    // resolve fetches again rather than serving the document that no longer validates.
    expect(codes(await resolve(token, target))).toEqual(['CLIENT_METADATA_INVALID']);
    expect(fetched('/turns-bad')).toBe(3);
    const [event] = await h.dataSource.query(`SELECT target_id, target_type FROM audit_events WHERE organization_id = $1 AND action = $2 LIMIT 1`, [
      org,
      'client_metadata_document.reject',
    ]);
    expect(event).toEqual({ target_id: id, target_type: 'UrlCredential' });
  });

  test("another organization's credential is NOT_FOUND, exactly like a missing one, and nothing is fetched", async () => {
    const owner = await orgToken();
    const target = serve('/tenant');
    const id = await urlCredential(owner.token, target);
    const stranger = await orgToken();
    const foreign = await h.run(REFRESH, { id }, { token: stranger.token });
    const missing = await h.run(REFRESH, { id: 'cred_00000000000000000000000000' }, { token: stranger.token });
    expect(codes(foreign)).toEqual(['NOT_FOUND']);
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    expect(foreign.errors![0].message.replace(id, 'ID')).toBe(missing.errors![0].message.replace('cred_00000000000000000000000000', 'ID'));
    expect(fetched('/tenant')).toBe(0);
    // The owner's cached document is not the stranger's either.
    expectOk(await resolve(owner.token, target));
    expect(expectOk(await h.run(CREDENTIAL_DOCUMENT, { id }, { token: stranger.token })).credential).toBeNull();
  });

  test('a credential of another type is NOT_FOUND as a URL credential', async () => {
    const { token } = await orgToken();
    const { application } = await createApp(h, { identifier: unique('cimd-pub'), name: 'App' }, token);
    const created = expectOk(await h.run(CREATE_URL_CREDENTIAL, { input: { applicationId: application.id, public: {} } }, { token }));
    expect(codes(await h.run(REFRESH, { id: created.createCredential.credential.id }, { token }))).toEqual(['NOT_FOUND']);
  });

  test('refresh of a credential whose URL breaks the client_id rules is CLIENT_METADATA_INVALID without a fetch', async () => {
    const { token } = await orgToken();
    const id = await urlCredential(token, `https://127.0.0.1:${port}/`);
    const result = await h.run(REFRESH, { id }, { token });
    expect(codes(result)).toEqual(['CLIENT_METADATA_INVALID']);
    expect(extensionsOf(result).reason).toBe('INVALID_CLIENT_ID_URL');
    expect(fetched('/')).toBe(0);
  });

  test('refresh needs credentials:write', async () => {
    const { org, token } = await orgToken();
    const id = await urlCredential(token, serve('/refresh-scope'));
    const reader = await h.token({ org, scopes: ['credentials:read'] });
    expect(codes(await h.run(REFRESH, { id }, { token: reader }))).toEqual(['FORBIDDEN']);
    expect(fetched('/refresh-scope')).toBe(0);
  });

  test('Application.credentials { document } loads every document in one statement (no N+1)', async () => {
    const { token } = await orgToken();
    const { application } = await createApp(h, { identifier: unique('cimd-many'), name: 'App' }, token);
    const PAGE = `query($id: ID!) {
      node(id: $id) { ... on Application { credentials { edges { node { ... on UrlCredential { url document { clientName } } } } } } }
    }`;
    async function statements(): Promise<{ count: number; names: (string | null)[] }> {
      h.sql.reset();
      const data = expectOk(await h.run(PAGE, { id: application.id }, { token }));
      const names = data.node.credentials.edges.map((edge: { node: { document: { clientName: string } | null } }) => edge.node.document?.clientName ?? null);
      return { count: h.sql.count, names };
    }
    const add = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const target = serve(`/many-${unique('d')}`, { client_name: `Agent ${i}` });
        expectOk(await h.run(CREATE_URL_CREDENTIAL, { input: { applicationId: application.id, url: { url: target } } }, { token }));
        expectOk(await resolve(token, target));
      }
    };
    await add(2);
    const two = await statements();
    await add(3);
    const five = await statements();
    expect(two.names).toHaveLength(2);
    expect(five.names).toEqual(['Agent 0', 'Agent 1', 'Agent 0', 'Agent 1', 'Agent 2']);
    expect(five.count).toBe(two.count);
    expect(h.sql.statements.filter((sql) => sql.includes('client_metadata_documents'))).toHaveLength(1);
  });
});
