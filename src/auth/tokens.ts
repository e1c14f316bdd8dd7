import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { UnauthenticatedError } from '../common/errors';
import { LRUCache } from 'lru-cache';
import { SCOPES, type Caller } from './scopes';

const VERIFIED_TOKEN_CACHE_SIZE = 10_000;
const VERIFIED_TOKEN_TTL_MS = 300_000;

export interface TokenSettings {
  jwtSecret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export type TokenVerifier = (authorizationHeader: string | undefined) => Promise<Caller | null>;

/**
 * Verifies `Authorization: Bearer <JWT>`: HS256 with a shared secret, or any asymmetric
 * algorithm through a JWKS endpoint. No header → no caller (operations then fail with
 * UNAUTHENTICATED); a header that does not verify fails the whole request.
 */
export function createTokenVerifier(settings: TokenSettings): TokenVerifier {
  // Tokens must expire: one without `exp` would be valid forever.
  const options = { issuer: settings.issuer, audience: settings.audience, requiredClaims: ['exp'] };
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
  const verified = new LRUCache<string, Caller>({ max: VERIFIED_TOKEN_CACHE_SIZE });

  return async (header) => {
    if (!header) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match) throw new UnauthenticatedError('The Authorization header must be "Bearer <token>".', 401);
    const token = match[1];
    const known = verified.get(token);
    if (known) return known;
    let payload;
    try {
      ({ payload } = await verify(token));
    } catch {
      throw new UnauthenticatedError('The bearer token is invalid or expired.', 401);
    }
    const { sub, org, scope, exp } = payload as { sub?: unknown; org?: unknown; scope?: unknown; exp?: number };
    if (typeof sub !== 'string' || !sub || typeof org !== 'string' || !org) {
      throw new UnauthenticatedError('The bearer token must carry "sub" and "org" claims.', 401);
    }
    const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
    const caller: Caller = { subject: sub, organizationId: org, scopes: new Set(scopes) };
    const ttl = Math.min((exp ?? 0) * 1000 - Date.now(), VERIFIED_TOKEN_TTL_MS);
    if (ttl > 0) verified.set(token, caller, { ttl });
    return caller;
  };
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
