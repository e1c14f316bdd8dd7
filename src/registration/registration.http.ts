import express from 'express';
import type { Logger } from 'pino';
import { RegistrationError } from './registration.metadata';
import type { RegistrationResponse, RegistrationService } from './registration.service';

/** Largest registration request accepted; metadata documents are small. */
const MAX_BODY = '16kb';

/**
 * RFC 7591 `POST /oauth/register` and RFC 7592 `GET`/`PUT`/`DELETE /oauth/register/{client_id}`.
 * Every answer is `Cache-Control: no-store` (it carries or concerns credentials).
 */
export function registrationRouter(service: RegistrationService, logger: Logger): express.Router {
  const router = express.Router();
  router.use('/oauth/register', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    next();
  });
  const json = express.json({ limit: MAX_BODY, type: () => true });
  const base = (req: express.Request) => `${req.protocol}://${req.get('host')}/oauth/register`;
  const clientUriOf = (req: express.Request) => (clientId: string) => `${base(req)}/${encodeURIComponent(clientId)}`;
  const handle = (work: (req: express.Request) => Promise<RegistrationResponse>) => async (req: express.Request, res: express.Response) => {
    try {
      const answer = await work(req);
      if (answer.body) res.status(answer.status).json(answer.body);
      else res.status(answer.status).end();
    } catch (error) {
      if (!(error instanceof RegistrationError)) {
        logger.error({ err: { type: (error as Error)?.name, message: (error as Error)?.message } }, 'registration failed');
        res.status(500).json({ error: 'server_error', error_description: 'The registration could not be completed.' });
        return;
      }
      if (error.status === 401) res.setHeader('WWW-Authenticate', `Bearer error="invalid_token"`);
      if (error.retryAfterSeconds) res.setHeader('Retry-After', String(error.retryAfterSeconds));
      res.status(error.status).json({ error: error.error, error_description: error.description });
    }
  };
  router.post(
    '/oauth/register',
    json,
    handle((req) => service.register(req.headers.authorization, req.body, clientUriOf(req), requestIdOf(req))),
  );
  router.get(
    '/oauth/register/:clientId',
    handle((req) => service.read(String(req.params.clientId), req.headers.authorization, clientUriOf(req))),
  );
  router.put(
    '/oauth/register/:clientId',
    json,
    handle((req) => service.update(String(req.params.clientId), req.headers.authorization, req.body, clientUriOf(req), requestIdOf(req))),
  );
  router.delete(
    '/oauth/register/:clientId',
    handle((req) => service.remove(String(req.params.clientId), req.headers.authorization, requestIdOf(req))),
  );
  // A malformed body is invalid metadata (RFC 7591 §3.2.2), not a GraphQL-shaped error.
  router.use('/oauth/register', (error: { status?: number }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (!error?.status || error.status >= 500) return next(error);
    res
      .status(error.status)
      .json({ error: 'invalid_client_metadata', error_description: error.status === 413 ? `the body exceeds ${MAX_BODY}` : 'the body is not valid JSON' });
  });
  return router;
}

/** The request id audit events carry, when a caller (e.g. a gateway) sent a usable one. */
function requestIdOf(req: express.Request): string | undefined {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : undefined;
}
