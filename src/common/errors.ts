import { GraphQLError } from 'graphql';

/**
 * The one place where domain failures become GraphQL errors with `extensions.code`.
 * Services throw the classes below; resolvers never build error objects by hand. What a
 * caller sees of anything else is decided by the formatter (src/graphql/error-formatter.ts).
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'OVERLOADED'
  | 'CLIENT_METADATA_INVALID'
  | 'CLIENT_METADATA_UNREACHABLE';

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

/** Refused by an organization's policy (not by a missing scope): FORBIDDEN with `extensions.reason`. */
export class PolicyRefusedError extends ClavisError {
  constructor(reason: string, message: string) {
    super('FORBIDDEN', message, { reason });
  }
}

/**
 * A client ID metadata document that could not be used: CLIENT_METADATA_UNREACHABLE when it could not be fetched
 * (`reason` is the fetcher's code: REDIRECT, TOO_LARGE, TIMEOUT, FORBIDDEN_ADDRESS, …, and `status` for HTTP
 * answers), CLIENT_METADATA_INVALID when it was fetched but breaks a rule (`reason`, and `fields` naming the
 * offending members of the document).
 */
export class ClientMetadataDocumentError extends ClavisError {
  constructor(
    code: 'CLIENT_METADATA_INVALID' | 'CLIENT_METADATA_UNREACHABLE',
    readonly reason: string,
    message: string,
    extra: { status?: number; fields?: FieldError[] } = {},
  ) {
    super(code, message, { reason, ...Object.fromEntries(Object.entries(extra).filter(([, value]) => value !== undefined)) });
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
 * Refused by admission control: too much work in flight. HTTP 503 with Retry-After (a status load
 * balancers and clients retry on), the same hint in `extensions.retryAfterSeconds`.
 */
export class OverloadedError extends ClavisError {
  constructor(retryAfterSeconds: number) {
    super(
      'OVERLOADED',
      'The service is at capacity; retry shortly.',
      { retryAfterSeconds },
      { status: 503, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
    );
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
