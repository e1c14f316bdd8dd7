import type { DataSource } from 'typeorm';
import { type ApplicationLoaders, createApplicationLoaders } from '../applications/application.loaders';
import { type AuditLoaders, createAuditLoaders } from '../audit/audit.loaders';
import type { Caller } from '../auth/scopes';
import { type ClientLoaders, createClientLoaders } from '../clients/client.loaders';
import { UnauthenticatedError } from '../common/errors';
import { type CredentialLoaders, createCredentialLoaders } from '../credentials/credential.loaders';
import { type MetadataDocumentLoaders, createMetadataDocumentLoaders } from '../metadata-documents/client-metadata-document.loaders';
import { type ProviderLoaders, createProviderLoaders } from '../providers/provider.loaders';
import { type RegistrationLoaders, createRegistrationLoaders } from '../registration/registration.loaders';

export interface Loaders {
  applications: ApplicationLoaders;
  clients: ClientLoaders;
  providers: ProviderLoaders;
  credentials: CredentialLoaders;
  audit: AuditLoaders;
  registration: RegistrationLoaders;
  metadataDocuments: MetadataDocumentLoaders;
}

/**
 * Everything one GraphQL request sees. Loaders are fresh per request and never shared.
 * No services: resolvers get theirs by constructor (src/app/), so this module stays a leaf.
 */
export interface RequestContext {
  caller: Caller | null;
  requestId: string;
  /** Scoped to the caller's organization. */
  loaders: Loaders;
}

function createLoaders(dataSource: DataSource, organizationId: string): Loaders {
  return {
    applications: createApplicationLoaders(dataSource, organizationId),
    clients: createClientLoaders(dataSource, organizationId),
    providers: createProviderLoaders(dataSource, organizationId),
    credentials: createCredentialLoaders(dataSource, organizationId),
    audit: createAuditLoaders(dataSource, organizationId),
    registration: createRegistrationLoaders(dataSource, organizationId),
    metadataDocuments: createMetadataDocumentLoaders(dataSource, organizationId),
  };
}

/**
 * Stands in for the loaders of a request without a caller: guarded resolvers never reach
 * it, and anything that does is refused rather than served unscoped. (A plain object, not a
 * throwing getter: Apollo copies the context per operation.)
 */
const NO_CALLER_LOADERS = new Proxy({} as Loaders, {
  get: () => {
    throw new UnauthenticatedError();
  },
});

export function createRequestContext(dataSource: DataSource, verified: Caller | null, requestId: string): RequestContext {
  const caller = verified && { ...verified, requestId };
  return { caller, requestId, loaders: caller ? createLoaders(dataSource, caller.organizationId) : NO_CALLER_LOADERS };
}
