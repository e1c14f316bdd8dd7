import type { AuthChecker } from 'type-graphql';
import { ForbiddenError, UnauthenticatedError } from '../common/errors';
import { OwnerType } from '../common/node';
import type { Caller, Scope } from './scopes';

/** What the guard reads of a request context: only the verified caller. */
export interface CallerContext {
  caller: Caller | null;
}

/**
 * type-graphql's `@Authorized(scope)` check: no caller → UNAUTHENTICATED, a caller without
 * every listed scope → FORBIDDEN. Thrown here so the codes are exactly those of API.md.
 */
export const scopeAuthChecker: AuthChecker<CallerContext> = ({ context }, scopes) => {
  const caller = context.caller;
  if (!caller) throw new UnauthenticatedError();
  const missing = scopes.filter((scope) => !caller.scopes.has(scope));
  if (missing.length > 0) throw new ForbiddenError(`This operation needs the scope ${missing.join(', ')}.`);
  return true;
};

/** The verified caller of an operation guarded by `@Authorized`. */
export function callerOf(context: CallerContext): Caller {
  if (!context.caller) throw new UnauthenticatedError();
  return context.caller;
}

export function hasScope(caller: Caller, scope: Scope): boolean {
  return caller.scopes.has(scope);
}

/** PLATFORM-owned objects are created and changed only by callers with `platform:write`. */
export function assertMayWriteOwner(caller: Caller, ownerType: OwnerType): void {
  if (ownerType === OwnerType.PLATFORM && !hasScope(caller, 'platform:write')) {
    throw new ForbiddenError('PLATFORM-owned objects need the platform:write scope.');
  }
}
