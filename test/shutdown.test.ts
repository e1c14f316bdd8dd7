import type { Client as PgClient } from 'pg';
import {
  type ClavisProcess,
  type GraphQLResponse,
  type TestDatabase,
  buildApp,
  createDatabase,
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
 * Graceful shutdown of the real process: SIGTERM while a mutation is in flight (held on a
 * row lock this test owns), with the lock released inside the grace period and past it.
 */
let buildDir: string;
let db: TestDatabase;
let token: string;
const locks: PgClient[] = [];

beforeAll(async () => {
  [buildDir, db] = await Promise.all([buildApp(), createDatabase()]);
  token = await processToken();
}, 30_000);

afterAll(async () => {
  await killAll();
  await Promise.all(locks.map((client) => client.end().catch(() => undefined)));
  await db?.drop();
  removeBuild(buildDir);
});

const UPDATE = `mutation Rename($input: UpdateApplicationInput!) { updateApplication(input: $input) { application { id name version } } }`;

async function createApplication(clavis: ClavisProcess, identifier: string): Promise<{ id: string; version: number }> {
  const response = await graphql(
    clavis.graphqlUrl,
    `mutation { createApplication(input: { identifier: "${identifier}", name: "before" }) { application { id version } } }`,
    undefined,
    token,
  );
  if (!response.body.data?.createApplication) throw new Error(`createApplication failed: ${response.text}`);
  return response.body.data.createApplication.application;
}

/** Takes the application's row lock in a transaction of the test's own, until released. */
async function lockApplication(id: string): Promise<{ release: () => Promise<void> }> {
  const client = await db.connect();
  locks.push(client);
  await client.query('BEGIN');
  await client.query('SELECT * FROM applications WHERE id = $1 FOR UPDATE', [id]);
  return {
    release: async () => {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

/** Resolves once a Clavis backend is blocked on a lock (the mutation is in flight). */
function mutationBlocked(): Promise<unknown> {
  return eventually(
    async () =>
      (await db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'clavis' AND wait_event_type = 'Lock'`))
        .length > 0,
    10_000,
    'a Clavis backend waiting on the row lock',
  );
}

async function applicationRow(id: string): Promise<{ name: string; version: number }> {
  const [row] = await db.query(`SELECT name, version FROM applications WHERE id = $1`, [id]);
  return row;
}

/** How a request to the stopping process fares: refused at the TCP level, or answered. */
async function probe(url: string): Promise<number | string> {
  try {
    return (await request(url, { timeoutMs: 2000 })).status;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

test('SIGTERM during a mutation: it finishes and commits, new connections are refused, exit 0 within the grace period', async () => {
  // No drain period: the listener closes at once (the drain has a test of its own below).
  const clavis = await startClavis(buildDir, productionEnv(db.url, { SHUTDOWN_GRACE_MS: '10000', SHUTDOWN_DRAIN_MS: '0' }));
  const app = await createApplication(clavis, 'graceful');
  const lock = await lockApplication(app.id);
  const inFlight = graphql(clavis.graphqlUrl, UPDATE, { input: { id: app.id, name: 'after', expectedVersion: app.version } }, token, { timeoutMs: 15_000 });
  inFlight.catch(() => undefined);
  await mutationBlocked();

  const signalledAt = Date.now();
  clavis.child.kill('SIGTERM');
  await clavis.waitForLog((line) => line.msg?.startsWith('shutting down'), 5000);
  // New requests are refused while the old one is still running; readiness says no if it can be asked at all.
  await eventually(async () => (await probe(`${clavis.baseUrl}/healthz`)) === 'ECONNREFUSED', 2000, 'new connections refused');
  expect([503, 'ECONNREFUSED']).toContain(await probe(`${clavis.baseUrl}/readyz`));
  expect(clavis.hasExited).toBe(false);

  await lock.release();
  const response = await inFlight;
  expect(response.status).toBe(200);
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data).toEqual({ updateApplication: { application: { id: app.id, name: 'after', version: app.version + 1 } } });

  const exit = await clavis.waitForExit(12_000);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(Date.now() - signalledAt).toBeLessThan(10_000);
  expect(clavis.logs().some((line) => line.msg === 'stopped')).toBe(true);
  expect(await applicationRow(app.id)).toEqual({ name: 'after', version: app.version + 1 });
  // The pool was closed: no Clavis backend is left on the database.
  await eventually(
    async () => (await db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'clavis'`)).length === 0,
    5000,
    'no clavis backends',
  );
}, 30_000);

test('work still blocked when the grace period ends: the process exits promptly, callers get no success, nothing is written', async () => {
  const graceMs = 1000;
  // One connection: the blocked mutation holds it and a second mutation waits for it.
  const clavis = await startClavis(buildDir, productionEnv(db.url, { SHUTDOWN_GRACE_MS: String(graceMs), SHUTDOWN_DRAIN_MS: '0', DB_POOL_MAX: '1' }));
  const [blocked, queued] = [await createApplication(clavis, 'abandoned'), await createApplication(clavis, 'queued')];
  const lock = await lockApplication(blocked.id);
  const settle = (promise: Promise<GraphQLResponse>) =>
    promise.then(
      (response) => ({ response }),
      (error: Error) => ({ error }),
    );
  const first = settle(graphql(clavis.graphqlUrl, UPDATE, { input: { id: blocked.id, name: 'half-done' } }, token, { timeoutMs: 15_000 }));
  await mutationBlocked();
  const second = settle(graphql(clavis.graphqlUrl, UPDATE, { input: { id: queued.id, name: 'late' } }, token, { timeoutMs: 15_000 }));
  await eventually(
    async () => /clavis_db_pool_connections\{state="waiting"\} 1\b/.test((await request(`${clavis.baseUrl}/metrics`)).text),
    5000,
    'a request waiting for the pool',
  );

  const signalledAt = Date.now();
  clavis.child.kill('SIGTERM');
  const exit = await clavis.waitForExit(graceMs + 8000);
  const exitedAfterMs = Date.now() - signalledAt;
  // The HTTP drain waits out the grace period; then the process does not linger on the blocked work.
  expect(exitedAfterMs).toBeGreaterThanOrEqual(graceMs - 50);
  expect(exitedAfterMs).toBeLessThan(graceMs + 2500);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(clavis.logs().find((line) => line.connections === 1)?.msg).toMatch(/grace period ended with database work in flight/);

  for (const outcome of [await first, await second]) {
    if ('error' in outcome) continue; // the connection was closed under the request: no answer at all
    expect(outcome.response.body.data?.updateApplication ?? null).toBeNull();
  }

  // Releasing the lock lets the orphaned statement run, but its transaction never commits.
  await lock.release();
  await eventually(
    async () => (await db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'clavis'`)).length === 0,
    5000,
    'the orphaned backend gone',
  );
  expect(await applicationRow(blocked.id)).toEqual({ name: 'before', version: blocked.version });
  expect(await applicationRow(queued.id)).toEqual({ name: 'before', version: queued.version });
}, 30_000);

test(
  'SHUTDOWN_DRAIN_MS: after SIGTERM /readyz answers 503 while /graphql still serves new connections; ' + 'then the listener closes and the process exits 0',
  async () => {
    // A drain long enough for the probes below on a busy machine; the process still ends within the grace.
    const clavis = await startClavis(buildDir, productionEnv(db.url, { SHUTDOWN_GRACE_MS: '8000', SHUTDOWN_DRAIN_MS: '3000' }));
    expect((await request(`${clavis.baseUrl}/readyz`)).status).toBe(200);
    clavis.child.kill('SIGTERM');
    await clavis.waitForLog((line) => line.msg?.startsWith('shutting down'), 5000);

    // Draining: not ready, but every request (each on a new connection) is still served.
    const readiness = await request(`${clavis.baseUrl}/readyz`);
    expect(readiness.status).toBe(503);
    expect(JSON.parse(readiness.text)).toEqual({ status: 'stopping' });
    const created = await graphql(
      clavis.graphqlUrl,
      `
        mutation {
          createApplication(input: { identifier: "drained", name: "during the drain" }) {
            application {
              name
            }
          }
        }
      `,
      undefined,
      token,
    );
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ data: { createApplication: { application: { name: 'during the drain' } } } });
    expect((await request(`${clavis.baseUrl}/healthz`)).status).toBe(200);
    expect(clavis.hasExited).toBe(false);

    // Then the listener closes and the process stops.
    await eventually(async () => (await probe(`${clavis.baseUrl}/healthz`)) === 'ECONNREFUSED', 8000, 'new connections refused after the drain');
    expect(await clavis.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(clavis.logs().some((line) => line.msg === 'stopped')).toBe(true);
  },
  30_000,
);
