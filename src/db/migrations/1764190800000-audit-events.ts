import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditEvents1764190800000 implements MigrationInterface {
  name = 'AuditEvents1764190800000';

  async up(db: QueryRunner): Promise<void> {
    // No foreign keys: the trail outlives the objects it describes.
    await db.query(`
      CREATE TABLE audit_events (
        id text PRIMARY KEY,
        organization_id text NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        target_id text NOT NULL,
        target_type text NOT NULL,
        changed_fields text[] NOT NULL DEFAULT '{}',
        request_id text,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX audit_events_org_created_idx ON audit_events (organization_id, created_at, id)`);
    await db.query(`CREATE INDEX audit_events_target_idx ON audit_events (target_id, created_at, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE audit_events`);
  }
}
