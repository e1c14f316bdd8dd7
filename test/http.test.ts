import http from 'node:http';
import { graphQLFastPath } from '../src/app/graphql-http';
import { type Harness, createHarness } from './helpers/harness';
import { createApp } from './helpers/operations';

const DEVELOPMENT_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.development-token-for-the-landing-page.c2lnbmF0dXJl';

let dev: Harness;
let devUrl: string;
let devToken: string;

beforeAll(async () => {
  dev = await createHarness({ developmentToken: DEVELOPMENT_TOKEN });
  devUrl = await dev.listen();
  devToken = await dev.token();
});

afterAll(async () => {
  await dev?.close();
});

async function postGraphql(baseUrl: string, query: string, token: string | undefined, variables?: Record<string, unknown>) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as { data?: any; errors?: any[] } };
}

describe('health checks', () => {
  test('GET /healthz → 200 {"status":"ok"} without a token', async () => {
    const response = await fetch(`${devUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  test('GET /readyz → 200 while the database answers', async () => {
    const response = await fetch(`${devUrl}/readyz`);
    expect(response.status).toBe(200);
  });

  test('GET /readyz → 503 when the database does not answer; /healthz stays 200', async () => {
    const broken = await createHarness();
    try {
      const url = await broken.listen();
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      await broken.dataSource.destroy();
      const response = await fetch(`${url}/readyz`);
      expect(response.status).toBe(503);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      // close() drops the schema through a fresh connection once the data source is gone.
      await broken.close();
    }
  });
});

describe('GraphQL over HTTP', () => {
  test('POST /graphql answers a query', async () => {
    const { status, body } = await postGraphql(devUrl, '{ applications { totalCount } }', devToken);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { applications: { totalCount: 0 } } });
  });

  test('GET /graphql answers a query (with a CSRF-safe header) but not a mutation', async () => {
    const headers = { authorization: `Bearer ${devToken}`, 'apollo-require-preflight': 'true' };
    const query = await fetch(`${devUrl}/graphql?query=${encodeURIComponent('{ applications { totalCount } }')}`, { headers });
    expect(query.status).toBe(200);
    expect(await query.json()).toEqual({ data: { applications: { totalCount: 0 } } });

    const mutation = `mutation { deleteApplication(input: { id: "app_x" }) { deletedId } }`;
    const rejected = await fetch(`${devUrl}/graphql?query=${encodeURIComponent(mutation)}`, { headers });
    expect(rejected.status).toBe(405);
  });

  test('GET /graphql without a preflight header is refused (CSRF prevention)', async () => {
    const response = await fetch(`${devUrl}/graphql?query=${encodeURIComponent('{ applications { totalCount } }')}`, {
      headers: { authorization: `Bearer ${devToken}` },
    });
    expect(response.status).toBe(400);
  });

  test('a body over the size limit is refused', async () => {
    const query = `{ applications { totalCount } } # ${'x'.repeat(200 * 1024)}`;
    const { status } = await fetch(`${devUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${devToken}` },
      body: JSON.stringify({ query }),
    }).then(async (response) => ({ status: response.status, text: await response.text() }));
    expect(status).toBe(413);
  });
});

/** One raw request: `chunked` sends no content-length, so Express (not the node:http fast path) reads the body. */
function rawPost(
  baseUrl: string,
  body: string,
  headers: Record<string, string>,
  chunked: boolean,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${baseUrl}/graphql`,
      { method: 'POST', headers: chunked ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      },
    );
    request.on('error', reject);
    if (chunked) request.write(body.slice(0, 5));
    request.end(chunked ? body.slice(5) : body);
  });
}

describe('the node:http fast path of /graphql', () => {
  const cases: Array<[string, string, Record<string, string>]> = [
    ['a query', JSON.stringify({ query: '{ applications { totalCount edges { node { identifier name createdAt } } } }' }), {}],
    ['a query with an error', JSON.stringify({ query: '{ application(id: "nope") { id } }' }), {}],
    ['a validation error', JSON.stringify({ query: '{ nope }' }), { 'content-type': 'application/json; charset=UTF-8' }],
    ['a body that is not JSON', '{"query": ', {}],
    ['a JSON string, not an object', '"{ applications { totalCount } }"', {}],
    ['a body with a byte-order mark', `\ufeff${JSON.stringify({ query: '{ applications { totalCount } }' })}`, {}],
  ];
  // Production answers (development ones carry stack traces, which name the path's own frames).
  let prod: Harness;
  let prodUrl: string;
  let prodToken: string;
  beforeAll(async () => {
    prod = await createHarness({ isProduction: true });
    prodUrl = await prod.listen();
    prodToken = await prod.token();
    await createApp(prod, { identifier: 'fast-app', name: 'Fast App' });
  });
  afterAll(async () => {
    await prod?.close();
  });

  test.each(cases)('%s: the same status, headers and bytes as the Express route', async (_name, body, extra) => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${prodToken}`, 'x-request-id': 'same-id', ...extra };
    const fast = await rawPost(prodUrl, body, headers, false);
    const express = await rawPost(prodUrl, body, headers, true);
    expect(fast.text).toBe(express.text);
    expect(fast.status).toBe(express.status);
    const comparable = (h: http.IncomingHttpHeaders) => Object.fromEntries(Object.entries(h).filter(([name]) => name !== 'date'));
    expect(comparable(fast.headers)).toEqual(comparable(express.headers));
    expect(fast.headers['x-request-id']).toBe('same-id');
  });

  test('takes only plain JSON POSTs with a declared length within the limit', async () => {
    const claim = graphQLFastPath({
      apollo: dev.server.apollo,
      maxBodyBytes: 100,
      requestIdOf: () => 'id',
      context: () => dev.server.contextFor(),
      refused: () => undefined,
    });
    const request = (method: string, url: string, headers: http.IncomingHttpHeaders) =>
      Object.assign(new http.IncomingMessage(null as never), { method, url, headers });
    const response = () => new http.ServerResponse(new http.IncomingMessage(null as never));
    const plain = { 'content-type': 'application/json', 'content-length': '10' };
    expect(claim(request('POST', '/graphql', { ...plain, 'content-encoding': 'gzip' }), response())).toBe(false);
    expect(claim(request('POST', '/graphql', { ...plain, 'content-type': 'text/plain' }), response())).toBe(false);
    expect(claim(request('POST', '/graphql', { ...plain, 'content-type': 'application/json; charset=latin1' }), response())).toBe(false);
    expect(claim(request('POST', '/graphql', { 'content-type': 'application/json' }), response())).toBe(false);
    expect(claim(request('POST', '/graphql', { ...plain, 'content-length': '0' }), response())).toBe(false);
    expect(claim(request('POST', '/graphql', { ...plain, 'content-length': '101' }), response())).toBe(false);
    expect(claim(request('GET', '/graphql', plain), response())).toBe(false);
    expect(claim(request('POST', '/graphql?x=1', plain), response())).toBe(false);
    expect(claim(request('POST', '/graphql', plain), response())).toBe(true);
  });
});

describe('development mode', () => {
  test('the landing page opens with the development token', async () => {
    const response = await fetch(`${devUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain(DEVELOPMENT_TOKEN);
  });

  test('introspection is allowed', async () => {
    const { body } = await postGraphql(devUrl, '{ __schema { types { name } } }', devToken);
    expect(body.errors).toBeUndefined();
    expect(body.data.__schema.types.map((type: { name: string }) => type.name)).toContain('Application');
  });
});

describe('production mode', () => {
  let prod: Harness;
  let prodUrl: string;
  let prodToken: string;

  beforeAll(async () => {
    prod = await createHarness({ isProduction: true });
    prodUrl = await prod.listen();
    prodToken = await prod.token();
    await createApp(prod, { identifier: 'prod-app', name: 'Prod App' });
  });

  afterAll(async () => {
    await prod?.close();
  });

  test('public errors keep their code and fields but carry no stack trace', async () => {
    const { body } = await postGraphql(prodUrl, '{ applications(first: 101) { totalCount } }', prodToken);
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', fields: [{ path: 'first', message: expect.any(String) }] });
    expect(JSON.stringify(body)).not.toContain('stacktrace');
  });

  test('introspection is rejected', async () => {
    const { body } = await postGraphql(prodUrl, '{ __schema { types { name } } }', prodToken);
    expect(body.data).toBeUndefined();
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(body)).not.toContain('Application');
  });

  test('there is no landing page, so no token and no Sandbox', async () => {
    const response = await fetch(`${prodUrl}/graphql`, { headers: { accept: 'text/html' } });
    const html = await response.text();
    expect(response.status).toBe(400);
    expect(html).not.toMatch(/Bearer|sandbox|<html/i);
    expect(html).not.toContain(prodToken);
  });

  test('GRAPHQL_INTROSPECTION=true turns introspection back on', async () => {
    const open = await createHarness({ isProduction: true, introspection: true });
    try {
      const result = await open.run('{ __schema { types { name } } }');
      expect(result.errors).toBeUndefined();
      expect(result.data!.__schema.types.map((type: { name: string }) => type.name)).toContain('Application');
    } finally {
      await open.close();
    }
  });

  // Last in this block: it breaks the production harness's database on purpose.
  test('an internal error reaches the caller as a bare INTERNAL_SERVER_ERROR', async () => {
    await prod.dataSource.query('DROP TABLE clients CASCADE');
    // Aliased, so the table name cannot appear in the response through the path either.
    const { text, body } = await postGraphql(prodUrl, '{ listing: clients { totalCount edges { node { id } } } }', prodToken);
    expect(body.errors).toHaveLength(1);
    const [error] = body.errors!;
    expect(error.message).toBe('Internal server error');
    expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(error.path).toEqual(['listing']);
    for (const leak of ['stacktrace', 'clients', 'relation', 'SELECT', 'does not exist', 'QueryFailedError', 'typeorm', '.ts:']) {
      expect(text).not.toContain(leak);
    }
  });
});
