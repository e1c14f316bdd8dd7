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

/**
 * Each feature's loaders are made on first use: a request reads one or two features, and a
 * request waiting for admission (a spike queues hundreds) should not hold some thirty DataLoaders
 * it may never use. Getters on a class, so each request allocates one small object.
 */
class RequestLoaders implements Loaders {
  private applicationLoaders?: ApplicationLoaders;
  private clientLoaders?: ClientLoaders;
  private providerLoaders?: ProviderLoaders;
  private credentialLoaders?: CredentialLoaders;
  private auditLoaders?: AuditLoaders;
  private registrationLoaders?: RegistrationLoaders;
  private metadataDocumentLoaders?: MetadataDocumentLoaders;

  constructor(
    private readonly dataSource: DataSource,
    private readonly organizationId: string,
  ) {}

  get applications(): ApplicationLoaders {
    return (this.applicationLoaders ??= createApplicationLoaders(this.dataSource, this.organizationId));
  }
  get clients(): ClientLoaders {
    return (this.clientLoaders ??= createClientLoaders(this.dataSource, this.organizationId));
  }
  get providers(): ProviderLoaders {
    return (this.providerLoaders ??= createProviderLoaders(this.dataSource, this.organizationId));
  }
  get credentials(): CredentialLoaders {
    return (this.credentialLoaders ??= createCredentialLoaders(this.dataSource, this.organizationId));
  }
  get audit(): AuditLoaders {
    return (this.auditLoaders ??= createAuditLoaders(this.dataSource, this.organizationId));
  }
  get registration(): RegistrationLoaders {
    return (this.registrationLoaders ??= createRegistrationLoaders(this.dataSource, this.organizationId));
  }
  get metadataDocuments(): MetadataDocumentLoaders {
    return (this.metadataDocumentLoaders ??= createMetadataDocumentLoaders(this.dataSource, this.organizationId));
  }
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
  return { caller, requestId, loaders: caller ? new RequestLoaders(dataSource, caller.organizationId) : NO_CALLER_LOADERS };
}
