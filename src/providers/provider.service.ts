import { type DataSource, type EntityManager } from 'typeorm';
import { assertMayWriteOwner } from '../auth/guard';
import { type AuditLog, changedFieldsOf } from '../audit/audit.service';
import type { Caller } from '../auth/scopes';
import { freeSlug, runTransaction, transactionWithConflicts } from '../common/db';
import type { KeyRing } from '../common/encryption';
import type { IdempotencyStore } from '../common/idempotency';
import { ConflictError, type FieldError, NotFoundError, throwIfInvalid } from '../common/errors';
import { newId } from '../common/ids';
import { slugify } from '../common/naming';
import { OwnerType } from '../common/node';
import { type Page, type PageArgs, paginate, byCreatedAt } from '../common/pagination';
import { messageOf } from '../common/issues';
import { httpsUrlIssue } from '../common/uris';
import { Provider, type ProviderProtocols, ProviderType } from './provider.entity';
import type { CreateProviderInput, DeleteProviderInput, ProviderFilter, ProviderProtocolsInput, UpdateProviderInput } from './provider.inputs';

const DEFAULT_ZONE = 'default';
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
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) problems.push({ path: `protocols.oauth2.authorizationParameters.${name}`, message: 'is not a valid parameter name' });
      else if (typeof value !== 'string' || value.length > 1024) problems.push({ path: `protocols.oauth2.authorizationParameters.${name}`, message: 'must be a string of at most 1024 characters' });
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
          const provider = manager.create(Provider, {
            id,
            organizationId: caller.organizationId,
            zoneId,
            identifier: input.identifier,
            slug: input.slug ?? (await freeSlug(manager, 'providers', { organization_id: caller.organizationId, zone_id: zoneId }, slugify(input.name))),
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
          await manager.insert(Provider, provider);
          await this.audit.record(manager, caller, { action: 'provider.create', targetId: provider.id, targetType: 'Provider', changedFields: changedFieldsOf(input) });
          return provider;
        },
        remember: (provider) => ({ providerId: provider.id }),
        replay: async (remembered) => {
          const id = (remembered as { providerId: string }).providerId;
          const provider = await manager.findOneBy(Provider, { id, organizationId: caller.organizationId });
          if (!provider) throw new NotFoundError('Provider', id);
          return provider;
        },
      }),
    );
  }

  async update(caller: Caller, input: UpdateProviderInput): Promise<Provider> {
    return transactionWithConflicts(this.dataSource, CONFLICTS, async (manager) => {
      const provider = await this.lock(manager, caller, input.id);
      if (input.expectedVersion != null && input.expectedVersion !== provider.version) {
        throw new ConflictError(`Provider ${provider.id} is at version ${provider.version}, not ${input.expectedVersion}.`);
      }
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
      Object.assign(changes, { version: provider.version + 1, updatedAt: new Date() });
      await manager.update(Provider, { id: provider.id }, changes);
      await this.audit.record(manager, caller, { action: 'provider.update', targetId: provider.id, targetType: 'Provider', changedFields: changedFieldsOf(input) });
      return Object.assign(provider, changes);
    });
  }

  /** Refuses (CONFLICT) while token credentials trust the provider. */
  async delete(caller: Caller, input: DeleteProviderInput): Promise<string> {
    return runTransaction(this.dataSource, async (manager) => {
      const provider = await this.lock(manager, caller, input.id);
      const [{ n }] = await manager.query(`SELECT count(*)::int AS n FROM credentials WHERE provider_id = $1`, [provider.id]);
      if (n > 0) throw new ConflictError(`Provider ${provider.id} is used by ${n} token credential(s); delete or move them first.`);
      await manager.delete(Provider, { id: provider.id });
      await this.audit.record(manager, caller, { action: 'provider.delete', targetId: provider.id, targetType: 'Provider' });
      return provider.id;
    });
  }

  async list(organizationId: string, filter: ProviderFilter | undefined, page: PageArgs): Promise<Page<Provider>> {
    const query = this.dataSource.getRepository(Provider).createQueryBuilder('provider').where('provider.organization_id = :organizationId', { organizationId });
    if (filter?.zoneId) query.andWhere('provider.zone_id = :zoneId', { zoneId: filter.zoneId });
    if (filter?.type) query.andWhere('provider.type = :type', { type: filter.type });
    return paginate(query, 'provider.id', byCreatedAt('provider'), page);
  }

  /** The provider's client secret in the clear, for outbound calls made by Clavis itself. */
  revealClientSecret(provider: Provider): string | null {
    return provider.clientSecretEncrypted ? this.keyRing.decrypt(provider.clientSecretEncrypted, provider.id) : null;
  }

  private async lock(manager: EntityManager, caller: Caller, id: string): Promise<Provider> {
    const provider = await manager.findOne(Provider, { where: { id, organizationId: caller.organizationId }, lock: { mode: 'pessimistic_write' } });
    if (!provider) throw new NotFoundError('Provider', id);
    assertMayWriteOwner(caller, provider.ownerType);
    return provider;
  }
}
