import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { TokenVerifier } from '../auth/tokens';
import { pingDatabase, poolOf } from '../db/data-source';
import { DEFAULT_EXPLORER, type ExplorerSettings, localExplorer } from '../explorer/explorer';
import { type RequestContext, createRequestContext } from '../graphql/context';
import { compiledExecutionGateway } from '../graphql/compiled-executor';
import { createErrorFormatter } from '../graphql/error-formatter';
import { DEFAULT_QUERY_LIMITS, type QueryLimits, queryLimitProtection } from '../limits/query-limits';
import { Admission, type AdmissionSettings, DEFAULT_ADMISSION } from '../limits/admission';
import { inputCheckPlugin } from '../limits/input-check';
import { mutationRateLimitPlugin } from '../limits/rate-limits';
import { createLogger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { recordOperation, requestObservabilityPlugin } from '../observability/request-plugin';
import { registrationRouter } from '../registration/registration.http';
import { INVALID_JSON_BODY, graphQLFastPath as createGraphQLFastPath } from './graphql-http';
import type { Services } from './services';

export interface ServerOptions {
  schema: GraphQLSchema;
  services: Services;
  verifyToken: TokenVerifier;
  isProduction: boolean;
  /** Defaults to !isProduction. */
  introspection?: boolean;
  queryLimits?: QueryLimits;
  /** Bounds on the GraphQL work in flight (default DEFAULT_ADMISSION). */
  admission?: AdmissionSettings;
  /** Larger request bodies get 413; default 100 kB. */
  maxBodyBytes?: number;
  /** How long a shutdown waits for in-flight requests, drain included; default 10 s. */
  shutdownGraceMs?: number;
  /**
   * How long a shutdown keeps serving, with /readyz at 503, before it closes the listener:
   * a load balancer polling /readyz stops sending first, so no connection is refused. Default 0.
   */
  shutdownDrainMs?: number;
  /** Development only: the explorer opens authorised with this token. */
  developmentToken?: string;
  /** Development only: which explorer a browser gets at `/graphql` (default: the local GraphiQL, no telemetry). */
  explorer?: ExplorerSettings;
  logger?: Logger;
  metrics?: Metrics;
}

export interface ClavisServer {
  app: express.Express;
  httpServer: http.Server;
  apollo: ApolloServer<RequestContext>;
  metrics: Metrics;
  admission: Admission;
  /** Builds the context of an operation run in-process (tests: `apollo.executeOperation`). */
  contextFor: (authorization?: string) => Promise<RequestContext>;
  /**
   * Graceful stop: /readyz turns 503 while requests are still served for the drain period,
   * then new connections are refused, in-flight requests finish (up to the rest of the grace
   * period), and Apollo stops.
   */
  shutdown: () => Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 100 * 1024;
const READINESS_TIMEOUT_MS = 1000;

/** Express 5 + Apollo Server 5: `/graphql`, `/healthz`, `/readyz`, `/metrics`, `/oauth/register` (RFC 7591/7592). */
export async function createServer(options: ServerOptions): Promise<ClavisServer> {
  const app = express();
  app.disable('x-powered-by');
  // Express would SHA-1 every response body for an ETag; GraphQL POST responses never use one.
  app.set('etag', false);
  // Its request listener is set once Apollo has started (below).
  const httpServer = http.createServer();
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const metrics = options.metrics ?? new Metrics(poolOf(options.services.dataSource));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let stopping = false;
  const graceMs = options.shutdownGraceMs ?? 10_000;
  const drainMs = Math.min(options.shutdownDrainMs ?? 0, graceMs);

  // Production serves no explorer at all. Development serves the local GraphiQL at /explorer, and at
  // /graphql too unless Apollo Sandbox (hosted by Apollo, needs internet) was chosen there.
  const explorerSettings = options.explorer ?? DEFAULT_EXPLORER;
  const explorer = options.isProduction ? undefined : localExplorer({ endpoint: '/graphql', developmentToken: options.developmentToken });
  const landingPage =
    options.isProduction || explorerSettings.kind === 'graphiql'
      ? ApolloServerPluginLandingPageDisabled()
      : ApolloServerPluginLandingPageLocalDefault({
          footer: false,
          embed: {
            runTelemetry: explorerSettings.telemetry,
            initialState: options.developmentToken ? { sharedHeaders: { Authorization: `Bearer ${options.developmentToken}` } } : {},
          },
        });
  const queryLimits = options.queryLimits ?? { ...DEFAULT_QUERY_LIMITS, hideSuggestions: options.isProduction };
  const admission = new Admission(options.admission ?? DEFAULT_ADMISSION, (admissionClass) => metrics.admissionRejections.inc({ class: admissionClass }));
  metrics.trackAdmission((admissionClass) => admission.state(admissionClass));
  const limits = queryLimitProtection(options.schema, queryLimits, admission);

  const apollo = new ApolloServer<RequestContext>({
    // Queries run compiled (graphql-jit) behind Apollo's executor seam; see compiled-executor.ts.
    gateway: compiledExecutionGateway(options.schema),
    introspection: options.introspection ?? !options.isProduction,
    includeStacktraceInErrorResponses: !options.isProduction,
    formatError: createErrorFormatter({
      isProduction: options.isProduction,
      hideSuggestions: queryLimits.hideSuggestions,
      log: (error) => logger.error({ err: errorSummary(error) }, 'unexpected error'),
      warn: (error) => logger.warn({ err: errorSummary(error) }, 'database unavailable'),
    }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: graceMs - drainMs }),
      // Inline traces only serve GraphOS usage reporting through a gateway, and cache hints
      // only serve HTTP caching, which responses scoped to a caller never use; both cost
      // every field of every request.
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      landingPage,
      ...limits.plugins,
      inputCheckPlugin(options.schema),
      mutationRateLimitPlugin<RequestContext>(options.services.rateLimits, (context) => context.caller),
      requestObservabilityPlugin<RequestContext>(logger, metrics, (context) => context),
    ],
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    allowBatchedHttpRequests: false,
    // main.ts owns SIGTERM/SIGINT. Apollo's own handler would call stop() concurrently with
    // ours, and a second concurrent stop() never resolves (Apollo leaves its barrier
    // unresolved on success), so the shutdown hung until the pool's idle clients timed out.
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  const contextFor = async (authorization?: string, requestId: string = randomUUID()) =>
    createRequestContext(options.services.dataSource, await options.verifyToken(authorization), requestId);

  const graphQLContext = async (req: http.IncomingMessage, requestId: string, startedAt: bigint, operationName: unknown) => {
    try {
      return await contextFor(req.headers.authorization, requestId);
    } catch (error) {
      // A token that does not verify fails the request before any plugin sees it: record it
      // here, or forged tokens would leave no trace in the logs and metrics.
      recordRefused(
        requestId,
        startedAt,
        operationName,
        error instanceof GraphQLError && typeof error.extensions.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR',
      );
      throw error;
    }
  };
  // Plain JSON POSTs to /graphql are answered on node:http (graphql-http.ts); everything else goes through Express.
  const graphQLFastPath = createGraphQLFastPath({ apollo, maxBodyBytes, requestIdOf, context: graphQLContext, refused: recordRefused });
  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!graphQLFastPath(req, res)) app(req, res);
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (stopping) {
      res.status(503).json({ status: 'stopping' });
      return;
    }
    try {
      await withTimeout(pingDatabase(options.services.dataSource), READINESS_TIMEOUT_MS);
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(registrationRouter(options.services.registration, logger));
  if (explorer) {
    app.use(explorer.router);
    if (explorerSettings.kind === 'graphiql') {
      // What Apollo's landing page would answer: a browser's GET (HTML preferred over every GraphQL response type).
      app.get('/graphql', (req, res, next) => {
        const wanted = req.accepts(['application/json', 'application/graphql-response+json', 'multipart/mixed', 'text/html']);
        if (wanted === 'text/html') explorer.page(req, res, next);
        else next();
      });
    }
  }
  app.use(
    '/graphql',
    (req, res, next) => {
      const requestId = requestIdOf(req);
      res.locals.requestId = requestId;
      res.locals.startedAt = process.hrtime.bigint();
      res.setHeader('x-request-id', requestId);
      next();
    },
    express.json({ limit: maxBodyBytes }),
    expressMiddleware(apollo, {
      context: ({ req, res }) => graphQLContext(req, res.locals.requestId as string, res.locals.startedAt as bigint, operationNameOf(req)),
    }),
  );
  function recordRefused(requestId: string, startedAt: bigint, operationName: unknown, outcome: string): void {
    recordOperation(logger, metrics, {
      requestId,
      operation: typeof operationName === 'string' ? operationName : undefined,
      outcome,
      seconds: Number(process.hrtime.bigint() - startedAt) / 1e9,
      caller: null,
    });
  }
  // Body-parser failures (too large, malformed JSON) answer in GraphQL's error shape.
  app.use((error: { status?: number }, req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (!error?.status || error.status >= 500) return next(error);
    const tooLarge = error.status === 413;
    if (typeof res.locals.requestId === 'string') {
      recordRefused(res.locals.requestId, res.locals.startedAt as bigint, operationNameOf(req), tooLarge ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST');
    }
    res.status(error.status).type('application/json');
    if (!tooLarge) {
      res.send(INVALID_JSON_BODY);
      return;
    }
    res.json({ errors: [{ message: `The request body exceeds ${maxBodyBytes} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  return {
    app,
    httpServer,
    apollo,
    metrics,
    admission,
    contextFor,
    shutdown: async () => {
      stopping = true;
      if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
      await apollo.stop(); // the drain plugin closes the listener and waits for in-flight requests
    },
  };
}

/** A caller-supplied id (e.g. from a gateway) is kept so logs join up across services. */
function requestIdOf(req: http.IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/** The operation name of a request Express parsed (query string or body), for the record of a refusal. */
function operationNameOf(req: http.IncomingMessage): unknown {
  const params = ((req as express.Request).method === 'GET' ? (req as express.Request).query : (req as express.Request).body) as
    { operationName?: unknown } | undefined;
  return params?.operationName;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What is logged of an unexpected error: never the SQL parameters a driver error carries. */
function errorSummary(error: unknown): { type: string; message: string; code?: string; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const code = (error as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;
  return { type: error.name, message: error.message, code, stack: error.stack };
}
