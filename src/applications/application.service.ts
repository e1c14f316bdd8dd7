import type { DataSource, EntityManager } from 'typeorm';
import { assertMayWriteOwner } from '../auth/guard';
import type { Caller } from '../auth/scopes';
import { ClientType } from '../clients/client.entity';
import { clientSettingsProblems, newClientSettings } from '../clients/client.rules';
import { type IssuedClient, ClientService } from '../clients/client.service';
import { uniqueViolation } from '../common/db';
import { ConflictError, type FieldError, NotFoundError, throwIfInvalid } from '../common/errors';
import { newId } from '../common/ids';
import { OwnerType } from '../common/node';
import { type Page, type PageArgs, type SortOrder, paginate } from '../common/pagination';
import { redirectUriProblem, resourceUriProblem } from '../common/uris';
import { Application, type ApplicationProtocols } from './application.entity';
import {
  APPLICATION_LIMITS,
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

/** Lowercase, URL-safe slug from a display name: "Billing Portal (EU)" → "billing-portal-eu". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, APPLICATION_LIMITS.slug - 4)
    .replace(/-+$/g, '');
  return slug || 'app';
}

function normalizeProtocols(input: ApplicationProtocolsInput | null | undefined): ApplicationProtocols | null {
  if (!input?.oauth2) return null;
  return { oauth2: { redirectUris: [...new Set(input.oauth2.redirectUris ?? [])], postLogoutRedirectUris: [...new Set(input.oauth2.postLogoutRedirectUris ?? [])] } };
}

function applicationProblems(fields: { protocols?: ApplicationProtocols | null; dependencies?: string[] }, allowPrivateUseScheme: boolean): FieldError[] {
  const problems: FieldError[] = [];
  const oauth2 = fields.protocols?.oauth2;
  for (const key of ['redirectUris', 'postLogoutRedirectUris'] as const) {
    oauth2?.[key].forEach((uri, i) => {
      const problem = redirectUriProblem(uri, { allowPrivateUseScheme });
      if (problem) problems.push({ path: `protocols.oauth2.${key}.${i}`, message: problem });
    });
  }
  fields.dependencies?.forEach((uri, i) => {
    const problem = resourceUriProblem(uri);
    if (problem) problems.push({ path: `dependencies.${i}`, message: problem });
  });
  return problems;
}

const ORDER_COLUMNS: Record<ApplicationOrderField, SortOrder<Application>> = {
  [ApplicationOrderField.CREATED_AT]: { column: 'application.created_at', direction: 'ASC', valueOf: (a) => a.createdAt.toISOString(), parse: (v) => new Date(String(v)) },
  [ApplicationOrderField.UPDATED_AT]: { column: 'application.updated_at', direction: 'ASC', valueOf: (a) => a.updatedAt.toISOString(), parse: (v) => new Date(String(v)) },
  [ApplicationOrderField.NAME]: { column: 'application.name', direction: 'ASC', valueOf: (a) => a.name },
  [ApplicationOrderField.IDENTIFIER]: { column: 'application.identifier', direction: 'ASC', valueOf: (a) => a.identifier },
};

export class ApplicationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clients: ClientService,
  ) {}

  /** Creates the application and its default client in one transaction. */
  async create(caller: Caller, input: CreateApplicationInput): Promise<CreatedApplication> {
    const ownerType = input.ownerType ?? OwnerType.CUSTOMER;
    assertMayWriteOwner(caller, ownerType);
    const protocols = normalizeProtocols(input.protocols);
    const dependencies = [...new Set(input.dependencies ?? [])];

    // The default client inherits the application's OAuth URIs unless it names its own;
    // an inherited URI's problem is reported once, under protocols.oauth2 where it was written.
    const clientInput = { ...(input.defaultClient ?? {}) };
    const inherited = new Set<string>();
    for (const key of ['redirectUris', 'postLogoutRedirectUris'] as const) {
      if (clientInput[key] === undefined && protocols?.oauth2) {
        clientInput[key] = protocols.oauth2[key];
        inherited.add(key);
      }
    }
    const clientSettings = newClientSettings(clientInput, input.name);
    const clientProblems = clientSettingsProblems(clientSettings, 'defaultClient.').filter((problem) => {
      const [, field, index] = problem.path.split('.');
      return !(inherited.has(field) && index !== undefined);
    });
    throwIfInvalid([
      ...applicationProblems({ protocols, dependencies }, clientSettings.clientType === ClientType.NATIVE),
      ...clientProblems,
      ...ClientService.publicationProblems(clientSettings, null, 'defaultClient.'),
    ]);

    return this.write(async (manager) => {
      const zoneId = input.zoneId ?? DEFAULT_ZONE;
      const now = new Date();
      const application = manager.create(Application, {
        id: newId('application'),
        organizationId: caller.organizationId,
        zoneId,
        identifier: input.identifier,
        slug: input.slug ?? (await this.freeSlug(manager, caller.organizationId, zoneId, slugify(input.name))),
        name: input.name,
        description: input.description ?? null,
        ownerType,
        metadata: input.metadata ? { docsUrl: input.metadata.docsUrl ?? null } : null,
        protocols,
        dependencies,
        version: 1,
        createdAt: now,
        updatedAt: now,
      });
      await manager.insert(Application, application);
      const issued = await this.clients.insert(manager, application, clientSettings, true);
      return { application, ...issued };
    });
  }

  async update(caller: Caller, input: UpdateApplicationInput): Promise<Application> {
    return this.write(async (manager) => {
      const application = await this.lock(manager, caller, input.id);
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
      throwIfInvalid(applicationProblems(changes, true));

      Object.assign(changes, { version: application.version + 1, updatedAt: new Date() });
      await manager.update(Application, { id: application.id }, changes);
      return Object.assign(application, changes);
    });
  }

  /** Deletes the application; its clients (and credentials) go with it by foreign key cascade. */
  async delete(caller: Caller, input: DeleteApplicationInput): Promise<string> {
    return this.write(async (manager) => {
      const application = await this.lock(manager, caller, input.id);
      await manager.delete(Application, { id: application.id });
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

  /** Runs a write in a transaction, reporting identifier/slug collisions as CONFLICT. */
  private async write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint === 'applications_identifier_key') throw new ConflictError('Another application in this zone already has this identifier.');
      if (constraint === 'applications_slug_key') throw new ConflictError('Another application in this zone already has this slug.');
      throw error;
    }
  }

  private async lock(manager: EntityManager, caller: Caller, id: string): Promise<Application> {
    const application = await manager.findOne(Application, { where: { id, organizationId: caller.organizationId }, lock: { mode: 'pessimistic_write' } });
    if (!application) throw new NotFoundError('Application', id);
    assertMayWriteOwner(caller, application.ownerType);
    return application;
  }

  /** `base`, or `base-2`, `base-3`… : the first slug not yet taken in the zone. */
  private async freeSlug(manager: EntityManager, organizationId: string, zoneId: string, base: string): Promise<string> {
    const rows: { slug: string }[] = await manager.query(
      `SELECT slug FROM applications WHERE organization_id = $1 AND zone_id = $2 AND (slug = $3 OR slug LIKE $4)`,
      [organizationId, zoneId, base, `${base}-%`],
    );
    const taken = new Set(rows.map((row) => row.slug));
    if (!taken.has(base)) return base;
    for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
  }
}
