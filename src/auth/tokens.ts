import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { UnauthenticatedError } from '../common/errors';
import { LRUCache } from 'lru-cache';
import { SCOPES, type Caller } from './scopes';

const VERIFIED_TOKEN_CACHE_SIZE = 10_000;
const VERIFIED_TOKEN_TTL_MS = 300_000;
/** How far in the future an `iat` may lie (clock skew between issuer and Clavis). */
const ISSUED_AT_SKEW_SECONDS = 60;

/**
 * Bounds of the claims (UTF-16 code units). They keep every key built from a caller bounded
 * (rate limits hash them anyway) and every stored `organization_id` / audit `actor` sane.
 */
export const CLAIM_LIMITS = { sub: 255, org: 128, scope: 2048 } as const;

export interface TokenSettings {
  jwtSecret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Largest accepted `exp` − `iat`, in seconds; unset: no limit. */
  maxLifetimeSeconds?: number;
}

export type TokenVerifier = ((authorizationHeader: string | undefined) => Promise<Caller | null>) & {
  /** How many verified tokens are cached now. */
  readonly cachedTokens: number;
};

/** Lone surrogates (stored as U+FFFD, so two different claims would become one) and control characters. */
const MALFORMED_CLAIM = /[\p{Cs}\p{Cc}]/u;

/** A string claim that is present, bounded and well-formed Unicode without control characters. */
function validClaim(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && !MALFORMED_CLAIM.test(value);
}

/**
 * A JWS segment in the one base64url spelling of its bytes. Node's decoder accepts other
 * spellings of the same signature (trailing characters, the unused low bits of the last
 * one); refusing them keeps one token one text, so variants cannot fill the cache.
 */
function canonicalBase64url(segment: string): boolean {
  return Buffer.from(segment, 'base64url').toString('base64url') === segment;
}

/**
 * Verifies `Authorization: Bearer <JWT>`: HS256 with a shared secret, or any asymmetric
 * algorithm through a JWKS endpoint. No header → no caller (operations then fail with
 * UNAUTHENTICATED); a header that does not verify fails the whole request.
 */
export function createTokenVerifier(settings: TokenSettings): TokenVerifier {
  // Tokens must expire: one without `exp` would be valid forever.
  // `iat` too: without it a token's lifetime is unknown, so none could be bounded.
  const options = { issuer: settings.issuer, audience: settings.audience, requiredClaims: ['exp', 'iat'] };
  let verify: (token: string) => Promise<{ payload: JWTPayload }>;
  if (settings.jwksUrl) {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(settings.jwksUrl));
    verify = (token) => jwtVerify(token, jwks, options);
  } else if (settings.jwtSecret) {
    const key = new TextEncoder().encode(settings.jwtSecret);
    verify = (token) => jwtVerify(token, key, { ...options, algorithms: ['HS256'] });
  } else {
    throw new Error('a JWT secret or a JWKS URL is required');
  }

  // Callers send the same token many times: remember verified ones (never longer than the
  // token lives, nor VERIFIED_TOKEN_TTL_MS) instead of checking the signature every request.
  // Keyed by the signed header and claims plus the signature's bytes (decoded), never by other
  // text a sender could vary: one token is one entry.
  const verified = new LRUCache<string, Caller>({ max: VERIFIED_TOKEN_CACHE_SIZE });
  const invalid = () => new UnauthenticatedError('The bearer token is invalid or expired.', 401);

  const verifier = async (header: string | undefined) => {
    if (!header) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match) throw new UnauthenticatedError('The Authorization header must be "Bearer <token>".', 401);
    const token = match[1];
    const segments = token.split('.');
    if (segments.length !== 3 || !segments.every(canonicalBase64url)) throw invalid();
    const cacheKey = `${segments[0]}.${segments[1]}.${Buffer.from(segments[2], 'base64url').toString('base64url')}`;
    const known = verified.get(cacheKey);
    if (known) return known;
    let payload;
    try {
      ({ payload } = await verify(token));
    } catch {
      throw invalid();
    }
    const { sub, org, scope, exp, iat } = payload as { sub?: unknown; org?: unknown; scope?: unknown; exp: number; iat: number };
    if (iat > Date.now() / 1000 + ISSUED_AT_SKEW_SECONDS) throw new UnauthenticatedError('The bearer token is issued in the future.', 401);
    if (settings.maxLifetimeSeconds !== undefined && exp - iat > settings.maxLifetimeSeconds) {
      throw new UnauthenticatedError(`The bearer token lives longer than the accepted ${settings.maxLifetimeSeconds} seconds (exp - iat).`, 401);
    }
    const scopeValid = typeof scope !== 'string' || scope === '' || validClaim(scope, CLAIM_LIMITS.scope);
    if (!validClaim(sub, CLAIM_LIMITS.sub) || !validClaim(org, CLAIM_LIMITS.org) || !scopeValid) {
      throw new UnauthenticatedError(
        `The bearer token must carry "sub" (at most ${CLAIM_LIMITS.sub} characters) and "org" (at most ${CLAIM_LIMITS.org}), and "scope" of at most ` +
          `${CLAIM_LIMITS.scope}, as well-formed Unicode without control characters.`,
        401,
      );
    }
    const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
    const caller: Caller = { subject: sub, organizationId: org, scopes: new Set(scopes) };
    const ttl = Math.min(exp * 1000 - Date.now(), VERIFIED_TOKEN_TTL_MS);
    if (ttl > 0) verified.set(cacheKey, caller, { ttl });
    return caller;
  };
  return Object.defineProperty(verifier, 'cachedTokens', { get: () => verified.size }) as TokenVerifier;
}

/** Signs an HS256 token; used for the development token and by tests. */
export async function signToken(
  secret: string,
  claims: { sub: string; org: string; scope?: string },
  options: { expiresIn?: string; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({ org: claims.org, scope: claims.scope ?? SCOPES.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h');
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
