import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ProvidersAndCredentials1764172800000 implements MigrationInterface {
  name = 'ProvidersAndCredentials1764172800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE providers (
        id text PRIMARY KEY,
        organization_id text NOT NULL,
        zone_id text NOT NULL,
        identifier text NOT NULL,
        slug text NOT NULL,
        name text NOT NULL,
        description text,
        owner_type text NOT NULL CHECK (owner_type IN ('PLATFORM', 'CUSTOMER')),
        type text NOT NULL CHECK (type IN ('EXTERNAL', 'VAULT', 'STS')),
        client_id text,
        client_secret_encrypted text,
        metadata jsonb,
        protocols jsonb,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX providers_identifier_key ON providers (organization_id, zone_id, identifier)`);
    await db.query(`CREATE UNIQUE INDEX providers_slug_key ON providers (organization_id, zone_id, slug)`);
    await db.query(`CREATE INDEX providers_org_created_idx ON providers (organization_id, created_at, id)`);

    await db.query(`
      CREATE TABLE credentials (
        id text PRIMARY KEY,
        type text NOT NULL CHECK (type IN ('TOKEN', 'PASSWORD', 'PUBLIC_KEY', 'URL', 'PUBLIC')),
        organization_id text NOT NULL,
        zone_id text NOT NULL,
        application_id text NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
        identifier text NOT NULL,
        slug text NOT NULL,
        provider_id text REFERENCES providers (id) ON DELETE RESTRICT,
        subject text,
        password_hash bytea,
        secret_rotated_at timestamptz(3),
        jwks_uri text,
        jwks jsonb,
        url text,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK ((type = 'TOKEN') = (provider_id IS NOT NULL)),
        CHECK ((type = 'PASSWORD') = (password_hash IS NOT NULL)),
        CHECK (type <> 'PUBLIC_KEY' OR (jwks_uri IS NULL) <> (jwks IS NULL)),
        CHECK ((type = 'URL') = (url IS NOT NULL))
      )`);
    await db.query(`CREATE UNIQUE INDEX credentials_slug_key ON credentials (application_id, slug)`);
    await db.query(`CREATE UNIQUE INDEX credentials_identifier_key ON credentials (application_id, type, coalesce(provider_id, ''), identifier)`);
    // PASSWORD and PUBLIC identifiers are OAuth client ids: unique within the zone.
    await db.query(
      `CREATE UNIQUE INDEX credentials_client_identifier_key ON credentials (organization_id, zone_id, identifier) WHERE type IN ('PASSWORD', 'PUBLIC')`,
    );
    await db.query(`CREATE INDEX credentials_application_idx ON credentials (application_id, created_at, id)`);
    await db.query(`CREATE INDEX credentials_org_created_idx ON credentials (organization_id, created_at, id)`);
    await db.query(`CREATE INDEX credentials_provider_idx ON credentials (provider_id) WHERE provider_id IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE credentials`);
    await db.query(`DROP TABLE providers`);
  }
}
