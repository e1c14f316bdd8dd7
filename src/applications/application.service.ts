import type { DataSource, EntityManager } from 'typeorm';
import { assertMayWriteOwner } from '../auth/guard';
import { type AuditLog, changedFieldsOf } from '../audit/audit.service';
import type { Caller } from '../auth/scopes';
import { Client } from '../clients/client.entity';
import { type ClientSettings, newClientSettings } from '../clients/client.rules';
import { type IssuedClient, ClientService } from '../clients/client.service';
import { validateClientSettings } from '../clients/client.validation';
import { freeSlug, runTransaction, uniqueViolation } from '../common/db';
import type { IdempotencyStore } from '../common/idempotency';
import { slugify } from '../common/naming';
import { ConflictError, type FieldError, NotFoundError, throwIfInvalid } from '../common/errors';
import { newId } from '../common/ids';
import { OwnerType } from '../common/node';
import { type Page, type PageArgs, type SortOrder, byCreatedAt, cursorDate, paginate } from '../common/pagination';
import { fieldErrorsOf, messageOf } from '../common/issues';
import { redirectUriIssue, resourceUriIssue } from '../common/uris';
import { Application, type ApplicationProtocols } from './application.entity';
import { lockApplication } from './application.lock';
import {
  type ApplicationFilter,
  type ApplicationOrder,
  ApplicationOrderField,
  type ApplicationProtocolsInput,
  type CreateApplicationInput,
  type DeleteApplicationInput,
  OrderDirection,
  type UpdateApplicationInput,
} from './application.inputs';

export const DEFAULT_ZONE = 'default';

export interface CreatedApplication extends IssuedClient {
  application: Application;
}

function normalizeProtocols(input: ApplicationProtocolsInput | null | undefined): ApplicationProtocols | null {
  if (!input?.oauth2) return null;
  return { oauth2: { redirectUris: [...new Set(input.oauth2.redirectUris ?? [])], postLogoutRedirectUris: [...new Set(input.oauth2.postLogoutRedirectUris ?? [])] } };
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

const ORDER_COLUMNS: Record<ApplicationOrderField, SortOrder<Application>> = {
  [ApplicationOrderField.CREATED_AT]: byCreatedAt('application'),
  [ApplicationOrderField.UPDATED_AT]: { column: 'application.updated_at', direction: 'ASC', valueOf: (a) => a.updatedAt.toISOString(), parse: cursorDate },
  [ApplicationOrderField.NAME]: { column: 'application.name', direction: 'ASC', valueOf: (a) => a.name },
  [ApplicationOrderField.IDENTIFIER]: { column: 'application.identifier', direction: 'ASC', valueOf: (a) => a.identifier },
};

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
    return this.write(
      (manager) =>
        this.idempotency.run(manager, caller, {
          operation: 'createApplication',
          input,
          execute: () => this.insert(manager, caller, input, clientSettings),
          remember: (created) => ({ applicationId: created.application.id, clientId: created.client.id }),
          replay: async (ids) => {
            const { applicationId, clientId } = ids as { applicationId: string; clientId: string };
            const application = await manager.findOneBy(Application, { id: applicationId, organizationId: caller.organizationId });
            const client = await manager.findOneBy(Client, { id: clientId, organizationId: caller.organizationId });
            if (!application || !client) throw new NotFoundError('Application', applicationId);
            return { application, client, clientSecret: null };
          },
        }),
      slugRetries,
    );
  }

  /** Inserts the application and its default client in the caller's transaction. */
  private async insert(manager: EntityManager, caller: Caller, input: CreateApplicationInput, clientSettings: ClientSettings): Promise<CreatedApplication> {
    const zoneId = input.zoneId ?? DEFAULT_ZONE;
    const now = new Date();
    const application = manager.create(Application, {
      id: newId('application'),
      organizationId: caller.organizationId,
      zoneId,
      identifier: input.identifier,
      slug: input.slug ?? (await freeSlug(manager, 'applications', { organization_id: caller.organizationId, zone_id: zoneId }, slugify(input.name))),
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
    await manager.insert(Application, application);
    const issued = await this.clients.insert(manager, application, clientSettings, true);
    await this.audit.record(manager, caller, { action: 'application.create', targetId: application.id, targetType: 'Application', changedFields: changedFieldsOf(input) });
    await this.audit.record(manager, caller, { action: 'client.create', targetId: issued.client.id, targetType: 'Client', changedFields: changedFieldsOf(input.defaultClient ?? {}) });
    return { application, ...issued };
  }

  async update(caller: Caller, input: UpdateApplicationInput): Promise<Application> {
    return this.write(async (manager) => {
      const application = await lockApplication(manager, caller, input.id);
      if (input.expectedVersion != null && input.expectedVersion !== application.version) {
        throw new ConflictError(`Application ${application.id} is at version ${application.version}, not ${input.expectedVersion}.`);
      }
      const changes: Partial<Application> = {};
      if (input.identifier != null) changes.identifier = input.identifier;
      if (input.name != null) changes.name = input.name;
      if (input.slug != null) changes.slug = input.slug;
      if (input.description !== undefined) changes.description = input.description;
      if (input.metadata !== undefined) changes.metadata = input.metadata ? { docsUrl: input.metadata.docsUrl ?? null } : null;
      if (input.protocols !== undefined) changes.protocols = normalizeProtocols(input.protocols);
      if (input.dependencies != null) changes.dependencies = [...new Set(input.dependencies)];
      throwIfInvalid(applicationProblems(input));

      Object.assign(changes, { version: application.version + 1, updatedAt: new Date() });
      await manager.update(Application, { id: application.id }, changes);
      await this.audit.record(manager, caller, { action: 'application.update', targetId: application.id, targetType: 'Application', changedFields: changedFieldsOf(input) });
      return Object.assign(application, changes);
    });
  }

  /** Deletes the application; its clients (and credentials) go with it by foreign key cascade. */
  async delete(caller: Caller, input: DeleteApplicationInput): Promise<string> {
    return this.write(async (manager) => {
      const application = await lockApplication(manager, caller, input.id);
      await manager.delete(Application, { id: application.id });
      await this.audit.record(manager, caller, { action: 'application.delete', targetId: application.id, targetType: 'Application' });
      return application.id;
    });
  }

  async list(organizationId: string, filter: ApplicationFilter | undefined, order: ApplicationOrder | undefined, page: PageArgs): Promise<Page<Application>> {
    const query = this.dataSource.getRepository(Application).createQueryBuilder('application').where('application.organization_id = :organizationId', { organizationId });
    if (filter?.zoneId) query.andWhere('application.zone_id = :zoneId', { zoneId: filter.zoneId });
    if (filter?.ownerType) query.andWhere('application.owner_type = :ownerType', { ownerType: filter.ownerType });
    if (filter?.search) {
      const pattern = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query.andWhere('(application.name ILIKE :pattern OR application.identifier ILIKE :pattern OR application.slug ILIKE :pattern)', { pattern });
    }
    const sort = ORDER_COLUMNS[order?.field ?? ApplicationOrderField.CREATED_AT];
    return paginate(query, 'application.id', { ...sort, direction: order?.direction === OrderDirection.DESC ? 'DESC' : 'ASC' }, page);
  }

  /** Runs a write in a transaction, reporting identifier/slug collisions as CONFLICT; `slugRetries` re-runs it on a slug collision. */
  private async write<T>(work: (manager: EntityManager) => Promise<T>, slugRetries = 0): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await runTransaction(this.dataSource, work);
      } catch (error) {
        const constraint = uniqueViolation(error);
        if (constraint === 'applications_slug_key' && attempt < slugRetries) continue;
        if (constraint === 'applications_identifier_key') throw new ConflictError('Another application in this zone already has this identifier.');
        if (constraint === 'applications_slug_key') throw new ConflictError('Another application in this zone already has this slug.');
        throw error;
      }
    }
  }

}
