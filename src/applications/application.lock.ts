import type { EntityManager } from 'typeorm';
import { assertMayWriteOwner } from '../auth/guard';
import type { Caller } from '../auth/scopes';
import { foundOr } from '../common/crud';
import type { Application } from './application.entity';
import { lockApplicationRow } from './application.repository';

/**
 * Locks an application of the caller's organization for a change to it or to something it
 * owns (clients, credentials), with the PLATFORM rule applied. Every write path takes this
 * lock first, so concurrent changes under one application queue instead of deadlocking.
 */
export async function lockApplication(manager: EntityManager, caller: Caller, applicationId: string): Promise<Application> {
  const application = foundOr(await lockApplicationRow(manager, caller, applicationId), 'Application', applicationId);
  assertMayWriteOwner(caller, application.ownerType);
  return application;
}

/** How to find and lock one kind of row an application owns (clients, credentials). */
export interface OwnedRows<T> {
  type: string;
  applicationIdOf: (manager: EntityManager, caller: Caller, id: string) => Promise<string | null | undefined>;
  lockRow: (manager: EntityManager, caller: Caller, id: string) => Promise<T | null>;
}

/**
 * Locks a row an application owns for a change: its application first (the order every write
 * path takes, with the PLATFORM rule), then the row itself; NOT_FOUND when either is missing.
 */
export async function lockOwnedRow<T>(manager: EntityManager, caller: Caller, rows: OwnedRows<T>, id: string): Promise<T> {
  await lockApplication(manager, caller, foundOr(await rows.applicationIdOf(manager, caller, id), rows.type, id));
  return foundOr(await rows.lockRow(manager, caller, id), rows.type, id);
}
