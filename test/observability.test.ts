import {
  type ClavisProcess,
  type LogLine,
  type TestDatabase,
  buildApp,
  createDatabase,
  errorCodes,
  eventually,
  graphql,
  killAll,
  processToken,
  productionEnv,
  removeBuild,
  request,
  startClavis,
} from './helpers/process';

/**
 * Structured logs and metrics of the real process: one JSON line per GraphQL request with
 * its request id, operation, outcome and duration; no secret or token anywhere in the
 * output; Prometheus metrics at /metrics.
 */
const MUTATIONS_PER_MINUTE = 3;

let buildDir: string;
let db: TestDatabase;
let clavis: ClavisProcess;
let token: string;

beforeAll(async () => {
  [buildDir, db] = await Promise.all([buildApp(), createDatabase()]);
  clavis = await startClavis(buildDir, productionEnv(db.url, { LOG_LEVEL: 'info', RATE_LIMIT_MUTATIONS_PER_MINUTE: String(MUTATIONS_PER_MINUTE) }));
  token = await processToken({ org: 'org-obs', sub: 'observer' });
}, 60_000);

afterAll(async () => {
  await killAll();
  await db?.drop();
  removeBuild(buildDir);
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let callers = 0;
/** A caller of its own (its own mutation budget). */
const freshToken = () => processToken({ org: 'org-obs', sub: `caller-${++callers}` });

function operationLog(requestId: string): Promise<LogLine> {
  return clavis.waitForLog((line) => line.msg === 'graphql operation' && line.requestId === requestId, 5000);
}

describe('request logs', () => {
  test('every request gets a request id (x-request-id header) and one JSON line with operation, outcome and duration', async () => {
    const response = await graphql(
      clavis.graphqlUrl,
      `
        query CountApps {
          applications {
            totalCount
          }
        }
      `,
      undefined,
      token,
    );
    expect(response.body.errors).toBeUndefined();
    const requestId = String(response.headers['x-request-id']);
    expect(requestId).toMatch(UUID);
    const line = await operationLog(requestId);
    expect(line).toMatchObject({ level: 30, service: 'clavis', requestId, operation: 'CountApps', outcome: 'ok', caller: { sub: 'observer', org: 'org-obs' } });
    expect(typeof line.durationMs).toBe('number');
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
    expect(typeof line.time).toBe('number');
    expect(clavis.logs().filter((other) => other.requestId === requestId)).toHaveLength(1);
  });

  test('a valid caller-supplied x-request-id is kept; an invalid one is replaced', async () => {
    const given = 'gateway-7f3a.trace:42';
    const kept = await graphql(
      clavis.graphqlUrl,
      `
        query Kept {
          applications {
            totalCount
          }
        }
      `,
      undefined,
      token,
      { headers: { 'x-request-id': given } },
    );
    expect(kept.headers['x-request-id']).toBe(given);
    expect(await operationLog(given)).toMatchObject({ operation: 'Kept', outcome: 'ok' });

    for (const invalid of ['bad id with spaces', 'x'.repeat(129)]) {
      const replaced = await graphql(
        clavis.graphqlUrl,
        `
          query Replaced {
            applications {
              totalCount
            }
          }
        `,
        undefined,
        token,
        { headers: { 'x-request-id': invalid } },
      );
      const requestId = String(replaced.headers['x-request-id']);
      expect(requestId).toMatch(UUID);
      expect(await operationLog(requestId)).toMatchObject({ operation: 'Replaced' });
      expect(clavis.output()).not.toContain(invalid);
    }
  });

  test('failures are logged with their outcome: an error code, a parse failure, a request without a token', async () => {
    const missing = await graphql(
      clavis.graphqlUrl,
      `
        mutation Missing {
          updateApplication(input: { id: "app_missing", name: "x" }) {
            application {
              id
            }
          }
        }
      `,
      undefined,
      await freshToken(),
    );
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
    expect(await operationLog(String(missing.headers['x-request-id']))).toMatchObject({ operation: 'Missing', outcome: 'NOT_FOUND' });

    const unparsable = await graphql(clavis.graphqlUrl, `query Broken { applications {`, undefined, token);
    expect(errorCodes(unparsable)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(await operationLog(String(unparsable.headers['x-request-id']))).toMatchObject({ outcome: 'GRAPHQL_PARSE_FAILED' });

    const anonymous = await graphql(
      clavis.graphqlUrl,
      `
        query NoToken {
          applications {
            totalCount
          }
        }
      `,
      undefined,
      undefined,
    );
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(await operationLog(String(anonymous.headers['x-request-id']))).toMatchObject({ operation: 'NoToken', outcome: 'UNAUTHENTICATED', caller: null });
  });

  test('a request whose token does not verify is logged too (outcome UNAUTHENTICATED, no caller)', async () => {
    const forged = `${token.slice(0, -4)}AAAA`;
    const response = await graphql(
      clavis.graphqlUrl,
      `
        query Forged {
          applications {
            totalCount
          }
        }
      `,
      undefined,
      forged,
    );
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    const requestId = String(response.headers['x-request-id']);
    expect(await operationLog(requestId)).toMatchObject({ operation: 'anonymous', outcome: 'UNAUTHENTICATED', caller: null });
    expect(clavis.logs().filter((line) => line.requestId === requestId)).toHaveLength(1);
    expect(clavis.output()).not.toContain(forged);
  });
});

test('a body that is not JSON or too large is logged with its outcome', async () => {
  for (const [body, outcome, status] of [
    ['{ "query": ', 'BAD_REQUEST', 400],
    [JSON.stringify({ query: '{ applications { totalCount } }', variables: { padding: 'x'.repeat(200 * 1024) } }), 'PAYLOAD_TOO_LARGE', 413],
  ] as const) {
    const response = await request(clavis.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    expect(response.status).toBe(status);
    expect(await operationLog(String(response.headers['x-request-id']))).toMatchObject({ outcome, caller: null });
  }
});

describe('secrets never reach the output', () => {
  test('provider secrets, generated client secrets, authenticateClient secrets and bearer tokens appear nowhere in stdout/stderr', async () => {
    const providerSecret = `provider-secret-${Date.now()}-ZQXJ`;
    const provider = await graphql(
      clavis.graphqlUrl,
      `
        mutation CreateProvider($input: CreateProviderInput!) {
          createProvider(input: $input) {
            provider {
              id
              clientSecretSet
            }
          }
        }
      `,
      { input: { identifier: `prv-${Date.now()}`, name: 'Upstream IdP', clientId: 'upstream-client', clientSecret: providerSecret } },
      token,
    );
    expect(provider.body.errors).toBeUndefined();
    expect(provider.body.data!.createProvider.provider.clientSecretSet).toBe(true);

    const created = await graphql(
      clavis.graphqlUrl,
      `
        mutation CreateApp($input: CreateApplicationInput!) {
          createApplication(input: $input) {
            defaultClient {
              clientId
            }
            clientSecret
          }
        }
      `,
      { input: { identifier: `app-${Date.now()}`, name: 'Logged app' } },
      await freshToken(),
    );
    expect(created.body.errors).toBeUndefined();
    const { clientSecret, defaultClient } = created.body.data!.createApplication;
    expect(clientSecret).toMatch(/^clv_cs_/);

    const AUTHENTICATE = `mutation Authenticate($input: AuthenticateClientInput!) { authenticateClient(input: $input) { authenticated } }`;
    const wrongSecret = `clv_cs_wrong-guess-${Date.now()}`;
    const right = await graphql(clavis.graphqlUrl, AUTHENTICATE, { input: { clientId: defaultClient.clientId, clientSecret } }, token);
    const wrong = await graphql(clavis.graphqlUrl, AUTHENTICATE, { input: { clientId: defaultClient.clientId, clientSecret: wrongSecret } }, token);
    expect(right.body.data!.authenticateClient.authenticated).toBe(true);
    expect(wrong.body.data!.authenticateClient.authenticated).toBe(false);

    // The lines are there (without variable values: see test/log-secrets.test.ts)…
    expect((await operationLog(String(provider.headers['x-request-id']))).variables).toBeUndefined();
    expect((await operationLog(String(wrong.headers['x-request-id']))).variables).toBeUndefined();
    // …and no secret value or token is anywhere in the raw output.
    const output = clavis.output();
    for (const secret of [providerSecret, clientSecret, wrongSecret, token, token.split('.')[2]]) expect(output).not.toContain(secret);
  });
});

describe('/metrics', () => {
  async function metrics(): Promise<string> {
    const response = await request(`${clavis.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text;
  }

  function sample(text: string, series: string): number | undefined {
    const escaped = series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const match = new RegExp(`^${escaped} ([0-9.e+-]+)$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  }

  test('requests and latency by operation and outcome, pool connections', async () => {
    for (let i = 0; i < 3; i++)
      expect(
        (
          await graphql(
            clavis.graphqlUrl,
            `
              query MetricsProbe {
                applications {
                  totalCount
                }
              }
            `,
            undefined,
            token,
          )
        ).body.errors,
      ).toBeUndefined();
    await graphql(
      clavis.graphqlUrl,
      `
        query MetricsMissing {
          application(id: "app_none") {
            id
          }
        }
      `,
      undefined,
      undefined,
    );
    const text = await metrics();
    expect(text).toMatch(/^# TYPE clavis_graphql_requests_total counter$/m);
    expect(sample(text, 'clavis_graphql_requests_total{operation="MetricsProbe",outcome="ok"}')).toBe(3);
    expect(sample(text, 'clavis_graphql_requests_total{operation="unauthenticated",outcome="UNAUTHENTICATED"}')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^# TYPE clavis_graphql_request_duration_seconds histogram$/m);
    expect(sample(text, 'clavis_graphql_request_duration_seconds_count{operation="MetricsProbe",outcome="ok"}')).toBe(3);
    expect(sample(text, 'clavis_graphql_request_duration_seconds_bucket{le="+Inf",operation="MetricsProbe",outcome="ok"}')).toBe(3);
    expect(sample(text, 'clavis_graphql_request_duration_seconds_sum{operation="MetricsProbe",outcome="ok"}')).toBeGreaterThan(0);
    expect(sample(text, 'clavis_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'clavis_db_pool_connections{state="idle"}')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'clavis_db_pool_connections{state="waiting"}')).toBe(0);
    expect(text).toMatch(/^clavis_process_cpu_seconds_total /m); // the default process metrics
  });

  test('operation names chosen by unauthenticated clients do not become label values (bounded series)', async () => {
    const names = Array.from({ length: 5 }, (_, i) => `Junk${i}${Date.now()}`);
    for (const name of names) await graphql(clavis.graphqlUrl, `query ${name} { applications { totalCount } }`, undefined, undefined);
    await graphql(
      clavis.graphqlUrl,
      `
        query JunkForged {
          applications {
            totalCount
          }
        }
      `,
      undefined,
      'not.a.token',
    );
    const text = await metrics();
    for (const name of [...names, 'JunkForged']) expect(text).not.toContain(name);
    // They are still counted, and logged under their own names.
    expect(sample(text, 'clavis_graphql_requests_total{operation="unauthenticated",outcome="UNAUTHENTICATED"}')).toBeGreaterThanOrEqual(6);
    await eventually(() => names.every((name) => clavis.logs().some((line) => line.operation === name)), 5000, 'the log lines');
  });

  test('rate-limit rejections are counted', async () => {
    const before = sample(await metrics(), 'clavis_rate_limit_rejections_total') ?? 0;
    const limited = await processToken({ org: 'org-obs', sub: 'rate-limited' });
    const outcomes: string[][] = [];
    for (let i = 0; i <= MUTATIONS_PER_MINUTE; i++) {
      const response = await graphql(
        clavis.graphqlUrl,
        `mutation Limited { createApplication(input: { identifier: "limited-${i}-${Date.now()}", name: "x" }) { application { id } } }`,
        undefined,
        limited,
      );
      outcomes.push(errorCodes(response));
    }
    expect(outcomes).toEqual([...Array(MUTATIONS_PER_MINUTE).fill([]), ['RATE_LIMITED']]);
    const text = await metrics();
    expect(sample(text, 'clavis_rate_limit_rejections_total')).toBe(before + 1);
    expect(sample(text, 'clavis_graphql_requests_total{operation="Limited",outcome="RATE_LIMITED"}')).toBe(1);
    await eventually(() => clavis.logs().some((line) => line.operation === 'Limited' && line.outcome === 'RATE_LIMITED'), 5000, 'the RATE_LIMITED log line');
  });
});

test('nothing was logged as an unexpected error', () => {
  expect(clavis.logs().filter((line) => line.level >= 50)).toEqual([]);
  expect(clavis.stderr()).toBe('');
});
