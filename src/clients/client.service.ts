import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Application } from '../applications/application.entity';
import { lockApplication } from '../applications/application.lock';
import type { IdempotencyStore } from '../common/idempotency';
import { type AuditLog, changedFieldsOf } from '../audit/audit.service';
import type { Caller } from '../auth/scopes';
import { runTransaction } from '../common/db';
import { ConflictError, NotFoundError, ValidationFailedError, throwIfInvalid } from '../common/errors';
import { newId } from '../common/ids';
import { type Page, type PageArgs, paginate, byCreatedAt } from '../common/pagination';
import { type SecretHasher, SECRET_PREFIXES, generateClientId, generateSecret } from '../common/secrets';
import { Client, ClientUriVerificationStatus, ClientVisibility, type ClientUriVerification, challengeRecordName } from './client.entity';
import { type ClientFilter, type ClientSettingsInput, CreateClientInput, type DeleteClientInput, UpdateClientInput } from './client.inputs';
import { type ClientSettings, fieldErrorsOf, newClientSettings, publicationIssues, updatedClientSettings, usesClientSecret } from './client.rules';
import { asInstance, changedClientIssues, inputFormatIssues, newClientIssues } from './client.validation';

export interface IssuedClient {
  client: Client;
  /** The plain secret, for the one response that may show it. */
  clientSecret: string | null;
}

function settingsOf(client: Client): ClientSettings {
  const { name, description, clientType, visibility, redirectUris, postLogoutRedirectUris, allowedCorsOrigins, grantTypes, responseTypes, scopes, tokenEndpointAuthMethod, requirePkce, clientUri, logoUri, policyUri, tosUri, accessTokenTtl, refreshTokenTtl, resources } = client;
  return { name, description, clientType, visibility, redirectUris, postLogoutRedirectUris, allowedCorsOrigins, grantTypes, responseTypes, scopes, tokenEndpointAuthMethod, requirePkce, clientUri, logoUri, policyUri, tosUri, accessTokenTtl, refreshTokenTtl, resources };
}

/** A fresh TXT record challenge for the host of a client URI. */
function newUriVerification(clientUri: string): ClientUriVerification {
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
  async insert(manager: EntityManager, application: Application, settings: ClientSettings, isDefault: boolean): Promise<IssuedClient> {
    const now = new Date();
    const clientSecret = usesClientSecret(settings) ? generateSecret(SECRET_PREFIXES.clientSecret) : null;
    const client = manager.create(Client, {
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
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
    await manager.insert(Client, client);
    return { client, clientSecret };
  }

  /** Problems of a new client's settings beyond the per-field ones (visibility needs a verified URI). */
  static publicationProblems(settings: ClientSettings, verification: ClientUriVerification | null, prefix = '') {
    return fieldErrorsOf(publicationIssues(settings, verification, prefix));
  }

  async create(caller: Caller, input: CreateClientInput): Promise<IssuedClient> {
    // The same checks as the dry run validateClientSettings (input bounds included).
    const settings = newClientSettings(input, input.name);
    throwIfInvalid(fieldErrorsOf(newClientIssues(asInstance(CreateClientInput, input), settings)));
    return runTransaction(this.dataSource, async (manager) => {
      const application = await lockApplication(manager, caller, input.applicationId);
      return this.idempotency.run(manager, caller, {
        operation: 'createClient',
        input,
        execute: async () => {
          const issued = await this.insert(manager, application, settings, false);
          await this.audit.record(manager, caller, { action: 'client.create', targetId: issued.client.id, targetType: 'Client', changedFields: changedFieldsOf(input) });
          return issued;
        },
        remember: (issued) => ({ clientId: issued.client.id }),
        replay: async (remembered) => {
          const id = (remembered as { clientId: string }).clientId;
          const client = await manager.findOneBy(Client, { id, organizationId: caller.organizationId });
          if (!client) throw new NotFoundError('Client', id);
          return { client, clientSecret: null };
        },
      });
    });
  }

  async update(caller: Caller, input: UpdateClientInput): Promise<Client> {
    const formatIssues = inputFormatIssues(asInstance(UpdateClientInput, input));
    return runTransaction(this.dataSource, async (manager) => {
      const client = await this.lockForChange(manager, caller, input.id);
      if (input.expectedVersion != null && input.expectedVersion !== client.version) {
        throw new ConflictError(`Client ${client.id} is at version ${client.version}, not ${input.expectedVersion}.`);
      }
      if (input.isDefault === false && client.isDefault) {
        throw new ValidationFailedError([{ path: 'isDefault', message: 'the default client changes by setting isDefault: true on another client' }]);
      }
      const before = settingsOf(client);
      const settings = updatedClientSettings(before, stripNulls(input));
      // A new clientUri starts a new verification (and so can never leave a client PUBLIC).
      const uriChanged = settings.clientUri !== before.clientUri;
      const verification = uriChanged ? (settings.clientUri ? newUriVerification(settings.clientUri) : null) : client.clientUriVerification;
      throwIfInvalid(fieldErrorsOf(changedClientIssues(formatIssues, settings, verification, uriChanged)));

      const now = new Date();
      const changes: Partial<Client> = { ...settings, clientUriVerification: verification, version: client.version + 1, updatedAt: now };
      if (settings.visibility === ClientVisibility.PUBLIC && before.visibility !== ClientVisibility.PUBLIC) changes.promotedAt = now;
      if (settings.visibility !== ClientVisibility.PUBLIC) changes.promotedAt = null;
      if (!usesClientSecret(settings)) {
        // A client that no longer authenticates with a secret must not keep one that works.
        Object.assign(changes, { secretHash: null, rotatedSecretHash: null, rotatedSecretExpiresAt: null });
      }
      if (input.isDefault === true && !client.isDefault) {
        await manager.update(Client, { applicationId: client.applicationId, isDefault: true }, { isDefault: false, updatedAt: now, version: () => 'version + 1' });
        changes.isDefault = true;
      }
      await manager.update(Client, { id: client.id }, changes);
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
      await manager.delete(Client, { id: client.id });
      await this.audit.record(manager, caller, { action: 'client.delete', targetId: client.id, targetType: 'Client' });
      return client.id;
    });
  }

  async list(organizationId: string, filter: ClientFilter | undefined, page: PageArgs): Promise<Page<Client>> {
    const query = this.dataSource.getRepository(Client).createQueryBuilder('client').where('client.organization_id = :organizationId', { organizationId });
    if (filter?.applicationId) query.andWhere('client.application_id = :applicationId', { applicationId: filter.applicationId });
    if (filter?.visibility) query.andWhere('client.visibility = :visibility', { visibility: filter.visibility });
    return paginate(query, 'client.id', byCreatedAt('client'), page);
  }

  /**
   * Locks a client for a change, with its application first (the order createClient and
   * deleteApplication take, so concurrent changes queue instead of deadlocking) and the
   * PLATFORM rule applied.
   */
  async lockForChange(manager: EntityManager, caller: Caller, id: string): Promise<Client> {
    const where = { id, organizationId: caller.organizationId };
    const found = await manager.findOne(Client, { where, select: { id: true, applicationId: true } });
    if (!found) throw new NotFoundError('Client', id);
    await lockApplication(manager, caller, found.applicationId);
    const client = await manager.findOne(Client, { where, lock: { mode: 'pessimistic_write' } });
    if (!client) throw new NotFoundError('Client', id);
    return client;
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
  return out as ClientSettingsInput;
}
