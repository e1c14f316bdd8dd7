import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, type GraphQLSchema, Kind, type OperationDefinitionNode, OperationTypeNode, getVariableValues } from 'graphql';
// Execution's own field collection (internal to graphql-js 16, but the very function execute uses).
import { collectFields } from 'graphql/execution/collectFields';
import type { Pool } from 'pg';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type Redis from 'ioredis';
import type { Caller } from '../auth/scopes';
import { OperationRefusedError, RateLimitedError } from '../common/errors';
import { addAcrossRows, addWithinCap, countFailureCte, failureCountOf, deleteExpiredCounters, extendCounter, giveBackPoint } from './rate-limits.repository';

export interface RateLimitSettings {
  /** Mutations one caller (organization + subject) may run per minute. */
  mutationsPerMinute: number;
  /** Failed `authenticateClient` calls one caller may make for one client id per window… */
  authFailures: number;
  authFailureWindowSeconds: number;
  /** …before that caller is locked out of that client id for this long. */
  authLockoutSeconds: number;
  /** Dynamic registrations (RFC 7591) per initial access token per minute (default 30). */
  registrationsPerMinute?: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = { mutationsPerMinute: 600, authFailures: 10, authFailureWindowSeconds: 900, authLockoutSeconds: 900 };

export const DEFAULT_REGISTRATIONS_PER_MINUTE = 30;

const MUTATION_WINDOW_MS = 60_000;
/** Rows one caller's mutation count is spread over (PostgreSQL store): more rows, fewer waits on one lock. */
const MUTATION_COUNTER_SHARDS = 8;

export type RateLimitStore = { kind: 'postgres'; pool: Pool } | { kind: 'redis'; client: Redis } | { kind: 'memory' };

function limiter(store: RateLimitStore, options: { keyPrefix: string; points: number; duration: number; blockDuration?: number }): RateLimiterAbstract {
  // While Redis is unreachable, each replica keeps limiting on its own.
  const insuranceLimiter = new RateLimiterMemory(options);
  switch (store.kind) {
    case 'postgres':
      // No insurance here: the store is the database every limited operation needs anyway, so
      // when it is unreachable the operation fails at once (SERVICE_UNAVAILABLE) instead of
      // waiting out a second connect timeout in its resolver.
      return new RateLimiterPostgres({
        ...options,
        storeClient: store.pool,
        storeType: 'pool',
        tableName: 'rate_limits',
        tableCreated: true,
        clearExpiredByTimeout: false,
      });
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
/** DECR, but only a counter that still exists (a new one at -1 would grant an extra attempt). */
const GIVE_BACK_SCRIPT = `if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0`;

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
  /** Redis or in-process; the PostgreSQL store counts mutations in shards (consumeMutationsInShards). */
  private readonly mutations: RateLimiterAbstract | undefined;
  private readonly authAttempts: RateLimiterAbstract;
  private readonly registrations: RateLimiterAbstract;

  constructor(
    private readonly store: RateLimitStore,
    readonly settings: RateLimitSettings = DEFAULT_RATE_LIMITS,
  ) {
    this.mutations = store.kind === 'postgres' ? undefined : limiter(store, { keyPrefix: 'mutation', points: settings.mutationsPerMinute, duration: 60 });
    // An attempt counts before its secret is checked and is given back if it succeeds, so
    // concurrent guesses cannot all pass one check (see admitAuthenticationAttempt).
    this.authAttempts = limiter(store, { keyPrefix: 'authfail', points: settings.authFailures, duration: settings.authFailureWindowSeconds });
    this.registrations = limiter(store, { keyPrefix: 'register', points: settings.registrationsPerMinute ?? DEFAULT_REGISTRATIONS_PER_MINUTE, duration: 60 });
  }

  /**
   * Counts one dynamic registration by an initial access token (RFC 7591): per token, not per
   * address, so hosted connectors sharing egress addresses do not block each other, and deleting
   * and re-registering in a loop still counts.
   */
  async consumeRegistration(tokenId: string): Promise<void> {
    try {
      await this.registrations.consume(limiterKey('registration', tokenId), 1);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw new RateLimitedError('Too many registrations with this initial access token; slow down.', retryAfterSeconds(rejection));
    }
  }

  /** Counts `count` mutations for the caller; RATE_LIMITED when over the limit. */
  async consumeMutations(caller: Caller, count: number): Promise<void> {
    if (count <= 0) return;
    if (!this.mutations) return this.consumeMutationsInShards(this.store, caller, count);
    try {
      await this.mutations.consume(limiterKey(caller.organizationId, caller.subject), count);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw new RateLimitedError('Too many mutations; slow down.', retryAfterSeconds(rejection));
    }
  }

  /**
   * The PostgreSQL mutation counter: one fixed one-minute window per caller (aligned to the
   * clock, so every replica counts into the same one) whose budget is split over up to
   * MUTATION_COUNTER_SHARDS rows, each with its share as a cap. A mutation adds to one row picked
   * at random, in one statement, while that row has room; only when it has none does a
   * transaction lock all the caller's rows and take the points wherever room is left. One row per
   * caller made every mutation of a busy caller wait on its lock for the previous one's commit;
   * the caps keep the total exact, however many replicas count at once.
   */
  private async consumeMutationsInShards(store: RateLimitStore, caller: Caller, count: number): Promise<void> {
    if (store.kind !== 'postgres') throw new Error('mutation shards live in PostgreSQL');
    const limit = this.settings.mutationsPerMinute;
    const now = Date.now();
    const window = Math.floor(now / MUTATION_WINDOW_MS);
    const windowEnd = (window + 1) * MUTATION_WINDOW_MS;
    const prefix = `mutation:${limiterKey(caller.organizationId, caller.subject)}:${window}:`;
    const shards = Math.min(MUTATION_COUNTER_SHARDS, limit);
    // Shard i's share of the budget: the shares add up to the limit exactly.
    const caps = new Map(Array.from({ length: shards }, (_, i) => [`${prefix}${i}`, Math.floor(limit / shards) + (i < limit % shards ? 1 : 0)]));
    const keys = [...caps.keys()];
    const picked = keys[Math.floor(Math.random() * shards)];
    if (await addWithinCap(store.pool, picked, count, caps.get(picked)!, windowEnd)) return;
    const taken = await addAcrossRows(store.pool, keys, windowEnd, (held) => {
      const additions = new Map<string, number>();
      let wanted = count;
      for (const key of keys) {
        const room = caps.get(key)! - (held.get(key) ?? 0);
        if (room <= 0 || wanted === 0) continue;
        additions.set(key, Math.min(room, wanted));
        wanted -= Math.min(room, wanted);
      }
      return wanted === 0 ? additions : undefined;
    });
    if (!taken) throw new RateLimitedError('Too many mutations; slow down.', Math.max(1, Math.ceil((windowEnd - now) / 1000)));
  }

  private authKey(caller: Caller, clientId: string): string {
    return limiterKey(caller.organizationId, caller.subject, clientId);
  }

  /**
   * With the PostgreSQL store: CTEs that count a failed attempt of the caller for this client id
   * when `failed` (an SQL condition of the same statement) holds, and read the counter as it
   * was (see countFailureCte): authentication reads the client, compares the secret's digest
   * and counts a failure in one statement, and a success writes nothing. Placeholders start at
   * `$<first>`. Undefined for other stores (use countAuthenticationAttempt).
   */
  authenticationFailureCte(caller: Caller, clientId: string, failed: string, first: number, now: number) {
    if (this.store.kind !== 'postgres') return undefined;
    const { authFailures: limit, authFailureWindowSeconds, authLockoutSeconds } = this.settings;
    const counter = { now, windowMs: authFailureWindowSeconds * 1000, limit, lockoutMs: authLockoutSeconds * 1000 };
    return countFailureCte(`authfail:${this.authKey(caller, clientId)}`, failed, first, counter);
  }

  /**
   * RATE_LIMITED unless the attempt judged by one statement (authenticationFailureCte) may be
   * answered: a failure only while its count is within the limit; a success only if the failures
   * counted before it had not reached the limit — so a right secret is refused while locked out,
   * however the lockout was reached (concurrent wrong attempts included). `row` is the
   * statement's row, with the columns of authenticationFailureCte.
   */
  admitJudgedAttempt(row: Record<string, unknown>, succeeded: boolean, now: number): void {
    const count = failureCountOf(row);
    const limit = this.settings.authFailures;
    const refusedBy = succeeded
      ? count.prior && count.prior.points >= limit
        ? count.prior
        : null
      : count.counted && count.counted.points > limit
        ? count.counted
        : null;
    if (refusedBy) {
      throw new RateLimitedError('Too many failed authentications for this client; try again later.', Math.max(1, Math.ceil((refusedBy.expire - now) / 1000)));
    }
  }

  /** Counts one attempt of the caller for this client id, before its secret is checked. */
  async countAuthenticationAttempt(caller: Caller, clientId: string): Promise<{ points: number; msLeft: number }> {
    try {
      const counted = await this.authAttempts.consume(this.authKey(caller, clientId));
      return { points: counted.consumedPoints, msLeft: counted.msBeforeNext };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return { points: rejection.consumedPoints, msLeft: rejection.msBeforeNext };
    }
  }

  /**
   * RATE_LIMITED unless this counted attempt is within the limit. A refused attempt is
   * given back, so attempts refused while others are in flight do not count as failures.
   */
  async admitAuthenticationAttempt(caller: Caller, clientId: string, attempt: { points: number; msLeft: number }): Promise<void> {
    if (attempt.points <= this.settings.authFailures) return;
    await this.giveBackAttempt(this.authKey(caller, clientId));
    throw new RateLimitedError('Too many failed authentications for this client; try again later.', Math.max(1, Math.ceil(attempt.msLeft / 1000)));
  }

  /**
   * Settles an admitted attempt: a success gives its point back; a failure keeps it, and the
   * failure that uses up the limit locks the caller out of this client id for `authLockoutSeconds`.
   */
  async settleAuthenticationAttempt(caller: Caller, clientId: string, attempt: { points: number }, succeeded: boolean): Promise<void> {
    const key = this.authKey(caller, clientId);
    if (succeeded) await this.giveBackAttempt(key);
    else if (attempt.points >= this.settings.authFailures) await this.lockOut(key);
  }

  // Giving back and locking out change the counter only relatively (never `set` or `block`, which
  // overwrite it): attempts in flight give their points back later, and must not bring a
  // locked-out counter back under the limit. Neither revives an expired counter.

  private async giveBackAttempt(key: string): Promise<void> {
    const now = Date.now();
    if (this.store.kind === 'postgres') {
      await giveBackPoint(this.store.pool, `authfail:${key}`, now);
    } else if (this.store.kind === 'redis') {
      await this.store.client.eval(GIVE_BACK_SCRIPT, 1, `authfail:${key}`).catch(() => this.authAttempts.reward(key));
    } else {
      await this.authAttempts.reward(key);
    }
  }

  private async lockOut(key: string): Promise<void> {
    const lockoutMs = this.settings.authLockoutSeconds * 1000;
    if (this.store.kind === 'postgres') {
      await extendCounter(this.store.pool, `authfail:${key}`, Date.now() + lockoutMs);
    } else if (this.store.kind === 'redis') {
      await this.store.client.pexpire(`authfail:${key}`, lockoutMs, 'GT').catch(() => this.authAttempts.block(key, this.settings.authLockoutSeconds));
    } else {
      // The in-process limiter (Redis unreachable) has no relative form: `block` it is.
      await this.authAttempts.block(key, this.settings.authLockoutSeconds);
    }
  }

  /**
   * Deletes expired counters. RateLimiterPostgres only overwrites a row when its key comes
   * back, so without this every key ever used would stay; Redis expires its own.
   */
  async purgeExpired(now = Date.now()): Promise<number> {
    if (this.store.kind !== 'postgres') return 0;
    return deleteExpiredCounters(this.store.pool, now);
  }
}

/**
 * authenticateClient fields one request may hold: each one can write a `rate_limits` row, and
 * an authorization server checks one client per token request.
 */
export const MAX_AUTHENTICATIONS_PER_REQUEST = 1;

/**
 * The root fields a mutation will execute, by response name, as execution collects them:
 * fragments (inline or spread) resolved, @skip/@include applied, aliases kept apart.
 * Undefined when the variables do not coerce: execution then refuses the operation before
 * any resolver runs.
 */
function mutationFields(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): string[] | undefined {
  const mutationType = schema.getMutationType();
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (!mutationType || !coerced.coerced) return undefined;
  const fragments = Object.fromEntries(document.definitions.filter((node) => node.kind === Kind.FRAGMENT_DEFINITION).map((node) => [node.name.value, node]));
  const fields = collectFields(schema, fragments, coerced.coerced, mutationType, operation.selectionSet);
  return [...fields.values()].map((nodes) => nodes[0].name.value);
}

/**
 * Before execution: counts every mutation field that will execute against the caller's
 * budget, and refuses more than MAX_AUTHENTICATIONS_PER_REQUEST authenticateClient fields.
 */
export function mutationRateLimitPlugin<TContext extends object>(
  rateLimits: RateLimits,
  callerOf: (context: TContext) => Caller | null,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          const caller = callerOf(contextValue);
          if (operation?.operation !== OperationTypeNode.MUTATION || !caller) return;
          const fields = mutationFields(schema, document, operation, request.variables ?? {});
          if (!fields) return;
          const authentications = fields.filter((name) => name === 'authenticateClient').length;
          if (authentications > MAX_AUTHENTICATIONS_PER_REQUEST) {
            const limit = MAX_AUTHENTICATIONS_PER_REQUEST;
            throw new OperationRefusedError(`An operation may hold at most ${limit} authenticateClient field; send one request per client.`);
          }
          // authenticateClient has its own, attempt-based limit; __typename does no work.
          const mutations = fields.filter((name) => name !== 'authenticateClient' && name !== '__typename').length;
          await rateLimits.consumeMutations(caller, mutations);
        },
      };
    },
  };
}
