import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Client authentication beyond secrets (issue 15): the certificate metadata of RFC 8705 §2.1.2,
 * last-used times of every method, and the jti of every accepted client assertion until it
 * expires (RFC 7523 §3 item 7), shared by every replica.
 */
export class ClientAuthentication1768000000000 implements MigrationInterface {
  name = 'ClientAuthentication1768000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE clients
        ADD COLUMN tls_client_auth_subject_dn text,
        ADD COLUMN tls_client_auth_san_dns text,
        ADD COLUMN tls_client_auth_san_uri text,
        ADD COLUMN tls_client_auth_san_ip text,
        ADD COLUMN tls_client_auth_san_email text,
        ADD COLUMN last_authenticated_at timestamptz(3)`);
    await db.query(`ALTER TABLE credentials ADD COLUMN last_used_at timestamptz(3)`);
    await db.query(`
      CREATE TABLE client_assertion_jtis (
        client_key text NOT NULL,
        jti text NOT NULL,
        expires_at timestamptz(3) NOT NULL,
        PRIMARY KEY (client_key, jti)
      )`);
    await db.query(`CREATE INDEX client_assertion_jtis_expires_idx ON client_assertion_jtis (expires_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE client_assertion_jtis`);
    await db.query(`ALTER TABLE credentials DROP COLUMN last_used_at`);
    await db.query(`
      ALTER TABLE clients
        DROP COLUMN tls_client_auth_subject_dn,
        DROP COLUMN tls_client_auth_san_dns,
        DROP COLUMN tls_client_auth_san_uri,
        DROP COLUMN tls_client_auth_san_ip,
        DROP COLUMN tls_client_auth_san_email,
        DROP COLUMN last_authenticated_at`);
  }
}
