import type { DataSource } from 'typeorm';
import { type AuditLog, changedFieldsOf } from '../audit/audit.service';
import type { Caller } from '../auth/scopes';
import { bumped } from '../common/crud';
import { runTransaction } from '../db/transactions';
import { ValidationFailedError } from '../common/errors';
import { type SecretHasher, SECRET_PREFIXES, generateSecret } from '../common/secrets';
import type { Client } from './client.entity';
import type { DeleteRotatedClientSecretInput, RotateClientSecretInput } from './client.inputs';
import { AUTHENTICATION_FAILED, clientForAuthentication, clientForAuthenticationJudged, recordSecretUse, updateClient } from './client.repository';
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
   * Checks a client secret: one HMAC of the presented secret, compared with the current and
   * the rotated secret's digests. Every failure looks the same, an unknown client id included.
   * With the PostgreSQL store, reading the client, comparing and counting a failure are one
   * prepared statement, and a success writes no counter; otherwise the attempt is counted before
   * the check and given back on success. Either way no more than the limit of failures are ever
   * checked, however many arrive at once, and a locked-out caller is refused even the right secret.
   */
  async authenticate(caller: Caller, input: { clientId: string; clientSecret: string }): Promise<AuthenticationResult> {
    const now = Date.now();
    const digest = this.hasher.hash(input.clientSecret);
    const counting = this.rateLimits.authenticationFailureCte(caller, input.clientId, AUTHENTICATION_FAILED, 6, now);
    if (!counting) return this.authenticateCountingFirst(caller, input.clientId, digest, now);
    const judged = await clientForAuthenticationJudged(this.dataSource, caller, input.clientId, digest, new Date(now), counting);
    this.rateLimits.admitJudgedAttempt(judged.row, judged.matched, now);
    if (!judged.matched || !judged.client) return FAILED;
    const usedRotatedSecret = !judged.matchedCurrent;
    await this.recordUse(judged.client, usedRotatedSecret, now);
    return { authenticated: true, client: judged.client, usedRotatedSecret };
  }

  /** The stores other than PostgreSQL: count the attempt, check it, then settle it. */
  private async authenticateCountingFirst(caller: Caller, clientId: string, digest: Buffer, now: number): Promise<AuthenticationResult> {
    const attempt = await this.rateLimits.countAuthenticationAttempt(caller, clientId);
    await this.rateLimits.admitAuthenticationAttempt(caller, clientId, attempt);
    const client = await clientForAuthentication(this.dataSource, caller, clientId);
    const rotatedValid = client?.rotatedSecretHash != null && (client.rotatedSecretExpiresAt == null || client.rotatedSecretExpiresAt.getTime() > now);
    const matchesCurrent = this.hasher.digestMatches(digest, client?.secretHash);
    const matchesRotated = this.hasher.digestMatches(digest, rotatedValid ? client?.rotatedSecretHash : null);
    if (!client || !usesClientSecret(client) || (!matchesCurrent && !matchesRotated)) {
      await this.rateLimits.settleAuthenticationAttempt(caller, clientId, attempt, false);
      return FAILED;
    }
    const usedRotatedSecret = !matchesCurrent;
    await Promise.all([this.rateLimits.settleAuthenticationAttempt(caller, clientId, attempt, true), this.recordUse(client, usedRotatedSecret, now)]);
    return { authenticated: true, client, usedRotatedSecret };
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
