import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { ApplicationService } from '../applications/application.service';
import { AuditLog } from '../audit/audit.service';
import { JwksCache } from '../clients/client-assertion';
import { ClientAuthenticationService } from '../clients/client-authentication.service';
import { ClientSecretService } from '../clients/client-secret.service';
import { JtiReplayGuard } from '../clients/jti-replay';
import { ClientService } from '../clients/client.service';
import { ClientUriVerificationService, type DnsSettings } from '../clients/client-uri-verification';
import type { KeyRing } from '../common/encryption';
import { IdempotencyStore } from '../common/idempotency';
import type { SecretHasher } from '../common/secrets';
import { CredentialService } from '../credentials/credential.service';
import type { RateLimits } from '../limits/rate-limits';
import { JWKS_LIMITS } from '../credentials/jwks';
import { SafeFetcher } from '../net/safe-fetcher';
import { ClientMetadataDocumentService } from '../metadata-documents/client-metadata-document.service';
import { ProviderService } from '../providers/provider.service';
import { RegistrationService } from '../registration/registration.service';

/** Process-wide, stateless services, built once at start-up. */
export interface Services {
  dataSource: DataSource;
  applications: ApplicationService;
  clients: ClientService;
  clientSecrets: ClientSecretService;
  clientAuthentication: ClientAuthenticationService;
  clientUriVerification: ClientUriVerificationService;
  providers: ProviderService;
  credentials: CredentialService;
  idempotency: IdempotencyStore;
  rateLimits: RateLimits;
  audit: AuditLog;
  registration: RegistrationService;
  /** Releases what the services hold open (the jwks_uri fetcher's connections); for shutdown. */
  close(): Promise<void>;
  metadataDocuments: ClientMetadataDocumentService;
}

/** Optional settings of createServices. */
export interface ServiceOptions {
  /** DNS lookups of verifyClientUri; default: the system's resolvers, 3 s. */
  dns?: Partial<DnsSettings>;
  /** Fetches credentials' jwks_uri; default: a SafeFetcher for JWK Sets (public addresses only). */
  jwksFetcher?: SafeFetcher;
  /** Keeps used client-assertion jtis in Redis instead of PostgreSQL. */
  jtiRedis?: Redis;
  /** Fetches client ID metadata documents; default: a SafeFetcher with a 5 KB cap (public addresses only). */
  metadataFetcher?: SafeFetcher;
}

/** Wires the services once per process: the one place that knows how they depend on each other. */
export function createServices(dataSource: DataSource, hasher: SecretHasher, keyRing: KeyRing, rateLimits: RateLimits, options: ServiceOptions = {}): Services {
  const idempotency = new IdempotencyStore(dataSource, hasher);
  const audit = new AuditLog(dataSource);
  const clients = new ClientService(dataSource, hasher, idempotency, audit);
  const clientSecrets = new ClientSecretService(dataSource, hasher, clients, rateLimits, audit);
  // A fetcher passed in belongs to the caller, who closes it; the default ones are closed by close().
  const ownFetchers: SafeFetcher[] = [];
  const own = (fetcher: SafeFetcher) => (ownFetchers.push(fetcher), fetcher);
  const jwksFetcher =
    options.jwksFetcher ?? own(new SafeFetcher({ maxBytes: JWKS_LIMITS.bytes, acceptContentTypes: ['application/json', 'application/jwk-set+json'] }));
  const metadataFetcher = options.metadataFetcher ?? own(new SafeFetcher({ maxBytes: 5 * 1024 }));
  const jtis = new JtiReplayGuard(options.jtiRedis ? { kind: 'redis', client: options.jtiRedis } : { kind: 'postgres', dataSource });
  return {
    dataSource,
    clients,
    clientSecrets,
    clientAuthentication: new ClientAuthenticationService(dataSource, clientSecrets, rateLimits, audit, new JwksCache(jwksFetcher), jtis),
    clientUriVerification: new ClientUriVerificationService(dataSource, clients, audit, options.dns),
    applications: new ApplicationService(dataSource, clients, idempotency, audit),
    providers: new ProviderService(dataSource, keyRing, idempotency, audit),
    credentials: new CredentialService(dataSource, hasher, idempotency, audit),
    idempotency,
    rateLimits,
    audit,
    registration: new RegistrationService(dataSource, hasher, clients, rateLimits, audit),
    metadataDocuments: new ClientMetadataDocumentService(dataSource, metadataFetcher, audit),
    close: async () => {
      await Promise.all(ownFetchers.map((fetcher) => fetcher.close()));
    },
  };
}
