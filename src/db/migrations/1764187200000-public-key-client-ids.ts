import type { MigrationInterface, QueryRunner } from 'typeorm';

/** PUBLIC_KEY identifiers are OAuth client ids too: unique in the zone with PASSWORD and PUBLIC ones. */
export class PublicKeyClientIds1764187200000 implements MigrationInterface {
  name = 'PublicKeyClientIds1764187200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX credentials_client_identifier_key`);
    await db.query(
      `CREATE UNIQUE INDEX credentials_client_identifier_key ON credentials (organization_id, zone_id, identifier) ` +
        `WHERE type IN ('PASSWORD', 'PUBLIC', 'PUBLIC_KEY')`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX credentials_client_identifier_key`);
    await db.query(
      `CREATE UNIQUE INDEX credentials_client_identifier_key ON credentials (organization_id, zone_id, identifier) WHERE type IN ('PASSWORD', 'PUBLIC')`,
    );
  }
}
