import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isDatabaseUnavailable, isStatementTimeout } from '../db/failures';

/**
 * The one place where domain failures become GraphQL errors with `extensions.code`.
 * Services throw the classes below; resolvers never build error objects by hand.
 */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT' | 'RATE_LIMITED';

export interface FieldError {
  /** Dotted path of the offending input field, e.g. `input.defaultClient.redirectUris.0`. */
  path: string;
  message: string;
}

export class ClavisError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}, http?: number | { status: number; headers: Map<string, string> }) {
    const httpExtension = typeof http === 'number' ? { status: http } : http;
    super(message, { extensions: { code, ...extra, ...(httpExtension ? { http: httpExtension } : {}) } });
  }
}

export class UnauthenticatedError extends ClavisError {
  constructor(message = 'A valid bearer token is required.', httpStatus?: number) {
    super('UNAUTHENTICATED', message, {}, httpStatus);
  }
}

export class ForbiddenError extends ClavisError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends ClavisError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} was not found.`);
  }
}

export class ConflictError extends ClavisError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

/** Over a rate limit: HTTP 429 with Retry-After, and the same hint in `extensions.retryAfterSeconds`. */
export class RateLimitedError extends ClavisError {
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message, { retryAfterSeconds }, { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) });
  }
}

/**
 * An operation refused before execution for what it asks the server to do (like the depth
 * and alias limits): GRAPHQL_VALIDATION_FAILED with HTTP 400.
 */
export class OperationRefusedError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } });
  }
}

/** One entry per field: several problems of the same field share it, their messages joined. */
function mergeByPath(fields: FieldError[]): FieldError[] {
  const merged = new Map<string, string[]>();
  for (const { path, message } of fields) merged.set(path, [...(merged.get(path) ?? []), message]);
  return [...merged].map(([path, messages]) => ({ path, message: [...new Set(messages)].join('; ') }));
}

export class ValidationFailedError extends ClavisError {
  readonly fields: FieldError[];

  /** `httpStatus`: set when the error is raised before execution (400, like a variable that does not coerce). */
  constructor(fields: FieldError[], httpStatus?: number) {
    const merged = mergeByPath(fields);
    const message = merged.length === 1 ? `Invalid input: ${merged[0].path}: ${merged[0].message}` : `Invalid input in ${merged.length} fields.`;
    super('BAD_USER_INPUT', message, { fields: merged }, httpStatus);
    this.fields = merged;
  }
}

/** Throws one BAD_USER_INPUT listing every collected field error, if there are any. */
export function throwIfInvalid(fields: FieldError[]): void {
  if (fields.length > 0) throw new ValidationFailedError(fields);
}

const PUBLIC_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'RATE_LIMITED', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE']);

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
      return { message: 'The service is temporarily unavailable; retry shortly.', path: formatted.path, locations: formatted.locations, extensions: { code: 'SERVICE_UNAVAILABLE' } };
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
