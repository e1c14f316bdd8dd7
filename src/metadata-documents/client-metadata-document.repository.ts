import type { DataSource, EntityManager } from 'typeorm';
import { RowReader } from '../db/rows';
import { ClientMetadataDocument, ClientMetadataDocumentPolicy } from './client-metadata-document.entity';
import type { ValidatedDocument } from './client-metadata-document.rules';

/** Every SQL statement on client_metadata_documents and client_metadata_document_policies. */

/** The organization's stored policy; null while the defaults apply. */
export async function findDocumentPolicy(dataSource: DataSource, organizationId: string): Promise<ClientMetadataDocumentPolicy | null> {
  const [row] = await RowReader.of(dataSource, ClientMetadataDocumentPolicy).select('WHERE t.organization_id = $1', [organizationId]);
  return row ?? null;
}

export async function saveDocumentPolicy(manager: EntityManager, policy: ClientMetadataDocumentPolicy): Promise<void> {
  await manager.query(
    `INSERT INTO client_metadata_document_policies (organization_id, enabled, trusted_host_patterns, min_cache_seconds, max_cache_seconds, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (organization_id) DO UPDATE SET enabled = $2, trusted_host_patterns = $3, min_cache_seconds = $4, max_cache_seconds = $5, updated_at = $6`,
    [policy.organizationId, policy.enabled, policy.trustedHostPatterns, policy.minCacheSeconds, policy.maxCacheSeconds, policy.updatedAt],
  );
}

/** Row-locks the organization's policy row (if any) so two updates merge one after the other. */
export async function lockDocumentPolicy(manager: EntityManager, organizationId: string): Promise<ClientMetadataDocumentPolicy | null> {
  return manager.findOne(ClientMetadataDocumentPolicy, { where: { organizationId }, lock: { mode: 'pessimistic_write' } });
}

/** What the organization knows of the document at `url`; null when it was never resolved. */
export async function findDocument(dataSource: DataSource, organizationId: string, url: string): Promise<ClientMetadataDocument | null> {
  const [row] = await RowReader.of(dataSource, ClientMetadataDocument).select('WHERE t.organization_id = $1 AND t.url = $2', [organizationId, url]);
  return row ?? null;
}

/** Loader batch: the organization's documents by URL. */
export function documentsByUrls(dataSource: DataSource, organizationId: string, urls: readonly string[]): Promise<ClientMetadataDocument[]> {
  return RowReader.of(dataSource, ClientMetadataDocument).select('WHERE t.organization_id = $1 AND t.url = ANY($2)', [organizationId, urls]);
}

/** Stores a document that validated, clearing the last failure; the stored row is returned. */
export async function saveDocument(
  dataSource: DataSource,
  organizationId: string,
  url: string,
  document: ValidatedDocument,
  fetchedAt: Date,
  expiresAt: Date,
): Promise<ClientMetadataDocument> {
  const values = [
    organizationId,
    url,
    document.clientName,
    document.redirectUris,
    document.grantTypes,
    document.tokenEndpointAuthMethod,
    document.jwks === null ? null : JSON.stringify(document.jwks),
    document.jwksUri,
    document.logoUri,
    document.clientUri,
    document.policyUri,
    document.tosUri,
    fetchedAt,
    expiresAt,
  ];
  await dataSource.query(
    `INSERT INTO client_metadata_documents (organization_id, url, client_name, redirect_uris, grant_types, token_endpoint_auth_method, jwks, jwks_uri,
       logo_uri, client_uri, policy_uri, tos_uri, fetched_at, expires_at, last_error, last_error_code, last_error_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, NULL, NULL)
     ON CONFLICT (organization_id, url) DO UPDATE SET client_name = $3, redirect_uris = $4, grant_types = $5, token_endpoint_auth_method = $6,
       jwks = $7, jwks_uri = $8, logo_uri = $9, client_uri = $10, policy_uri = $11, tos_uri = $12, fetched_at = $13, expires_at = $14,
       last_error = NULL, last_error_code = NULL, last_error_at = NULL`,
    values,
  );
  return RowReader.of(dataSource, ClientMetadataDocument).hydrate({
    organizationId,
    url,
    ...document,
    fetchedAt,
    expiresAt,
    lastError: null,
    lastErrorCode: null,
    lastErrorAt: null,
  });
}

/**
 * Notes a failed fetch or validation. A document validated earlier is kept (it is shown, but once expired it is never
 * served: every resolve fetches again), so the failure itself is never cached. `expire`: the document now breaks a
 * rule, so the earlier one stops being served at once.
 */
export async function recordDocumentFailure(
  manager: DataSource | EntityManager,
  organizationId: string,
  url: string,
  code: string,
  message: string,
  at: Date,
  expire: boolean,
): Promise<void> {
  await manager.query(
    `INSERT INTO client_metadata_documents (organization_id, url, last_error, last_error_code, last_error_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (organization_id, url) DO UPDATE SET last_error = $3, last_error_code = $4, last_error_at = $5,
       expires_at = CASE WHEN $6 THEN LEAST(client_metadata_documents.expires_at, $5) ELSE client_metadata_documents.expires_at END`,
    [organizationId, url, message, code, at, expire],
  );
}
