import { type DataSource, type EntityManager } from 'typeorm';
import { assertMayWriteOwner } from '../auth/guard';
import { type AuditLog, changedFieldsOf } from '../audit/audit.service';
import type { Caller } from '../auth/scopes';
import { DEFAULT_ZONE, bumped, checkExpectedVersion, foundOr, replayByIds } from '../common/crud';
import { runTransaction, transactionWithConflicts } from '../db/transactions';
import type { KeyRing } from '../common/encryption';
import type { IdempotencyStore } from '../common/idempotency';
import { ConflictError, type FieldError, throwIfInvalid } from '../common/errors';
import { newId } from '../common/ids';
import { slugify } from '../common/naming';
import { OwnerType } from '../common/node';
import type { Page, PageArgs } from '../common/pagination';
import { messageOf } from '../common/issues';
import { httpsUrlIssue } from '../common/uris';
import { countCredentialsTrustingProvider } from '../credentials/credential.repository';
import { type Provider, type ProviderProtocols, ProviderType } from './provider.entity';
import type { CreateProviderInput, DeleteProviderInput, ProviderFilter, ProviderProtocolsInput, UpdateProviderInput } from './provider.inputs';
import { deleteProvider, findProvider, freeProviderSlug, insertProvider, listProviders, lockProviderRow, updateProvider } from './provider.repository';

const CONFLICTS = {
  providers_identifier_key: 'Another provider in this zone already has this identifier.',
  providers_slug_key: 'Another provider in this zone already has this slug.',
};
const URL_FIELDS = {
  oauth2: ['issuer', 'authorizationEndpoint', 'tokenEndpoint', 'revocationEndpoint'],
  openid: ['discoveryUri', 'userinfoUri', 'jwksUri', 'endSessionUri'],
} as const;

/** Drops unset members so stored protocols only hold what the caller said. */
function compact<T extends object>(value: T | null | undefined): T | null {
  if (!value) return null;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && v !== null);
  return entries.length ? (Object.fromEntries(entries) as T) : null;
}

function normalizeProtocols(input: ProviderProtocolsInput | null | undefined): ProviderProtocols | null {
  if (!input) return null;
  const oauth2 = compact(input.oauth2) as ProviderProtocols['oauth2'];
  const openid = compact(input.openid) as ProviderProtocols['openid'];
  return oauth2 || openid ? { oauth2, openid } : null;
}

function protocolProblems(protocols: ProviderProtocols | null): FieldError[] {
  const problems: FieldError[] = [];
  for (const section of ['oauth2', 'openid'] as const) {
    const values = protocols?.[section] as Record<string, unknown> | null | undefined;
    for (const field of URL_FIELDS[section]) {
      const value = values?.[field];
      const problem = typeof value === 'string' ? messageOf(httpsUrlIssue(value)) : null;
      if (problem) problems.push({ path: `protocols.${section}.${field}`, message: problem });
    }
  }
  const parameters = protocols?.oauth2?.authorizationParameters;
  if (parameters) {
    const entries = Object.entries(parameters);
    if (entries.length > 50) problems.push({ path: 'protocols.oauth2.authorizationParameters', message: 'must have at most 50 parameters' });
    for (const [name, value] of entries) {
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name))
        problems.push({ path: `protocols.oauth2.authorizationParameters.${name}`, message: 'is not a valid parameter name' });
      else if (typeof value !== 'string' || value.length > 1024)
        problems.push({ path: `protocols.oauth2.authorizationParameters.${name}`, message: 'must be a string of at most 1024 characters' });
    }
  }
  return problems;
}

export class ProviderService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keyRing: KeyRing,
    private readonly idempotency: IdempotencyStore,
    private readonly audit: AuditLog,
  ) {}

  async create(caller: Caller, input: CreateProviderInput): Promise<Provider> {
    const ownerType = input.ownerType ?? OwnerType.CUSTOMER;
    assertMayWriteOwner(caller, ownerType);
    const protocols = normalizeProtocols(input.protocols);
    throwIfInvalid(protocolProblems(protocols));
    return transactionWithConflicts(this.dataSource, CONFLICTS, (manager) =>
      this.idempotency.run(manager, caller, {
        operation: 'createProvider',
        input,
        execute: async () => {
          const zoneId = input.zoneId ?? DEFAULT_ZONE;
          const now = new Date();
          const id = newId('provider');
          const provider = await insertProvider(manager, {
            id,
            organizationId: caller.organizationId,
            zoneId,
            identifier: input.identifier,
            slug: input.slug ?? (await freeProviderSlug(manager, caller, zoneId, slugify(input.name))),
            name: input.name,
            description: input.description ?? null,
            ownerType,
            type: input.type ?? ProviderType.EXTERNAL,
            clientId: input.clientId ?? null,
            clientSecretEncrypted: input.clientSecret ? this.keyRing.encrypt(input.clientSecret, id) : null,
            metadata: input.metadata ? { docsUrl: input.metadata.docsUrl ?? null } : null,
            protocols,
            version: 1,
            createdAt: now,
            updatedAt: now,
          });
          await this.audit.record(manager, caller, {
            action: 'provider.create',
            targetId: provider.id,
            targetType: 'Provider',
            changedFields: changedFieldsOf(input),
          });
          return provider;
        },
        ...replayByIds(
          (provider) => ({ providerId: provider.id }),
          async ({ providerId }) => foundOr(await findProvider(manager, caller, providerId), 'Provider', providerId),
        ),
      }),
    );
  }

  async update(caller: Caller, input: UpdateProviderInput): Promise<Provider> {
    return transactionWithConflicts(this.dataSource, CONFLICTS, async (manager) => {
      const provider = await this.lock(manager, caller, input.id);
      checkExpectedVersion('Provider', provider, input.expectedVersion);
      if (input.clearClientSecret && input.clientSecret) {
        throwIfInvalid([{ path: 'clearClientSecret', message: 'cannot be combined with clientSecret' }]);
      }
      const changes: Partial<Provider> = {};
      if (input.identifier != null) changes.identifier = input.identifier;
      if (input.name != null) changes.name = input.name;
      if (input.slug != null) changes.slug = input.slug;
      if (input.type != null) changes.type = input.type;
      if (input.description !== undefined) changes.description = input.description;
      if (input.clientId !== undefined) changes.clientId = input.clientId;
      if (input.clientSecret) changes.clientSecretEncrypted = this.keyRing.encrypt(input.clientSecret, provider.id);
      if (input.clearClientSecret) changes.clientSecretEncrypted = null;
      if (input.metadata !== undefined) changes.metadata = input.metadata ? { docsUrl: input.metadata.docsUrl ?? null } : null;
      if (input.protocols !== undefined) changes.protocols = normalizeProtocols(input.protocols);
      throwIfInvalid(protocolProblems(changes.protocols ?? null));
      await updateProvider(manager, provider.id, bumped(provider, changes));
      await this.audit.record(manager, caller, {
        action: 'provider.update',
        targetId: provider.id,
        targetType: 'Provider',
        changedFields: changedFieldsOf(input),
      });
      return Object.assign(provider, changes);
    });
  }

  /** Refuses (CONFLICT) while token credentials trust the provider. */
  async delete(caller: Caller, input: DeleteProviderInput): Promise<string> {
    return runTransaction(this.dataSource, async (manager) => {
      const provider = await this.lock(manager, caller, input.id);
      const n = await countCredentialsTrustingProvider(manager, provider.id);
      if (n > 0) throw new ConflictError(`Provider ${provider.id} is used by ${n} token credential(s); delete or move them first.`);
      await deleteProvider(manager, provider.id);
      await this.audit.record(manager, caller, { action: 'provider.delete', targetId: provider.id, targetType: 'Provider' });
      return provider.id;
    });
  }

  /** The caller's organization's providers, oldest first. */
  list(caller: Caller, filter: ProviderFilter | undefined, page: PageArgs): Promise<Page<Provider>> {
    return listProviders(this.dataSource, caller, filter, page);
  }

  private async lock(manager: EntityManager, caller: Caller, id: string): Promise<Provider> {
    const provider = foundOr(await lockProviderRow(manager, caller, id), 'Provider', id);
    assertMayWriteOwner(caller, provider.ownerType);
    return provider;
  }
}
