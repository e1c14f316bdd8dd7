/**
 * `npm run bench`: Clavis against a hand-written limit server and PostGraphile, on one
 * freshly seeded database, over HTTP on loopback. See BENCHMARKS.md for the method.
 *
 * Environment (all optional):
 *   BENCH_DATABASE_URL   admin connection, used only to create/drop `clavis_bench`
 *                        (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_CONNECTIONS    concurrent HTTP connections (16)
 *   BENCH_WARMUP         warm-up seconds per server and scenario, discarded (3)
 *   BENCH_DURATION       seconds per measured repetition (5)
 *   BENCH_REPETITIONS    measured repetitions per server and scenario (3)
 *   BENCH_SCENARIOS      a subset of the scenarios, e.g. `a,b` (all: a,b,c,d)
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
  POSTGRAPHILE_APPLICATION_QUERY,
  POSTGRAPHILE_PAGE_QUERY,
  UPDATE_MUTATION,
  body,
} from './operations';
import { summarize, summaryMarkdown } from './profile-summary';

const ROOT = resolve(__dirname, '../../..');
const OUT = join(ROOT, '.bench');
const DIST_BENCH = __dirname;
/** The servers Clavis is compared with: a package of their own, outside Clavis's dependency tree. */
const PEERS = join(ROOT, 'scripts/bench/peers');

const env = process.env;
const settings = {
  adminUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  connections: Number(env.BENCH_CONNECTIONS || 16),
  warmup: Number(env.BENCH_WARMUP || 3),
  duration: Number(env.BENCH_DURATION || 5),
  repetitions: Number(env.BENCH_REPETITIONS || 3),
  profile: env.BENCH_PROFILE === '1',
  keep: env.BENCH_KEEP === '1',
  scenarios: (env.BENCH_SCENARIOS || 'a,b,c,d').split(',').map((s) => s.trim()),
  clavisNodeOptions: env.BENCH_CLAVIS_NODE_OPTIONS || '',
  quietBudget: Number(env.BENCH_QUIET_BUDGET ?? 60),
  poolMax: 10,
};

type ServerName = 'clavis' | 'limit' | 'postgraphile';
const SERVER_LABELS: Record<ServerName, string> = { clavis: 'Clavis', limit: 'limit (node:http + pg)', postgraphile: 'PostGraphile 4' };

interface Server {
  name: ServerName;
  port: number;
  child: ChildProcess;
  exited: boolean;
}

type ScenarioKey = 'a' | 'b' | 'c' | 'd';
interface Scenario {
  key: ScenarioKey;
  title: string;
  servers: ServerName[];
  spec: (server: ServerName) => LoadSpec;
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

/** Installs the peer servers (PostGraphile and its graphql 15) from their lock file the first time. */
function ensurePeers(): void {
  if (existsSync(join(PEERS, 'node_modules/postgraphile'))) return;
  log('clavis bench: installing the peer servers (npm ci --prefix scripts/bench/peers)');
  execFileSync('npm', ['ci', '--prefix', PEERS, '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

const servers: Server[] = [];

function startServer(name: ServerName, script: string, port: number, extraEnv: Record<string, string>): Server {
  const logFd = openSync(join(OUT, 'logs', `${name}.log`), 'w');
  const args = [...(settings.profile ? ['-r', join(DIST_BENCH, 'profiler-hook.js')] : []), script];
  const child = spawn(process.execPath, args, {
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
  return `at byte ${i}:\n  clavis: …${JSON.stringify(a.slice(Math.max(0, i - 80), i + 80))}\n  limit:  …${JSON.stringify(b.slice(Math.max(0, i - 80), i + 80))}`;
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

/** PostGraphile must answer the same rows: same applications, clients, credentials and providers. */
async function checkPostGraphileEquivalence(clavis: Server, pg: Server, headers: Record<string, string>, data: BenchDataset): Promise<void> {
  const fail = (what: string) => {
    throw new Error(`PostGraphile's answer is not equivalent to Clavis's: ${what}`);
  };
  for (const id of [data.applicationIds[0], data.applicationIds[777], data.applicationIds[1999]]) {
    const [a, b] = await Promise.all([post(clavis.port, headers, body(APPLICATION_QUERY, { id })), post(pg.port, headers, body(POSTGRAPHILE_APPLICATION_QUERY, { id }))]);
    const x = JSON.parse(a.text).data.application;
    const y = JSON.parse(b.text).data?.applicationById;
    if (!y) fail(`no applicationById for ${id}: ${b.text.slice(0, 300)}`);
    for (const field of ['id', 'organizationId', 'zoneId', 'identifier', 'slug', 'name', 'description', 'ownerType', 'version']) {
      if (x[field] !== y[field]) fail(`${id}.${field}: ${x[field]} vs ${y[field]}`);
    }
    if (JSON.stringify(x.dependencies) !== JSON.stringify(y.dependencies)) fail(`${id}.dependencies`);
    if (JSON.stringify(x.protocols.oauth2.redirectUris) !== JSON.stringify(y.protocols.oauth2.redirectUris)) fail(`${id}.protocols`);
    if (Date.parse(x.createdAt) !== Date.parse(y.createdAt)) fail(`${id}.createdAt: ${x.createdAt} vs ${y.createdAt}`);
  }
  const [a, b] = await Promise.all([
    post(clavis.port, headers, body(PAGE_QUERY, { first: PAGE_SIZE })),
    post(pg.port, headers, body(POSTGRAPHILE_PAGE_QUERY, { first: PAGE_SIZE, org: BENCH_ORGANIZATION })),
  ]);
  if (b.status !== 200 || b.text.includes('"errors"')) fail(`${b.status} ${b.text.slice(0, 400)}`);
  const x = JSON.parse(a.text).data.applications;
  const y = JSON.parse(b.text).data.allApplications;
  if (x.totalCount !== y.totalCount || x.pageInfo.hasNextPage !== y.pageInfo.hasNextPage) fail('totalCount/hasNextPage');
  const shape = (edges: any[], clients: string, credentials: string, provider: string) =>
    JSON.stringify(
      edges.map(({ node }) => [
        node.id,
        node.name,
        node[clients].edges.map((e: any) => [e.node.id, e.node.clientId, e.node.grantTypes]),
        node[credentials].edges.map((e: any) => [e.node.id, e.node.type, e.node.identifier, e.node.subject ?? null, e.node.url ?? null, e.node[provider]?.id ?? null]),
      ]),
    );
  const left = shape(x.edges, 'clients', 'credentials', 'provider');
  const right = shape(y.edges, 'clientsByApplicationId', 'credentialsByApplicationId', 'providerByProviderId');
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
  const pgApp = ids.map((id) => body(POSTGRAPHILE_APPLICATION_QUERY, { id }));
  const authenticate = data.secrets.map((secret) => body(AUTHENTICATE_MUTATION, { input: secret }));
  return [
    {
      key: 'a',
      title: '(a) application(id), rotating ids',
      servers: ['clavis', 'limit', 'postgraphile'],
      spec: (server) =>
        server === 'postgraphile'
          ? { url: url(server), headers, nextBody: rotating(pgApp), check: ok('{"applicationById":{"id":"app_') }
          : { url: url(server), headers, nextBody: rotating(clavisApp), check: ok('{"data":{"application":{"id":"app_') },
    },
    {
      key: 'b',
      title: `(b) page of ${PAGE_SIZE} applications + clients, credentials, providers`,
      servers: ['clavis', 'limit', 'postgraphile'],
      spec: (server) =>
        server === 'postgraphile'
          ? {
              url: url(server),
              headers,
              nextBody: () => body(POSTGRAPHILE_PAGE_QUERY, { first: PAGE_SIZE, org: BENCH_ORGANIZATION }),
              check: ok(`{"allApplications":{"totalCount":${data.counts.applications},`),
            }
          : { url: url(server), headers, nextBody: () => body(PAGE_QUERY, { first: PAGE_SIZE }), check: ok(`{"data":{"applications":{"totalCount":${data.counts.applications},`) },
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
          `  cpu: server ${m.cpu.server.toFixed(0)}%, postgres ${m.cpu.postgres.toFixed(0)}%, driver ${m.cpu.driver.toFixed(0)}%, other ${m.cpu.other.toFixed(0)}%, machine ${m.cpu.machine.toFixed(0)}%` +
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
      log(`  ${scenario.key} ${server}: FAILED — non2xx ${bad.non2xx}, errors ${bad.errors}, timeouts ${bad.timeouts}, bad bodies ${bad.mismatches}; first bad body: ${bad.firstBadBody ?? '(none)'}`);
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

// ---------------------------------------------------------------------------------------------
// Report

interface Target {
  name: string;
  value: number;
  goal: string;
  met: boolean | null;
}

type Settings = typeof settings;

function report(results: ScenarioResult[], memory: Record<string, { rssMb: number; peakMb: number }>, machine: Record<string, string>, settings: Settings) {
  const find = (scenario: ScenarioKey, server: ServerName) => results.find((r) => r.scenario === scenario && r.server === server);
  const ratio = (x?: ScenarioResult, y?: ScenarioResult) => (x && y && !x.failed && !y.failed ? x.rps / y.rps : Number.NaN);
  const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

  const lines: string[] = [];
  lines.push(
    `${settings.connections} connections, ${settings.warmup} s warm-up (discarded), ${settings.repetitions} × ${settings.duration} s measured per server and scenario; median req/s over the repetitions (min–max), median of the repetitions' p50/p99 latency. ` +
      `CPU in % of one core (the machine has ${os.cpus().length}), medians over the repetitions: the server process, the PostgreSQL processes of the benchmark database (and the server-wide ones), the load generator, and everything else (kernel work not charged to a process, other processes).`,
    '',
  );
  lines.push(
    '| scenario | server | req/s | min–max | p50 ms | p99 ms | Clavis / this | CPU % server / PG / driver / other | CPU ms per request, server / PG |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results) {
    const clavis = find(r.scenario, 'clavis');
    const rel = r.server === 'clavis' || !Number.isFinite(ratio(clavis, r)) ? '' : `${fmt(ratio(clavis, r))}×`;
    lines.push(
      `| ${r.title} | ${SERVER_LABELS[r.server]} | ${r.failed ? '**FAILED**' : r.rps.toFixed(0)} | ${r.rpsMin.toFixed(0)}–${r.rpsMax.toFixed(0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${rel} | ` +
        `${r.cpu.server.toFixed(0)} / ${r.cpu.postgres.toFixed(0)} / ${r.cpu.driver.toFixed(0)} / ${r.cpu.other.toFixed(0)} | ` +
        `${fmt((10 * r.cpu.server) / r.rps, r.rps > 500 ? 3 : 1)} / ${fmt((10 * r.cpu.postgres) / r.rps, r.rps > 500 ? 3 : 1)} |`,
    );
  }
  const targets: Target[] = [];
  const t = (name: string, value: number, goal: string, predicate: (v: number) => boolean) => targets.push({ name, value, goal, met: Number.isFinite(value) ? predicate(value) : null });
  t('(b) Clavis / PostGraphile', ratio(find('b', 'clavis'), find('b', 'postgraphile')), '≥ 1.0×', (v) => v >= 1.0);
  t('(a) Clavis / limit', ratio(find('a', 'clavis'), find('a', 'limit')), '≥ 0.5×', (v) => v >= 0.5);
  t('(c) / (a), Clavis', ratio(find('c', 'clavis'), find('a', 'clavis')), '≥ 0.8×', (v) => v >= 0.8);
  t('Clavis RSS after the run', memory.clavis?.rssMb ?? Number.NaN, '< 250 MB', (v) => v < 250);
  lines.push('', '| target | value | goal | met |', '| --- | ---: | --- | --- |');
  for (const target of targets) {
    const value = !Number.isFinite(target.value) ? '—' : target.name.includes('RSS') ? `${fmt(target.value, 0)} MB` : `${fmt(target.value)}×`;
    lines.push(`| ${target.name} | ${value} | ${target.goal} | ${target.met === null ? '—' : target.met ? 'yes' : '**no**'} |`);
  }
  lines.push(
    '',
    'Also: ' +
      [
        `(a) Clavis / PostGraphile ${fmt(ratio(find('a', 'clavis'), find('a', 'postgraphile')))}×`,
        `(b) Clavis / limit ${fmt(ratio(find('b', 'clavis'), find('b', 'limit')))}×`,
        `(d) / (a), Clavis ${fmt(ratio(find('d', 'clavis'), find('a', 'clavis')))}×`,
      ].join(', ') +
      '.',
  );
  const noisy = results.reduce((n, r) => n + r.noisy, 0);
  if (noisy > 0) {
    lines.push(
      '',
      `**Warning: the machine was not quiet.** In ${noisy} of ${results.reduce((n, r) => n + r.repetitions.length, 0)} repetitions something outside the benchmark ` +
        `used more than ${NOISY_OTHER_PERCENT}% of a core ("other" above); those figures are low and noisy. Run again on a quiet machine.`,
    );
  }
  lines.push('', '| server | RSS after the run | peak RSS (VmHWM) |', '| --- | ---: | ---: |');
  for (const [name, m] of Object.entries(memory)) lines.push(`| ${SERVER_LABELS[name as ServerName]} | ${fmt(m.rssMb, 0)} MB | ${fmt(m.peakMb, 0)} MB |`);
  lines.push('', `Machine: ${Object.entries(machine).map(([k, v]) => `${k} ${v}`).join('; ')}.`);
  return { markdown: `${lines.join('\n')}\n`, targets };
}

// ---------------------------------------------------------------------------------------------

async function profilePass(all: Scenario[]): Promise<string> {
  const dir = join(OUT, 'profiles');
  mkdirSync(dir, { recursive: true });
  const parts: string[] = [];
  for (const server of servers) {
    for (const scenario of all.filter((s) => s.servers.includes(server.name))) {
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

  log(`clavis bench: creating and seeding clavis_bench on ${new URL(settings.adminUrl).host}`);
  const seedStart = Date.now();
  const data = await createBenchDataset(settings.adminUrl, hashKey);
  log(`  seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s: ${Object.entries(data.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);

  const ports = { clavis: await freePort(), limit: await freePort(), postgraphile: await freePort() };
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
    ...(settings.clavisNodeOptions ? { NODE_OPTIONS: settings.clavisNodeOptions } : {}),
  });
  const limit = startServer('limit', join(DIST_BENCH, 'limit-server.js'), ports.limit, { NODE_ENV: 'production', DATABASE_URL: data.url, AUTH_JWT_SECRET: jwtSecret });
  const postgraphile = startServer('postgraphile', join(PEERS, 'postgraphile-server.js'), ports.postgraphile, { NODE_ENV: 'production', DATABASE_URL: data.url });
  const ready = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  await Promise.all([
    waitReady(clavis, () => ready(ports.clavis)),
    waitReady(limit, () => ready(ports.limit)),
    waitReady(postgraphile, async () => (await post(ports.postgraphile, { 'content-type': 'application/json' }, '{"query":"{ __typename }"}')).text.includes('"data"')),
  ]);
  log(`  servers ready: clavis :${ports.clavis} (pid ${clavis.child.pid}), limit :${ports.limit} (pid ${limit.child.pid}), postgraphile :${ports.postgraphile} (pid ${postgraphile.child.pid})`);

  const token = await signToken(jwtSecret, { sub: 'bench', org: BENCH_ORGANIZATION }, { expiresIn: '2h' });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const identical = await checkByteIdentity(clavis, limit, headers, data);
  log(`  limit server byte-identical to Clavis on ${identical} requests`);
  await checkPostGraphileEquivalence(clavis, postgraphile, headers, data);
  log('  PostGraphile answers the same rows as Clavis');

  const quiet = cpuSnapshot(process.pid, BENCH_DATABASE);
  await sleep(1000);
  const idle = cpuSince(quiet, process.pid, BENCH_DATABASE);
  if (idle.other + idle.postgres > NOISY_OTHER_PERCENT) {
    log(`  WARNING: before the load, other processes already use ${(idle.other + idle.postgres).toFixed(0)}% of a core; the figures will be noisy`);
  }

  const all = scenarios(data, ports, headers).filter((s) => settings.scenarios.includes(s.key));
  const results: ScenarioResult[] = [];
  for (const scenario of all) {
    log(`${scenario.title}: ${scenario.servers.join(', ')}`);
    results.push(...(await runScenario(scenario)));
    if (scenario.key === 'd') await checkUpdatesLanded(data, results.find((r) => r.scenario === 'd')!);
  }
  await sleep(2000); // let in-flight work and the servers' timers settle before reading RSS
  const memory = Object.fromEntries(servers.map((s) => [s.name, memoryOf(s.child.pid!)]));

  const cpus = os.cpus();
  const machine = {
    cpus: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    kernel: os.release(),
    node: process.version,
    postgres: data.postgresVersion,
    autocannon: JSON.parse(readFileSync(join(ROOT, 'node_modules/autocannon/package.json'), 'utf8')).version,
    postgraphile: JSON.parse(readFileSync(join(PEERS, 'node_modules/postgraphile/package.json'), 'utf8')).version,
    clavis: revision(),
  };
  const { markdown, targets } = report(results, memory, machine, settings);
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
  const json = JSON.stringify({ date: new Date().toISOString(), settings: { ...settings, adminUrl: undefined }, machine, dataset: data.counts, results, memory, targets }, null, 2);
  writeFileSync(join(OUT, `results-${stamp}.json`), json);
  writeFileSync(join(OUT, 'latest.json'), json);
  writeFileSync(join(OUT, 'latest.md'), markdown);
  log(`results in .bench/latest.json, .bench/latest.md (and results-${stamp}.json); ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  return results.some((r) => r.failed) ? 1 : 0;
}

async function cleanup(): Promise<void> {
  await stopServers();
  if (settings.keep) log(`BENCH_KEEP=1: keeping the database clavis_bench`);
  else await dropBenchDatabase(settings.adminUrl).catch((error: Error) => log(`could not drop clavis_bench: ${error.message}`));
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
  process.stdout.write(report(saved.results, saved.memory, saved.machine, { ...settings, ...saved.settings }).markdown);
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
