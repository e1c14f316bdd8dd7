import type { DataSource } from 'typeorm';
import { type AuditLog, changedFieldsOf } from '../audit/audit.service';
import type { Caller } from '../auth/scopes';
import { bumped } from '../common/crud';
import { runTransaction } from '../db/transactions';
import { ValidationFailedError } from '../common/errors';
import { type SecretHasher, SECRET_PREFIXES, generateSecret } from '../common/secrets';
import type { Client } from './client.entity';
import type { DeleteRotatedClientSecretInput, RotateClientSecretInput } from './client.inputs';
import { clientForAuthentication, clientForAuthenticationWithAttempt, recordSecretUse, updateClient } from './client.repository';
import { usesClientSecret } from './client.rules';
import type { ClientService } from './client.service';
import type { RateLimits } from '../limits/rate-limits';

/** `secretLastUsedAt` and friends are refreshed at most this often per secret. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface AuthenticationResult {
  authenticated: boolean;
  client: Client | null;
  usedRotatedSecret: boolean;
}

const FAILED: AuthenticationResult = { authenticated: false, client: null, usedRotatedSecret: false };

/**
 * The life of a client secret: rotation with an optional grace period for the previous one,
 * early retirement of the previous one, and authentication against both.
 */
export class ClientSecretService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: SecretHasher,
    private readonly clients: ClientService,
    private readonly rateLimits: RateLimits,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Makes a new secret current and keeps the previous one valid until the grace period ends
   * (0: until deleted). The row lock serialises concurrent rotations of one client; an older
   * rotated secret is dropped, so at most two secrets ever work.
   */
  async rotate(caller: Caller, input: RotateClientSecretInput): Promise<{ client: Client; clientSecret: string }> {
    return runTransaction(this.dataSource, async (manager) => {
      const client = await this.clients.lockForChange(manager, caller, input.id);
      if (!usesClientSecret(client)) {
        throw new ValidationFailedError([{ path: 'id', message: `clients using ${client.tokenEndpointAuthMethod} have no secret to rotate` }]);
      }
      const now = new Date();
      const clientSecret = generateSecret(SECRET_PREFIXES.clientSecret);
      const grace = input.gracePeriodSeconds ?? 0;
      const changes = bumped(
        client,
        {
          secretHash: this.hasher.hash(clientSecret),
          rotatedSecretHash: client.secretHash,
          rotatedSecretExpiresAt: client.secretHash && grace > 0 ? new Date(now.getTime() + grace * 1000) : null,
          rotatedSecretLastUsedAt: client.secretHash ? client.secretLastUsedAt : null,
          secretLastUsedAt: null,
          secretRotatedAt: now,
        },
        now,
      );
      await updateClient(manager, client.id, changes);
      await this.audit.record(manager, caller, {
        action: 'client.rotate_secret',
        targetId: client.id,
        targetType: 'Client',
        changedFields: changedFieldsOf(input),
      });
      return { client: Object.assign(client, changes), clientSecret };
    });
  }

  /** The previous secret stops working at once. */
  async deleteRotated(caller: Caller, input: DeleteRotatedClientSecretInput): Promise<Client> {
    return runTransaction(this.dataSource, async (manager) => {
      const client = await this.clients.lockForChange(manager, caller, input.id);
      const changes = bumped(client, { rotatedSecretHash: null, rotatedSecretExpiresAt: null, rotatedSecretLastUsedAt: null });
      await updateClient(manager, client.id, changes);
      await this.audit.record(manager, caller, { action: 'client.delete_rotated_secret', targetId: client.id, targetType: 'Client' });
      return Object.assign(client, changes);
    });
  }

  /**
   * Checks a client secret in constant time. An unknown client id is compared against a
   * dummy digest, both secrets are always compared, and every failure looks the same. The
   * attempt is counted before the check (and given back on success), so however many arrive
   * at once, no more than the limit are ever checked.
   */
  async authenticate(caller: Caller, input: { clientId: string; clientSecret: string }): Promise<AuthenticationResult> {
    const now = Date.now();
    const { client, attempt } = await this.findForAuthentication(caller, input.clientId, now);
    await this.rateLimits.admitAuthenticationAttempt(caller, input.clientId, attempt);
    const rotatedValid = client?.rotatedSecretHash != null && (client.rotatedSecretExpiresAt == null || client.rotatedSecretExpiresAt.getTime() > now);
    const matchesCurrent = this.hasher.matches(input.clientSecret, client?.secretHash);
    const matchesRotated = this.hasher.matches(input.clientSecret, rotatedValid ? client?.rotatedSecretHash : null);
    if (!client || !usesClientSecret(client) || (!matchesCurrent && !matchesRotated)) {
      await this.rateLimits.settleAuthenticationAttempt(caller, input.clientId, attempt, false);
      return FAILED;
    }

    const usedRotatedSecret = !matchesCurrent;
    await Promise.all([this.rateLimits.settleAuthenticationAttempt(caller, input.clientId, attempt, true), this.recordUse(client, usedRotatedSecret, now)]);
    return { authenticated: true, client, usedRotatedSecret };
  }

  /**
   * The client, and the caller's attempt for that client id counted. With the PostgreSQL
   * store both happen in one statement.
   */
  private async findForAuthentication(
    caller: Caller,
    clientId: string,
    now: number,
  ): Promise<{ client?: Client; attempt: { points: number; msLeft: number } }> {
    const counted = this.rateLimits.authenticationAttemptCte(caller, clientId, 3, now);
    if (!counted) {
      const attempt = await this.rateLimits.countAuthenticationAttempt(caller, clientId);
      return { client: await clientForAuthentication(this.dataSource, caller, clientId), attempt };
    }
    const { client, attemptPoints, attemptExpire } = await clientForAuthenticationWithAttempt(this.dataSource, caller, clientId, counted);
    return { client, attempt: { points: attemptPoints, msLeft: attemptExpire - now } };
  }

  /** Refreshes the last-used time of the secret at most once per LAST_USED_RESOLUTION_MS. */
  private async recordUse(client: Client, rotated: boolean, now: number): Promise<void> {
    const last = rotated ? client.rotatedSecretLastUsedAt : client.secretLastUsedAt;
    if (last && now - last.getTime() < LAST_USED_RESOLUTION_MS) return;
    const usedAt = new Date(now);
    await recordSecretUse(this.dataSource, client.id, rotated, usedAt, new Date(now - LAST_USED_RESOLUTION_MS));
    if (rotated) client.rotatedSecretLastUsedAt = usedAt;
    else client.secretLastUsedAt = usedAt;
  }
}
