import net from 'node:net';
import type { Client as PgClient } from 'pg';
import { QueryFailedError } from 'typeorm';
import { runTransaction } from '../src/db/transactions';
import { poolOf } from '../src/db/data-source';
import { createHarness, type Harness } from './helpers/harness';
import {
  type GraphQLResponse,
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
 * Database faults, against a database of this file's own (backends are terminated by
 * database name, so nothing else running on the server is touched): connections dropped
 * under the pool and mid-request, an outage and its recovery through a TCP proxy, the
 * timeouts and pool size from configuration, and transactions retried whole.
 */
let db: TestDatabase;
const harnesses: Harness[] = [];
const clients: PgClient[] = [];

beforeAll(async () => {
  db = await createDatabase();
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  for (const h of harnesses) await h.close().catch(() => undefined);
  await db?.drop();
});

async function productionHarness(options: Parameters<typeof createHarness>[0] = {}): Promise<{ h: Harness; url: string; token: string }> {
  const h = await createHarness({ isProduction: true, databaseUrl: db.url, ...options });
  harnesses.push(h);
  return { h, url: `${await h.listen()}/graphql`, token: await h.token() };
}

const READ = `query Count { applications { totalCount } }`;
const CREATE = `mutation Create($input: CreateApplicationInput!) { createApplication(input: $input) { application { id version } } }`;
const UPDATE = `mutation Rename($input: UpdateApplicationInput!) { updateApplication(input: $input) { application { id name version } } }`;
let sequence = 0;
const identifier = () => `fault-${Date.now().toString(36)}-${++sequence}`;

function clavisBackends(): Promise<{ pid: number }[]> {
  return db.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'clavis' AND datname = current_database() AND pid <> pg_backend_pid()`);
}

async function terminateClavisBackends(): Promise<number[]> {
  const rows = await db.query<{ pid: number }>(
    `SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'clavis' AND datname = current_database() AND pid <> pg_backend_pid()`,
  );
  return rows.map((row) => row.pid);
}

/** A transaction of the test's own holding the application's row lock. */
async function lockApplication(h: Harness, id: string): Promise<{ release: () => Promise<void> }> {
  const client = await db.connect();
  clients.push(client);
  await client.query('BEGIN');
  await client.query(`SELECT * FROM ${h.schemaName}.applications WHERE id = $1 FOR UPDATE`, [id]);
  return { release: () => client.query('ROLLBACK').then(() => undefined) };
}

async function blockedBackend(schema: string): Promise<number> {
  return eventually(
    async () => {
      const [row] = await db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'clavis' AND wait_event_type = 'Lock' AND query ILIKE $1`,
        [`%${schema}%applications%`],
      );
      return row?.pid;
    },
    10_000,
    'a Clavis backend waiting on the row lock',
  );
}

/** A production error answer: the code, and nothing of SQL, stack traces or driver messages. */
function expectCleanError(response: GraphQLResponse, code: string): void {
  expect(errorCodes(response)).toEqual([code]);
  const [error] = response.body.errors!;
  expect(error.extensions).toEqual({ code });
  expect(response.text).not.toMatch(/SELECT |UPDATE |INSERT |FROM "|\.js:\d+|stacktrace/);
  expect(response.text).not.toMatch(/terminat|administrator|cancel|statement timeout|QueryFailed|ECONN|timeout exceeded|postgres/i);
}

async function createApplication(url: string, token: string): Promise<{ id: string; version: number }> {
  const response = await graphql(url, CREATE, { input: { identifier: identifier(), name: 'before' } }, token);
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.createApplication.application;
}

describe('connections dropped under the pool', () => {
  let h: Harness;
  let url: string;
  let token: string;
  beforeAll(async () => ({ h, url, token } = await productionHarness({ database: { poolMax: 5 } })));

  test('every pooled connection terminated (twice): the process stays up, the pool replaces them, the next requests succeed', async () => {
    const pool = poolOf(h.dataSource);
    for (let round = 0; round < 2; round++) {
      // Several connections in the pool, all idle.
      const warm = await Promise.all(Array.from({ length: 8 }, () => graphql(url, READ, undefined, token)));
      expect(warm.map((response) => response.body.errors)).toEqual(Array(8).fill(undefined));
      expect(pool.totalCount).toBeGreaterThan(1);

      const terminated = await terminateClavisBackends();
      expect(terminated.length).toBeGreaterThan(1);
      // The pool notices each idle connection's end and drops it, without crashing the process.
      await eventually(() => pool.totalCount === 0, 5000, 'the pool dropping its dead connections');

      const after = await Promise.all([
        ...Array.from({ length: 6 }, () => graphql(url, READ, undefined, token)),
        graphql(url, CREATE, { input: { identifier: identifier(), name: 'x' } }, token),
      ]);
      expect(after.map((response) => response.body.errors)).toEqual(Array(7).fill(undefined));
      const fresh = (await clavisBackends()).map((row) => row.pid);
      expect(fresh.length).toBeGreaterThan(0);
      expect(fresh.filter((pid) => terminated.includes(pid))).toEqual([]);
      expect((await request(url.replace('/graphql', '/readyz'))).status).toBe(200);
    }
  });

  test(
    'the connection of a request dropped mid-request: ' + 'that request gets a clean SERVICE_UNAVAILABLE, nothing is written, the next requests succeed',
    async () => {
      const app = await createApplication(url, token);
      const lock = await lockApplication(h, app.id);
      const inFlight = graphql(url, UPDATE, { input: { id: app.id, name: 'dropped' } }, token);
      try {
        const pid = await blockedBackend(h.schemaName);
        await db.query('SELECT pg_terminate_backend($1)', [pid]);
        const response = await inFlight;
        expectCleanError(response, 'SERVICE_UNAVAILABLE');
        expect(response.body.data).toBeNull();
      } finally {
        await lock.release();
      }
      const [row] = await h.dataSource.query(`SELECT name, version FROM applications WHERE id = $1`, [app.id]);
      expect(row).toEqual({ name: 'before', version: app.version });

      const retried = await graphql(url, UPDATE, { input: { id: app.id, name: 'retried' } }, token);
      expect(retried.body.errors).toBeUndefined();
      expect(retried.body.data!.updateApplication.application).toMatchObject({ name: 'retried', version: app.version + 1 });
      expect((await graphql(url, READ, undefined, token)).body.errors).toBeUndefined();
    },
  );
});

/**
 * A TCP proxy in front of PostgreSQL that a test can cut (connections reset, port closed),
 * turn into a black hole (connections accepted, never answered) and restore.
 */
/** A listening TcpProxy in front of the PostgreSQL that `databaseUrl` names, and the URL that goes through it. */
async function proxyTo(databaseUrl: string): Promise<{ proxy: TcpProxy; proxied: URL }> {
  const target = new URL(databaseUrl);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  await proxy.listen();
  return { proxy, proxied: proxiedUrl(databaseUrl, proxy) };
}

/** `databaseUrl` with its host and port replaced by the proxy's. */
function proxiedUrl(databaseUrl: string, proxy: TcpProxy): URL {
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return proxied;
}

class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private mode: 'forward' | 'blackhole' = 'forward';
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  private track(socket: net.Socket): net.Socket {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    return socket;
  }

  private readonly hanging = new Set<net.Socket>();

  private onConnection = (downstream: net.Socket) => {
    this.track(downstream);
    if (this.mode === 'blackhole') {
      this.hanging.add(downstream);
      return;
    }
    const upstream = this.track(net.connect(this.targetPort, this.targetHost));
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    const pair: [net.Socket, net.Socket] = [downstream, upstream];
    this.pairs.add(pair);
    downstream.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      downstream.destroy();
      this.pairs.delete(pair);
    });
  };

  /**
   * A partition without a reset: open connections stay open but nothing more is forwarded
   * either way (as when packets are dropped), new ones are accepted and left hanging.
   */
  stall(): void {
    this.mode = 'blackhole';
    for (const [downstream, upstream] of this.pairs) {
      downstream.unpipe(upstream);
      upstream.unpipe(downstream);
      downstream.pause();
      upstream.pause();
      this.hanging.add(downstream);
    }
  }

  async listen(): Promise<void> {
    const server = net.createServer(this.onConnection);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
  }

  private dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** The database is gone: every connection reset, new ones refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.dropConnections();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** The database host stops answering: connections dropped, new ones accepted and left hanging. */
  blackhole(): void {
    this.mode = 'blackhole';
    this.dropConnections();
  }

  async restore(): Promise<void> {
    this.mode = 'forward';
    for (const socket of this.hanging) socket.destroy();
    this.hanging.clear();
    if (!this.server) await this.listen();
  }

  async close(): Promise<void> {
    await this.cut();
  }
}

describe('an outage and its recovery, without a restart', () => {
  const CONNECT_TIMEOUT_MS = 600;
  let proxy: TcpProxy;
  let h: Harness;
  let base: string;
  let url: string;
  let token: string;

  beforeAll(async () => {
    let proxied: URL;
    ({ proxy, proxied } = await proxyTo(db.url));
    ({ h, url, token } = await productionHarness({ databaseUrl: proxied.toString(), database: { poolMax: 5, connectTimeoutMs: CONNECT_TIMEOUT_MS } }));
    base = url.replace('/graphql', '');
  });

  afterAll(async () => {
    // The harness drops its schema through the proxy: make sure it forwards again.
    try {
      await proxy?.restore();
      const index = harnesses.indexOf(h);
      if (index >= 0) {
        harnesses.splice(index, 1);
        await h.close();
      }
    } finally {
      await proxy?.close();
    }
  });

  async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
    const started = Date.now();
    const value = await work();
    return { value, ms: Date.now() - started };
  }

  async function expectServing(): Promise<void> {
    await eventually(async () => (await request(`${base}/readyz`)).status === 200, 5000, '/readyz 200 again');
    const read = await graphql(url, READ, undefined, token);
    expect(read.body.errors).toBeUndefined();
    const created = await graphql(url, CREATE, { input: { identifier: identifier(), name: 'x' } }, token);
    expect(created.body.errors).toBeUndefined();
  }

  async function expectUnavailableFast(limitMs: number): Promise<void> {
    const ready = await timed(() => request(`${base}/readyz`));
    expect(ready.value.status).toBe(503);
    expect(ready.ms).toBeLessThan(limitMs);
    // Reads and mutations fail fast with a code a client can retry on (and /healthz keeps answering).
    for (const [query, variables] of [
      [READ, undefined],
      [CREATE, { input: { identifier: identifier(), name: 'during the outage' } }],
    ] as const) {
      const answer = await timed(() => graphql(url, query, variables, token));
      expectCleanError(answer.value, 'SERVICE_UNAVAILABLE');
      expect(answer.ms).toBeLessThan(limitMs);
    }
    expect((await request(`${base}/healthz`)).status).toBe(200);
  }

  test('the database refuses connections: /readyz 503 and SERVICE_UNAVAILABLE at once; restored → 200 and requests work', async () => {
    await expectServing();
    await proxy.cut();
    await expectUnavailableFast(1000);
    await proxy.restore();
    await expectServing();
  });

  test('the database stops answering: /readyz 503 and SERVICE_UNAVAILABLE within the connect timeout; restored → 200 and requests work', async () => {
    await expectServing();
    const before = await h.count('applications');
    proxy.blackhole();
    // One connect timeout, not one per step of the request (the rate limit shares the database).
    await expectUnavailableFast(CONNECT_TIMEOUT_MS + 450);
    await proxy.restore();
    await expectServing();
    // The create attempted during the outage left nothing behind; the one after it is there.
    expect(await h.count('applications')).toBe(before + 1);
  });
});

describe('a stalled connection: a partition without a reset', () => {
  let proxy: TcpProxy;
  let h: Harness;
  let url: string;
  let token: string;

  beforeAll(async () => {
    let proxied: URL;
    ({ proxy, proxied } = await proxyTo(db.url));
    // One connection, so the request after the stall shows whether the stalled one left the pool.
    ({ h, url, token } = await productionHarness({ databaseUrl: proxied.toString(), database: { poolMax: 1, connectTimeoutMs: 500, queryTimeoutMs: 700 } }));
  });

  afterAll(async () => {
    try {
      await proxy?.restore();
      const index = harnesses.indexOf(h);
      if (index >= 0) {
        harnesses.splice(index, 1);
        await h.close();
      }
    } finally {
      await proxy?.close();
    }
  });

  test('DB_QUERY_TIMEOUT_MS: the request fails with TIMEOUT instead of hanging, the stalled connection is dropped, and service resumes', async () => {
    expect((await graphql(url, READ, undefined, token)).body.errors).toBeUndefined();
    proxy.stall();
    // Without a client-side timeout this waits for TCP to give up (minutes): the helper's 10 s would end it first.
    const stalled = await graphql(url, READ, undefined, token, { timeoutMs: 10_000 });
    expectCleanError(stalled, 'TIMEOUT');
    // The stalled connection was destroyed, not handed back: the next request needs a new
    // connection, which the partition does not let through (connect timeout), instead of
    // queueing on the stalled one again.
    const next = await graphql(url, CREATE, { input: { identifier: identifier(), name: 'during the stall' } }, token, { timeoutMs: 10_000 });
    expectCleanError(next, 'SERVICE_UNAVAILABLE');
    await proxy.restore();
    await eventually(async () => (await graphql(url, READ, undefined, token)).body.errors === undefined, 5000, 'requests served again');
    expect((await graphql(url, CREATE, { input: { identifier: identifier(), name: 'after' } }, token)).body.errors).toBeUndefined();
  }, 30_000);
});

describe('timeouts and pool size from configuration', () => {
  test(
    'statement_timeout: a statement stuck on a lock is cancelled after DB_STATEMENT_TIMEOUT_MS ' + 'with the retryable code TIMEOUT, and nothing is written',
    async () => {
      const { h, url, token } = await productionHarness({ database: { statementTimeoutMs: 300 } });
      expect(await h.dataSource.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '300ms' }]);
      const app = await createApplication(url, token);
      const lock = await lockApplication(h, app.id);
      try {
        const started = Date.now();
        const response = await graphql(url, UPDATE, { input: { id: app.id, name: 'too slow' } }, token);
        const ms = Date.now() - started;
        expect(ms).toBeGreaterThanOrEqual(290);
        expect(ms).toBeLessThan(3000); // without the timeout it would wait for the lock, held until the answer arrives
        expect(response.body.data).toBeNull();
        expectCleanError(response, 'TIMEOUT');
      } finally {
        await lock.release();
      }
      const [row] = await h.dataSource.query(`SELECT name, version FROM applications WHERE id = $1`, [app.id]);
      expect(row).toEqual({ name: 'before', version: app.version });
    },
  );

  test('DB_POOL_MAX: a burst of requests never opens more connections than the pool allows, and all of them are served', async () => {
    const { h, url, token } = await productionHarness({ database: { poolMax: 2 } });
    const pool = poolOf(h.dataSource);
    let peak = 0;
    const sample = () => (peak = Math.max(peak, pool.totalCount));
    pool.on('connect', sample);
    pool.on('acquire', sample);
    const sampler = setInterval(sample, 1);
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0 ? graphql(url, CREATE, { input: { identifier: identifier(), name: 'b' } }, token) : graphql(url, READ, undefined, token),
      ),
    );
    clearInterval(sampler);
    expect(burst.map((response) => response.body.errors)).toEqual(Array(30).fill(undefined));
    expect(peak).toBe(2);
  });
});

describe('the environment reaches the pool (a spawned process)', () => {
  let buildDir: string;
  let own: TestDatabase;
  let proxy: TcpProxy;

  beforeAll(async () => {
    [buildDir, own] = await Promise.all([buildApp(), createDatabase()]);
    ({ proxy } = await proxyTo(own.url));
  }, 30_000);

  afterAll(async () => {
    await killAll();
    await proxy?.close();
    await own?.drop();
    removeBuild(buildDir);
  });

  test('DB_POOL_MAX, DB_STATEMENT_TIMEOUT_MS and DB_CONNECT_TIMEOUT_MS', async () => {
    const proxied = proxiedUrl(own.url, proxy);
    const clavis = await startClavis(
      buildDir,
      productionEnv(proxied.toString(), { DB_POOL_MAX: '2', DB_STATEMENT_TIMEOUT_MS: '400', DB_CONNECT_TIMEOUT_MS: '500' }),
    );
    const token = await processToken();
    const backends = async () => (await own.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'clavis'`)).length;

    // Pool size: a burst never has more than two backends.
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) peak = Math.max(peak, await backends());
    })();
    const burst = await Promise.all(Array.from({ length: 20 }, () => graphql(clavis.graphqlUrl, READ, undefined, token)));
    sampling = false;
    await sampler;
    expect(burst.map((response) => response.body.errors)).toEqual(Array(20).fill(undefined));
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);

    // Statement timeout: a mutation stuck on a row lock is cancelled.
    const created = await graphql(clavis.graphqlUrl, CREATE, { input: { identifier: identifier(), name: 'before' } }, token);
    const app = created.body.data!.createApplication.application;
    const locker = await own.connect();
    clients.push(locker);
    await locker.query('BEGIN');
    await locker.query('SELECT * FROM applications WHERE id = $1 FOR UPDATE', [app.id]);
    const started = Date.now();
    const stuck = await graphql(clavis.graphqlUrl, UPDATE, { input: { id: app.id, name: 'too slow' } }, token);
    const ms = Date.now() - started;
    await locker.query('ROLLBACK');
    expect(ms).toBeGreaterThanOrEqual(390);
    expect(ms).toBeLessThan(3000);
    expectCleanError(stuck, 'TIMEOUT');

    // Connect timeout: with the database silent, requests give up after it.
    proxy.blackhole();
    const outage = Date.now();
    const silent = await graphql(clavis.graphqlUrl, READ, undefined, token);
    expect(Date.now() - outage).toBeLessThan(500 + 450);
    expectCleanError(silent, 'SERVICE_UNAVAILABLE');
    await proxy.restore();
    await eventually(async () => (await request(`${clavis.baseUrl}/readyz`)).status === 200, 5000, '/readyz 200 again');
    expect((await graphql(clavis.graphqlUrl, READ, undefined, token)).body.errors).toBeUndefined();
  }, 30_000);
});

describe('runTransaction', () => {
  let h: Harness;
  beforeAll(async () => {
    ({ h } = await productionHarness());
    await h.dataSource.query(`CREATE TABLE tx_rows (id int PRIMARY KEY, n int NOT NULL)`);
  });
  beforeEach(async () => {
    await h.dataSource.query(`TRUNCATE tx_rows`);
    await h.dataSource.query(`INSERT INTO tx_rows VALUES (1, 0), (2, 0), (3, 0)`);
  });

  /** Both first attempts meet here before going on (so the conflict is certain), with a timeout. */
  function meetingPoint(): (name: string) => Promise<void> {
    const arrived = new Set<string>();
    let release!: () => void;
    const together = new Promise<void>((resolve) => (release = resolve));
    return async (name) => {
      arrived.add(name);
      if (arrived.size === 2) release();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([together, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the other transaction never arrived')), 5000)))]);
      clearTimeout(timer);
    };
  }

  test('a real deadlock: the victim is re-run whole and both transactions complete', async () => {
    const attempts: Record<string, number> = { a: 0, b: 0 };
    const meet = meetingPoint();
    const transfer = (name: string, first: number, second: number) =>
      runTransaction(h.dataSource, async (manager) => {
        attempts[name]++;
        await manager.query(`UPDATE tx_rows SET n = n + 1 WHERE id = $1`, [first]);
        if (attempts[name] === 1) await meet(name);
        await manager.query(`UPDATE tx_rows SET n = n + 10 WHERE id = $1`, [second]);
        return name;
      });
    expect(await Promise.all([transfer('a', 1, 2), transfer('b', 2, 1)])).toEqual(['a', 'b']);
    expect(attempts.a + attempts.b).toBe(3); // one of them deadlocked once and ran again
    // Each row got exactly one +1 and one +10: the victim's first attempt left nothing.
    expect(await h.dataSource.query(`SELECT id, n FROM tx_rows WHERE id IN (1, 2) ORDER BY id`)).toEqual([
      { id: 1, n: 11 },
      { id: 2, n: 11 },
    ]);
  });

  test('a real serialization failure: the loser is re-run whole and no update is lost', async () => {
    const attempts: Record<string, number> = { a: 0, b: 0 };
    const meet = meetingPoint();
    const increment = (name: string) =>
      runTransaction(h.dataSource, async (manager) => {
        attempts[name]++;
        await manager.query(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`);
        const [{ n }] = await manager.query(`SELECT n FROM tx_rows WHERE id = 3`);
        if (attempts[name] === 1) await meet(name);
        await manager.query(`UPDATE tx_rows SET n = $1 WHERE id = 3`, [n + 1]);
      });
    await Promise.all([increment('a'), increment('b')]);
    expect(attempts.a + attempts.b).toBe(3);
    expect(await h.dataSource.query(`SELECT n FROM tx_rows WHERE id = 3`)).toEqual([{ n: 2 }]);
  });

  const failure = (code: string) => new QueryFailedError('UPDATE tx_rows SET n = n + 1', [], Object.assign(new Error(`simulated ${code}`), { code }));

  test.each(['40001', '40P01'])('a unit of work failing once with %s is re-run whole and succeeds', async (code) => {
    let calls = 0;
    const result = await runTransaction(h.dataSource, async (manager) => {
      calls++;
      await manager.query(`INSERT INTO tx_rows VALUES ($1, 0)`, [100 + calls]);
      if (calls === 1) throw failure(code);
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(2);
    // The first attempt's insert was rolled back with it.
    expect(await h.dataSource.query(`SELECT id FROM tx_rows WHERE id > 100`)).toEqual([{ id: 102 }]);
  });

  test.each(['23505', '57014', '57P01'])('a unit of work failing with %s is not re-run', async (code) => {
    let calls = 0;
    const error = failure(code);
    await expect(
      runTransaction(h.dataSource, async () => {
        calls++;
        throw error;
      }),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  test('a unit of work that keeps failing with 40001 is given up after a bounded number of attempts', async () => {
    let calls = 0;
    await expect(
      runTransaction(h.dataSource, async () => {
        calls++;
        throw failure('40001');
      }),
    ).rejects.toBeInstanceOf(QueryFailedError);
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThanOrEqual(5);
  });
});
