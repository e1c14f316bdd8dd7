import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client as PgClient } from 'pg';
import { SCOPES } from '../../src/auth/scopes';
import { signToken } from '../../src/auth/tokens';

/**
 * Clavis as a real process: the app compiled once per test file into a temp dir, spawned
 * with `node <dir>/src/main.js` and an explicit environment, stopped with signals. Used by
 * the tests that need what only a process has (signals, exit codes, stdout, two replicas).
 */

export const ROOT = resolve(__dirname, '../..');

export const PROCESS_JWT_SECRET = 'process-test-jwt-secret-that-is-long-enough-0123';
export const PROCESS_HASH_KEY = 'process-test-hash-key-that-is-long-enough-012345';
export const PROCESS_ENCRYPTION_KEYS = `k1:${Buffer.alloc(32, 9).toString('base64')}`;

/** Complete production settings (the database URL comes per process). */
export function productionEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    AUTH_JWT_SECRET: PROCESS_JWT_SECRET,
    SECRET_HASH_KEY: PROCESS_HASH_KEY,
    ENCRYPTION_KEYS: PROCESS_ENCRYPTION_KEYS,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export function processToken(options: { org?: string; sub?: string; scopes?: readonly string[] } = {}): Promise<string> {
  return signToken(PROCESS_JWT_SECRET, { sub: options.sub ?? 'tester', org: options.org ?? 'org-p', scope: (options.scopes ?? SCOPES).join(' ') });
}

// ---------------------------------------------------------------------------------------
// Building

/** The transform the Jest suite itself runs the sources through (jest.config.js). */
const SWC_OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript' as const, decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022' as const,
  },
  module: { type: 'commonjs' as const },
  sourceMaps: false,
  swcrc: false,
  configFile: false,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * Compiles the current sources (never a stale dist/) into a new temp dir and returns it.
 * `swc` (default) is the transform the test suite already runs the code through and takes
 * well under a second; `tsc` is the project's own compiler (`npm run build`) without type
 * checking, which is `npm run typecheck`'s job — slower, for the entry-point test that
 * checks what `npm start` runs.
 */
export async function buildApp(options: { compiler?: 'swc' | 'tsc' } = {}): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'clavis-build-'));
  try {
    if (options.compiler === 'tsc') {
      await promisify(execFile)(
        process.execPath,
        [
          join(ROOT, 'node_modules/typescript/bin/tsc'),
          '-p',
          join(ROOT, 'tsconfig.build.json'),
          '--outDir',
          outDir,
          '--noCheck',
          '--sourceMap',
          'false',
          // The build info stays with this build: the project's own (dist/) must not claim these files.
          '--tsBuildInfoFile',
          join(outDir, 'tsbuildinfo'),
        ],
        {
          cwd: ROOT,
        },
      ).catch((error: { stdout?: string }) => {
        // tsc reports errors but still emits; a missing main.js is caught below.
        if (!existsSync(join(outDir, 'src/main.js'))) throw new Error(`tsc failed: ${error.stdout}`);
      });
    } else {
      const swc = await import('@swc/core');
      await Promise.all(
        sourceFiles(join(ROOT, 'src')).map(async (file) => {
          const { code } = await swc.transformFile(file, { ...SWC_OPTIONS, filename: file });
          const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, code);
        }),
      );
    }
    if (!existsSync(join(outDir, 'src/main.js'))) throw new Error('the build produced no src/main.js');
    return outDir;
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
}

export function removeBuild(outDir: string | undefined): void {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------
// Running

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type LogLine = Record<string, any>;

export class ClavisProcess {
  private stdoutText = '';
  private stderrText = '';
  private exit: Exit | undefined;
  readonly exited: Promise<Exit>;
  /** `http://127.0.0.1:<port>` once the process announced it is serving. */
  baseUrl = '';
  port = 0;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (this.stdoutText += chunk));
    child.stderr.on('data', (chunk: string) => (this.stderrText += chunk));
    this.exited = new Promise((done) => {
      child.on('close', (code, signal) => {
        this.exit = { code, signal };
        done(this.exit);
      });
    });
  }

  get graphqlUrl(): string {
    return `${this.baseUrl}/graphql`;
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** Everything written to stdout and stderr so far, raw. */
  output(): string {
    return `${this.stdoutText}\n${this.stderrText}`;
  }

  stdout(): string {
    return this.stdoutText;
  }

  stderr(): string {
    return this.stderrText;
  }

  /** The JSON log lines written to stdout so far. */
  logs(): LogLine[] {
    return this.stdoutText.split('\n').flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });
  }

  /** The first log line matching, waiting up to `timeoutMs` for it. */
  async waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs().find(predicate);
      if (found) return found;
      if (this.hasExited) throw new Error(`the process exited (${JSON.stringify(this.exit)}) before the expected log line; output:\n${this.output()}`);
      if (Date.now() > deadline) throw new Error(`no matching log line within ${timeoutMs} ms; output:\n${this.output()}`);
      await sleep(20);
    }
  }

  /** Sends SIGTERM (unless already sent) and waits for the exit; SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<Exit> {
    if (!this.hasExited) this.child.kill('SIGTERM');
    return this.waitForExit(timeoutMs);
  }

  /** Waits for the exit; a process still alive after `timeoutMs` is killed and the wait fails. */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([this.exited, new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), timeoutMs)))]);
    clearTimeout(timer);
    if (outcome !== 'timeout') return outcome;
    await this.kill();
    throw new Error(`the process did not exit within ${timeoutMs} ms; output:\n${this.output()}`);
  }

  async kill(): Promise<void> {
    if (this.hasExited) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

const started = new Set<ClavisProcess>();

/**
 * Spawns `node <buildDir>/src/main.js` with exactly `env` (plus PATH and NODE_PATH: nothing
 * of the test run, such as NODE_ENV=test or DATABASE_URL, leaks in).
 */
export function spawnClavis(buildDir: string, env: Record<string, string>): ClavisProcess {
  // Safety net for a test runner killed outright (afterAll never runs): the child sees its
  // stdin close and exits instead of serving on, orphaned. (unref: it keeps nothing alive.)
  const orphanGuard = join(buildDir, 'orphan-guard.js');
  if (!existsSync(orphanGuard)) {
    writeFileSync(orphanGuard, `process.stdin.on('end', () => process.exit(70)).on('error', () => undefined).resume().unref();\n`);
  }
  const child = spawn(process.execPath, ['--require', orphanGuard, join(buildDir, 'src/main.js')], {
    cwd: buildDir,
    env: { PATH: process.env.PATH ?? '', NODE_PATH: join(ROOT, 'node_modules'), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const clavis = new ClavisProcess(child);
  started.add(clavis);
  void clavis.exited.then(() => started.delete(clavis));
  return clavis;
}

/** Spawns Clavis (see spawnClavis) and waits until it serves and /readyz answers 200. */
export async function startClavis(buildDir: string, env: Record<string, string>, options: { readyTimeoutMs?: number } = {}): Promise<ClavisProcess> {
  const clavis = spawnClavis(buildDir, env);
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  try {
    const serving = await clavis.waitForLog((line) => line.msg === 'clavis is serving', timeoutMs);
    clavis.port = Number(new URL(String(serving.url)).port);
    clavis.baseUrl = `http://127.0.0.1:${clavis.port}`;
    const deadline = Date.now() + timeoutMs;
    while ((await request(`${clavis.baseUrl}/readyz`, { timeoutMs: 2000 }).catch(() => null))?.status !== 200) {
      if (Date.now() > deadline) throw new Error(`/readyz did not answer 200 within ${timeoutMs} ms`);
      await sleep(50);
    }
    return clavis;
  } catch (error) {
    await clavis.kill();
    throw error;
  }
}

/** Kills every process this file started that is still running (for afterAll). */
export async function killAll(): Promise<void> {
  await Promise.all([...started].map((clavis) => clavis.kill()));
}

// ---------------------------------------------------------------------------------------
// HTTP, on a fresh connection per request (no keep-alive pool hiding what the server does)

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  return new Promise((done, fail) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false, timeout: options.timeoutMs ?? 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('response aborted')));
    });
    req.on('timeout', () => req.destroy(new Error(`no response within ${options.timeoutMs ?? 10_000} ms`)));
    req.on('error', fail);
    req.end(options.body);
  });
}

export interface GraphQLResponse<T = Record<string, any>> extends HttpResponse {
  body: { data?: T | null; errors?: { message: string; extensions?: Record<string, any>; path?: (string | number)[] }[] };
}

export async function graphql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> | undefined,
  token: string | undefined,
  options: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await request(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }), timeoutMs: options.timeoutMs });
  let body: GraphQLResponse<T>['body'];
  try {
    body = JSON.parse(response.text);
  } catch {
    throw new Error(`not a JSON response (HTTP ${response.status}): ${response.text.slice(0, 500)}`);
  }
  return { ...response, body };
}

export function errorCodes(response: { body: { errors?: { extensions?: Record<string, any> }[] } }): string[] {
  return (response.body.errors ?? []).map((error) => String(error.extensions?.code));
}

// ---------------------------------------------------------------------------------------
// Databases

export interface TestDatabase {
  name: string;
  url: string;
  /** A new connected client to this database (the caller ends it). */
  connect(options?: { applicationName?: string }): Promise<PgClient>;
  query<R = any>(sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * A fresh database on the server DATABASE_URL names, for tests that need one of their own:
 * processes whose migrations run in `public`, or backends terminated by database name.
 */
export async function createDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is set by the global setup');
  const name = `clavis_t_${randomBytes(5).toString('hex')}`;
  const admin = new PgClient({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(base, name);
  const connect = async (options: { applicationName?: string } = {}) => {
    const client = new PgClient({ connectionString: url, application_name: options.applicationName ?? 'clavis-test' });
    client.on('error', () => undefined); // a test may terminate it on purpose
    await client.connect();
    return client;
  };
  return {
    name,
    url,
    connect,
    async query(sql, params) {
      const client = await connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
    async drop() {
      const cleanup = new PgClient({ connectionString: base });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Polls `check` until it returns a truthy value, failing after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(25);
  }
}
