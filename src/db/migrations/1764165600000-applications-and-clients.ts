import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ApplicationsAndClients1764165600000 implements MigrationInterface {
  name = 'ApplicationsAndClients1764165600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE applications (
        id text PRIMARY KEY,
        organization_id text NOT NULL,
        zone_id text NOT NULL,
        identifier text NOT NULL,
        slug text NOT NULL,
        name text NOT NULL,
        description text,
        owner_type text NOT NULL CHECK (owner_type IN ('PLATFORM', 'CUSTOMER')),
        metadata jsonb,
        protocols jsonb,
        dependencies text[] NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX applications_identifier_key ON applications (organization_id, zone_id, identifier)`);
    await db.query(`CREATE UNIQUE INDEX applications_slug_key ON applications (organization_id, zone_id, slug)`);
    // Keyset pagination within an organization, newest or oldest first.
    await db.query(`CREATE INDEX applications_org_created_idx ON applications (organization_id, created_at, id)`);

    await db.query(`
      CREATE TABLE clients (
        id text PRIMARY KEY,
        client_id text NOT NULL UNIQUE,
        organization_id text NOT NULL,
        application_id text NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
        is_default boolean NOT NULL DEFAULT false,
        name text NOT NULL,
        description text,
        client_type text NOT NULL,
        visibility text NOT NULL,
        promoted_at timestamptz(3),
        redirect_uris text[] NOT NULL DEFAULT '{}',
        post_logout_redirect_uris text[] NOT NULL DEFAULT '{}',
        allowed_cors_origins text[] NOT NULL DEFAULT '{}',
        grant_types text[] NOT NULL DEFAULT '{}',
        response_types text[] NOT NULL DEFAULT '{}',
        scopes text[] NOT NULL DEFAULT '{}',
        token_endpoint_auth_method text NOT NULL,
        require_pkce boolean NOT NULL DEFAULT false,
        client_uri text,
        logo_uri text,
        policy_uri text,
        tos_uri text,
        client_uri_verification jsonb,
        access_token_ttl integer,
        refresh_token_ttl integer,
        resources text[] NOT NULL DEFAULT '{}',
        secret_hash bytea,
        rotated_secret_hash bytea,
        rotated_secret_expires_at timestamptz(3),
        secret_rotated_at timestamptz(3),
        secret_last_used_at timestamptz(3),
        rotated_secret_last_used_at timestamptz(3),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX clients_application_id_idx ON clients (application_id, created_at, id)`);
    await db.query(`CREATE INDEX clients_org_created_idx ON clients (organization_id, created_at, id)`);
    await db.query(`CREATE UNIQUE INDEX clients_one_default_per_application ON clients (application_id) WHERE is_default`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE clients`);
    await db.query(`DROP TABLE applications`);
  }
}
