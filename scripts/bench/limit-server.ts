/**
 * The "limit" of the benchmark: what a hand-written server costs for scenarios (a) and (b).
 * node:http + one pg.Pool, named (prepared) statements, JSON built by hand in the exact field
 * order of the GraphQL selection, so that its bodies are byte-identical to Clavis's for the
 * same request (the benchmark checks that before it measures). It does the work a real server
 * cannot skip: it verifies the HS256 bearer token, reads the organization and scopes from it
 * and scopes every statement by organization. It does not parse GraphQL: it recognises the
 * two operation texts of operations.ts and answers 400 to anything else.
 *
 * Environment: DATABASE_URL, PORT, AUTH_JWT_SECRET, DB_POOL_MAX (default 10).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { Pool } from 'pg';
import { APPLICATION_QUERY, PAGE_QUERY } from './operations';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
const CREDENTIAL_TYPE_NAMES: Record<string, string> = {
  TOKEN: 'TokenCredential',
  PASSWORD: 'PasswordCredential',
  PUBLIC_KEY: 'PublicKeyCredential',
  URL: 'UrlCredential',
  PUBLIC: 'PublicCredential',
};
// Millisecond ISO-8601 in UTC, as Date.prototype.toISOString (and so Clavis's DateTime) prints it.
const iso = (column: string, as = column) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${as}`;

const SQL = {
  application: {
    name: 'limit_application',
    text: `SELECT id, organization_id, zone_id, identifier, slug, name, description, owner_type, metadata, protocols, dependencies, version,
                  ${iso('created_at')}, ${iso('updated_at')}
             FROM applications WHERE organization_id = $1 AND id = $2`,
  },
  page: {
    name: 'limit_page',
    text: `SELECT id, identifier, slug, name, owner_type, version, ${iso('created_at')}
             FROM applications WHERE organization_id = $1 ORDER BY created_at, id LIMIT $2`,
  },
  count: { name: 'limit_count', text: `SELECT count(*)::int AS n FROM applications WHERE organization_id = $1` },
  clients: {
    name: 'limit_clients',
    text: `SELECT c.application_id, c.id, c.client_id, c.name, c.client_type, c.visibility, c.grant_types, c.redirect_uris,
                  c.token_endpoint_auth_method, c.require_pkce, ${iso('c.created_at', 'created_at')}
             FROM unnest($2::text[]) WITH ORDINALITY AS parent(id, n)
             CROSS JOIN LATERAL (
               SELECT * FROM clients WHERE organization_id = $1 AND application_id = parent.id ORDER BY created_at, id LIMIT ${DEFAULT_PAGE}
             ) c
            ORDER BY parent.n, c.created_at, c.id`,
  },
  credentials: {
    name: 'limit_credentials',
    // Materialized: otherwise the planner re-hashes the providers once per application.
    text: `WITH c AS MATERIALIZED (
             SELECT parent.n, c.*
               FROM unnest($2::text[]) WITH ORDINALITY AS parent(id, n)
              CROSS JOIN LATERAL (
                SELECT * FROM credentials WHERE organization_id = $1 AND application_id = parent.id ORDER BY created_at, id LIMIT ${DEFAULT_PAGE}
              ) c
           )
           SELECT c.application_id, c.id, c.type, c.identifier, c.slug, ${iso('c.created_at', 'created_at')}, c.subject, c.url, c.jwks_uri,
                  p.id AS provider_id, p.identifier AS provider_identifier, p.name AS provider_name, p.type AS provider_type
             FROM c LEFT JOIN providers p ON p.id = c.provider_id AND p.organization_id = $1
            ORDER BY c.n, c.created_at, c.id`,
  },
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Caller {
  org: string;
  scopes: Set<string>;
}

/** HS256 JWT verification with node:crypto: signature, expiry, `sub`/`org` claims. */
function verifyBearer(header: string | undefined, key: Buffer): Caller {
  const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
  const [head, payload, signature] = token.split('.');
  if (!head || !payload || !signature) throw new HttpError(401, 'missing bearer token');
  const expected = createHmac('sha256', key).update(`${head}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HttpError(401, 'bad signature');
  if (JSON.parse(Buffer.from(head, 'base64url').toString()).alg !== 'HS256') throw new HttpError(401, 'bad algorithm');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: string; org?: string; scope?: string; exp?: number };
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) throw new HttpError(401, 'expired');
  if (!claims.sub || !claims.org) throw new HttpError(401, 'claims missing');
  return { org: claims.org, scopes: new Set((claims.scope ?? '').split(' ')) };
}

function requireScopes(caller: Caller, ...scopes: string[]): void {
  for (const scope of scopes) if (!caller.scopes.has(scope)) throw new HttpError(403, `scope ${scope} missing`);
}

type Row = Record<string, any>;

async function application(pool: Pool, caller: Caller, id: unknown): Promise<string> {
  requireScopes(caller, 'applications:read');
  if (typeof id !== 'string') throw new HttpError(400, 'id must be a string');
  const { rows } = await pool.query({ ...SQL.application, values: [caller.org, id] });
  const row: Row | undefined = rows[0];
  const app = row
    ? {
        id: row.id,
        organizationId: row.organization_id,
        zoneId: row.zone_id,
        identifier: row.identifier,
        slug: row.slug,
        name: row.name,
        description: row.description,
        ownerType: row.owner_type,
        metadata: row.metadata ? { docsUrl: row.metadata.docsUrl ?? null } : null,
        protocols: row.protocols
          ? {
              oauth2: row.protocols.oauth2
                ? { redirectUris: row.protocols.oauth2.redirectUris, postLogoutRedirectUris: row.protocols.oauth2.postLogoutRedirectUris }
                : null,
            }
          : null,
        dependencies: row.dependencies,
        dependenciesCount: row.dependencies.length,
        version: row.version,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }
    : null;
  return `${JSON.stringify({ data: { application: app } })}\n`;
}

function cursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function credentialNode(row: Row): Record<string, unknown> {
  const typename = CREDENTIAL_TYPE_NAMES[row.type];
  const node: Record<string, unknown> = {
    __typename: typename,
    id: row.id,
    type: row.type,
    identifier: row.identifier,
    slug: row.slug,
    createdAt: row.created_at,
  };
  if (row.type === 'TOKEN') {
    node.subject = row.subject;
    node.provider = { id: row.provider_id, identifier: row.provider_identifier, name: row.provider_name, type: row.provider_type };
  } else if (row.type === 'URL') {
    node.url = row.url;
  } else if (row.type === 'PUBLIC_KEY') {
    node.jwksUri = row.jwks_uri;
  }
  return node;
}

async function page(pool: Pool, caller: Caller, first: unknown): Promise<string> {
  requireScopes(caller, 'applications:read', 'credentials:read', 'providers:read');
  const limit = first == null ? DEFAULT_PAGE : Number(first);
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE) throw new HttpError(400, 'bad first');
  const [apps, count] = await Promise.all([pool.query({ ...SQL.page, values: [caller.org, limit + 1] }), pool.query({ ...SQL.count, values: [caller.org] })]);
  const rows = apps.rows.slice(0, limit);
  const ids = rows.map((row) => row.id as string);
  const [clients, credentials] = await Promise.all([
    pool.query({ ...SQL.clients, values: [caller.org, ids] }),
    pool.query({ ...SQL.credentials, values: [caller.org, ids] }),
  ]);
  const clientsOf = new Map<string, unknown[]>();
  for (const c of clients.rows) {
    const node = {
      id: c.id,
      clientId: c.client_id,
      name: c.name,
      clientType: c.client_type,
      visibility: c.visibility,
      grantTypes: c.grant_types,
      redirectUris: c.redirect_uris,
      tokenEndpointAuthMethod: c.token_endpoint_auth_method,
      requirePkce: c.require_pkce,
      createdAt: c.created_at,
    };
    const list = clientsOf.get(c.application_id);
    if (list) list.push({ node });
    else clientsOf.set(c.application_id, [{ node }]);
  }
  const credentialsOf = new Map<string, unknown[]>();
  for (const c of credentials.rows) {
    const list = credentialsOf.get(c.application_id);
    if (list) list.push({ node: credentialNode(c) });
    else credentialsOf.set(c.application_id, [{ node: credentialNode(c) }]);
  }
  const last = rows[rows.length - 1];
  const result = {
    data: {
      applications: {
        totalCount: count.rows[0].n,
        pageInfo: { hasNextPage: apps.rows.length > limit, endCursor: last ? cursor(last.created_at, last.id) : null },
        edges: rows.map((row) => ({
          node: {
            id: row.id,
            identifier: row.identifier,
            slug: row.slug,
            name: row.name,
            ownerType: row.owner_type,
            version: row.version,
            createdAt: row.created_at,
            clients: { edges: clientsOf.get(row.id) ?? [] },
            credentials: { edges: credentialsOf.get(row.id) ?? [] },
          },
        })),
      },
    },
  };
  return `${JSON.stringify(result)}\n`;
}

function main(): void {
  const key = Buffer.from(process.env.AUTH_JWT_SECRET ?? '', 'utf8');
  if (key.length < 32 || !process.env.DATABASE_URL) throw new Error('limit-server: AUTH_JWT_SECRET and DATABASE_URL are required');
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_MAX ?? 10), application_name: 'clavis-bench-limit' });
  pool.on('error', () => undefined);

  const server = http.createServer((req, res) => {
    const reply = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method === 'GET' && req.url === '/readyz') {
      pool.query('SELECT 1').then(
        () => reply(200, '{"status":"ready"}'),
        () => reply(503, '{"status":"unavailable"}'),
      );
      return;
    }
    if (req.method !== 'POST' || req.url !== '/graphql') return reply(404, '{"error":"not found"}');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      (async () => {
        const caller = verifyBearer(req.headers.authorization, key);
        const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query?: string; variables?: Record<string, unknown> };
        if (request.query === APPLICATION_QUERY) return application(pool, caller, request.variables?.id);
        if (request.query === PAGE_QUERY) return page(pool, caller, request.variables?.first);
        throw new HttpError(400, 'unknown operation');
      })().then(
        (text) => reply(200, text),
        (error: unknown) => {
          const status = error instanceof HttpError ? error.status : 500;
          reply(status, JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : String(error) }] }));
        },
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT ?? 4100), '127.0.0.1', () => {
    process.stdout.write(`limit-server: listening on 127.0.0.1:${process.env.PORT}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void pool.end().finally(() => process.exit(0));
  });
}

main();
