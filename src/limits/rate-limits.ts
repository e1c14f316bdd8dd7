import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind } from 'graphql';
import type { Pool } from 'pg';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type Redis from 'ioredis';
import type { Caller } from '../auth/scopes';
import { RateLimitedError } from '../common/errors';
import type { RequestContext } from '../context';

export interface RateLimitSettings {
  /** Mutations one caller (organization + subject) may run per minute. */
  mutationsPerMinute: number;
  /** Failed `authenticateClient` calls one caller may make for one client id per window… */
  authFailures: number;
  authFailureWindowSeconds: number;
  /** …before that caller is locked out of that client id for this long. */
  authLockoutSeconds: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = { mutationsPerMinute: 600, authFailures: 10, authFailureWindowSeconds: 900, authLockoutSeconds: 900 };

export type RateLimitStore = { kind: 'postgres'; pool: Pool } | { kind: 'redis'; client: Redis } | { kind: 'memory' };

function limiter(store: RateLimitStore, options: { keyPrefix: string; points: number; duration: number; blockDuration?: number }): RateLimiterAbstract {
  // While Redis is unreachable, each replica keeps limiting on its own.
  const insuranceLimiter = new RateLimiterMemory(options);
  switch (store.kind) {
    case 'postgres':
      // No insurance here: the store is the database every limited operation needs anyway, so
      // when it is unreachable the operation fails at once (SERVICE_UNAVAILABLE) instead of
      // waiting out a second connect timeout in its resolver.
      return new RateLimiterPostgres({ ...options, storeClient: store.pool, storeType: 'pool', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: false });
    case 'redis':
      return new RateLimiterRedis({ ...options, storeClient: store.client, insuranceLimiter });
    case 'memory':
      return insuranceLimiter;
  }
}

/**
 * A limiter key of fixed length (43 characters) whatever the claims and client id hold: the
 * SHA-256 of the parts, unambiguously joined. Keys as long as the parts overflowed
 * `rate_limits.key` (varchar(255)), so such callers' failures were never counted.
 */
export function limiterKey(...parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

function retryAfterSeconds(rejection: unknown): number {
  return rejection instanceof RateLimiterRes ? Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) : 1;
}

/**
 * Rate limits shared by every replica through PostgreSQL (or Redis): mutations per caller,
 * and failed client authentications per caller and client id. The lockout is keyed by the
 * caller too, so someone guessing secrets locks out only themselves, never the client's
 * legitimate callers, and only for `authLockoutSeconds`.
 */
export class RateLimits {
  private readonly mutations: RateLimiterAbstract;
  private readonly authFailures: RateLimiterAbstract;
  rejections = 0;

  constructor(
    private readonly store: RateLimitStore,
    readonly settings: RateLimitSettings = DEFAULT_RATE_LIMITS,
  ) {
    this.mutations = limiter(store, { keyPrefix: 'mutation', points: settings.mutationsPerMinute, duration: 60 });
    this.authFailures = limiter(store, {
      keyPrefix: 'authfail',
      points: settings.authFailures,
      duration: settings.authFailureWindowSeconds,
      blockDuration: settings.authLockoutSeconds,
    });
  }

  /** Counts `count` mutations for the caller; RATE_LIMITED when over the limit. */
  async consumeMutations(caller: Caller, count: number): Promise<void> {
    if (count <= 0) return;
    try {
      await this.mutations.consume(limiterKey(caller.organizationId, caller.subject), count);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      this.rejections++;
      throw new RateLimitedError('Too many mutations; slow down.', retryAfterSeconds(rejection));
    }
  }

  private authKey(caller: Caller, clientId: string): string {
    return limiterKey(caller.organizationId, caller.subject, clientId);
  }

  /** RATE_LIMITED while the caller is locked out of this client id. */
  async assertMayAuthenticate(caller: Caller, clientId: string): Promise<void> {
    const state = await this.authFailures.get(this.authKey(caller, clientId));
    if (state) this.assertNotLockedOut(state.consumedPoints, state.msBeforeNext);
  }

  /**
   * With the PostgreSQL store, where the caller's failures for this client id live: the
   * `rate_limits` row (RateLimiterPostgres keys rows `<keyPrefix>:<key>`; `expire` is epoch
   * ms, null for never). Lets authentication read the lockout in the same statement as the
   * client instead of a round trip of its own. Undefined for other stores.
   */
  lockoutRow(caller: Caller, clientId: string): { table: string; key: string } | undefined {
    return this.store.kind === 'postgres' ? { table: 'rate_limits', key: `authfail:${this.authKey(caller, clientId)}` } : undefined;
  }

  /** RATE_LIMITED if this many recorded failures mean a lockout (lasting `msLeft` more). */
  assertNotLockedOut(consumedPoints: number, msLeft: number): void {
    if (consumedPoints > this.settings.authFailures) {
      this.rejections++;
      throw new RateLimitedError('Too many failed authentications for this client; try again later.', Math.max(1, Math.ceil(msLeft / 1000)));
    }
  }

  async recordAuthenticationFailure(caller: Caller, clientId: string): Promise<void> {
    // Over the limit the consume rejects and starts the block; the failure itself was answered already.
    await this.authFailures.consume(this.authKey(caller, clientId)).catch((rejection: unknown) => {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
    });
  }
}

/** Counts every mutation field of an operation against the caller's budget, before execution. */
export function mutationRateLimitPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation !== 'mutation' || !contextValue.caller) return;
          // authenticateClient has its own, failure-based limit.
          const mutations = operation.selectionSet.selections.filter((selection) => selection.kind !== Kind.FIELD || selection.name.value !== 'authenticateClient');
          await contextValue.services.rateLimits.consumeMutations(contextValue.caller, mutations.length);
        },
      };
    },
  };
}
