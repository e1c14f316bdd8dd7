import type { DataSource, EntityManager } from 'typeorm';
import type { Caller } from '../auth/scopes';
import { organizationPage } from '../common/crud';
import type { Page, PageArgs } from '../common/pagination';
import { Client } from '../clients/client.entity';
import { RowReader } from '../db/rows';
import { RegistrationToken } from './registration-token.entity';

/** Every SQL statement of dynamic registration. */

export async function insertRegistrationToken(manager: EntityManager, fields: RegistrationToken): Promise<RegistrationToken> {
  const token = manager.create(RegistrationToken, fields);
  await manager.insert(RegistrationToken, token);
  return token;
}

/** The token with this hash, row-locked: registrations by one token queue (uses and dedupe stay exact). */
export function lockRegistrationTokenByHash(manager: EntityManager, tokenHash: Buffer): Promise<RegistrationToken | null> {
  return manager.findOne(RegistrationToken, { where: { tokenHash }, lock: { mode: 'pessimistic_write' } });
}

export function lockRegistrationToken(manager: EntityManager, caller: Caller, id: string): Promise<RegistrationToken | null> {
  return manager.findOne(RegistrationToken, { where: { id, organizationId: caller.organizationId }, lock: { mode: 'pessimistic_write' } });
}

export async function updateRegistrationToken(manager: EntityManager, id: string, changes: Partial<RegistrationToken>): Promise<void> {
  await manager.update(RegistrationToken, { id }, changes);
}

export function listRegistrationTokens(
  dataSource: DataSource,
  caller: Caller,
  applicationId: string | undefined,
  page: PageArgs,
): Promise<Page<RegistrationToken>> {
  return organizationPage(RowReader.of(dataSource, RegistrationToken), caller, { application_id: applicationId }, page);
}

/** A client this token registered before with the same software id and metadata. */
export function findRegisteredTwin(manager: EntityManager, tokenId: string, softwareId: string, metadataHash: Buffer): Promise<Client | null> {
  return manager.findOneBy(Client, { registrationTokenId: tokenId, softwareId, registrationMetadataHash: metadataHash });
}

/** The client an RFC 7592 registration access token manages, row-locked. */
export function lockClientByRegistrationToken(manager: EntityManager, tokenHash: Buffer): Promise<Client | null> {
  return manager.findOne(Client, { where: { registrationAccessTokenHash: tokenHash }, lock: { mode: 'pessimistic_write' } });
}

/** Deletes dynamically registered clients unused for their expiry days; returns what was deleted. */
export async function deleteExpiredClients(manager: EntityManager, now: Date): Promise<{ id: string; organization_id: string }[]> {
  const [rows]: [{ id: string; organization_id: string }[], number] = await manager.query(
    `DELETE FROM clients
      WHERE registration_source = 'DYNAMIC' AND unused_expiry_days IS NOT NULL AND NOT is_default
        AND coalesce(secret_last_used_at, created_at) + unused_expiry_days * interval '1 day' <= $1
      RETURNING id, organization_id`,
    [now],
  );
  return rows;
}

/** The organization's tokens with these ids, for the per-request loader. */
export function registrationTokensByIds(dataSource: DataSource, organizationId: string, ids: readonly string[]): Promise<RegistrationToken[]> {
  return RowReader.of(dataSource, RegistrationToken).select('WHERE t.organization_id = $1 AND t.id = ANY($2)', [organizationId, ids]);
}
