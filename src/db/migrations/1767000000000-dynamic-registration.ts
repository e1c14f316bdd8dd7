import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DynamicRegistration1767000000000 implements MigrationInterface {
  name = 'DynamicRegistration1767000000000';

  async up(db: QueryRunner): Promise<void> {
    // RFC 7591 initial access tokens: stored as keyed hashes, like client secrets.
    await db.query(`
      CREATE TABLE registration_tokens (
        id text PRIMARY KEY,
        organization_id text NOT NULL,
        application_id text NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
        description text,
        token_hash bytea NOT NULL UNIQUE,
        expires_at timestamptz(3),
        max_uses integer,
        uses integer NOT NULL DEFAULT 0,
        allowed_scopes text[],
        allowed_grant_types text[],
        unused_client_expiry_days integer,
        revoked_at timestamptz(3),
        created_by text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX registration_tokens_org_created_idx ON registration_tokens (organization_id, created_at, id)`);
    await db.query(`ALTER TABLE clients ADD COLUMN registration_source text NOT NULL DEFAULT 'CONSOLE'`);
    await db.query(`ALTER TABLE clients ADD COLUMN software_id text`);
    await db.query(`ALTER TABLE clients ADD COLUMN software_version text`);
    // No foreign key: a revoked or deleted token leaves its clients manageable by their own token.
    await db.query(`ALTER TABLE clients ADD COLUMN registration_token_id text`);
    await db.query(`ALTER TABLE clients ADD COLUMN registration_access_token_hash bytea`);
    await db.query(`ALTER TABLE clients ADD COLUMN registration_metadata_hash bytea`);
    await db.query(`ALTER TABLE clients ADD COLUMN unused_expiry_days integer`);
    await db.query(
      `CREATE UNIQUE INDEX clients_registration_access_token_idx ON clients (registration_access_token_hash) WHERE registration_access_token_hash IS NOT NULL`,
    );
    await db.query(`CREATE INDEX clients_registration_dedupe_idx ON clients (registration_token_id, software_id) WHERE registration_token_id IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const column of [
      'registration_source',
      'software_id',
      'software_version',
      'registration_token_id',
      'registration_access_token_hash',
      'registration_metadata_hash',
      'unused_expiry_days',
    ]) {
      await db.query(`ALTER TABLE clients DROP COLUMN ${column}`);
    }
    await db.query(`DROP TABLE registration_tokens`);
  }
}
