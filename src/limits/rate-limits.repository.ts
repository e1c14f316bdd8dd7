import type { Pool } from 'pg';

/**
 * The statements on `rate_limits` that Clavis writes itself, next to the ones
 * rate-limiter-flexible's RateLimiterPostgres runs: rows are `(key, points, expire)`, `expire`
 * in epoch milliseconds. Keys are built by RateLimits (limits/rate-limits.ts), never here.
 */

/** Where a failure counter stands: what the statement read before it, and after it counted (failures only). */
export interface FailureCount {
  prior: { points: number; expire: number } | null;
  counted: { points: number; expire: number } | null;
}

/**
 * Two CTEs for a statement that decides itself whether an attempt failed (authentication
 * compares the secret's digest in the same statement that reads the client): `prior(points,
 * expire)`, the unexpired counter on `key` as the statement found it, and `counted(points,
 * expire)`, the counter after counting one failure — only when `failed` (an SQL condition) holds,
 * so a success writes nothing. The failure that reaches `limit` keeps the counter until at least
 * `lockoutUntil` (never shortening it). The columns read are `priorPoints`, `priorExpire`,
 * `countedPoints` and `countedExpire` (see `failureCountOf`). Placeholders start at `$<first>`.
 */
export function countFailureCte(
  key: string,
  failed: string,
  first: number,
  counter: { now: number; windowMs: number; limit: number; lockoutMs: number },
): { cte: string; columns: string; params: unknown[] } {
  const [keyParam, windowEnd, at, limit, lockoutUntil] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`);
  return {
    cte: `prior AS (SELECT points, expire FROM rate_limits WHERE key = ${keyParam}::text AND expire > ${at}::bigint),
      counted AS (
        INSERT INTO rate_limits SELECT ${keyParam}::text, 1,
          CASE WHEN ${limit}::int <= 1 THEN GREATEST(${windowEnd}::bigint, ${lockoutUntil}::bigint) ELSE ${windowEnd}::bigint END
        WHERE ${failed}
        ON CONFLICT (key) DO UPDATE SET
          points = CASE WHEN rate_limits.expire <= ${at}::bigint THEN 1 ELSE rate_limits.points + 1 END,
          expire = CASE
            WHEN rate_limits.expire <= ${at}::bigint THEN EXCLUDED.expire
            WHEN rate_limits.points + 1 = ${limit}::int THEN GREATEST(rate_limits.expire, ${lockoutUntil}::bigint)
            ELSE rate_limits.expire END
        RETURNING points, expire)`,
    columns: `(SELECT points FROM prior) AS "priorPoints", (SELECT expire FROM prior) AS "priorExpire",
      (SELECT points FROM counted) AS "countedPoints", (SELECT expire FROM counted) AS "countedExpire"`,
    params: [key, counter.now + counter.windowMs, counter.now, counter.limit, counter.now + counter.lockoutMs],
  };
}

/** The FailureCount of a row read with `countFailureCte`'s columns (bigints arrive as text). */
export function failureCountOf(row: Record<string, unknown>): FailureCount {
  const pair = (points: unknown, expire: unknown) => (points == null ? null : { points: Number(points), expire: Number(expire) });
  return { prior: pair(row.priorPoints, row.priorExpire), counted: pair(row.countedPoints, row.countedExpire) };
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

/**
 * Adds `points` to the counter row `key` if it stays within `cap`, creating the row (expiring at
 * `expire`) on first use; false when the row has no room (then nothing is written).
 */
export async function addWithinCap(pool: Pool, key: string, points: number, cap: number, expire: number): Promise<boolean> {
  const result = await pool.query({
    name: 'rate_limits_add_within_cap',
    text: `INSERT INTO rate_limits (key, points, expire) SELECT $1::text, $2::int, $3::bigint WHERE $2::int <= $4::int
      ON CONFLICT (key) DO UPDATE SET points = rate_limits.points + EXCLUDED.points WHERE rate_limits.points + EXCLUDED.points <= $4::int
      RETURNING 1`,
    values: [key, points, expire, cap],
  });
  return result.rowCount === 1;
}

/**
 * One transaction over several counter rows: creates the missing ones (0 points, expiring at
 * `expire`), locks them all (in key order, so two such transactions never deadlock), and adds
 * what `allocate` decides from the points they hold — or nothing when it returns undefined.
 * Returns whether anything was added.
 */
export async function addAcrossRows(
  pool: Pool,
  keys: string[],
  expire: number,
  allocate: (held: Map<string, number>) => Map<string, number> | undefined,
): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO rate_limits (key, points, expire) SELECT key, 0, $2::bigint FROM unnest($1::text[]) AS key ORDER BY key ON CONFLICT (key) DO NOTHING`,
      [keys, expire],
    );
    const locked = await client.query<{ key: string; points: number }>(
      `SELECT key, points FROM rate_limits WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE`,
      [keys],
    );
    const additions = allocate(new Map(locked.rows.map((row) => [row.key, row.points])));
    if (additions) {
      await client.query(`UPDATE rate_limits AS r SET points = r.points + a.add FROM unnest($1::text[], $2::int[]) AS a(key, add) WHERE r.key = a.key`, [
        [...additions.keys()],
        [...additions.values()],
      ]);
    }
    await client.query('COMMIT');
    return additions !== undefined;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
