import type { Pool } from 'pg';

/**
 * The statements on `rate_limits` that Clavis writes itself, next to the ones
 * rate-limiter-flexible's RateLimiterPostgres runs: rows are `(key, points, expire)`, `expire`
 * in epoch milliseconds. Keys are built by RateLimits (limits/rate-limits.ts), never here.
 */

/**
 * A CTE `attempt(points, expire)` that counts one attempt on `key` — the upsert
 * RateLimiterPostgres's consume runs, on the same row — for a statement that also reads
 * something else (authentication reads the client in the same statement).
 * Placeholders start at `$<first>`; `params` fill them.
 */
export function countAttemptCte(key: string, first: number, now: number, windowMs: number): { cte: string; params: unknown[] } {
  const [keyParam, expire, at] = [`$${first}`, `$${first + 1}`, `$${first + 2}`];
  return {
    cte: `attempt AS (
        INSERT INTO rate_limits VALUES (${keyParam}, 1, ${expire}) ON CONFLICT (key) DO UPDATE SET
          points = CASE WHEN rate_limits.expire <= ${at} THEN 1 ELSE rate_limits.points + 1 END,
          expire = CASE WHEN rate_limits.expire <= ${at} THEN ${expire} ELSE rate_limits.expire END
        RETURNING points, expire)`,
    params: [key, now + windowMs, now],
  };
}

/** Takes one point back from a counter that has not expired (an expired one stays as it is). */
export async function giveBackPoint(pool: Pool, key: string, now: number): Promise<void> {
  await pool.query('UPDATE rate_limits SET points = points - 1 WHERE key = $1 AND expire > $2', [key, now]);
}

/** Keeps the counter until at least `until` (never shortens it). */
export async function extendCounter(pool: Pool, key: string, until: number): Promise<void> {
  await pool.query('UPDATE rate_limits SET expire = GREATEST(expire, $2) WHERE key = $1', [key, until]);
}

/** Deletes the counters expired by `now`; returns how many. */
export async function deleteExpiredCounters(pool: Pool, now: number): Promise<number> {
  const result = await pool.query('DELETE FROM rate_limits WHERE expire <= $1', [now]);
  return result.rowCount ?? 0;
}
