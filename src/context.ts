import type { DataSource } from 'typeorm';
import { type ApplicationLoaders, createApplicationLoaders } from './applications/application.loaders';
import { ApplicationService } from './applications/application.service';
import type { Caller } from './auth/scopes';
import { type ClientLoaders, createClientLoaders } from './clients/client.loaders';
import { ClientSecretService } from './clients/client-secret.service';
import { ClientService } from './clients/client.service';
import type { KeyRing } from './common/encryption';
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
  providers: ProviderService;
  credentials: CredentialService;
}

export interface Loaders {
  applications: ApplicationLoaders;
  clients: ClientLoaders;
  providers: ProviderLoaders;
  credentials: CredentialLoaders;
}

/** Everything one GraphQL request sees. Loaders are fresh per request and never shared. */
export interface RequestContext {
  caller: Caller | null;
  requestId: string;
  services: Services;
  /** Scoped to the caller's organization; built on first use by an authorised resolver. */
  readonly loaders: Loaders;
}

export function createRequestContext(services: Services, caller: Caller | null, requestId: string): RequestContext {
  let loaders: Loaders | undefined;
  return {
    caller,
    requestId,
    services,
    get loaders(): Loaders {
      if (!caller) throw new Error('loaders need an authenticated caller');
      loaders ??= {
        applications: createApplicationLoaders(services.dataSource, caller.organizationId),
        clients: createClientLoaders(services.dataSource, caller.organizationId),
        providers: createProviderLoaders(services.dataSource, caller.organizationId),
        credentials: createCredentialLoaders(services.dataSource, caller.organizationId),
      };
      return loaders;
    },
  };
}

/** Wires the services once per process. */
export function createServices(dataSource: DataSource, hasher: SecretHasher, keyRing: KeyRing): Services {
  const clients = new ClientService(dataSource, hasher);
  return {
    dataSource,
    clients,
    clientSecrets: new ClientSecretService(dataSource, hasher, clients),
    applications: new ApplicationService(dataSource, clients),
    providers: new ProviderService(dataSource, keyRing),
    credentials: new CredentialService(dataSource, hasher),
  };
}
