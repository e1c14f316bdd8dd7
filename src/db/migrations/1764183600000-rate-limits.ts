import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The table rate-limiter-flexible's RateLimiterPostgres expects, shared by every replica. */
export class RateLimits1764183600000 implements MigrationInterface {
  name = 'RateLimits1764183600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE rate_limits (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`);
    await db.query(`CREATE INDEX rate_limits_expire_idx ON rate_limits (expire)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE rate_limits`);
  }
}
