import { type JSONWebKeySet, type JWTPayload, calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, errors, exportJWK, jwtVerify } from 'jose';
import type { SafeFetcher } from '../net/safe-fetcher';

/** `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2). */
export const CLIENT_ASSERTION_TYPE_JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * Asymmetric algorithms only: `none` would accept anything, and an HMAC "signed" with the
 * public key (which anyone has) would verify (RFC 8725 §2.1, §3.1).
 */
export const ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export const ASSERTION_LIMITS = {
  /** Characters of an assertion accepted at the boundary. */
  maxLength: 8192,
  /** Longest lifetime accepted (exp − iat, and exp − now): a short window bounds replay storage and theft. */
  maxLifetimeSeconds: 300,
  /** Clock difference tolerated between the client and Clavis. */
  clockSkewSeconds: 30,
  /** Characters of a jti. */
  maxJtiLength: 256,
} as const;

/** How long a fetched jwks_uri document is used: the response's cache headers, within these bounds. */
export const JWKS_CACHE_BOUNDS = { minSeconds: 60, maxSeconds: 3600 } as const;

/** Where one key holder's keys are: a JWK Set stored inline or published at a jwks_uri. */
export interface KeySource {
  jwks: Record<string, unknown> | null;
  jwksUri: string | null;
}

/** What verified: the claims needed to record the jti, and which key signed. */
export interface VerifiedAssertion {
  jti: string;
  expiresAt: Date;
  keyId: string | null;
  /** RFC 7638 SHA-256 thumbprint of the key that verified the signature. */
  keyThumbprint: string;
}

/** Why an assertion was refused; for logs and tests only, never for the caller. */
export class AssertionRejected extends Error {
  override readonly name = 'AssertionRejected';
}

/**
 * Key sets of jwks_uri documents, cached per process: fetched through the safe fetcher, kept
 * for the freshness the response allows (within JWKS_CACHE_BOUNDS), and fetched again when an
 * assertion names a kid the cached set lacks — the key rotation of OpenID Connect Core §10.1.1.
 */
export class JwksCache {
  private readonly sets = new Map<string, { jwks: JSONWebKeySet; until: number }>();

  constructor(private readonly fetcher: SafeFetcher) {}

  async get(uri: string, refresh: boolean): Promise<JSONWebKeySet> {
    const cached = this.sets.get(uri);
    if (cached && !refresh && cached.until > Date.now()) return cached.jwks;
    const fetched = await this.fetcher.fetch(uri, JWKS_CACHE_BOUNDS);
    const jwks = JSON.parse(fetched.body.toString('utf8')) as JSONWebKeySet;
    if (!Array.isArray(jwks?.keys)) throw new AssertionRejected(`${uri} is not a JWK Set`);
    this.sets.set(uri, { jwks, until: Date.now() + fetched.maxAgeSeconds * 1000 });
    return jwks;
  }
}

/** RFC 7523 §3 / OpenID Connect Core §9: the claims a client assertion must carry, beyond the signature. */
function checkClaims(payload: JWTPayload, nowSeconds: number): { jti: string; exp: number } {
  const { exp, iat, jti } = payload;
  const { maxLifetimeSeconds, clockSkewSeconds, maxJtiLength } = ASSERTION_LIMITS;
  if (typeof exp !== 'number') throw new AssertionRejected('exp is required');
  if (exp - nowSeconds > maxLifetimeSeconds + clockSkewSeconds) throw new AssertionRejected(`exp is more than ${maxLifetimeSeconds}s away`);
  if (iat !== undefined) {
    if (iat > nowSeconds + clockSkewSeconds) throw new AssertionRejected('iat is in the future');
    if (exp - iat > maxLifetimeSeconds) throw new AssertionRejected(`lifetime exceeds ${maxLifetimeSeconds}s`);
  }
  if (typeof jti !== 'string' || !jti || jti.length > maxJtiLength) throw new AssertionRejected('jti is required');
  return { jti, exp };
}

/**
 * Verifies a client assertion against one key source: an allowed asymmetric algorithm, a
 * signature by one of its keys, iss = sub = the client id, an expected audience, exp present,
 * not past and at most ASSERTION_LIMITS.maxLifetimeSeconds away, nbf and iat sane within the
 * clock skew, a jti. Replay of the jti is the caller's next step (JtiReplayGuard).
 */
export async function verifyClientAssertion(
  assertion: string,
  options: { clientId: string; expectedAudiences: string[]; keys: KeySource; jwksCache: JwksCache },
): Promise<VerifiedAssertion> {
  const header = decodeProtectedHeader(assertion);
  if (typeof header.alg !== 'string' || !(ASSERTION_ALGORITHMS as readonly string[]).includes(header.alg)) {
    throw new AssertionRejected(`alg ${String(header.alg)} is not allowed`);
  }
  const verifyWith = async (jwks: JSONWebKeySet) => {
    const result = await jwtVerify(assertion, createLocalJWKSet(jwks), {
      algorithms: [...ASSERTION_ALGORITHMS],
      issuer: options.clientId,
      subject: options.clientId,
      audience: options.expectedAudiences,
      clockTolerance: ASSERTION_LIMITS.clockSkewSeconds,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
    });
    return result;
  };
  let result;
  if (options.keys.jwks) {
    result = await verifyWith(options.keys.jwks as unknown as JSONWebKeySet);
  } else if (options.keys.jwksUri) {
    try {
      result = await verifyWith(await options.jwksCache.get(options.keys.jwksUri, false));
    } catch (error) {
      // An unknown kid may be a key the client rotated in since the set was cached: fetch once more.
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      result = await verifyWith(await options.jwksCache.get(options.keys.jwksUri, true));
    }
  } else {
    throw new AssertionRejected('no keys');
  }
  const { jti, exp } = checkClaims(result.payload, Math.floor(Date.now() / 1000));
  const jwk = await exportJWK(result.key);
  return { jti, expiresAt: new Date(exp * 1000), keyId: result.protectedHeader.kid ?? null, keyThumbprint: await calculateJwkThumbprint(jwk, 'sha256') };
}
