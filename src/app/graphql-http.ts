import type http from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';

/**
 * The hot path of `/graphql` on `node:http`, through Apollo's own HTTP integration API
 * (`executeHTTPGraphQLRequest`), without Express's router, `res.send` and body-parser per request.
 *
 * It takes only the plain case — `POST /graphql`, `application/json` in UTF-8, no content
 * encoding, a declared length within the body limit — and answers exactly as the Express route
 * does (same status, headers and body). Everything else (GET, other media types, gzip, chunked or
 * oversize bodies, empty bodies) goes to Express, which keeps answering those as it always has.
 */

export interface GraphQLRoute<TContext extends object> {
  apollo: ApolloServer<TContext>;
  maxBodyBytes: number;
  /** The request id: the caller's `x-request-id` when well formed (set on the response first). */
  requestIdOf: (req: http.IncomingMessage) => string;
  context: (req: http.IncomingMessage, requestId: string, startedAt: bigint, operationName: unknown) => Promise<TContext>;
  /** A request refused before Apollo saw it (body not valid JSON). */
  refused: (requestId: string, startedAt: bigint, operationName: unknown, outcome: string) => void;
}

/** Answers `req` if it is a plain JSON POST to `/graphql` and returns true; otherwise leaves it alone and returns false. */
export function graphQLFastPath<TContext extends object>(route: GraphQLRoute<TContext>) {
  return (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    if (req.method !== 'POST' || req.url !== '/graphql' || !isPlainJson(req)) return false;
    const length = Number(req.headers['content-length']);
    if (!Number.isSafeInteger(length) || length <= 0 || length > route.maxBodyBytes) return false;
    const startedAt = process.hrtime.bigint();
    const requestId = route.requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      let body: unknown;
      try {
        body = parseStrictJson(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'));
      } catch {
        route.refused(requestId, startedAt, undefined, 'BAD_REQUEST');
        send(res, 400, JSON_HEADERS, INVALID_JSON_BODY);
        return;
      }
      execute(route, req, res, body, requestId, startedAt).catch(() => {
        if (!res.headersSent) send(res, 500, JSON_HEADERS, INTERNAL_ERROR_BODY);
        else res.destroy();
      });
    });
    return true;
  };
}

async function execute<TContext extends object>(
  route: GraphQLRoute<TContext>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: unknown,
  requestId: string,
  startedAt: bigint,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const response = await route.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: 'POST', headers, search: '', body },
    context: () => route.context(req, requestId, startedAt, (body as { operationName?: unknown } | null)?.operationName),
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.setHeader('content-length', Buffer.byteLength(response.body.string));
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** `application/json` with no charset or UTF-8, and no content encoding: what body-parser would read as is. */
function isPlainJson(req: http.IncomingMessage): boolean {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const type = req.headers['content-type'];
  if (type === undefined) return false;
  const [media, ...parameters] = type.split(';');
  if (media.trim().toLowerCase() !== 'application/json') return false;
  return parameters.every((parameter) => {
    const [name, value] = parameter.split('=');
    return name.trim().toLowerCase() !== 'charset' || value?.trim().replace(/^"|"$/g, '').toLowerCase() === 'utf-8';
  });
}

/** body-parser's strict JSON: an object or an array, a leading byte-order mark dropped (as its UTF-8 decoder does). */
function parseStrictJson(text: string): unknown {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = /^[ \t\n\r]*(.)/.exec(json)?.[1];
  if (first !== '{' && first !== '[') throw new SyntaxError('not a JSON object or array');
  return JSON.parse(json) as unknown;
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.statusCode = status;
  for (const [key, value] of Object.entries(headers)) res.setHeader(key, value);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/** The body of a 400 for a body that is not JSON: the same bytes Express's error handler sends. */
export const INVALID_JSON_BODY = JSON.stringify({ errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
const INTERNAL_ERROR_BODY = JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
