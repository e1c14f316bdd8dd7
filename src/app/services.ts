import type { DataSource } from 'typeorm';
import { ApplicationService } from '../applications/application.service';
import { AuditLog } from '../audit/audit.service';
import { ClientSecretService } from '../clients/client-secret.service';
import { ClientService } from '../clients/client.service';
import { ClientUriVerificationService, type DnsSettings } from '../clients/client-uri-verification';
import type { KeyRing } from '../common/encryption';
import { IdempotencyStore } from '../common/idempotency';
import type { SecretHasher } from '../common/secrets';
import { CredentialService } from '../credentials/credential.service';
import type { RateLimits } from '../limits/rate-limits';
import { ProviderService } from '../providers/provider.service';
import { RegistrationService } from '../registration/registration.service';

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
  registration: RegistrationService;
}

/** Optional settings of createServices. */
export interface ServiceOptions {
  /** DNS lookups of verifyClientUri; default: the system's resolvers, 3 s. */
  dns?: Partial<DnsSettings>;
}

/** Wires the services once per process: the one place that knows how they depend on each other. */
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
    registration: new RegistrationService(dataSource, hasher, clients, rateLimits, audit),
  };
}
