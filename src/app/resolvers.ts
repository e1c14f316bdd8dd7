import { ApplicationResolver } from '../applications/application.resolver';
import { ApplicationAuditResolver, AuditResolver, ClientAuditResolver } from '../audit/audit.resolver';
import { ApplicationClientsResolver, ClientResolver, ClientSecretResolver } from '../clients/client.resolver';
import { ApplicationCredentialResolver, ApplicationCredentialsResolver, CredentialResolver, TokenCredentialResolver } from '../credentials/credential.resolver';
import { ClientMetadataDocumentResolver, UrlCredentialDocumentResolver } from '../metadata-documents/client-metadata-document.resolver';
import { ProviderResolver } from '../providers/provider.resolver';
import { NodeResolver } from '../graphql/node.resolver';
import { RegistrationResolver } from '../registration/registration.resolver';
import type { Services } from './services';

/** A resolver class: constructed once, by createResolvers, with the services it uses. */
export type ResolverClass = abstract new (...services: never[]) => object;

/** Every resolver class of the schema, in the order the schema lists their fields. */
export const RESOLVERS: [ResolverClass, ...ResolverClass[]] = [
  ApplicationResolver,
  ApplicationClientsResolver,
  ApplicationCredentialsResolver,
  ClientResolver,
  ClientSecretResolver,
  CredentialResolver,
  ApplicationCredentialResolver,
  TokenCredentialResolver,
  UrlCredentialDocumentResolver,
  ClientMetadataDocumentResolver,
  ProviderResolver,
  AuditResolver,
  ApplicationAuditResolver,
  ClientAuditResolver,
  RegistrationResolver,
  NodeResolver,
];

/** One instance of each resolver class, given the services it calls (constructor injection). */
export function createResolvers(services: Services): object[] {
  return [
    new ApplicationResolver(services.applications),
    new ApplicationClientsResolver(),
    new ApplicationCredentialsResolver(),
    new ClientResolver(services.clients, services.clientUriVerification),
    new ClientSecretResolver(services.clientSecrets, services.clientAuthentication),
    new CredentialResolver(services.credentials),
    new ApplicationCredentialResolver(),
    new TokenCredentialResolver(),
    new UrlCredentialDocumentResolver(),
    new ClientMetadataDocumentResolver(services.metadataDocuments),
    new ProviderResolver(services.providers),
    new AuditResolver(services.audit),
    new ApplicationAuditResolver(),
    new ClientAuditResolver(),
    new RegistrationResolver(services.registration),
    new NodeResolver(),
  ];
}
