import type { DataSource } from 'typeorm';
import { type ApplicationLoaders, createApplicationLoaders } from './applications/application.loaders';
import { type AuditLoaders, createAuditLoaders } from './audit/audit.loaders';
import { AuditLog } from './audit/audit.service';
import { ApplicationService } from './applications/application.service';
import type { Caller } from './auth/scopes';
import { type ClientLoaders, createClientLoaders } from './clients/client.loaders';
import { ClientSecretService } from './clients/client-secret.service';
import { ClientService } from './clients/client.service';
import { ClientUriVerificationService, type DnsSettings } from './clients/client-uri-verification';
import type { KeyRing } from './common/encryption';
import { UnauthenticatedError } from './common/errors';
import { IdempotencyStore } from './common/idempotency';
import type { RateLimits } from './limits/rate-limits';
import type { SecretHasher } from './common/secrets';
import { type CredentialLoaders, createCredentialLoaders } from './credentials/credential.loaders';
import { CredentialService } from './credentials/credential.service';
import { type ProviderLoaders, createProviderLoaders } from './providers/provider.loaders';
import { ProviderService } from './providers/provider.service';

/** Process-wide, stateless services, built once at start-up. */
export interface Services {
  dataSource: DataSource;
  applications: ApplicationService;
  clients: ClientService;
  clientSecrets: ClientSecretService;
  clientUriVerification: ClientUriVerificationService;
  providers: ProviderService;
  credentials: CredentialService;
  idempotency: IdempotencyStore;
  rateLimits: RateLimits;
  audit: AuditLog;
}

export interface Loaders {
  applications: ApplicationLoaders;
  clients: ClientLoaders;
  providers: ProviderLoaders;
  credentials: CredentialLoaders;
  audit: AuditLoaders;
}

/** Everything one GraphQL request sees. Loaders are fresh per request and never shared. */
export interface RequestContext {
  caller: Caller | null;
  requestId: string;
  services: Services;
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

export function createRequestContext(services: Services, verified: Caller | null, requestId: string): RequestContext {
  const caller = verified && { ...verified, requestId };
  return { caller, requestId, services, loaders: caller ? createLoaders(services.dataSource, caller.organizationId) : NO_CALLER_LOADERS };
}

/** Optional settings of createServices. */
export interface ServiceOptions {
  /** DNS lookups of verifyClientUri; default: the system's resolvers, 3 s. */
  dns?: Partial<DnsSettings>;
}

/** Wires the services once per process. */
export function createServices(dataSource: DataSource, hasher: SecretHasher, keyRing: KeyRing, rateLimits: RateLimits, options: ServiceOptions = {}): Services {
  const idempotency = new IdempotencyStore(dataSource, hasher);
  const audit = new AuditLog(dataSource);
  const clients = new ClientService(dataSource, hasher, idempotency, audit);
  return {
    dataSource,
    clients,
    clientSecrets: new ClientSecretService(dataSource, hasher, clients, rateLimits, audit),
    clientUriVerification: new ClientUriVerificationService(dataSource, clients, audit, options.dns),
    applications: new ApplicationService(dataSource, clients, idempotency, audit),
    providers: new ProviderService(dataSource, keyRing, idempotency, audit),
    credentials: new CredentialService(dataSource, hasher, idempotency, audit),
    idempotency,
    rateLimits,
    audit,
  };
}
