import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { FieldError } from '../common/errors';

/** Members that only private (or symmetric) keys have (RFC 7517 / RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const CURVES: Record<string, readonly string[]> = { EC: ['P-256', 'P-384', 'P-521'], OKP: ['Ed25519', 'Ed448'] };
const ALGORITHMS: Record<string, { kty: string; crv?: string }> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP' },
};
export const JWKS_LIMITS = { keys: 20, bytes: 64 * 1024, kid: 128, minRsaBits: 2048 } as const;

/**
 * Problems of a JSON Web Key Set given as a credential, key by key: public signing keys
 * only (RSA ≥ 2048 bits, EC P-256/384/521, Ed25519/Ed448), a supported `alg` matching the
 * key, unique `kid`s (required when there are several keys), and keys that actually parse.
 */
export function jwksProblems(jwks: unknown, path: string): FieldError[] {
  const problems: FieldError[] = [];
  const at = (sub: string, message: string) => problems.push({ path: sub ? `${path}.${sub}` : path, message });
  if (JSON.stringify(jwks ?? null).length > JWKS_LIMITS.bytes) return [{ path, message: `must be at most ${JWKS_LIMITS.bytes} bytes` }];
  const keys = (jwks as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) return [{ path, message: 'must be a JWK Set: an object with a "keys" array' }];
  if (keys.length === 0 || keys.length > JWKS_LIMITS.keys) return [{ path: `${path}.keys`, message: `must hold 1 to ${JWKS_LIMITS.keys} keys` }];

  const kids = new Set<string>();
  keys.forEach((key: unknown, i) => {
    const where = `keys.${i}`;
    if (key === null || typeof key !== 'object' || Array.isArray(key)) return at(where, 'must be a JSON Web Key object');
    const jwk = key as Record<string, unknown>;
    const privateMembers = PRIVATE_MEMBERS.filter((member) => member in jwk);
    if (privateMembers.length > 0) return at(where, `must be a public key: remove the private members ${privateMembers.join(', ')}`);
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') return at(`${where}.kty`, 'must be RSA, EC or OKP (symmetric keys are not accepted)');
    if (CURVES[jwk.kty] && !CURVES[jwk.kty].includes(String(jwk.crv))) at(`${where}.crv`, `must be one of ${CURVES[jwk.kty].join(', ')}`);
    if (jwk.use !== undefined && jwk.use !== 'sig') at(`${where}.use`, 'must be "sig": credentials verify signatures');
    if (jwk.alg !== undefined) {
      const algorithm = typeof jwk.alg === 'string' ? ALGORITHMS[jwk.alg] : undefined;
      if (!algorithm) at(`${where}.alg`, `must be one of ${Object.keys(ALGORITHMS).join(', ')}`);
      else if (algorithm.kty !== jwk.kty || (algorithm.crv && algorithm.crv !== jwk.crv))
        at(`${where}.alg`, `does not match the key type ${String(jwk.kty)}${typeof jwk.crv === 'string' ? ` ${jwk.crv}` : ''}`);
    }
    if (jwk.kid !== undefined) {
      if (typeof jwk.kid !== 'string' || !jwk.kid || jwk.kid.length > JWKS_LIMITS.kid)
        at(`${where}.kid`, `must be a string of 1 to ${JWKS_LIMITS.kid} characters`);
      else if (kids.has(jwk.kid)) at(`${where}.kid`, 'must be unique within the set');
      else kids.add(jwk.kid);
    } else if (keys.length > 1) {
      at(`${where}.kid`, 'is required when the set has several keys');
    }
    try {
      const publicKey = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      const bits = publicKey.asymmetricKeyDetails?.modulusLength;
      if (jwk.kty === 'RSA' && bits !== undefined && bits < JWKS_LIMITS.minRsaBits) at(where, `RSA keys must have at least ${JWKS_LIMITS.minRsaBits} bits`);
    } catch {
      at(where, 'is not a valid public key');
    }
  });
  return problems;
}
