import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IdempotencyKeys1764180000000 implements MigrationInterface {
  name = 'IdempotencyKeys1764180000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE idempotency_keys (
        organization_id text NOT NULL,
        key text NOT NULL,
        operation text NOT NULL,
        request_hash bytea NOT NULL,
        result jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (organization_id, key)
      )`);
    await db.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE idempotency_keys`);
  }
}
