import type { DataSource, DeepPartial, EntityManager } from 'typeorm';
import type { Caller } from '../auth/scopes';
import { organizationPage } from '../common/crud';
import { type Page, type PageArgs, type SortOrder, byCreatedAt, cursorDate } from '../common/pagination';
import { RowReader } from '../db/rows';
import { freeSlug } from '../db/slugs';
import { Application } from './application.entity';
import { type ApplicationFilter, type ApplicationOrder, ApplicationOrderField, OrderDirection } from './application.inputs';

/** Every SQL statement on the applications table. */

const ORDER_COLUMNS: Record<ApplicationOrderField, SortOrder<Application>> = {
  [ApplicationOrderField.CREATED_AT]: byCreatedAt('t'),
  [ApplicationOrderField.UPDATED_AT]: { column: 't.updated_at', direction: 'ASC', valueOf: (a) => a.updatedAt.toISOString(), parse: cursorDate },
  [ApplicationOrderField.NAME]: { column: 't.name', direction: 'ASC', valueOf: (a) => a.name },
  [ApplicationOrderField.IDENTIFIER]: { column: 't.identifier', direction: 'ASC', valueOf: (a) => a.identifier },
};

/** The caller's application, row-locked for the rest of the transaction; null when there is none. */
export function lockApplicationRow(manager: EntityManager, caller: Caller, id: string): Promise<Application | null> {
  return manager.findOne(Application, { where: { id, organizationId: caller.organizationId }, lock: { mode: 'pessimistic_write' } });
}

export function findApplication(manager: EntityManager, caller: Caller, id: string): Promise<Application | null> {
  return manager.findOneBy(Application, { id, organizationId: caller.organizationId });
}

/** The first free slug derived from `base` in the zone. */
export function freeApplicationSlug(manager: EntityManager, organizationId: string, zoneId: string, base: string): Promise<string> {
  return freeSlug(manager, 'applications', { organization_id: organizationId, zone_id: zoneId }, base);
}

/** Inserts the application; the entity instance written is returned. */
export async function insertApplication(manager: EntityManager, fields: DeepPartial<Application>): Promise<Application> {
  const application = manager.create(Application, fields);
  await manager.insert(Application, application);
  return application;
}

export async function updateApplication(manager: EntityManager, id: string, changes: Partial<Application>): Promise<void> {
  await manager.update(Application, { id }, changes);
}

/** Its clients and credentials go with it by foreign key cascade. */
export async function deleteApplication(manager: EntityManager, id: string): Promise<void> {
  await manager.delete(Application, { id });
}

/** One page of the caller's applications, filtered and in the asked order. */
export function listApplications(
  dataSource: DataSource,
  caller: Caller,
  filter: ApplicationFilter | undefined,
  order: ApplicationOrder | undefined,
  page: PageArgs,
): Promise<Page<Application>> {
  const sort = ORDER_COLUMNS[order?.field ?? ApplicationOrderField.CREATED_AT];
  const direction = order?.direction === OrderDirection.DESC ? 'DESC' : 'ASC';
  const rows = RowReader.of(dataSource, Application);
  return organizationPage(rows, caller, { zone_id: filter?.zoneId, owner_type: filter?.ownerType }, page, { ...sort, direction }, (bind) => {
    if (!filter?.search) return undefined;
    const pattern = bind(`%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    return `(t.name ILIKE ${pattern} OR t.identifier ILIKE ${pattern} OR t.slug ILIKE ${pattern})`;
  });
}

/** Loader batch: the organization's applications with these ids (in no particular order). */
export function applicationsByIds(dataSource: DataSource, organizationId: string, ids: readonly string[]): Promise<Application[]> {
  return RowReader.of(dataSource, Application).select('WHERE t.organization_id = $1 AND t.id = ANY($2)', [organizationId, ids]);
}
