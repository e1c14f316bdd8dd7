import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import type { Caller } from '../auth/scopes';
import type { Metrics } from './metrics';

export interface OperationRecord {
  requestId: string;
  /** The operation name the request gave, if any. */
  operation: string | null | undefined;
  /** `ok`, or the first error code. */
  outcome: string;
  seconds: number;
  caller: Caller | null;
}

/**
 * One structured log line and one metrics sample per request to /graphql: request id,
 * operation, outcome, duration and caller. Neither variable values nor the query text are
 * logged: either can hold a secret (a client secret, a provider secret, a password, as a
 * variable of any name or as a literal), and redacting by name misses them.
 */
export function recordOperation(logger: Logger, metrics: Metrics, record: OperationRecord): void {
  const operation = record.operation ?? 'anonymous';
  const labels = { operation: metrics.operationLabel(operation, record.caller !== null), outcome: record.outcome };
  metrics.requests.inc(labels);
  metrics.latency.observe(labels, record.seconds);
  if (record.outcome === 'RATE_LIMITED') metrics.rateLimitRejections.inc();
  logger.info(
    {
      requestId: record.requestId,
      operation,
      outcome: record.outcome,
      durationMs: Math.round(record.seconds * 1e6) / 1e3,
      caller: record.caller ? { sub: record.caller.subject, org: record.caller.organizationId } : null,
    },
    'graphql operation',
  );
}

/** What the plugin reads of a request context: its id and its verified caller. */
export type RequestIdentity<TContext> = (context: TContext) => { requestId: string; caller: Caller | null };

/** Records every operation Apollo runs (requests refused before that are recorded by the server). */
export function requestObservabilityPlugin<TContext extends object>(
  logger: Logger,
  metrics: Metrics,
  identify: RequestIdentity<TContext>,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      const { requestId, caller } = identify(contextValue);
      return {
        async willSendResponse({ response, operationName, errors }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          // The formatted errors carry the code the caller received (SERVICE_UNAVAILABLE, …).
          const allErrors = body?.errors ?? errors ?? [];
          const firstCode = allErrors[0]?.extensions?.code;
          recordOperation(logger, metrics, {
            requestId,
            operation: operationName,
            outcome: allErrors.length === 0 ? 'ok' : typeof firstCode === 'string' ? firstCode : 'INTERNAL_SERVER_ERROR',
            seconds: Number(process.hrtime.bigint() - started) / 1e9,
            caller,
          });
        },
      };
    },
  };
}
