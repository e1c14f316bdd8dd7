import { ConfigError } from './config';
import { EmbeddedDatabaseError } from './db/embedded';

/**
 * Start-up failures as one line a newcomer can act on: which setting, what went wrong, what
 * to do. Whatever is not recognised keeps its own message, still on one line.
 */
export interface StartupContext {
  port: number;
  /** Set when the database is the one DATABASE_URL names (not the embedded one). */
  databaseUrl?: string;
  connectTimeoutMs: number;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET']);

function codeOf(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; errors?: { code?: unknown }[] } | null;
  const code = candidate?.code ?? candidate?.errors?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `host:port` and database of a postgres URL, never its password. */
export function describeDatabaseUrl(url: string): { host: string; port: string; server: string; database: string; user: string } {
  const parsed = new URL(url);
  const host = parsed.hostname || 'localhost';
  const port = parsed.port || '5432';
  return {
    host,
    port,
    server: `${host}:${port}`,
    database: decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || 'postgres',
    user: decodeURIComponent(parsed.username) || 'the current user',
  };
}

export function describeStartupError(error: unknown, context: StartupContext): string {
  if (error instanceof ConfigError || error instanceof EmbeddedDatabaseError) return error.message;
  const message = oneLine(error instanceof Error ? error.message : String(error));
  const code = codeOf(error);
  const syscall = (error as { syscall?: string } | null)?.syscall;
  if (syscall === 'listen' && code === 'EADDRINUSE') {
    return `PORT ${context.port} is already in use by another process: stop that process, or set PORT to a free port (PORT=0 picks any)`;
  }
  if (syscall === 'listen' && code === 'EACCES') {
    return `PORT ${context.port} needs privileges this process does not have: set PORT to 1024 or above`;
  }
  if (!context.databaseUrl) return `failed to start: ${message}`;
  const { host, port, server, database, user } = describeDatabaseUrl(context.databaseUrl);
  if (code && UNREACHABLE.has(code)) {
    return `DATABASE_URL: cannot reach PostgreSQL at ${server} (${code}): start PostgreSQL there, or point DATABASE_URL at a running server`;
  }
  // node-postgres reports a connect timeout as the connection being terminated.
  if (/connection terminated|timeout/i.test(message)) {
    return (
      `DATABASE_URL: PostgreSQL at ${server} closed the connection or did not answer within DB_CONNECT_TIMEOUT_MS (${context.connectTimeoutMs} ms): ` +
      'check that it runs and is reachable, or raise DB_CONNECT_TIMEOUT_MS'
    );
  }
  if (code === '3D000') {
    return (
      `DATABASE_URL: database "${database}" does not exist on ${server}: ` +
      `create it (createdb -h ${host} -p ${port} ${database}), or name an existing database`
    );
  }
  if (code === '28P01' || code === '28000') {
    return `DATABASE_URL: PostgreSQL at ${server} refused user "${user}" (${message}): correct the user and password in DATABASE_URL`;
  }
  return `failed to start: ${message}${code ? ` (${code})` : ''}; check DATABASE_URL (PostgreSQL at ${server}, database "${database}")`;
}
