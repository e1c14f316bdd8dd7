import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Application } from '../applications/application.entity';
import { lockApplication, lockOwnedRow } from '../applications/application.lock';
import type { IdempotencyStore } from '../common/idempotency';
import { type AuditLog, changedFieldsOf } from '../audit/audit.service';
import type { Caller } from '../auth/scopes';
import { bumped, checkExpectedVersion, foundOr, replayByIds } from '../common/crud';
import { runTransaction } from '../db/transactions';
import { ValidationFailedError, throwIfInvalid } from '../common/errors';
import { fieldErrorsOf } from '../common/issues';
import { newId } from '../common/ids';
import type { Page, PageArgs } from '../common/pagination';
import { type SecretHasher, SECRET_PREFIXES, generateClientId, generateSecret } from '../common/secrets';
import {
  type Client,
  ClientUriVerificationStatus,
  RegistrationSource,
  ClientVisibility,
  type ClientUriVerification,
  challengeRecordName,
} from './client.entity';
import type { ClientFilter, ClientSettingsInput, CreateClientInput, DeleteClientInput, UpdateClientInput } from './client.inputs';
import { type ClientSettings, newClientSettings, settingsOf, updatedClientSettings, usesClientSecret } from './client.rules';
import { validateClientSettings } from './client.validation';
import {
  applicationIdOfClient,
  clearDefaultClient,
  deleteClient,
  findClient,
  insertClient,
  listClients,
  lockClientRow,
  updateClient,
} from './client.repository';

/** What a dynamic registration records on the client besides its settings. */
export type RegistrationFields =
  | 'registrationSource'
  | 'softwareId'
  | 'softwareVersion'
  | 'registrationTokenId'
  | 'registrationAccessTokenHash'
  | 'registrationMetadataHash'
  | 'unusedExpiryDays';

export interface IssuedClient {
  client: Client;
  /** The plain secret, for the one response that may show it. */
  clientSecret: string | null;
}

/** A fresh TXT record challenge for the host of a client URI. */
export function newUriVerification(clientUri: string): ClientUriVerification {
  return {
    status: ClientUriVerificationStatus.PENDING,
    txtRecord: `clavis-client-uri-verification=${randomBytes(18).toString('base64url')}`,
    recordName: challengeRecordName(clientUri),
    reason: null,
    checkedAt: null,
  };
}

export class ClientService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: SecretHasher,
    private readonly idempotency: IdempotencyStore,
    private readonly audit: AuditLog,
  ) {}

  /** Inserts a client inside the caller's transaction; shared with createApplication's default client. */
  async insert(
    manager: EntityManager,
    application: Application,
    settings: ClientSettings,
    isDefault: boolean,
    registration: Partial<Pick<Client, RegistrationFields>> = {},
  ): Promise<IssuedClient> {
    const now = new Date();
    const clientSecret = usesClientSecret(settings) ? generateSecret(SECRET_PREFIXES.clientSecret) : null;
    const client = await insertClient(manager, {
      ...settings,
      id: newId('client'),
      clientId: generateClientId(),
      organizationId: application.organizationId,
      applicationId: application.id,
      isDefault,
      promotedAt: null,
      clientUriVerification: settings.clientUri ? newUriVerification(settings.clientUri) : null,
      secretHash: clientSecret ? this.hasher.hash(clientSecret) : null,
      rotatedSecretHash: null,
      rotatedSecretExpiresAt: null,
      secretRotatedAt: null,
      secretLastUsedAt: null,
      rotatedSecretLastUsedAt: null,
      registrationSource: RegistrationSource.CONSOLE,
      softwareId: null,
      softwareVersion: null,
      registrationTokenId: null,
      registrationAccessTokenHash: null,
      registrationMetadataHash: null,
      unusedExpiryDays: null,
      ...registration,
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
    return { client, clientSecret };
  }

  async create(caller: Caller, input: CreateClientInput): Promise<IssuedClient> {
    // The same checks as the dry run validateClientSettings (input bounds included).
    const settings = newClientSettings(input, input.name);
    throwIfInvalid(fieldErrorsOf(validateClientSettings({ mode: 'create', input, settings })));
    return runTransaction(this.dataSource, async (manager) => {
      const application = await lockApplication(manager, caller, input.applicationId);
      return this.idempotency.run(manager, caller, {
        operation: 'createClient',
        input,
        execute: async () => {
          const issued = await this.insert(manager, application, settings, false);
          await this.audit.record(manager, caller, {
            action: 'client.create',
            targetId: issued.client.id,
            targetType: 'Client',
            changedFields: changedFieldsOf(input),
          });
          return issued;
        },
        ...replayByIds(
          (issued: IssuedClient) => ({ clientId: issued.client.id }),
          async ({ clientId }) => ({ client: foundOr(await findClient(manager, caller, clientId), 'Client', clientId), clientSecret: null }),
        ),
      });
    });
  }

  async update(caller: Caller, input: UpdateClientInput): Promise<Client> {
    return runTransaction(this.dataSource, async (manager) => {
      const client = await this.lockForChange(manager, caller, input.id);
      checkExpectedVersion('Client', client, input.expectedVersion);
      if (input.isDefault === false && client.isDefault) {
        throw new ValidationFailedError([{ path: 'isDefault', message: 'the default client changes by setting isDefault: true on another client' }]);
      }
      const before = settingsOf(client);
      const settings = updatedClientSettings(before, stripNulls(input));
      // A new clientUri starts a new verification (and so can never leave a client PUBLIC).
      const uriChanged = settings.clientUri !== before.clientUri;
      const verification = uriChanged ? (settings.clientUri ? newUriVerification(settings.clientUri) : null) : client.clientUriVerification;
      throwIfInvalid(fieldErrorsOf(validateClientSettings({ mode: 'update', input, settings, verification, uriChanged })));

      const now = new Date();
      const changes = bumped(client, { ...settings, clientUriVerification: verification }, now);
      if (settings.visibility === ClientVisibility.PUBLIC && before.visibility !== ClientVisibility.PUBLIC) changes.promotedAt = now;
      if (settings.visibility !== ClientVisibility.PUBLIC) changes.promotedAt = null;
      if (!usesClientSecret(settings)) {
        // A client that no longer authenticates with a secret must not keep one that works.
        Object.assign(changes, { secretHash: null, rotatedSecretHash: null, rotatedSecretExpiresAt: null });
      }
      if (input.isDefault === true && !client.isDefault) {
        await clearDefaultClient(manager, client.applicationId, now);
        changes.isDefault = true;
      }
      await updateClient(manager, client.id, changes);
      await this.audit.record(manager, caller, { action: 'client.update', targetId: client.id, targetType: 'Client', changedFields: changedFieldsOf(input) });
      return Object.assign(client, changes);
    });
  }

  async delete(caller: Caller, input: DeleteClientInput): Promise<string> {
    return runTransaction(this.dataSource, async (manager) => {
      const client = await this.lockForChange(manager, caller, input.id);
      if (client.isDefault) {
        throw new ValidationFailedError([{ path: 'id', message: 'the default client cannot be deleted; make another client the default first' }]);
      }
      await deleteClient(manager, client.id);
      await this.audit.record(manager, caller, { action: 'client.delete', targetId: client.id, targetType: 'Client' });
      return client.id;
    });
  }

  list(caller: Caller, filter: ClientFilter | undefined, page: PageArgs): Promise<Page<Client>> {
    return listClients(this.dataSource, caller, filter, page);
  }

  /**
   * Locks a client for a change, with its application first (the order createClient and
   * deleteApplication take, so concurrent changes queue instead of deadlocking) and the
   * PLATFORM rule applied.
   */
  async lockForChange(manager: EntityManager, caller: Caller, id: string): Promise<Client> {
    return lockOwnedRow(manager, caller, { type: 'Client', applicationIdOf: applicationIdOfClient, lockRow: lockClientRow }, id);
  }
}

/** GraphQL passes explicit nulls; for settings that cannot be null they mean "leave as is". */
function stripNulls(input: ClientSettingsInput): ClientSettingsInput {
  const nullable = new Set(['description', 'clientUri', 'logoUri', 'policyUri', 'tosUri', 'accessTokenTtl', 'refreshTokenTtl']);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === null && !nullable.has(key)) continue;
    out[key] = value;
  }
  return out;
}
