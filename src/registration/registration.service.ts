import type { DataSource, EntityManager } from 'typeorm';
import { lockApplication } from '../applications/application.lock';
import type { AuditLog } from '../audit/audit.service';
import type { Caller } from '../auth/scopes';
import { foundOr } from '../common/crud';
import { newId } from '../common/ids';
import { RateLimitedError, ValidationFailedError } from '../common/errors';
import type { Page, PageArgs } from '../common/pagination';
import { type SecretHasher, SECRET_PREFIXES, generateSecret } from '../common/secrets';
import { runTransaction } from '../db/transactions';
import { type Client, RegistrationSource } from '../clients/client.entity';
import { deleteClient, updateClient } from '../clients/client.repository';
import { newClientSettings, usesClientSecret } from '../clients/client.rules';
import { type ClientService, newUriVerification } from '../clients/client.service';
import { validateClientSettings } from '../clients/client.validation';
import type { RateLimits } from '../limits/rate-limits';
import type { RegistrationToken } from './registration-token.entity';
import type { CreateRegistrationTokenInput } from './registration.inputs';
import { RegistrationError, type RequestedClient, metadataOf, registrationErrorOf, requestedClient } from './registration.metadata';
import {
  deleteExpiredClients,
  findRegisteredTwin,
  insertRegistrationToken,
  listRegistrationTokens,
  lockClientByRegistrationToken,
  lockRegistrationToken,
  lockRegistrationTokenByHash,
  updateRegistrationToken,
} from './registration.repository';

/** An RFC 7591/7592 response: status and JSON body. */
export interface RegistrationResponse {
  status: number;
  body?: Record<string, unknown>;
}

/** Where the registered client is managed (RFC 7592 `registration_client_uri`). */
export type ClientUriOf = (clientId: string) => string;

/** The scopes a registration writes with; audit events name the token (or client) as actor. */
const REGISTRATION_SCOPES: ReadonlySet<string> = new Set(['applications:write', 'applications:delete']);

function actor(organizationId: string, subject: string, requestId?: string): Caller {
  return { organizationId, subject, scopes: REGISTRATION_SCOPES, requestId };
}

/** What the caller wrote after "Bearer "; undefined when there is no bearer token. */
export function bearerOf(authorization: string | undefined): string | undefined {
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization ?? '');
  return match?.[1];
}

export class RegistrationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: SecretHasher,
    private readonly clients: ClientService,
    private readonly rateLimits: RateLimits,
    private readonly audit: AuditLog,
  ) {}

  async createToken(caller: Caller, input: CreateRegistrationTokenInput): Promise<{ registrationToken: RegistrationToken; token: string }> {
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new ValidationFailedError([{ path: 'expiresAt', message: 'must be in the future' }]);
    return runTransaction(this.dataSource, async (manager) => {
      const application = await lockApplication(manager, caller, input.applicationId);
      const token = generateSecret(SECRET_PREFIXES.initialAccessToken);
      const registrationToken = await insertRegistrationToken(manager, {
        id: newId('registrationToken'),
        organizationId: caller.organizationId,
        applicationId: application.id,
        description: input.description ?? null,
        tokenHash: this.hasher.hash(token),
        expiresAt: input.expiresAt ?? null,
        maxUses: input.maxUses ?? null,
        uses: 0,
        allowedScopes: input.allowedScopes ?? null,
        allowedGrantTypes: input.allowedGrantTypes ?? null,
        unusedClientExpiryDays: input.unusedClientExpiryDays ?? null,
        revokedAt: null,
        createdBy: caller.subject,
        createdAt: new Date(),
      });
      await this.audit.record(manager, caller, { action: 'registration_token.create', targetId: registrationToken.id, targetType: 'RegistrationToken' });
      return { registrationToken, token };
    });
  }

  async revokeToken(caller: Caller, id: string): Promise<RegistrationToken> {
    return runTransaction(this.dataSource, async (manager) => {
      const token = foundOr(await lockRegistrationToken(manager, caller, id), 'RegistrationToken', id);
      if (!token.revokedAt) {
        token.revokedAt = new Date();
        await updateRegistrationToken(manager, id, { revokedAt: token.revokedAt });
        await this.audit.record(manager, caller, { action: 'registration_token.revoke', targetId: id, targetType: 'RegistrationToken' });
      }
      return token;
    });
  }

  listTokens(caller: Caller, applicationId: string | undefined, page: PageArgs): Promise<Page<RegistrationToken>> {
    return listRegistrationTokens(this.dataSource, caller, applicationId, page);
  }

  /** RFC 7591 §3: registers a client with an initial access token (or returns its earlier twin). */
  async register(authorization: string | undefined, body: unknown, clientUriOf: ClientUriOf, requestId?: string): Promise<RegistrationResponse> {
    const presented = bearerOf(authorization);
    if (!presented) throw new RegistrationError('invalid_token', 'an initial access token is required (Authorization: Bearer)');
    const requested = requestedClient(body);
    return runTransaction(this.dataSource, async (manager) => {
      const token = await lockRegistrationTokenByHash(manager, this.hasher.hash(presented));
      const now = new Date();
      if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= now)) {
        throw new RegistrationError('invalid_token', 'the initial access token is not valid');
      }
      try {
        await this.rateLimits.consumeRegistration(token.id);
      } catch (error) {
        if (error instanceof RateLimitedError) throw new RegistrationError('rate_limited', error.message, 429, error.extensions.retryAfterSeconds as number);
        throw error;
      }
      const caller = actor(token.organizationId, `registration-token:${token.id}`, requestId);
      if (requested.softwareId) {
        const twin = await findRegisteredTwin(manager, token.id, requested.softwareId, requested.metadataHash);
        if (twin) return this.reissue(manager, caller, twin, clientUriOf, 200);
      }
      if (token.maxUses !== null && token.uses >= token.maxUses) {
        throw new RegistrationError('invalid_token', 'the initial access token has registered its maximum number of clients');
      }
      const settings = this.checkedSettings(token, requested, token.applicationId);
      const application = await lockApplication(manager, caller, token.applicationId);
      const accessToken = generateSecret(SECRET_PREFIXES.registrationAccessToken);
      const issued = await this.clients.insert(manager, application, settings, false, {
        registrationSource: RegistrationSource.DYNAMIC,
        softwareId: requested.softwareId,
        softwareVersion: requested.softwareVersion,
        registrationTokenId: token.id,
        registrationAccessTokenHash: this.hasher.hash(accessToken),
        registrationMetadataHash: requested.metadataHash,
        unusedExpiryDays: token.unusedClientExpiryDays,
      });
      await updateRegistrationToken(manager, token.id, { uses: token.uses + 1 });
      await this.audit.record(manager, caller, { action: 'client.register', targetId: issued.client.id, targetType: 'Client' });
      return { status: 201, body: this.registered(issued.client, accessToken, issued.clientSecret, clientUriOf) };
    });
  }

  /** RFC 7592 §2.1: the client's current metadata. */
  async read(clientId: string, authorization: string | undefined, clientUriOf: ClientUriOf): Promise<RegistrationResponse> {
    return runTransaction(this.dataSource, async (manager) => {
      const client = await this.managedClient(manager, clientId, authorization);
      return { status: 200, body: { ...metadataOf(client), registration_client_uri: clientUriOf(client.clientId) } };
    });
  }

  /** RFC 7592 §2.2: replaces the client's metadata; the registration access token is rotated. */
  async update(
    clientId: string,
    authorization: string | undefined,
    body: unknown,
    clientUriOf: ClientUriOf,
    requestId?: string,
  ): Promise<RegistrationResponse> {
    return runTransaction(this.dataSource, async (manager) => {
      const client = await this.managedClient(manager, clientId, authorization);
      const doc = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      if (doc.client_id !== client.clientId)
        throw new RegistrationError('invalid_client_metadata', 'client_id must be given and equal the client being updated');
      for (const member of ['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at']) {
        if (doc[member] !== undefined) throw new RegistrationError('invalid_client_metadata', `${member} must not be sent (RFC 7592 §2.2)`);
      }
      if (doc.client_secret !== undefined && (typeof doc.client_secret !== 'string' || !this.hasher.matches(doc.client_secret, client.secretHash))) {
        throw new RegistrationError('invalid_client_metadata', 'client_secret does not match the current secret');
      }
      const requested = requestedClient(body);
      const caller = actor(client.organizationId, `registration-client:${client.id}`, requestId);
      const token = client.registrationTokenId ? await lockRegistrationToken(manager, caller, client.registrationTokenId) : null;
      const settings = { ...this.checkedSettings(token, requested, client.applicationId, client), visibility: client.visibility };
      await lockApplication(manager, caller, client.applicationId);
      const accessToken = generateSecret(SECRET_PREFIXES.registrationAccessToken);
      let clientSecret: string | null = null;
      const changes: Partial<Client> = {
        ...settings,
        clientUriVerification:
          settings.clientUri === client.clientUri ? client.clientUriVerification : settings.clientUri ? newUriVerification(settings.clientUri) : null,
        softwareId: requested.softwareId,
        softwareVersion: requested.softwareVersion,
        registrationMetadataHash: requested.metadataHash,
        registrationAccessTokenHash: this.hasher.hash(accessToken),
        version: client.version + 1,
        updatedAt: new Date(),
      };
      if (!usesClientSecret(settings)) Object.assign(changes, { secretHash: null, rotatedSecretHash: null, rotatedSecretExpiresAt: null });
      else if (!client.secretHash) {
        // Switching to a secret method: the client needs a secret to use it.
        clientSecret = generateSecret(SECRET_PREFIXES.clientSecret);
        changes.secretHash = this.hasher.hash(clientSecret);
      }
      await updateClient(manager, client.id, changes);
      await this.audit.record(manager, caller, { action: 'client.registration_update', targetId: client.id, targetType: 'Client' });
      return { status: 200, body: this.registered(Object.assign(client, changes), accessToken, clientSecret, clientUriOf) };
    });
  }

  /** RFC 7592 §2.3: deletes the client; its registration access token dies with it. */
  async remove(clientId: string, authorization: string | undefined, requestId?: string): Promise<RegistrationResponse> {
    return runTransaction(this.dataSource, async (manager) => {
      const client = await this.managedClient(manager, clientId, authorization);
      const caller = actor(client.organizationId, `registration-client:${client.id}`, requestId);
      await lockApplication(manager, caller, client.applicationId);
      await deleteClient(manager, client.id);
      await this.audit.record(manager, caller, { action: 'client.registration_delete', targetId: client.id, targetType: 'Client' });
      return { status: 204 };
    });
  }

  /** Deletes dynamically registered clients past their `expiresAt`, each deletion audited; returns how many. */
  async sweepExpired(now = new Date()): Promise<number> {
    return runTransaction(this.dataSource, async (manager) => {
      const deleted = await deleteExpiredClients(manager, now);
      for (const row of deleted) {
        await this.audit.record(manager, actor(row.organization_id, 'system:registration-expiry'), {
          action: 'client.expire',
          targetId: row.id,
          targetType: 'Client',
        });
      }
      return deleted.length;
    });
  }

  /**
   * The client an RFC 7592 request manages. A token of another client, or of none, is 401
   * whether or not `clientId` exists (RFC 7592 §2.1: no 404 that would confirm a client id).
   */
  private async managedClient(manager: EntityManager, clientId: string, authorization: string | undefined): Promise<Client> {
    const presented = bearerOf(authorization);
    const client = presented ? await lockClientByRegistrationToken(manager, this.hasher.hash(presented)) : null;
    if (!client || client.clientId !== clientId) throw new RegistrationError('invalid_token', 'the registration access token is not valid for this client');
    return client;
  }

  /** The token's limits, then createClient's own validation of the settings the metadata maps to. */
  private checkedSettings(token: RegistrationToken | null, requested: RequestedClient, applicationId: string, current?: Client) {
    const { input } = requested;
    if (token?.allowedScopes && input.scopes?.some((scope) => !token.allowedScopes?.includes(scope))) {
      throw new RegistrationError('invalid_client_metadata', `scope: only ${token.allowedScopes.join(' ') || '(none)'} may be registered with this token`);
    }
    const scoped = { ...input, scopes: input.scopes ?? token?.allowedScopes ?? current?.scopes ?? undefined };
    const settings = newClientSettings(scoped, scoped.name);
    if (token?.allowedGrantTypes && settings.grantTypes.some((grant) => !token.allowedGrantTypes?.includes(grant))) {
      throw new RegistrationError('invalid_client_metadata', 'grant_types: this initial access token does not allow them all');
    }
    const error = registrationErrorOf(validateClientSettings({ mode: 'create', input: { ...scoped, applicationId }, settings }));
    if (error) throw error;
    return settings;
  }

  /** A re-registration of a known client: the same client_id, a fresh registration access token. */
  private async reissue(manager: EntityManager, caller: Caller, client: Client, clientUriOf: ClientUriOf, status: number): Promise<RegistrationResponse> {
    const accessToken = generateSecret(SECRET_PREFIXES.registrationAccessToken);
    await updateClient(manager, client.id, { registrationAccessTokenHash: this.hasher.hash(accessToken) });
    await this.audit.record(manager, caller, {
      action: 'client.register',
      targetId: client.id,
      targetType: 'Client',
      changedFields: ['registrationAccessToken'],
    });
    return { status, body: this.registered(client, accessToken, null, clientUriOf) };
  }

  /** RFC 7591 §3.2.1: metadata, credentials shown this once, and where to manage the client. */
  private registered(client: Client, accessToken: string, clientSecret: string | null, clientUriOf: ClientUriOf): Record<string, unknown> {
    return {
      ...metadataOf(client),
      ...(clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
      registration_access_token: accessToken,
      registration_client_uri: clientUriOf(client.clientId),
    };
  }
}
