import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isDatabaseUnavailable, isStatementTimeout } from '../db/failures';

const PUBLIC_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'RATE_LIMITED',
  'OVERLOADED',
  'CLIENT_METADATA_INVALID',
  'CLIENT_METADATA_UNREACHABLE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * graphql-js ends a message with its suggestions, which name parts of the schema: " Did you
 * mean "x"?", "… the enum value "X"?", "… to use an inline fragment on "T"?" — from
 * validation (literals) and from variable coercion alike.
 */
const SUGGESTION = /\s*Did you mean [\s\S]*$/;

/**
 * Apollo `formatError`: anything that is not one of our public codes becomes a bare
 * INTERNAL_SERVER_ERROR in production, so no stack trace, SQL or secret reaches a caller.
 * With `hideSuggestions`, every error loses its "Did you mean …?" (the one place every
 * error passes, whichever phase raised it).
 */
export function createErrorFormatter(options: {
  isProduction: boolean;
  hideSuggestions?: boolean;
  log: (error: unknown) => void;
  warn?: (error: unknown) => void;
}) {
  return (shown: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const formatted = options.hideSuggestions ? { ...shown, message: shown.message.replace(SUGGESTION, '') } : shown;
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
      if (!options.isProduction) return formatted;
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    if (isDatabaseUnavailable(original)) {
      // An outage is not a bug: say so plainly, with a code clients can retry on (the cause
      // still goes to the log, as a warning).
      options.warn?.(original);
      return {
        message: 'The service is temporarily unavailable; retry shortly.',
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      };
    }
    if (isStatementTimeout(original)) {
      // Overload or a stalled connection, not a bug: retryable like an outage, but named apart
      // (a timed-out mutation may or may not have committed: retry it with its idempotency key).
      options.warn?.(original);
      const message = 'The database did not answer in time; retry shortly.';
      return { message, path: formatted.path, locations: formatted.locations, extensions: { code: 'TIMEOUT' } };
    }
    options.log(original);
    if (options.isProduction) {
      return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
    return formatted;
  };
}
