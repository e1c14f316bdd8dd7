import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import type { RequestContext } from '../context';
import type { Metrics } from './metrics';
import { redactSecrets } from './redact';

/**
 * One structured log line and one metrics sample per GraphQL operation: request id,
 * operation, outcome, duration and caller — never a secret (variables are redacted).
 */
export function requestObservabilityPlugin(logger: Logger, metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ request, contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, operationName, errors }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const allErrors = errors ?? body?.errors ?? [];
          const firstCode = allErrors[0]?.extensions?.code;
          const outcome = allErrors.length === 0 ? 'ok' : String(firstCode ?? 'INTERNAL_SERVER_ERROR');
          const operation = operationName ?? 'anonymous';
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.requests.inc({ operation, outcome });
          metrics.latency.observe({ operation, outcome }, seconds);
          if (outcome === 'RATE_LIMITED') metrics.rateLimitRejections.inc();
          logger.info(
            {
              requestId: contextValue.requestId,
              operation,
              outcome,
              durationMs: Math.round(seconds * 1e6) / 1e3,
              caller: contextValue.caller ? { sub: contextValue.caller.subject, org: contextValue.caller.organizationId } : null,
              variables: redactSecrets(request.variables),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
