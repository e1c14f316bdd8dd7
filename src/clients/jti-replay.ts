import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { claimJti } from './jti-replay.repository';

/** Where used assertion ids are kept: PostgreSQL (the default) or Redis; both are shared by every replica. */
export type JtiStore = { kind: 'postgres'; dataSource: DataSource } | { kind: 'redis'; client: Redis };

/**
 * "The JWT MAY contain a jti claim … the authorization server MUST ensure that JWTs are not
 * replayed" (RFC 7523 §3 item 7; OpenID Connect Core §9 requires jti): each (client, jti)
 * is accepted once while the assertion lives. Kept outside the process so a replay that
 * reaches another replica is refused too.
 */
export class JtiReplayGuard {
  constructor(private readonly store: JtiStore) {}

  /** True the first time; false for every later use before `expiresAt`. */
  async claim(clientKey: string, jti: string, expiresAt: Date): Promise<boolean> {
    if (this.store.kind === 'postgres') return claimJti(this.store.dataSource, clientKey, jti, expiresAt);
    // At least a second, so an assertion expiring right now still blocks a simultaneous replay.
    const ms = Math.max(1000, expiresAt.getTime() - Date.now());
    const set = await this.store.client.set(`clavis:jti:${clientKey}:${jti}`, '1', 'PX', ms, 'NX');
    return set === 'OK';
  }
}
