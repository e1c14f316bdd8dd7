import type { DataSource, EntityManager } from 'typeorm';
import { assertMayWriteOwner } from '../auth/guard';
import { type AuditLog, changedFieldsOf } from '../audit/audit.service';
import type { Caller } from '../auth/scopes';
import { findClient } from '../clients/client.repository';
import { type ClientSettings, newClientSettings } from '../clients/client.rules';
import { type IssuedClient, ClientService } from '../clients/client.service';
import { validateClientSettings } from '../clients/client.validation';
import { DEFAULT_ZONE, bumped, checkExpectedVersion, foundOr, replayByIds } from '../common/crud';
import { transactionWithConflicts } from '../db/transactions';
import type { IdempotencyStore } from '../common/idempotency';
import { slugify } from '../common/naming';
import { type FieldError, throwIfInvalid } from '../common/errors';
import { newId } from '../common/ids';
import { OwnerType } from '../common/node';
import type { Page, PageArgs } from '../common/pagination';
import { fieldErrorsOf, messageOf } from '../common/issues';
import { redirectUriIssue, resourceUriIssue } from '../common/uris';
import type { Application, ApplicationProtocols } from './application.entity';
import { lockApplication } from './application.lock';
import { deleteApplication, findApplication, freeApplicationSlug, insertApplication, listApplications, updateApplication } from './application.repository';
import {
  type ApplicationFilter,
  type ApplicationOrder,
  type ApplicationProtocolsInput,
  type CreateApplicationInput,
  type DeleteApplicationInput,
  type UpdateApplicationInput,
} from './application.inputs';

const CONFLICTS = {
  applications_identifier_key: 'Another application in this zone already has this identifier.',
  applications_slug_key: 'Another application in this zone already has this slug.',
};

export interface CreatedApplication extends IssuedClient {
  application: Application;
}

function normalizeProtocols(input: ApplicationProtocolsInput | null | undefined): ApplicationProtocols | null {
  if (!input?.oauth2) return null;
  return {
    oauth2: { redirectUris: [...new Set(input.oauth2.redirectUris ?? [])], postLogoutRedirectUris: [...new Set(input.oauth2.postLogoutRedirectUris ?? [])] },
  };
}

/**
 * Problems of the application's own fields, on the lists as the caller sent them (so paths
 * carry the caller's indexes). Private-use schemes are accepted here: whether they fit is a
 * question for the client that uses the URIs.
 */
function applicationProblems(fields: { protocols?: ApplicationProtocolsInput | null; dependencies?: string[] | null }): FieldError[] {
  const problems: FieldError[] = [];
  const oauth2 = fields.protocols?.oauth2;
  for (const key of ['redirectUris', 'postLogoutRedirectUris'] as const) {
    oauth2?.[key]?.forEach((uri, i) => {
      const problem = messageOf(redirectUriIssue(uri, { allowPrivateUseScheme: true }));
      if (problem) problems.push({ path: `protocols.oauth2.${key}.${i}`, message: problem });
    });
  }
  fields.dependencies?.forEach((uri, i) => {
    const problem = messageOf(resourceUriIssue(uri));
    if (problem) problems.push({ path: `dependencies.${i}`, message: problem });
  });
  return problems;
}

export class ApplicationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clients: ClientService,
    private readonly idempotency: IdempotencyStore,
    private readonly audit: AuditLog,
  ) {}

  /** Creates the application and its default client in one transaction. */
  async create(caller: Caller, input: CreateApplicationInput): Promise<CreatedApplication> {
    assertMayWriteOwner(caller, input.ownerType ?? OwnerType.CUSTOMER);

    // The default client inherits the application's OAuth URIs unless it names its own; a
    // problem of an inherited URI is reported where the caller wrote it, under protocols.
    const clientInput = { ...(input.defaultClient ?? {}) };
    const inherited = new Set<string>();
    for (const key of ['redirectUris', 'postLogoutRedirectUris'] as const) {
      if (clientInput[key] === undefined && input.protocols?.oauth2?.[key]) {
        clientInput[key] = input.protocols.oauth2[key];
        inherited.add(key);
      }
    }
    const clientSettings = newClientSettings(clientInput, input.name);
    throwIfInvalid([...applicationProblems(input), ...fieldErrorsOf(validateClientSettings({ mode: 'default-client', settings: clientSettings, inherited }))]);

    // A derived slug can be taken by a concurrent create between freeSlug and the insert:
    // derive it again rather than report a conflict on a field the caller never chose.
    const slugRetries = input.slug ? 0 : 10;
    return transactionWithConflicts(
      this.dataSource,
      CONFLICTS,
      (manager) =>
        this.idempotency.run(manager, caller, {
          operation: 'createApplication',
          input,
          execute: () => this.insert(manager, caller, input, clientSettings),
          ...replayByIds(
            (created: CreatedApplication) => ({ applicationId: created.application.id, clientId: created.client.id }),
            async ({ applicationId, clientId }) => {
              const application = foundOr(await findApplication(manager, caller, applicationId), 'Application', applicationId);
              const client = foundOr(await findClient(manager, caller, clientId), 'Application', applicationId);
              return { application, client, clientSecret: null };
            },
          ),
        }),
      { constraint: 'applications_slug_key', times: slugRetries },
    );
  }

  /** Inserts the application and its default client in the caller's transaction. */
  private async insert(manager: EntityManager, caller: Caller, input: CreateApplicationInput, clientSettings: ClientSettings): Promise<CreatedApplication> {
    const zoneId = input.zoneId ?? DEFAULT_ZONE;
    const now = new Date();
    const application = await insertApplication(manager, {
      id: newId('application'),
      organizationId: caller.organizationId,
      zoneId,
      identifier: input.identifier,
      slug: input.slug ?? (await freeApplicationSlug(manager, caller.organizationId, zoneId, slugify(input.name))),
      name: input.name,
      description: input.description ?? null,
      ownerType: input.ownerType ?? OwnerType.CUSTOMER,
      metadata: input.metadata ? { docsUrl: input.metadata.docsUrl ?? null } : null,
      protocols: normalizeProtocols(input.protocols),
      dependencies: [...new Set(input.dependencies ?? [])],
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
    const issued = await this.clients.insert(manager, application, clientSettings, true);
    await this.audit.record(manager, caller, {
      action: 'application.create',
      targetId: application.id,
      targetType: 'Application',
      changedFields: changedFieldsOf(input),
    });
    await this.audit.record(manager, caller, {
      action: 'client.create',
      targetId: issued.client.id,
      targetType: 'Client',
      changedFields: changedFieldsOf(input.defaultClient ?? {}),
    });
    return { application, ...issued };
  }

  async update(caller: Caller, input: UpdateApplicationInput): Promise<Application> {
    return transactionWithConflicts(this.dataSource, CONFLICTS, async (manager) => {
      const application = await lockApplication(manager, caller, input.id);
      checkExpectedVersion('Application', application, input.expectedVersion);
      const changes: Partial<Application> = {};
      if (input.identifier != null) changes.identifier = input.identifier;
      if (input.name != null) changes.name = input.name;
      if (input.slug != null) changes.slug = input.slug;
      if (input.description !== undefined) changes.description = input.description;
      if (input.metadata !== undefined) changes.metadata = input.metadata ? { docsUrl: input.metadata.docsUrl ?? null } : null;
      if (input.protocols !== undefined) changes.protocols = normalizeProtocols(input.protocols);
      if (input.dependencies != null) changes.dependencies = [...new Set(input.dependencies)];
      throwIfInvalid(applicationProblems(input));

      await updateApplication(manager, application.id, bumped(application, changes));
      await this.audit.record(manager, caller, {
        action: 'application.update',
        targetId: application.id,
        targetType: 'Application',
        changedFields: changedFieldsOf(input),
      });
      return Object.assign(application, changes);
    });
  }

  /** Deletes the application; its clients (and credentials) go with it by foreign key cascade. */
  async delete(caller: Caller, input: DeleteApplicationInput): Promise<string> {
    return transactionWithConflicts(this.dataSource, CONFLICTS, async (manager) => {
      const application = await lockApplication(manager, caller, input.id);
      await deleteApplication(manager, application.id);
      await this.audit.record(manager, caller, { action: 'application.delete', targetId: application.id, targetType: 'Application' });
      return application.id;
    });
  }

  async list(caller: Caller, filter: ApplicationFilter | undefined, order: ApplicationOrder | undefined, page: PageArgs): Promise<Page<Application>> {
    return listApplications(this.dataSource, caller, filter, order, page);
  }
}
