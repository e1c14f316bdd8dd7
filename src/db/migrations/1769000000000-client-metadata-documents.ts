import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Client ID Metadata Documents (issue 14): the validated documents each organization resolved, cached in PostgreSQL so
 * every replica shares them, and each organization's policy (enabled, trusted hosts, cache bounds).
 */
export class ClientMetadataDocuments1769000000000 implements MigrationInterface {
  name = 'ClientMetadataDocuments1769000000000';

  async up(db: QueryRunner): Promise<void> {
    // One row per organization and URL. fetched_at is null until a document validated; a failure only sets last_error
    // (errors are never served from here: an expired or missing document is always fetched again).
    await db.query(`
      CREATE TABLE client_metadata_documents (
        organization_id text NOT NULL,
        url text NOT NULL,
        client_name text,
        redirect_uris text[] NOT NULL DEFAULT '{}',
        grant_types text[] NOT NULL DEFAULT '{}',
        token_endpoint_auth_method text,
        jwks jsonb,
        jwks_uri text,
        logo_uri text,
        client_uri text,
        policy_uri text,
        tos_uri text,
        fetched_at timestamptz(3),
        expires_at timestamptz(3),
        last_error text,
        last_error_code text,
        last_error_at timestamptz(3),
        PRIMARY KEY (organization_id, url)
      )`);
    await db.query(`
      CREATE TABLE client_metadata_document_policies (
        organization_id text PRIMARY KEY,
        enabled boolean NOT NULL,
        trusted_host_patterns text[] NOT NULL DEFAULT '{}',
        min_cache_seconds integer NOT NULL,
        max_cache_seconds integer NOT NULL,
        updated_at timestamptz(3) NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE client_metadata_document_policies`);
    await db.query(`DROP TABLE client_metadata_documents`);
  }
}
