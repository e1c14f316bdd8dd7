import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Generated secrets: 256 bits from the CSPRNG behind a recognisable prefix, so secret
 * scanners can find leaked ones (`clv_cs_` client secrets, `clv_pw_` credential passwords).
 */
export const SECRET_PREFIXES = {
  clientSecret: 'clv_cs_',
  credentialPassword: 'clv_pw_',
  /** RFC 7591 initial access tokens. */
  initialAccessToken: 'clv_iat_',
  /** RFC 7592 registration access tokens. */
  registrationAccessToken: 'clv_rat_',
} as const;

export function generateSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** OAuth client ids: 144 random bits, URL-safe, globally unique by construction. */
export function generateClientId(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Stores generated secrets as HMAC-SHA256 under a server-side key. The secrets carry 256
 * bits of entropy, so a slow password KDF adds nothing against guessing and would cost
 * every authentication milliseconds; the key means a stolen table alone cannot be used to
 * test guesses offline.
 */
export class SecretHasher {
  private readonly key: Buffer;

  constructor(key: string) {
    this.key = Buffer.from(key, 'utf8');
  }

  hash(secret: string): Buffer {
    return createHmac('sha256', this.key).update(secret, 'utf8').digest();
  }

  /** Constant time for every input: both sides are 32-byte digests. */
  matches(secret: string, storedHash: Buffer | null | undefined): boolean {
    return this.digestMatches(this.hash(secret), storedHash);
  }

  /** `matches` for a secret already hashed (one HMAC compared with several stored digests). */
  digestMatches(candidate: Buffer, storedHash: Buffer | null | undefined): boolean {
    const stored = storedHash && storedHash.length === candidate.length ? storedHash : Buffer.alloc(candidate.length);
    return timingSafeEqual(candidate, stored) && storedHash != null && storedHash.length === candidate.length;
  }
}
