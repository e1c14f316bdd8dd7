import type { DataSource } from 'typeorm';

/**
 * Records a jti for a client until `expiresAt`; false when an unexpired record of it exists.
 * One statement: the client's expired records are swept first, and a conflicting row is
 * taken over only when it has expired, so a jti is accepted at most once while it lives.
 */
export async function claimJti(dataSource: DataSource, clientKey: string, jti: string, expiresAt: Date): Promise<boolean> {
  const rows: unknown[] = await dataSource.query(
    `WITH swept AS (DELETE FROM client_assertion_jtis WHERE client_key = $1 AND expires_at < now() AND jti <> $2)
     INSERT INTO client_assertion_jtis (client_key, jti, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (client_key, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE client_assertion_jtis.expires_at < now()
     RETURNING 1`,
    [clientKey, jti, expiresAt],
  );
  return rows.length === 1;
}
