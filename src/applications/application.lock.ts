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
