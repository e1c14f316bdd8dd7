import { ApplicationsAndClients1764165600000 } from './1764165600000-applications-and-clients';
import { ProvidersAndCredentials1764172800000 } from './1764172800000-providers-and-credentials';
import { IdempotencyKeys1764180000000 } from './1764180000000-idempotency-keys';
import { RateLimits1764183600000 } from './1764183600000-rate-limits';
import { PublicKeyClientIds1764187200000 } from './1764187200000-public-key-client-ids';
import { AuditEvents1764190800000 } from './1764190800000-audit-events';
import { DynamicRegistration1767000000000 } from './1767000000000-dynamic-registration';
import { ClientAuthentication1768000000000 } from './1768000000000-client-authentication';
import { ClientMetadataDocuments1769000000000 } from './1769000000000-client-metadata-documents';

/** Every migration, oldest first. Never edit one that has landed; add a new one. */
export const migrations = [
  ApplicationsAndClients1764165600000,
  ProvidersAndCredentials1764172800000,
  IdempotencyKeys1764180000000,
  RateLimits1764183600000,
  PublicKeyClientIds1764187200000,
  AuditEvents1764190800000,
  DynamicRegistration1767000000000,
  ClientAuthentication1768000000000,
  ClientMetadataDocuments1769000000000,
];
