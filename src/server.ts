import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import http from 'node:http';
import type { TokenVerifier } from './auth/tokens';
import { createErrorFormatter } from './common/errors';
import { type RequestContext, type Services, createRequestContext } from './context';
import { DEFAULT_QUERY_LIMITS, type QueryLimits, queryLimitProtection } from './limits/query-limits';
import { mutationRateLimitPlugin } from './limits/rate-limits';

export interface ServerOptions {
  schema: GraphQLSchema;
  services: Services;
  verifyToken: TokenVerifier;
  isProduction: boolean;
  /** Defaults to !isProduction. */
  introspection?: boolean;
  queryLimits?: QueryLimits;
  /** Larger request bodies get 413; default 100 kB. */
  maxBodyBytes?: number;
  /** Development only: the Sandbox landing page opens authorised with this token. */
  developmentToken?: string;
  log?: (error: unknown) => void;
}

export interface ClavisServer {
  app: express.Express;
  httpServer: http.Server;
  apollo: ApolloServer<RequestContext>;
  /** Builds the context of an operation run in-process (tests: `apollo.executeOperation`). */
  contextFor: (authorization?: string) => Promise<RequestContext>;
}

/** Express 5 + Apollo Server 5: `/graphql`, `/healthz`, `/readyz`. Call `apollo.start()` first via `startServer`. */
export async function createServer(options: ServerOptions): Promise<ClavisServer> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const log = options.log ?? ((error) => console.error(error));

  const landingPage = options.isProduction
    ? ApolloServerPluginLandingPageDisabled()
    : ApolloServerPluginLandingPageLocalDefault({
        footer: false,
        embed: options.developmentToken ? { initialState: { sharedHeaders: { Authorization: `Bearer ${options.developmentToken}` } } } : true,
      });

  const limits = queryLimitProtection(options.schema, options.queryLimits ?? { ...DEFAULT_QUERY_LIMITS, hideSuggestions: options.isProduction });
  const apollo = new ApolloServer<RequestContext>({
    schema: options.schema,
    introspection: options.introspection ?? !options.isProduction,
    includeStacktraceInErrorResponses: !options.isProduction,
    formatError: createErrorFormatter({ isProduction: options.isProduction, log }),
    // Inline traces only serve GraphOS usage reporting through a gateway; they cost every request.
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginInlineTraceDisabled(), landingPage, ...limits.plugins, mutationRateLimitPlugin()],
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    allowBatchedHttpRequests: false,
  });
  await apollo.start();

  const contextFor = async (authorization?: string, requestId: string = randomUUID()) =>
    createRequestContext(options.services, await options.verifyToken(authorization), requestId);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await options.services.dataSource.query('SELECT 1');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });
  app.use(
    '/graphql',
    express.json({ limit: options.maxBodyBytes ?? 100 * 1024 }),
    expressMiddleware(apollo, {
      context: async ({ req }) => contextFor(req.headers.authorization, String(req.headers['x-request-id'] ?? '') || randomUUID()),
    }),
  );
  // Body-parser failures (too large, malformed JSON) answer in GraphQL's error shape.
  app.use((error: { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (!error?.status || error.status >= 500) return next(error);
    const code = error.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
    const message = error.status === 413 ? `The request body exceeds ${options.maxBodyBytes ?? 100 * 1024} bytes.` : 'The request body is not valid JSON.';
    res.status(error.status).json({ errors: [{ message, extensions: { code } }] });
  });
  return { app, httpServer, apollo, contextFor };
}
