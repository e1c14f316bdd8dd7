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

export interface ServerOptions {
  schema: GraphQLSchema;
  services: Services;
  verifyToken: TokenVerifier;
  isProduction: boolean;
  /** Defaults to !isProduction. */
  introspection?: boolean;
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

  const apollo = new ApolloServer<RequestContext>({
    schema: options.schema,
    introspection: options.introspection ?? !options.isProduction,
    includeStacktraceInErrorResponses: !options.isProduction,
    formatError: createErrorFormatter({ isProduction: options.isProduction, log }),
    // Inline traces only serve GraphOS usage reporting through a gateway; they cost every request.
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginInlineTraceDisabled(), landingPage],
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
    express.json({ limit: '100kb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => contextFor(req.headers.authorization, String(req.headers['x-request-id'] ?? '') || randomUUID()),
    }),
  );
  return { app, httpServer, apollo, contextFor };
}
